#include "probe/NmiPanel.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>

#include "netsight/ui/ExperimentSession.h"
#include "widgets/Export.h"
#include "widgets/PlotStyle.h"

namespace netsight::ui {
namespace {

struct BoxStats {
    double minimum, lower, median, upper, maximum;
    QVector<double> outliers;
};

double quantile(const std::vector<double>& sorted, double q) {
    const double position = q * (sorted.size() - 1);
    const auto below = static_cast<std::size_t>(position);
    const std::size_t above = std::min(below + 1, sorted.size() - 1);
    return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

// Tukey's box: quartiles, whiskers to the furthest point within 1.5 IQR, the rest outliers.
BoxStats boxStats(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    BoxStats box{};
    if (values.empty()) return box;
    box.lower = quantile(values, 0.25);
    box.median = quantile(values, 0.5);
    box.upper = quantile(values, 0.75);
    const double reach = 1.5 * (box.upper - box.lower);
    box.minimum = box.lower;
    box.maximum = box.upper;
    for (double v : values) {
        if (v < box.lower - reach || v > box.upper + reach)
            box.outliers.push_back(v);
        else {
            box.minimum = std::min(box.minimum, v);
            box.maximum = std::max(box.maximum, v);
        }
    }
    return box;
}

}  // namespace

NmiPanel::NmiPanel(ExperimentSession* session, QWidget* parent) : QWidget(parent), session_(session) {
    plot_ = new QCustomPlot(this);
    plot_->setWindowTitle(tr("NMI"));
    plot_->setMinimumSize(400, 260);
    plot_->yAxis->setLabel(tr("normalized mutual information"));
    plot_->legend->setVisible(true);
    plot_->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignTop | Qt::AlignRight);
    stylePlot(plot_);
    auto* note =
        new QLabel(tr("Intra: each test image against its own reconstruction — how much of the image "
                      "gets through. Inter: reconstructions of two different images — the baseline "
                      "shared by any two pictures. Boxes: quartiles; whiskers: 1.5 IQR."),
                   this);
    note->setWordWrap(true);
    auto* bar = new QHBoxLayout;
    bar->addStretch();
    bar->addWidget(new ExportButton(
        "nmi", [this](const QString& path) { return exportPlot(plot_, path); }, [this] { return csv(); },
        this));
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(plot_, 1);
    layout->addWidget(note);
    connect(session_, &ExperimentSession::resultsChanged, this, &NmiPanel::refresh);
    connect(session_, &ExperimentSession::closed, this, &NmiPanel::refresh);
    refresh();
}

int NmiPanel::boxCount() const {
    int count = 0;
    for (int i = 0; i < plot_->plottableCount(); ++i)
        if (auto* box = qobject_cast<QCPStatisticalBox*>(plot_->plottable(i))) count += box->dataCount();
    return count;
}

void NmiPanel::refresh() {
    plot_->clearPlottables();
    const auto& results = session_->results();
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    if (results && session_->isOpen()) {
        const auto& nmi = results->nmi;
        auto* intra = new QCPStatisticalBox(plot_->xAxis, plot_->yAxis);
        auto* inter = new QCPStatisticalBox(plot_->xAxis, plot_->yAxis);
        intra->setName(tr("intra (image vs its reconstruction)"));
        inter->setName(tr("inter (two different images)"));
        const QColor intraColour = seriesColour(0), interColour = seriesColour(1);
        for (auto [box, colour] : {std::pair{intra, intraColour}, std::pair{inter, interColour}}) {
            QColor fill = colour;
            fill.setAlpha(90);
            box->setBrush(fill);
            box->setPen(QPen(colour, 1.4));
            box->setMedianPen(QPen(colour.darker(150), 2.5));
            box->setWhiskerPen(
                QPen(colour, 1, Qt::DashLine));  // the default black vanishes on a dark palette
            box->setWhiskerBarPen(QPen(colour, 1.4));
            box->setWidth(0.32);
            box->setOutlierStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, colour, 4));
        }
        for (std::size_t r = 0; r < nmi.rows.size(); ++r) {
            const double x = static_cast<double>(r) + 1;
            const BoxStats a = boxStats(nmi.intra[r]), b = boxStats(nmi.inter[r]);
            intra->addData(x - 0.18, a.minimum, a.lower, a.median, a.upper, a.maximum, a.outliers);
            inter->addData(x + 0.18, b.minimum, b.lower, b.median, b.upper, b.maximum, b.outliers);
            const QString row = QString::fromStdString(nmi.rows[r]);
            ticker->addTick(x, row == "pretrained" ? tr("pretrained AE") : tr("AE for %1").arg(row));
        }
        plot_->xAxis->setRange(0.4, static_cast<double>(nmi.rows.size()) + 0.6);
        plot_->yAxis->rescale();
        const QCPRange range = plot_->yAxis->range();
        plot_->yAxis->setRange(range.lower - 0.05 * range.size(), range.upper + 0.15 * range.size());
    }
    plot_->xAxis->setTicker(ticker);
    plot_->xAxis->setTickLabelRotation(0);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString NmiPanel::csv() const {
    const auto& results = session_->results();
    if (!results) return {};
    QString text = "autoencoder,image,intra,inter\n";
    const auto& nmi = results->nmi;
    for (std::size_t r = 0; r < nmi.rows.size(); ++r)
        for (std::size_t i = 0; i < nmi.intra[r].size(); ++i)
            text += QStringLiteral("%1,%2,%3,%4\n")
                        .arg(QString::fromStdString(nmi.rows[r]))
                        .arg(i)
                        .arg(nmi.intra[r][i], 0, 'g', 6)
                        .arg(nmi.inter[r][i], 0, 'g', 6);
    return text;
}

}  // namespace netsight::ui
