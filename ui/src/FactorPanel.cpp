#include "FactorPanel.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrent>

#include "Export.h"
#include "FactorControls.h"
#include "ImageConversion.h"
#include "ImageListView.h"
#include "PlotStyle.h"
#include "netsight/ui/ExperimentSession.h"

namespace netsight::ui {
namespace {

// Layer names along the x axis, slanted.
void layerTicks(QCustomPlot* plot, const std::vector<info::LayerInfo>& layers) {
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (std::size_t l = 0; l < layers.size(); ++l)
        ticker->addTick(static_cast<double>(l), QString::fromStdString(layers[l].layer));
    plot->xAxis->setTicker(ticker);
    plot->xAxis->setTickLabelRotation(40);
    plot->xAxis->setRange(-0.5, static_cast<double>(layers.size()) - 0.5);
}

QCPGraph* addLine(QCustomPlot* plot, const QString& name, int colour, const QVector<double>& x,
                  const QVector<double>& y, bool dashed = false) {
    QCPGraph* graph = plot->addGraph();
    graph->setName(name);
    QPen pen(seriesColour(colour), 2);
    if (dashed) pen.setStyle(Qt::DashLine);
    graph->setPen(pen);
    graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
    graph->setData(x, y);
    return graph;
}

// Bar charts need no legend: give its column back to the plot.
void withoutLegend(QCustomPlot* plot) {
    plot->legend->setVisible(false);
    plot->plotLayout()->take(plot->legend);
    plot->plotLayout()->simplify();
    plot->axisRect()->insetLayout()->addElement(plot->legend, Qt::AlignTop | Qt::AlignRight);
}

void finishPlot(QCustomPlot* plot, double yMinimum = 0) {
    double top = 1e-3;
    for (int g = 0; g < plot->graphCount(); ++g) {
        bool found = false;
        const QCPRange range = plot->graph(g)->getValueRange(found);
        if (found) top = std::max(top, range.upper);
    }
    plot->yAxis->setRange(yMinimum, top * 1.08);
    plot->replot();
}

}  // namespace

FactorPanel::FactorPanel(ExperimentSession* session, QWidget* parent) : QWidget(parent), session_(session) {
    classifier_ = new QComboBox(this);
    classifier_->setToolTip(tr("A classifier of this experiment trained on FactorWorld"));
    controls_ = new FactorControls(this);
    samples_ = new QSpinBox(this);
    samples_->setRange(200, 200000);
    samples_->setSingleStep(500);
    samples_->setValue(2000);
    samples_->setToolTip(tr("Stimuli rendered for the MI analyses (more: steadier estimates, longer run)"));
    run_ = new QPushButton(tr("Run analysis"), this);
    run_->setToolTip(
        tr("MI of every factor with the decision and every layer, invariance, generalization "
           "gradients and classification images; written to results/factors/"));
    stop_ = new QPushButton(tr("Stop"), this);
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setTextVisible(true);
    status_ = new QLabel(tr("Choose a classifier trained on FactorWorld."), this);
    status_->setWordWrap(true);

    auto* top = new QFormLayout;
    top->addRow(tr("Classifier"), classifier_);
    auto* analysis = new QGroupBox(tr("Analysis"), this);
    auto* analysisLayout = new QFormLayout(analysis);
    analysisLayout->addRow(tr("Stimuli"), samples_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(run_);
    buttons->addWidget(stop_);
    analysisLayout->addRow(buttons);
    analysisLayout->addRow(progress_);
    auto* scroll = new QScrollArea(this);
    scroll->setWidgetResizable(true);
    scroll->setWidget(controls_);
    scroll->setFrameShape(QFrame::NoFrame);
    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->addLayout(top);
    leftLayout->addWidget(scroll, 1);
    leftLayout->addWidget(analysis);
    leftLayout->addWidget(status_);

    // Live: the stimulus and the classifier's answer.
    image_ = new QLabel(this);
    image_->setMinimumSize(220, 220);
    image_->setAlignment(Qt::AlignCenter);
    image_->setFrameShape(QFrame::StyledPanel);
    answer_ = new QLabel(this);
    answer_->setAlignment(Qt::AlignCenter);
    QFont big = answer_->font();
    big.setPointSizeF(big.pointSizeF() * 1.3);
    answer_->setFont(big);
    probabilityPlot_ = titledPlot(tr("Probabilities"), QString(), tr("p"), this);
    withoutLegend(probabilityPlot_);
    probabilityPlot_->yAxis->setRange(0, 1.02);
    auto* live = new QWidget(this);
    auto* liveLayout = new QHBoxLayout(live);
    auto* imageColumn = new QVBoxLayout;
    imageColumn->addWidget(image_, 1);
    imageColumn->addWidget(answer_);
    liveLayout->addLayout(imageColumn, 1);
    liveLayout->addWidget(probabilityPlot_, 1);

    decisionPlot_ = titledPlot(tr("What the decision carries"), QString(), tr("bits"), this);
    withoutLegend(decisionPlot_);
    depthPlot_ = titledPlot(tr("Information across depth"), tr("layer"), tr("bits (mean over units)"), this);
    statistic_ = new QComboBox(this);
    statistic_->addItems(
        {tr("Mean MI per unit"), tr("Largest MI of a unit"), tr("Share of informative units")});
    invariancePlot_ = titledPlot(tr("Invariance to pose"), tr("layer"), tr("bits (mean over units)"), this);
    morphPlot_ = titledPlot(tr("Generalization gradients"), tr("morph distance towards another identity"),
                            tr("p(original identity)"), this);
    maps_ = new ImageListView(this);
    auto* depthPage = new QWidget(this);
    auto* depthLayout = new QVBoxLayout(depthPage);
    depthLayout->setContentsMargins(0, 0, 0, 0);
    depthLayout->addWidget(statistic_, 0, Qt::AlignLeft);
    depthLayout->addWidget(
        withExport(depthPlot_,
                   new ExportButton(
                       "mi_by_depth", [this](const QString& path) { return exportPlot(depthPlot_, path); },
                       [this] { return csvLayers(); }, this),
                   this),
        1);
    auto* mapsPage = new QWidget(this);
    auto* mapsLayout = new QVBoxLayout(mapsPage);
    auto* mapsNote =
        new QLabel(tr("Reverse correlation: each render under noise; the map is mid-grey plus the "
                      "correlation of each cell's noise (per colour channel) with the identity's "
                      "logit margin — brighter or coloured cells push towards the identity."),
                   this);
    mapsNote->setWordWrap(true);
    auto* saveMaps = new QPushButton(tr("Save maps…"), this);
    mapsLayout->addWidget(mapsNote);
    mapsLayout->addWidget(maps_, 1);
    mapsLayout->addWidget(saveMaps, 0, Qt::AlignRight);

    auto* views = views_ = new QTabWidget(this);
    views->addTab(live, tr("Live"));
    views->addTab(
        withExport(decisionPlot_,
                   new ExportButton(
                       "decision", [this](const QString& path) { return exportPlot(decisionPlot_, path); },
                       [this] { return csvDecision(); }, this),
                   this),
        tr("Decision"));
    views->addTab(depthPage, tr("Layers"));
    views->addTab(withExport(invariancePlot_,
                             new ExportButton(
                                 "invariance",
                                 [this](const QString& path) { return exportPlot(invariancePlot_, path); },
                                 [this] { return csvLayers(); }, this),
                             this),
                  tr("Invariance"));
    views->addTab(
        withExport(morphPlot_,
                   new ExportButton(
                       "generalization", [this](const QString& path) { return exportPlot(morphPlot_, path); },
                       [this] { return csvMorphs(); }, this),
                   this),
        tr("Shape or texture"));
    views->addTab(mapsPage, tr("Classification images"));

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(views);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(classifier_, &QComboBox::currentIndexChanged, this, [this] {
        loadProbe();
        loadReport();
    });
    connect(controls_, &FactorControls::changed, this, &FactorPanel::requestPrediction);
    connect(statistic_, &QComboBox::currentIndexChanged, this, &FactorPanel::showDepth);
    connect(run_, &QPushButton::clicked, this, &FactorPanel::startAnalysis);
    connect(stop_, &QPushButton::clicked, this, [this] { session_->cancel(runningJob_); });
    connect(saveMaps, &QPushButton::clicked, this,
            [this] { status_->setText(maps_->saveMontage("classification_images")); });
    connect(session_, &ExperimentSession::specChanged, this, &FactorPanel::refreshClassifiers);
    connect(session_, &ExperimentSession::opened, this, &FactorPanel::refreshClassifiers);
    connect(session_, &ExperimentSession::jobsChanged, this, [this] {
        if (runningJob_.isEmpty()) return;
        for (const auto& job : session_->jobs())
            if (job.name == runningJob_) {
                progress_->setValue(job.total > 0 ? static_cast<int>(1000 * job.done / job.total) : 0);
                progress_->setFormat(job.phase.isEmpty() ? tr("queued") : job.phase + " %p%");
            }
    });
    connect(session_, &ExperimentSession::jobFinished, this,
            [this](const QString& job, JobState state, const QString& message) {
                if (job != runningJob_) {
                    refreshClassifiers();  // a training or the probe may have written a model file
                    return;
                }
                runningJob_.clear();
                run_->setEnabled(true);
                stop_->setEnabled(false);
                progress_->setValue(state == JobState::Succeeded ? 1000 : progress_->value());
                progress_->setFormat(state == JobState::Succeeded   ? tr("done")
                                     : state == JobState::Cancelled ? tr("stopped")
                                                                    : tr("failed"));
                if (state == JobState::Succeeded) {
                    loadReport();
                    status_->setText(tr("Analysis written to %1").arg(reportDirectory()));
                } else {
                    error_ = state == JobState::Cancelled ? tr("Stopped.") : tr("Failed: %1").arg(message);
                    status_->setText(error_);
                }
                emit finished(job, state == JobState::Succeeded);
            });
    stop_->setEnabled(false);
    refreshClassifiers();
}

FactorPanel::~FactorPanel() = default;

void FactorPanel::refreshClassifiers() {
    const QString current = classifier_->currentText();
    const bool blocked = classifier_->blockSignals(true);
    classifier_->clear();
    for (const auto& entry : session_->spec().classifiers) {
        const QString path = session_->modelPath(entry);
        if (!path.isEmpty() && QFileInfo::exists(path))
            classifier_->addItem(QString::fromStdString(entry.name), path);
    }
    const int index = classifier_->findText(current);
    classifier_->setCurrentIndex(index >= 0 ? index : (classifier_->count() > 0 ? 0 : -1));
    classifier_->blockSignals(blocked);
    if (classifier_->currentText() != current || !probe_) {
        loadProbe();
        loadReport();
    }
    if (classifier_->count() == 0)
        status_->setText(
            tr("No trained classifier yet: train one in the Classifiers view (FactorWorld data)."));
}

void FactorPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    refreshClassifiers();
}

void FactorPanel::selectClassifier(const QString& name) {
    const int index = classifier_->findText(name);
    if (index >= 0) classifier_->setCurrentIndex(index);
}

QString FactorPanel::reportDirectory() const {
    if (session_->directory().isEmpty() || classifier_->currentText().isEmpty()) return {};
    return QDir(session_->directory()).filePath("results/factors/" + classifier_->currentText());
}

// Loads the classifier and its FactorWorld off the GUI thread; the sliders take its identities.
void FactorPanel::loadProbe() {
    probe_.reset();
    const int generation = ++probeGeneration_;
    const QString path = classifier_->currentData().toString();
    if (path.isEmpty()) return;
    auto* watcher = new QFutureWatcher<std::shared_ptr<info::FactorProbe>>(this);
    auto message = std::make_shared<QString>();
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher, generation, message] {
        watcher->deleteLater();
        if (generation != probeGeneration_) return;
        probe_ = watcher->result();
        if (!probe_) {
            error_ = *message;
            status_->setText(*message);
            return;
        }
        QStringList names;
        for (const auto& name : probe_->classNames())
            names << QString::fromStdString(name);
        status_->setText(tr("Move the sliders: the picture and the probabilities follow. Data: %1")
                             .arg(QString::fromStdString(probe_->dataSource())));
        controls_->setIdentities(probe_->identities(), names);
    });
    watcher->setFuture(
        QtConcurrent::run([file = path.toStdString(), message]() -> std::shared_ptr<info::FactorProbe> {
            try {
                return std::make_shared<info::FactorProbe>(file);
            } catch (const std::exception& error) {
                *message = QString::fromStdString(error.what());
                return nullptr;
            }
        }));
}

