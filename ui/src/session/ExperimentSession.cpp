#include "netsight/ui/ExperimentSession.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <algorithm>

#include "netsight/experiment/JobRecorder.h"
#include "netsight/experiment/ProbePipeline.h"
#include "netsight/runtime/Device.h"
#include "netsight/runtime/JobLanes.h"
#include "widgets/ImageConversion.h"

namespace netsight::ui {
namespace {

constexpr int kDrainIntervalMs = 40;     // DESIGN.md: coalesce 30-50 ms, replot once per tick
constexpr int kFolderIntervalMs = 1000;  // how often the folder is looked at for other processes' work
constexpr qint64 kQuietQueryMs = 500;    // a query shows in the Jobs view once it takes this long

JobState stateOf(runtime::Outcome outcome) {
    switch (outcome) {
        case runtime::Outcome::Succeeded:
            return JobState::Succeeded;
        case runtime::Outcome::Failed:
            return JobState::Failed;
        case runtime::Outcome::Cancelled:
            return JobState::Cancelled;
    }
    return JobState::Failed;
}

// The jobs whose curves and pictures belong to the experiment (recorded in results/metrics.csv, shown in
// the Probe view); the others' belong to the view that started them.
bool experimentJob(runtime::JobKind kind) {
    return kind == runtime::JobKind::Probe || kind == runtime::JobKind::TrainClassifier ||
           kind == runtime::JobKind::FinetuneAutoencoder || kind == runtime::JobKind::PretrainAutoencoder;
}

bool pending(const JobStatus& status) {
    return status.state == JobState::Queued || status.state == JobState::Running;
}

template <typename Event>
QString jobOf(const Event& event) {
    return QString::fromStdString(event.job);
}

}  // namespace

ExperimentSession::ExperimentSession(QObject* parent)
    : QObject(parent), sink_(std::make_unique<runtime::EventSink>()) {
    qRegisterMetaType<JobState>();
    lanes_ = std::make_unique<runtime::JobLanes>(*sink_);
    drainTimer_.setInterval(kDrainIntervalMs);
    connect(&drainTimer_, &QTimer::timeout, this, &ExperimentSession::drain);
    drainTimer_.start();
    folderTimer_.setInterval(kFolderIntervalMs);
    connect(&folderTimer_, &QTimer::timeout, this, &ExperimentSession::watchFolder);
    folderTimer_.start();
}

ExperimentSession::~ExperimentSession() {
    closing_ = true;  // the views' answers are not delivered any more; the jobs' ends are still recorded
    lanes_.reset();   // cancels and joins: the running jobs stop at their next batch
    drain();
}

bool ExperimentSession::open(const QString& directoryText) {
    if (busy()) {
        error_ = tr("A job of %1 is still running; cancel it first.").arg(directory_);
        return false;
    }
    std::optional<experiment::Experiment> found;
    try {
        found = experiment::Experiment::open(QDir(directoryText).absolutePath().toStdString());
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
        return false;
    }
    close();
    experiment_ = std::move(found);
    directory_ = QString::fromStdString(experiment_->directory());
    spec_ = experiment_->spec();
    recorder_ = std::make_unique<experiment::JobRecorder>(experiment_->directory());
    error_.clear();
    for (const auto& line : experiment::readLog(experiment_->logPath()))
        log_.push_back(QString::fromStdString(line));
    loadSeries();
    loadResults();  // with the grid's pictures when there are results
    folderStamp_.clear();
    watchFolder();
    emit opened();
    emit specChanged();
    emit seriesChanged();
    emit previewsChanged();
    emit resultsChanged();
    return true;
}

bool ExperimentSession::create(const QString& directory, const std::optional<experiment::ProbeSpec>& spec) {
    try {
        experiment::Experiment::create(directory.toStdString(), spec ? *spec : experiment::demoProbeSpec());
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
        return false;
    }
    return open(directory);
}

void ExperimentSession::close() {
    if (directory_.isEmpty()) return;
    recorder_.reset();  // flushes the curves
    experiment_.reset();
    directory_.clear();
    spec_ = experiment::ProbeSpec{};
    stages_.clear();
    folderStamp_.clear();
    series_.clear();
    previews_.clear();
    results_.reset();
    log_.clear();
    emit closed();
}

QString ExperimentSession::modelPath(const experiment::ClassifierEntry& entry) const {
    return experiment_ ? QString::fromStdString(experiment_->modelPath(entry)) : QString();
}

bool ExperimentSession::classifierReady(const experiment::ClassifierEntry& entry) const {
    return experiment_ && experiment_->classifierReady(entry);
}

bool ExperimentSession::updateSpec(const experiment::ProbeSpec& spec) {
    if (busy()) {
        error_ = tr("The probe is running; cancel it before changing the experiment.");
        return false;
    }
    try {
        experiment_->setSpec(spec);
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
        return false;
    }
    spec_ = spec;
    emit specChanged();
    watchFolder();
    return true;
}

bool ExperimentSession::submitJob(const runtime::JobTicket& ticket,
                                  std::function<void(runtime::JobContext&)> work) {
    const QString name = QString::fromStdString(ticket.name);
    if (!isOpen()) {
        error_ = tr("Open or create an experiment first.");
        return false;
    }
    if (JobStatus* existing = job(name); existing && pending(*existing)) {
        error_ = tr("%1 is already queued or running.").arg(name);
        return false;
    }
    std::string device;
    try {
        device = runtime::resolveDeviceName(spec_.device);  // once per job: its lane
        lanes_->submit(device, ticket, std::move(work));
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
        return false;
    }
    JobStatus status;
    status.name = name;
    status.kind = ticket.kind;
    status.owner = QString::fromStdString(ticket.owner);
    status.replica = ticket.replica;
    status.device = QString::fromStdString(device);
    status.phase = tr("queued");
    if (JobStatus* existing = job(name))
        *existing = status;
    else
        jobs_.push_back(status);
    showLog(QString::fromStdString(recorder_->queued(ticket.name, device)));
    emit jobsChanged();
    return true;
}

bool ExperimentSession::submitQuery(const QString& title, QObject* receiver,
                                    std::function<void(runtime::JobContext&)> work,
                                    std::function<void()> done, std::function<void(const QString&)> failed) {
    const QString name = QStringLiteral("%1 #%2").arg(title).arg(++queryCount_);
    try {
        lanes_->submit(runtime::kInteractiveLane, {name.toStdString(), runtime::JobKind::Query, {}},
                       std::move(work));
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
        return false;
    }
    Query query{receiver, std::move(done), std::move(failed), {}};
    query.started.start();
    queries_.insert(name, std::move(query));
    return true;
}

bool ExperimentSession::startProbe() {
    const std::string directory = directory_.toStdString();
    return submitJob({probeJobName().toStdString(), runtime::JobKind::Probe, {}},
                     [directory](runtime::JobContext& context) { experiment::runProbe(directory, context); });
}

bool ExperimentSession::trainClassifier(const QString& name) {
    const std::string directory = directory_.toStdString(), classifier = name.toStdString();
    return submitJob({"train " + classifier, runtime::JobKind::TrainClassifier, classifier},
                     [directory, classifier](runtime::JobContext& context) {
                         experiment::trainExperimentClassifier(directory, classifier, context);
                     });
}

bool ExperimentSession::finetuneAutoencoder(const QString& name, int replica) {
    const std::string directory = directory_.toStdString(), classifier = name.toStdString();
    if (replica < 0) {  // every replica, each a job of its own (on the lanes of the devices there are)
        bool all = true;
        for (int k = 0; k < std::max(1, spec_.replicas); ++k)
            all = finetuneAutoencoder(name, k) && all;
        return all;
    }
    return submitJob({experiment::finetuneJobName(classifier, replica), runtime::JobKind::FinetuneAutoencoder,
                      classifier, replica},
                     [directory, classifier, replica](runtime::JobContext& context) {
                         experiment::finetuneExperimentAutoencoder(directory, classifier, context, "",
                                                                   replica);
                     });
}

bool ExperimentSession::retry(const QString& name) {
    const JobStatus* status = job(name);
    if (!status) {
        error_ = tr("Unknown job %1").arg(name);
        return false;
    }
    switch (status->kind) {
        case runtime::JobKind::Probe:
            return startProbe();
        case runtime::JobKind::TrainClassifier:
            return trainClassifier(status->owner);
        case runtime::JobKind::FinetuneAutoencoder:
            return finetuneAutoencoder(status->owner, status->replica);
        case runtime::JobKind::PretrainAutoencoder:
            return startProbe();  // the probe pretrains first, and goes on from there
        case runtime::JobKind::Visualize:
        case runtime::JobKind::Gallery:
        case runtime::JobKind::Invert:
            error_ = tr("Start %1 again from the Visualizer view").arg(name);
            return false;
        case runtime::JobKind::FactorAnalysis:
            error_ = tr("Start %1 again from the Factor lab view").arg(name);
            return false;
        case runtime::JobKind::Robustness:
            error_ = tr("Start %1 again from the Robustness view").arg(name);
            return false;
        case runtime::JobKind::Attribution:
        case runtime::JobKind::Evaluate:
        case runtime::JobKind::Query:
            break;
    }
    error_ = tr("%1 is asked again by its view when needed").arg(name);
    return false;
}

void ExperimentSession::cancel(const QString& name) {
    lanes_->cancel(name.toStdString());
}

void ExperimentSession::cancelAll() {
    lanes_->cancelAll();
}

bool ExperimentSession::busy() const {
    for (const auto& status : jobs_)
        if (status.kind != runtime::JobKind::Query && pending(status)) return true;
    return false;
}

JobStatus* ExperimentSession::job(const QString& name) {
    for (auto& status : jobs_)
        if (status.name == name) return &status;
    return nullptr;
}

void ExperimentSession::drain() {
    const auto events = sink_->drain();
    showSlowQueries();
    if (events.empty()) return;
    bool seriesTouched = false, previewsTouched = false;
    for (const auto& event : events)
        handle(event, &seriesTouched, &previewsTouched);
    if (recorder_) recorder_->flush();
    // One signal of each kind per tick: the panels replot once, however many events came.
    emit jobsChanged();
    if (seriesTouched) emit seriesChanged();
    if (previewsTouched) emit previewsChanged();
}

// A query that takes long gets a row in the Jobs view, with Cancel, like any job.
void ExperimentSession::showSlowQueries() {
    bool shown = false;
    for (auto it = queries_.begin(); it != queries_.end(); ++it) {
        if (job(it.key()) || it->started.elapsed() < kQuietQueryMs) continue;
        JobStatus status;
        status.name = it.key();
        status.kind = runtime::JobKind::Query;
        status.device = QString::fromLatin1(runtime::kInteractiveLane);
        status.state = JobState::Running;
        status.phase = tr("working");
        jobs_.push_back(status);
        shown = true;
    }
    if (shown) emit jobsChanged();
}

void ExperimentSession::finishQuery(const runtime::FinishedEvent& finished) {
    const QString name = jobOf(finished);
    Query query = queries_.take(name);
    for (int i = 0; i < jobs_.size(); ++i)
        if (jobs_[i].name == name) {
            if (finished.outcome == runtime::Outcome::Succeeded)
                jobs_.removeAt(i);  // done: nothing to show
            else {
                jobs_[i].state = stateOf(finished.outcome);
                jobs_[i].message = QString::fromStdString(finished.message);
            }
            break;
        }
    if (!query.receiver || closing_) return;  // the view that asked is gone, or the session is
    if (finished.outcome == runtime::Outcome::Succeeded) {
        if (query.done) query.done();
    } else if (query.failed) {
        query.failed(finished.outcome == runtime::Outcome::Cancelled
                         ? tr("cancelled")
                         : QString::fromStdString(finished.message));
    }
}

void ExperimentSession::handle(const runtime::Event& event, bool* seriesTouched, bool* previewsTouched) {
    const QString name = std::visit([](const auto& e) { return jobOf(e); }, event);
    if (queries_.contains(name)) {
        if (auto* finished = std::get_if<runtime::FinishedEvent>(&event)) finishQuery(*finished);
        if (auto* log = std::get_if<runtime::LogEvent>(&event); log && recorder_)
            showLog(QString::fromStdString(*recorder_->record(event)));
        return;
    }
    JobStatus* status = job(name);
    const runtime::JobKind kind = status ? status->kind : runtime::JobKind::Query;
    // The visualizer's and the factor lab's curves and pictures are not the experiment's: they go to
    // their view only.
    if (!experimentJob(kind)) {
        if (auto* metric = std::get_if<runtime::MetricEvent>(&event)) {
            emit vizMetric(name, QString::fromStdString(metric->series), metric->step, metric->value);
            return;
        }
        if (auto* preview = std::get_if<runtime::PreviewEvent>(&event)) {
            QVector<QImage> images;
            for (const auto& buffer : preview->images)
                images.push_back(toQImage(buffer));
            emit vizPreview(name, QString::fromStdString(preview->key), images);
            return;
        }
    }
    if (recorder_)
        if (const auto line = recorder_->record(event)) showLog(QString::fromStdString(*line));
    if (auto* progress = std::get_if<runtime::ProgressEvent>(&event)) {
        if (status) {
            status->state = JobState::Running;
            status->phase = QString::fromStdString(progress->phase);
            status->done = progress->done;
            status->total = progress->total;
            status->ratePerSecond = progress->ratePerSecond;
            status->etaSeconds = progress->etaSeconds;
        }
    } else if (auto* metric = std::get_if<runtime::MetricEvent>(&event)) {
        Series& series = series_[QString::fromStdString(metric->series)];
        series.steps.push_back(metric->step);
        series.values.push_back(metric->value);
        *seriesTouched = true;
    } else if (auto* preview = std::get_if<runtime::PreviewEvent>(&event)) {
        QVector<QImage> images;
        for (const auto& buffer : preview->images)
            images.push_back(toQImage(buffer));
        previews_[QString::fromStdString(preview->key)] = images;
        *previewsTouched = true;
    } else if (std::holds_alternative<runtime::LogEvent>(event)) {
        if (status) status->state = JobState::Running;
    } else if (auto* finished = std::get_if<runtime::FinishedEvent>(&event)) {
        const JobState state = stateOf(finished->outcome);
        const QString message = QString::fromStdString(finished->message);
        if (status) {
            status->state = state;
            status->message = message;
            status->etaSeconds = -1;
            if (state == JobState::Succeeded) {
                status->done = status->total;
                status->phase = tr("finished");
            }
        }
        if (kind == runtime::JobKind::Probe && state == JobState::Succeeded) {
            loadResults();
            emit resultsChanged();
        }
        watchFolder();  // a stage may be done: every view that depends on one updates now
        emit jobFinished(name, state, message);
    }
}

}  // namespace netsight::ui
