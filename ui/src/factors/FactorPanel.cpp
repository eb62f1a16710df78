#include "factors/FactorPanel.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QDir>
#include <QFileInfo>
#include <QFormLayout>
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

#include "factors/FactorControls.h"
#include "factors/FactorResults.h"
#include "netsight/ui/ExperimentSession.h"
#include "widgets/Export.h"
#include "widgets/ImageConversion.h"
#include "widgets/JobProgress.h"
#include "widgets/PlotStyle.h"

namespace netsight::ui {
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

    auto* views = views_ = new FactorResults(this);
    views->insertTab(0, live, tr("Live"));
    views->setCurrentIndex(0);
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
    connect(run_, &QPushButton::clicked, this, &FactorPanel::startAnalysis);
    connect(stop_, &QPushButton::clicked, this, [this] { session_->cancel(runningJob_); });
    connect(session_, &ExperimentSession::specChanged, this, &FactorPanel::refreshClassifiers);
    // A classifier trained by any job, here or in another process, appears as soon as its file is complete.
    connect(session_, &ExperimentSession::stagesChanged, this, &FactorPanel::refreshClassifiers);
    connect(session_, &ExperimentSession::opened, this, &FactorPanel::refreshClassifiers);
    connect(session_, &ExperimentSession::jobsChanged, this,
            [this] { showJobProgress(*session_, runningJob_, progress_); });
    connect(session_, &ExperimentSession::jobFinished, this,
            [this](const QString& job, JobState state, const QString& message) {
                if (job != runningJob_) {
                    refreshClassifiers();  // a training or the probe may have written a model file
                    return;
                }
                runningJob_.clear();
                run_->setEnabled(true);
                stop_->setEnabled(false);
                showJobEnd(progress_, state);
                if (state == JobState::Succeeded) {
                    if (reportDirectory() == runningDirectory_) loadReport();  // still the chosen classifier
                    status_->setText(tr("Analysis written to %1").arg(runningDirectory_));
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

QCustomPlot* FactorPanel::depthPlot() const {
    return views_->depthPlot();
}

QCustomPlot* FactorPanel::morphPlot() const {
    return views_->morphPlot();
}

QTabWidget* FactorPanel::views() const {
    return views_;
}

void FactorPanel::refreshClassifiers() {
    const QString current = classifier_->currentText();
    const bool blocked = classifier_->blockSignals(true);
    classifier_->clear();
    for (const auto& entry : session_->spec().classifiers)
        if (session_->classifierReady(entry))
            classifier_->addItem(QString::fromStdString(entry.name), session_->modelPath(entry));
    const int index = classifier_->findText(current);
    classifier_->setCurrentIndex(index >= 0 ? index : (classifier_->count() > 0 ? 0 : -1));
    classifier_->blockSignals(blocked);
    // Reload when the model file changed: another experiment may have a classifier of the same name.
    if (loadedPath_ != classifier_->currentData().toString()) {
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
    return QString::fromStdString(
        session_->experiment().factorDirectory(classifier_->currentText().toStdString()));
}

// Loads the classifier and its FactorWorld off the GUI thread; the sliders take its identities.
void FactorPanel::loadProbe() {
    probe_.reset();
    const int generation = ++probeGeneration_;
    const QString path = classifier_->currentData().toString();
    loadedPath_ = path;
    if (path.isEmpty()) return;
    session_->query<std::shared_ptr<factors::FactorProbe>>(
        tr("load %1 for the factor lab").arg(classifier_->currentText()), this,
        [file = path.toStdString()](runtime::JobContext&) {
            return std::make_shared<factors::FactorProbe>(file);
        },
        [this, generation](std::shared_ptr<factors::FactorProbe> probe) {
            if (generation != probeGeneration_) return;
            probe_ = std::move(probe);
            QStringList names;
            for (const auto& name : probe_->classNames())
                names << QString::fromStdString(name);
            status_->setText(tr("Move the sliders: the picture and the probabilities follow. Data: %1")
                                 .arg(QString::fromStdString(probe_->dataSource())));
            controls_->setIdentities(probe_->identities(), names);
        },
        [this, generation](const QString& message) {
            if (generation != probeGeneration_) return;
            error_ = message;
            status_->setText(message);
        });
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
    const int generation = probeGeneration_;
    auto settled = [this, generation] {
        predicting_ = false;
        const bool current = generation == probeGeneration_;  // else the classifier changed meanwhile
        if (pending_) requestPrediction();
        return current;
    };
    const bool started = session_->query<factors::LivePrediction>(
        tr("live prediction"), this,
        [probe = probe_, identity = controls_->identity(), view = controls_->view()](runtime::JobContext&) {
            return probe->predict(identity, view);
        },
        [this, settled](factors::LivePrediction prediction) {
            if (settled()) showPrediction(prediction);
        },
        [this, settled](const QString& message) {
            if (!settled()) return;
            error_ = message;
            status_->setText(tr("Could not classify this stimulus: %1").arg(message));
        });
    if (!started) predicting_ = false;
}

void FactorPanel::showPrediction(const factors::LivePrediction& prediction) {
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
    factors::FactorOptions options;
    options.samples = static_cast<std::size_t>(samples_->value());
    options.device = session_->spec().device;
    const std::string model = path.toStdString(), out = reportDirectory().toStdString();
    const QString name = "factors:" + classifier_->currentText();
    if (!session_->submitJob(
            {name.toStdString(), runtime::JobKind::FactorAnalysis, classifier_->currentText().toStdString()},
            [model, out, options](runtime::JobContext& job) {
                const factors::FactorReport report = factors::analyzeFactors(model, options, job);
                factors::writeFactorReport(report, out);
            })) {
        error_ = session_->error();
        status_->setText(error_);
        return false;
    }
    runningJob_ = name;
    runningDirectory_ = reportDirectory();
    run_->setEnabled(false);
    stop_->setEnabled(true);
    progress_->setValue(0);
    status_->setText(tr("Running the analyses (see also the Jobs view)…"));
    return true;
}

void FactorPanel::loadReport() {
    report_ = factors::FactorReport{};
    const QString directory = reportDirectory();
    if (!directory.isEmpty() && QFileInfo::exists(directory + "/factors.json")) {
        try {
            report_ = factors::readFactorReport(directory.toStdString());
        } catch (const std::exception& error) {
            status_->setText(QString::fromStdString(error.what()));
        }
    }
    views_->setReport(report_);
    if (!report_.layers.empty())
        status_->setText(tr("%1 stimuli, accuracy on them %2%; identity carried by the decision: %3 bits.")
                             .arg(report_.samples)
                             .arg(report_.stimulusAccuracy * 100, 0, 'f', 1)
                             .arg(report_.decision.front().bits, 0, 'f', 2));
    emit reportShown();
}

}  // namespace netsight::ui