// One prediction at a time, the latest request wins: dragging a slider never queues up work.
void FactorPanel::requestPrediction() {
    if (!probe_) return;
    if (predicting_) {
        pending_ = true;
        return;
    }
    predicting_ = true;
    pending_ = false;
    auto* watcher = new QFutureWatcher<info::LivePrediction>(this);
    connect(watcher, &QFutureWatcherBase::finished, this, [this, watcher] {
        watcher->deleteLater();
        predicting_ = false;
        showPrediction(watcher->result());
        if (pending_) requestPrediction();
    });
    watcher->setFuture(
        QtConcurrent::run([probe = probe_, identity = controls_->identity(), view = controls_->view()] {
            return probe->predict(identity, view);
        }));
}

void FactorPanel::showPrediction(const info::LivePrediction& prediction) {
    liveImage_ = toQImage(prediction.image);
    probabilities_ = prediction.probabilities;
    const int side = std::max(128, std::min(image_->width(), image_->height()) - 8);
    image_->setPixmap(
        QPixmap::fromImage(liveImage_.scaled(side, side, Qt::KeepAspectRatio, Qt::FastTransformation)));
    probabilityPlot_->clearPlottables();
    auto* bars = new QCPBars(probabilityPlot_->xAxis, probabilityPlot_->yAxis);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    std::size_t best = 0;
    for (std::size_t k = 0; k < probabilities_.size(); ++k) {
        bars->addData(static_cast<double>(k), probabilities_[k]);
        ticker->addTick(static_cast<double>(k), QString::fromStdString(prediction.classNames[k]));
        if (probabilities_[k] > probabilities_[best]) best = k;
    }
    bars->setBrush(seriesColour(0));
    bars->setPen(Qt::NoPen);
    probabilityPlot_->xAxis->setTicker(ticker);
    probabilityPlot_->xAxis->setTickLabelRotation(probabilities_.size() > 3 ? 35 : 0);
    probabilityPlot_->xAxis->setRange(-0.6, static_cast<double>(probabilities_.size()) - 0.4);
    probabilityPlot_->yAxis->setRange(0, 1.02);
    probabilityPlot_->replot(QCustomPlot::rpQueuedReplot);
    if (!probabilities_.empty())
        answer_->setText(tr("%1  (p = %2)")
                             .arg(QString::fromStdString(prediction.classNames[best]))
                             .arg(probabilities_[best], 0, 'f', 2));
    emit predicted();
}

