#include "probe/TransferPanel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QVBoxLayout>
#include <algorithm>

#include "netsight/ui/ExperimentSession.h"
#include "widgets/Export.h"
#include "widgets/HeatmapWidget.h"

namespace netsight::ui {

QStringList probeRowTitles(const std::vector<std::string>& rows) {
    QStringList titles;
    for (std::size_t r = 0; r < rows.size(); ++r)
        titles << (r == 0   ? QObject::tr("original images")
                   : r == 1 ? QObject::tr("pretrained AE")
                            : QObject::tr("AE for %1").arg(QString::fromStdString(rows[r])));
    return titles;
}

TransferPanel::TransferPanel(ExperimentSession* session, QWidget* parent)
    : QWidget(parent), session_(session) {
    viewBox_ = new QComboBox(this);
    viewBox_->addItem(tr("Accuracy A"));
    viewBox_->addItem(tr("Relative R = A / A(original)"));
    viewBox_->setToolTip(
        tr("Absolute accuracy, or accuracy relative to the classifier's accuracy on the "
           "original images"));
    heatmap_ = new HeatmapWidget(this);
    heatmap_->setAxisTitles(tr("reconstructions by"), tr("classifier evaluated"));
    note_ = new QLabel(this);
    note_->setWordWrap(true);
    note_->setText(
        tr("A[i][j]: accuracy of classifier j on the test images reconstructed by the autoencoder "
           "fine-tuned for classifier i. High values off the diagonal mean that what classifier i "
           "keeps is enough for classifier j."));
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Show:"), this));
    bar->addWidget(viewBox_);
    bar->addStretch();
    bar->addWidget(new ExportButton(
        "transfer", [this](const QString& path) { return exportWidget(heatmap_, path); },
        [this] { return csv(); }, this));
    quality_ = new QLabel(this);
    quality_->setWordWrap(true);
    quality_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(quality_);
    layout->addWidget(heatmap_, 1);
    layout->addWidget(note_);
    connect(viewBox_, &QComboBox::currentIndexChanged, this, &TransferPanel::refresh);
    connect(session_, &ExperimentSession::resultsChanged, this, &TransferPanel::refresh);
    connect(session_, &ExperimentSession::closed, this, &TransferPanel::refresh);
    refresh();
}

void TransferPanel::setView(View view) {
    viewBox_->setCurrentIndex(view == View::Absolute ? 0 : 1);
}

void TransferPanel::refresh() {
    const auto& results = session_->results();
    if (!results || !session_->isOpen()) {
        heatmap_->setMatrix({}, {}, {}, 0, 1, 3, {});
        quality_->clear();
        quality_->hide();
        return;
    }
    const auto& summary = results->summary;
    const QString line = QString::fromStdString(probe::pretrainedQualityLine(summary)).toHtmlEscaped();
    const QString warning = QString::fromStdString(probe::pretrainedQualityWarning(summary)).toHtmlEscaped();
    quality_->setText(warning.isEmpty() ? line
                                        : QString("%1<br><span style='color:#c0392b'><b>%2</b> %3</span>")
                                              .arg(line, tr("Read with care."), warning));
    quality_->setVisible(!line.isEmpty());
    const bool relative = viewBox_->currentIndex() == 1;
    const auto& matrix = relative ? summary.relative : summary.accuracy;
    QVector<QVector<double>> values;
    double high = 1.0;
    for (const auto& row : matrix) {
        values.push_back(QVector<double>(row.begin(), row.end()));
        if (relative && !row.empty()) high = std::max(high, *std::max_element(row.begin(), row.end()));
    }
    QStringList columns;
    for (const auto& name : summary.classifiers)
        columns << QString::fromStdString(name);
    const QStringList rows = probeRowTitles(summary.rows);
    heatmap_->setMatrix(rows, columns, values, 0.0, high, relative ? 2 : 3,
                        relative ? tr("relative accuracy") : tr("accuracy"));
    const auto& u = summary.uncertainty;
    if (u.images > 0) {
        // ± half the 95% interval under each number; cells of an undecided relation outlined.
        const auto& intervals = relative ? u.relative : u.accuracy;
        QVector<QVector<QString>> details;
        QVector<QVector<bool>> marked;
        for (std::size_t r = 0; r < intervals.size(); ++r) {
            details.push_back({});
            marked.push_back({});
            for (std::size_t c = 0; c < intervals[r].size(); ++c) {
                details.back().push_back(
                    QString::fromUtf8("±%1").arg(intervals[r][c].halfWidth(), 0, 'f', relative ? 2 : 3));
                marked.back().push_back(r >= 2 &&
                                        u.undecidedBetween(static_cast<int>(r - 2), static_cast<int>(c)));
            }
        }
        heatmap_->setDetails(details, marked);
    }
    heatmap_->setTooltip([summary, rows, columns](int r, int c) {
        QString text = tr("%1 seen by %2\naccuracy %3 (%4 of its accuracy on the originals)")
                           .arg(rows[r], columns[c])
                           .arg(summary.accuracy[r][c], 0, 'f', 3)
                           .arg(QString::number(100.0 * summary.relative[r][c], 'f', 1) + "%");
        const auto& measured = summary.uncertainty;
        if (measured.images > 0)
            text += tr("\n95% interval [%1, %2] over %3 test images and %4 replica(s)")
                        .arg(measured.accuracy[r][c].low, 0, 'f', 3)
                        .arg(measured.accuracy[r][c].high, 0, 'f', 3)
                        .arg(measured.images)
                        .arg(measured.replicas);
        return text;
    });
}

QString TransferPanel::qualityText() const {
    return quality_->text();
}

QString TransferPanel::csv() const {
    const auto& results = session_->results();
    if (!results) return {};
    const bool relative = viewBox_->currentIndex() == 1;
    const auto& summary = results->summary;
    QString text = "reconstructions\\classifier";
    for (const auto& name : summary.classifiers)
        text += "," + QString::fromStdString(name);
    text += "\n";
    for (std::size_t r = 0; r < summary.rows.size(); ++r) {
        text += QString::fromStdString(summary.rows[r]);
        for (double value : (relative ? summary.relative : summary.accuracy)[r])
            text += "," + QString::number(value, 'g', 6);
        text += "\n";
    }
    return text;
}

}  // namespace netsight::ui
