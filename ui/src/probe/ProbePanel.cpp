#include "probe/ProbePanel.h"

#include <qcustomplot.h>

#include <QDialog>
#include <QHBoxLayout>
#include <QLabel>
#include <QScrollArea>
#include <QSplitter>
#include <QVBoxLayout>

#include "netsight/experiment/Experiment.h"
#include "netsight/ui/ExperimentSession.h"
#include "probe/ReconstructionGrid.h"
#include "widgets/Export.h"
#include "widgets/PanelLayout.h"
#include "widgets/PlotStyle.h"

namespace netsight::ui {
namespace {

constexpr int kSmoothing = 10;  // batches in the running mean of a curve

// Running mean: batch losses and accuracies are noisy, their trend is what a user reads.
QVector<double> smoothed(const QVector<double>& values) {
    if (values.size() < 3 * kSmoothing) return values;  // short (per-epoch) series are shown as they are
    QVector<double> out(values.size());
    double sum = 0;
    for (int i = 0; i < values.size(); ++i) {
        sum += values[i];
        if (i >= kSmoothing) sum -= values[i - kSmoothing];
        out[i] = sum / std::min(i + 1, kSmoothing);
    }
    return out;
}

}  // namespace

ProbePanel::ProbePanel(ExperimentSession* session, QWidget* parent) : QWidget(parent), session_(session) {
    lossPlot_ = titledPlot(tr("Loss"), tr("step (batches within the stage)"), tr("loss (log scale)"), this);
    lossPlot_->yAxis->setScaleType(QCPAxis::stLogarithmic);
    lossPlot_->yAxis->setTicker(QSharedPointer<QCPAxisTickerLog>(new QCPAxisTickerLog));
    accuracyPlot_ =
        titledPlot(tr("Accuracy"), tr("step (batches within the stage)"), tr("batch accuracy"), this);
    accuracyPlot_->yAxis->setRange(0, 1.02);

    grid_ = new ReconstructionGrid(this);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(grid_);
    scroll->setWidgetResizable(false);
    scroll->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
    scroll->viewport()->installEventFilter(this);
    scroll_ = scroll;

    auto csv = [this] { return seriesCsv(); };
    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addWidget(
        withExport(lossPlot_,
                   new ExportButton(
                       "loss", [this](const QString& p) { return exportPlot(lossPlot_, p); }, csv, this),
                   left),
        1);
    leftLayout->addWidget(
        withExport(
            accuracyPlot_,
            new ExportButton(
                "accuracy", [this](const QString& p) { return exportPlot(accuracyPlot_, p); }, csv, this),
            left),
        1);
    hint_ = new QLabel(this);
    hint_->setWordWrap(true);
    hint_->setText(
        tr("Running means over %1 batches. Classifier training: accuracy on the images; "
           "fine-tuning: the frozen classifier's accuracy on the reconstructions. Stages share the x "
           "axis, so they compare directly.")
            .arg(kSmoothing));
    leftLayout->addWidget(hint_);

    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    auto* gridTitle = new QLabel(tr("<b>Reconstructions</b> — what each classifier lets through"), right);
    auto* bar = new QHBoxLayout;
    bar->addWidget(gridTitle, 1);
    bar->addWidget(new ExportButton(
        "reconstructions", [this](const QString& p) { return exportWidget(grid_, p); }, nullptr, right));
    rightLayout->addLayout(bar);
    stages_ = new QLabel(right);
    stages_->setWordWrap(true);
    stages_->setTextFormat(Qt::RichText);
    stages_->setToolTip(
        tr("Each stage of the probe as the experiment folder shows it, whichever process made "
           "it: done, running, resumable (a checkpoint), stale (made with other settings: "
           "Run > Discard stale stages) or missing"));
    rightLayout->addWidget(stages_);
    rightLayout->addWidget(scroll, 1);

    fillWithSplitter(this, Qt::Horizontal, left, right, 3, 2);

    connect(session_, &ExperimentSession::seriesChanged, this, &ProbePanel::replot);
    connect(session_, &ExperimentSession::previewsChanged, this, &ProbePanel::refreshGrid);
    connect(session_, &ExperimentSession::specChanged, this, &ProbePanel::refreshColumns);
    connect(session_, &ExperimentSession::stagesChanged, this, &ProbePanel::refreshStages);
    connect(session_, &ExperimentSession::closed, this, [this] {
        refreshStages();
        refreshColumns();
        refreshGrid();
        replot();
    });
    connect(grid_, &ReconstructionGrid::imageClicked, this, &ProbePanel::zoom);
    refreshColumns();
}

void ProbePanel::refreshColumns() {
    QStringList keys{"original", "pretrained"};
    for (const auto& entry : session_->spec().classifiers)
        keys << QString::fromStdString(entry.name);
    QStringList titles;
    for (const auto& key : keys)
        titles << QString::fromStdString(experiment::rowTitle(key.toStdString()));
    if (!session_->isOpen()) keys.clear();
    grid_->setColumns(keys, titles);
    fitGrid();
}

void ProbePanel::refreshStages() {
    QStringList parts;
    for (const auto& stage : session_->stages()) {
        const char* colour = stage.state == experiment::StageState::Done      ? "#2e7d32"
                             : stage.state == experiment::StageState::Running ? "#1565c0"
                             : stage.state == experiment::StageState::Stale   ? "#c62828"
                                                                              : "#757575";
        // Non-breaking inside a stage: the line wraps between stages only.
        parts << QStringLiteral("%1: <span style='color:%2'>%3</span>")
                     .arg(QString::fromStdString(experiment::stageTitle(stage))
                              .toHtmlEscaped()
                              .replace(' ', "&nbsp;"),
                          QLatin1String(colour), QLatin1String(experiment::stageStateName(stage.state)));
    }
    stages_->setText(parts.isEmpty() ? QString()
                                     : tr("<b>Stages</b> &nbsp;") + parts.join(" &nbsp;·&nbsp; "));
}

QString ProbePanel::stagesText() const {
    return stages_->text();
}

bool ProbePanel::eventFilter(QObject* watched, QEvent* event) {
    if (watched == scroll_->viewport() && event->type() == QEvent::Resize) fitGrid();
    return QWidget::eventFilter(watched, event);
}

// Cells as large as the view allows (48-128 px): all columns visible side by side, rows scroll.
void ProbePanel::fitGrid() {
    grid_->setAvailableWidth(scroll_->viewport()->width());
    grid_->resize(grid_->sizeHint());
}

void ProbePanel::refreshGrid() {
    grid_->setImages(session_->previews());
    fitGrid();
}

void ProbePanel::replot() {
    lossPlot_->clearGraphs();
    accuracyPlot_->clearGraphs();
    // Colour by classifier (its training dashed, its fine-tuning solid); pretraining in the text colour.
    QStringList names;
    for (const auto& entry : session_->spec().classifiers)
        names << QString::fromStdString(entry.name);
    const QColor textColour = palette().color(QPalette::Text);
    const auto& all = session_->series();
    for (auto it = all.begin(); it != all.end(); ++it) {
        const int slash = static_cast<int>(it.key().lastIndexOf('/'));
        if (slash < 0) continue;
        const QString stage = it.key().left(slash), quantity = it.key().mid(slash + 1);
        QCustomPlot* plot = quantity == "loss" ? lossPlot_ : quantity == "accuracy" ? accuracyPlot_ : nullptr;
        // Validation points are per epoch, not per batch: they would not share the x axis.
        if (!plot || stage.endsWith("val")) continue;
        QPen pen(textColour, 1.6);
        QString label = stage;
        if (stage.startsWith("classifier ")) {
            const QString name = stage.mid(11).section(':', 0, 0);
            pen.setColor(seriesColour(static_cast<int>(names.indexOf(name))));
            pen.setStyle(Qt::DashLine);
            label = tr("%1: classifier").arg(name);
        } else if (stage.startsWith("fine-tune for ")) {
            const QString name = stage.mid(14);
            pen.setColor(seriesColour(static_cast<int>(names.indexOf(name))));
            label = tr("%1: AE fine-tune").arg(name);
        } else if (stage.startsWith("pretrain")) {
            label = tr("AE pretraining");
        }
        QCPGraph* graph = plot->addGraph();
        graph->setName(label);
        graph->setPen(pen);
        graph->setData(it.value().steps, smoothed(it.value().values));
    }
    lossPlot_->rescaleAxes();
    accuracyPlot_->xAxis->rescale();
    accuracyPlot_->yAxis->setRange(0, 1.02);
    lossPlot_->replot(QCustomPlot::rpQueuedReplot);
    accuracyPlot_->replot(QCustomPlot::rpQueuedReplot);
}

QString ProbePanel::seriesCsv() const {
    QString csv = "series,step,value\n";
    const auto& all = session_->series();
    for (auto it = all.begin(); it != all.end(); ++it)
        for (int i = 0; i < it.value().steps.size(); ++i)
            csv +=
                QStringLiteral("%1,%2,%3\n").arg(it.key()).arg(it.value().steps[i]).arg(it.value().values[i]);
    return csv;
}

void ProbePanel::zoom(const QString& title, const QImage& image) {
    auto* dialog = new QDialog(this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setWindowTitle(title);
    auto* label = new QLabel(dialog);
    const int side = 384;
    label->setPixmap(
        QPixmap::fromImage(image.scaled(side, side, Qt::KeepAspectRatio, Qt::FastTransformation)));
    auto* layout = new QVBoxLayout(dialog);
    layout->addWidget(new QLabel(title, dialog));
    layout->addWidget(label);
    dialog->show();
}

}  // namespace netsight::ui