bool FactorPanel::startAnalysis() {
    error_.clear();
    const QString path = classifier_->currentData().toString();
    if (path.isEmpty()) {
        error_ = tr("Choose a trained classifier first.");
        status_->setText(error_);
        return false;
    }
    info::FactorOptions options;
    options.samples = static_cast<std::size_t>(samples_->value());
    const std::string model = path.toStdString(), out = reportDirectory().toStdString();
    const QString name = "factors:" + classifier_->currentText();
    if (!session_->submitJob(name, [model, out, options](runtime::JobContext& job) {
            const info::FactorReport report = info::analyzeFactors(model, options, job);
            info::writeFactorReport(report, out);
        })) {
        error_ = session_->error();
        status_->setText(error_);
        return false;
    }
    runningJob_ = name;
    run_->setEnabled(false);
    stop_->setEnabled(true);
    progress_->setValue(0);
    status_->setText(tr("Running the analyses (see also the Jobs view)…"));
    return true;
}

void FactorPanel::loadReport() {
    report_ = info::FactorReport{};
    const QString directory = reportDirectory();
    if (!directory.isEmpty() && QFileInfo::exists(directory + "/factors.json")) {
        try {
            report_ = info::readFactorReport(directory.toStdString());
        } catch (const std::exception& error) {
            status_->setText(QString::fromStdString(error.what()));
        }
    }
    showReport();
}

