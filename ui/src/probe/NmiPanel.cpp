#include "probe/NmiPanel.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>
#include <map>

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

// The median of each replica's entries of one row (the spread of the fine-tuning runs): one value per
// replica, in replica order.
std::vector<double> replicaMedians(const std::vector<double>& values, const std::vector<int>& replicas) {
    std::map<int, std::vector<double>> byReplica;
    for (std::size_t i = 0; i < values.size() && i < replicas.size(); ++i)
        byReplica[replicas[i]].push_back(values[i]);
    std::vector<double> medians;
    for (auto& [replica, entries] : byReplica) {
        std::sort(entries.begin(), entries.end());
        medians.push_back(quantile(entries, 0.5));
    }
    return medians;
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
    auto* note = new QLabel(
        tr("Intra: each test image against its own reconstruction — how much of the image "
           "gets through. Inter: reconstructions of two different images — the baseline "
           "shared by any two pictures. Boxes: quartiles; whiskers: 1.5 IQR; diamonds: the median of "
           "each fine-tuning run (replica) of an autoencoder, their spread."),
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

int NmiPanel::replicaMedianCount() const {
    int count = 0;
    for (int i = 0; i < plot_->graphCount(); ++i)
        count += plot_->graph(i)->dataCount();
    return count;
}

int NmiPanel::boxCount() const {
    int count = 0;
    for (int i = 0; i < plot_->plottableCount(); ++i)
        if (auto* box = qobject_cast<QCPStatisticalBox*>(plot_->plottable(i))) count += box->dataCount();
    return count;
}

void NmiPanel::refresh() {
    plot_->clearPlottables();  // the boxes and the replicas' graphs
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
        // Each fine-tuning run's median as a diamond over its box: the spread across replicas.
        auto* intraReplicas = plot_->addGraph();
        auto* interReplicas = plot_->addGraph();
        intraReplicas->setName(tr("median of each replica"));
        interReplicas->removeFromLegend();
        for (auto [graph, colour] :
             {std::pair{intraReplicas, intraColour}, std::pair{interReplicas, interColour}}) {
            graph->setLineStyle(QCPGraph::lsNone);
            graph->setScatterStyle(
                QCPScatterStyle(QCPScatterStyle::ssDiamond, colour.darker(170), colour.lighter(130), 8));
        }
        bool anyReplicas = false;
        for (std::size_t r = 0; r < nmi.rows.size(); ++r) {
            const double x = static_cast<double>(r) + 1;
            const BoxStats a = boxStats(nmi.intra[r]), b = boxStats(nmi.inter[r]);
            intra->addData(x - 0.18, a.minimum, a.lower, a.median, a.upper, a.maximum, a.outliers);
            inter->addData(x + 0.18, b.minimum, b.lower, b.median, b.upper, b.maximum, b.outliers);
            if (r < nmi.replica.size()) {
                const auto intraMedians = replicaMedians(nmi.intra[r], nmi.replica[r]);
                const auto interMedians = replicaMedians(nmi.inter[r], nmi.replica[r]);
                if (intraMedians.size() > 1) {
                    anyReplicas = true;
                    for (std::size_t k = 0; k < intraMedians.size(); ++k) {
                        // Side by side across the box, so that equal medians stay visible.
                        const double offset =
                            0.1 * (static_cast<double>(k) / (intraMedians.size() - 1) - 0.5);
                        intraReplicas->addData(x - 0.18 + offset, intraMedians[k]);
                        interReplicas->addData(x + 0.18 + offset, interMedians[k]);
                    }
                }
            }
            const QString row = QString::fromStdString(nmi.rows[r]);
            ticker->addTick(x, row == "pretrained" ? tr("pretrained AE") : tr("AE for %1").arg(row));
        }
        if (!anyReplicas) {
            plot_->removeGraph(interReplicas);
            plot_->removeGraph(intraReplicas);
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
    QString text = "autoencoder,replica,image,intra,inter\n";
    const auto& nmi = results->nmi;
    for (std::size_t r = 0; r < nmi.rows.size(); ++r) {
        std::map<int, int> imageOf;  // entries of each replica are its images in order
        for (std::size_t i = 0; i < nmi.intra[r].size(); ++i) {
            const int replica = r < nmi.replica.size() && i < nmi.replica[r].size() ? nmi.replica[r][i] : 0;
            text += QStringLiteral("%1,%2,%3,%4,%5\n")
                        .arg(QString::fromStdString(nmi.rows[r]))
                        .arg(replica + 1)
                        .arg(imageOf[replica]++)
                        .arg(nmi.intra[r][i], 0, 'g', 12)
                        .arg(nmi.inter[r][i], 0, 'g', 12);
        }
    }
    return text;
}

}  // namespace netsight::ui