void FactorPanel::showReport() {
    for (auto* plot : {decisionPlot_, invariancePlot_, morphPlot_})
        plot->clearPlottables();
    maps_->clear();
    if (!hasReport()) {
        for (auto* plot : {decisionPlot_, depthPlot_, invariancePlot_, morphPlot_})
            plot->replot();
        depthPlot_->clearPlottables();
        return;
    }
    // Decision.
    auto* bars = new QCPBars(decisionPlot_->xAxis, decisionPlot_->yAxis);
    QSharedPointer<QCPAxisTickerText> ticker(new QCPAxisTickerText);
    for (std::size_t i = 0; i < report_.decision.size(); ++i) {
        bars->addData(static_cast<double>(i), report_.decision[i].bits);
        ticker->addTick(static_cast<double>(i), QString::fromStdString(report_.decision[i].factor));
    }
    bars->setBrush(seriesColour(0));
    bars->setPen(Qt::NoPen);
    decisionPlot_->xAxis->setTicker(ticker);
    decisionPlot_->xAxis->setTickLabelRotation(40);
    decisionPlot_->xAxis->setRange(-0.6, static_cast<double>(report_.decision.size()) - 0.4);
    finishPlot(decisionPlot_);
    showDepth();
    // Invariance.
    QVector<double> x, pose, identity;
    for (std::size_t l = 0; l < report_.layers.size(); ++l) {
        x << static_cast<double>(l);
        pose << report_.layers[l].poseBits;
        identity << report_.layers[l].identityGivenPoseBits;
    }
    addLine(invariancePlot_, tr("I(unit; identity | pose)"), 0, x, identity);
    addLine(invariancePlot_, tr("I(unit; pose)"), 1, x, pose, true);
    layerTicks(invariancePlot_, report_.layers);
    finishPlot(invariancePlot_);
    // Generalization gradients with ± standard error.
    for (std::size_t m = 0; m < report_.morphs.size(); ++m) {
        const auto& curve = report_.morphs[m];
        QCPGraph* graph =
            addLine(morphPlot_, tr("%1 only").arg(QString::fromStdString(curve.kind)), static_cast<int>(m),
                    QVector<double>(curve.distance.begin(), curve.distance.end()),
                    QVector<double>(curve.probability.begin(), curve.probability.end()));
        auto* errors = new QCPErrorBars(morphPlot_->xAxis, morphPlot_->yAxis);
        errors->setDataPlottable(graph);
        errors->setData(QVector<double>(curve.standardError.begin(), curve.standardError.end()));
        errors->setPen(QPen(seriesColour(static_cast<int>(m)), 1));
        errors->removeFromLegend();
    }
    morphPlot_->xAxis->setRange(-0.02, 1.02);
    morphPlot_->yAxis->setRange(0, 1.02);
    morphPlot_->replot();
    // Classification images.
    for (const auto& image : report_.classificationImages) {
        const QString name = QString::fromStdString(image.className);
        maps_->addImage(image.base, name);
        maps_->addImage(info::correlationPicture(image),
                        tr("%1: map (%2x noise)").arg(name).arg(info::signalToNoise(image), 0, 'f', 1));
    }
    status_->setText(tr("%1 stimuli, accuracy on them %2%; identity carried by the decision: %3 bits.")
                         .arg(report_.samples)
                         .arg(report_.stimulusAccuracy * 100, 0, 'f', 1)
                         .arg(report_.decision.front().bits, 0, 'f', 2));
    emit reportShown();
}

void FactorPanel::showDepth() {
    depthPlot_->clearPlottables();
    if (!hasReport()) {
        depthPlot_->replot();
        return;
    }
    const int which = statistic_->currentIndex();
    const auto& factors = report_.layers.front().factors;
    for (std::size_t f = 0; f < factors.size(); ++f) {
        QVector<double> x, y;
        for (std::size_t l = 0; l < report_.layers.size(); ++l) {
            const auto& layer = report_.layers[l];
            x << static_cast<double>(l);
            y << (which == 0 ? layer.meanBits[f] : which == 1 ? layer.maxBits[f] : layer.informativeShare[f]);
        }
        addLine(depthPlot_, QString::fromStdString(factors[f]), static_cast<int>(f), x, y,
                factors[f] == "pose");
    }
    depthPlot_->yAxis->setLabel(which == 2 ? tr("share of units above the shuffled 99th percentile")
                                           : tr("bits"));
    layerTicks(depthPlot_, report_.layers);
    finishPlot(depthPlot_);
}

QString FactorPanel::csvDecision() const {
    QString csv = "factor,bits\n";
    for (const auto& d : report_.decision)
        csv += QStringLiteral("%1,%2\n").arg(QString::fromStdString(d.factor)).arg(d.bits, 0, 'g', 6);
    return csv;
}

QString FactorPanel::csvLayers() const {
    QString csv =
        "index,layer,factor,mean_bits,max_bits,informative_share,pose_bits,identity_given_pose_bits\n";
    for (std::size_t l = 0; l < report_.layers.size(); ++l) {
        const auto& layer = report_.layers[l];
        for (std::size_t f = 0; f < layer.factors.size(); ++f)
            csv += QStringLiteral("%1,%2,%3,%4,%5,%6,%7,%8\n")
                       .arg(l)
                       .arg(QString::fromStdString(layer.layer), QString::fromStdString(layer.factors[f]))
                       .arg(layer.meanBits[f], 0, 'g', 6)
                       .arg(layer.maxBits[f], 0, 'g', 6)
                       .arg(layer.informativeShare[f], 0, 'g', 6)
                       .arg(layer.poseBits, 0, 'g', 6)
                       .arg(layer.identityGivenPoseBits, 0, 'g', 6);
    }
    return csv;
}

QString FactorPanel::csvMorphs() const {
    QString csv = "kind,distance,probability,standard_error\n";
    for (const auto& m : report_.morphs)
        for (std::size_t i = 0; i < m.distance.size(); ++i)
            csv += QStringLiteral("%1,%2,%3,%4\n")
                       .arg(QString::fromStdString(m.kind))
                       .arg(m.distance[i], 0, 'g', 6)
                       .arg(m.probability[i], 0, 'g', 6)
                       .arg(m.standardError[i], 0, 'g', 6);
    return csv;
}

}  // namespace netsight::ui
