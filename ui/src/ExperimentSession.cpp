#include "netsight/ui/ExperimentSession.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QTextStream>

#include "ImageConversion.h"
#include "netsight/probe/ProbeRun.h"
#include "netsight/runtime/Device.h"
#include "netsight/runtime/JobQueue.h"

namespace netsight::ui {
namespace {

constexpr int kDrainIntervalMs = 40;  // DESIGN.md: coalesce 30-50 ms, replot once per tick

QString metricsPath(const QString& directory) {
    return directory + "/results/metrics.csv";
}

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

}  // namespace

ExperimentSession::ExperimentSession(QObject* parent)
    : QObject(parent), sink_(std::make_unique<runtime::EventSink>()) {
    qRegisterMetaType<JobState>();
    queue_ = std::make_unique<runtime::JobQueue>(*sink_);
    drainTimer_.setInterval(kDrainIntervalMs);
    connect(&drainTimer_, &QTimer::timeout, this, &ExperimentSession::drain);
    drainTimer_.start();
}

ExperimentSession::~ExperimentSession() {
    queue_.reset();  // cancels and joins: the running job stops at its next batch
    drain();
}

bool ExperimentSession::open(const QString& directoryText) {
    const QString directory = QDir(directoryText).absolutePath();
    const QString specPath = directory + "/experiment.json";
    if (!QFileInfo::exists(specPath)) {
        error_ =
            tr("%1 is not a NetSight experiment: it has no experiment.json. Use File > New to create one.")
                .arg(directory);
        return false;
    }
    if (busy()) {
        error_ = tr("A job of %1 is still running; cancel it first.").arg(directory_);
        return false;
    }
    experiment::ProbeSpec spec;
    try {
        spec = experiment::readProbeSpec(specPath.toStdString());
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
        return false;
    }
    close();
    directory_ = directory;
    spec_ = spec;
    error_.clear();
    QFile logFile(directory_ + "/log.txt");
    if (logFile.open(QIODevice::ReadOnly | QIODevice::Text)) {
        const QStringList lines = QString::fromUtf8(logFile.readAll()).split('\n', Qt::SkipEmptyParts);
        log_ = lines.mid(std::max<qsizetype>(0, lines.size() - 2000));  // the last 2,000 lines
    }
    loadSeries();
    loadResults();  // with the grid's pictures when there are results
    emit opened();
    emit specChanged();
    emit seriesChanged();
    emit previewsChanged();
    emit resultsChanged();
    return true;
}

bool ExperimentSession::create(const QString& directory, const std::optional<experiment::ProbeSpec>& spec) {
    try {
        QDir().mkpath(directory);
        const std::string specPath = (directory + "/experiment.json").toStdString();
        if (QFileInfo::exists(QString::fromStdString(specPath))) {
            error_ = tr("%1 already holds an experiment; open it instead.").arg(directory);
            return false;
        }
        const experiment::ProbeSpec chosen = spec ? *spec : experiment::demoProbeSpec();
        experiment::validateProbeSpec(chosen, specPath);
        experiment::writeProbeSpec(chosen, specPath);
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
        return false;
    }
    return open(directory);
}

void ExperimentSession::close() {
    if (directory_.isEmpty()) return;
    flushSeries();
    directory_.clear();
    spec_ = experiment::ProbeSpec{};
    series_.clear();
    previews_.clear();
    results_.reset();
    log_.clear();
    emit closed();
}

QString ExperimentSession::modelPath(const experiment::ClassifierEntry& entry) const {
    if (!entry.architecture.empty())
        return directory_ + "/models/" + QString::fromStdString(entry.name) + ".nsm";
    const QString file = QString::fromStdString(entry.model);
    return QFileInfo(file).isAbsolute() ? file : directory_ + "/" + file;
}

namespace {

QString describe(const probe::StaleStage& stage, const QString& directory) {
    QStringList changes;
    for (const auto& change : stage.changes)
        changes << QString::fromStdString(change);
    return QDir(directory).relativeFilePath(QString::fromStdString(stage.file)) + ": " + changes.join("; ");
}

}  // namespace

QStringList ExperimentSession::staleStages() {
    QStringList lines;
    error_.clear();
    if (!isOpen()) return lines;
    try {
        for (const auto& stage : probe::staleStages(directory_.toStdString()))
            lines << describe(stage, directory_);
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
    }
    return lines;
}

bool ExperimentSession::discardStaleStages() {
    if (busy()) {
        error_ = tr("A job is running; cancel it before discarding stages.");
        return false;
    }
    try {
        for (const auto& stage : probe::discardStaleStages(directory_.toStdString()))
            appendLog(tr("discarded %1 (made with other settings)").arg(describe(stage, directory_)));
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
        return false;
    }
    return true;
}

bool ExperimentSession::updateSpec(const experiment::ProbeSpec& spec) {
    if (busy()) {
        error_ = tr("The probe is running; cancel it before changing the experiment.");
        return false;
    }
    const std::string specPath = (directory_ + "/experiment.json").toStdString();
    try {
        experiment::validateProbeSpec(spec, specPath);
        experiment::writeProbeSpec(spec, specPath);
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
        return false;
    }
    spec_ = spec;
    emit specChanged();
    return true;
}

bool ExperimentSession::submit(const QString& name, std::function<void(runtime::JobContext&)> work) {
    if (!isOpen()) {
        error_ = tr("Open or create an experiment first.");
        return false;
    }
    if (JobStatus* existing = job(name);
        existing && (existing->state == JobState::Queued || existing->state == JobState::Running)) {
        error_ = tr("%1 is already queued or running.").arg(name);
        return false;
    }
    QString device;
    try {
        device = QString::fromStdString(runtime::resolveDeviceName(spec_.device));
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
        return false;
    }
    JobStatus status;
    status.name = name;
    status.device = device;
    status.phase = tr("queued");
    if (JobStatus* existing = job(name))
        *existing = status;
    else
        jobs_.push_back(status);
    queue_->submit(name.toStdString(), std::move(work));
    appendLog(tr("%1 queued on %2").arg(name, device));
    emit jobsChanged();
    return true;
}

bool ExperimentSession::startProbe() {
    const std::string directory = directory_.toStdString();
    return submit(probeJobName(),
                  [directory](runtime::JobContext& context) { probe::runProbe(directory, context); });
}

bool ExperimentSession::trainClassifier(const QString& name) {
    const std::string directory = directory_.toStdString(), classifier = name.toStdString();
    return submit("train " + name, [directory, classifier](runtime::JobContext& context) {
        probe::trainExperimentClassifier(directory, classifier, context);
    });
}

bool ExperimentSession::finetuneAutoencoder(const QString& name) {
    const std::string directory = directory_.toStdString(), classifier = name.toStdString();
    return submit("fine-tune " + name, [directory, classifier](runtime::JobContext& context) {
        probe::finetuneExperimentAutoencoder(directory, classifier, context);
    });
}

bool ExperimentSession::retry(const QString& name) {
    if (name == probeJobName()) return startProbe();
    if (name.startsWith("train ")) return trainClassifier(name.mid(6));
    if (name.startsWith("fine-tune ")) return finetuneAutoencoder(name.mid(10));
    if (name.startsWith("viz:")) {
        error_ = tr("Start %1 again from the Visualizer view").arg(name);
        return false;
    }
    if (name.startsWith("factors:")) {
        error_ = tr("Start %1 again from the Factor lab view").arg(name);
        return false;
    }
    error_ = tr("Unknown job %1").arg(name);
    return false;
}

void ExperimentSession::cancel(const QString& name) {
    queue_->cancel(name.toStdString());
}

void ExperimentSession::cancelAll() {
    queue_->cancelAll();
}

bool ExperimentSession::busy() const {
    for (const auto& status : jobs_)
        if (status.state == JobState::Queued || status.state == JobState::Running) return true;
    return false;
}

JobStatus* ExperimentSession::job(const QString& name) {
    for (auto& status : jobs_)
        if (status.name == name) return &status;
    return nullptr;
}

void ExperimentSession::drain() {
    const auto events = sink_->drain();
    if (events.empty()) return;
    bool seriesTouched = false, previewsTouched = false;
    for (const auto& event : events)
        handle(event, &seriesTouched, &previewsTouched);
    flushSeries();
    // One signal of each kind per tick: the panels replot once, however many events came.
    emit jobsChanged();
    if (seriesTouched) emit seriesChanged();
    if (previewsTouched) emit previewsChanged();
}

void ExperimentSession::handle(const runtime::Event& event, bool* seriesTouched, bool* previewsTouched) {
    // The visualizer's and the factor lab's curves and pictures are not the experiment's: they go to
    // their panel only.
    const bool vizJob = std::visit(
        [](const auto& e) { return e.job.rfind("viz:", 0) == 0 || e.job.rfind("factors:", 0) == 0; }, event);
    if (auto* vizMetricEvent = std::get_if<runtime::MetricEvent>(&event); vizMetricEvent && vizJob) {
        emit vizMetric(QString::fromStdString(vizMetricEvent->job),
                       QString::fromStdString(vizMetricEvent->series), vizMetricEvent->step,
                       vizMetricEvent->value);
        return;
    }
    if (auto* vizPreviewEvent = std::get_if<runtime::PreviewEvent>(&event); vizPreviewEvent && vizJob) {
        QVector<QImage> images;
        for (const auto& buffer : vizPreviewEvent->images)
            images.push_back(toQImage(buffer));
        emit vizPreview(QString::fromStdString(vizPreviewEvent->job),
                        QString::fromStdString(vizPreviewEvent->key), images);
        return;
    }
    if (auto* progress = std::get_if<runtime::ProgressEvent>(&event)) {
        if (JobStatus* status = job(QString::fromStdString(progress->job))) {
            status->state = JobState::Running;
            status->phase = QString::fromStdString(progress->phase);
            status->done = progress->done;
            status->total = progress->total;
            status->ratePerSecond = progress->ratePerSecond;
            status->etaSeconds = progress->etaSeconds;
        }
    } else if (auto* metric = std::get_if<runtime::MetricEvent>(&event)) {
        const QString name = QString::fromStdString(metric->series);
        Series& series = series_[name];
        series.steps.push_back(metric->step);
        series.values.push_back(metric->value);
        pendingSeriesLines_.push_back(
            QStringLiteral("%1,%2,%3").arg(name).arg(metric->step).arg(metric->value, 0, 'g', 8));
        *seriesTouched = true;
    } else if (auto* preview = std::get_if<runtime::PreviewEvent>(&event)) {
        QVector<QImage> images;
        for (const auto& buffer : preview->images)
            images.push_back(toQImage(buffer));
        previews_[QString::fromStdString(preview->key)] = images;
        *previewsTouched = true;
    } else if (auto* log = std::get_if<runtime::LogEvent>(&event)) {
        if (JobStatus* status = job(QString::fromStdString(log->job))) status->state = JobState::Running;
        const char* prefix = log->level == runtime::LogLevel::Warning ? "warning: "
                             : log->level == runtime::LogLevel::Error ? "error: "
                                                                      : "";
        appendLog(QString::fromLatin1(prefix) + QString::fromStdString(log->text));
    } else if (auto* finished = std::get_if<runtime::FinishedEvent>(&event)) {
        const QString name = QString::fromStdString(finished->job);
        const JobState state = stateOf(finished->outcome);
        const QString message = QString::fromStdString(finished->message);
        if (JobStatus* status = job(name)) {
            status->state = state;
            status->message = message;
            status->etaSeconds = -1;
            if (state == JobState::Succeeded) {
                status->done = status->total;
                status->phase = tr("finished");
            }
        }
        appendLog(state == JobState::Succeeded ? tr("%1 finished").arg(name)
                  : state == JobState::Cancelled
                      ? tr("%1 cancelled; run it again to resume from its last checkpoint").arg(name)
                      : tr("%1 failed: %2").arg(name, message));
        if (name == probeJobName() && state == JobState::Succeeded) {
            loadResults();
            emit resultsChanged();
        }
        if (name.startsWith("train ")) emit specChanged();  // the classifier list shows trained models
        emit jobFinished(name, state, message);
    }
}

void ExperimentSession::appendLog(const QString& line) {
    log_.push_back(line);
    if (!directory_.isEmpty()) {
        QFile file(directory_ + "/log.txt");
        if (file.open(QIODevice::Append | QIODevice::Text)) file.write((line + '\n').toUtf8());
    }
    emit logged(line);
}

// Curves are appended to results/metrics.csv as they come, so a crash loses at most one tick of them.
void ExperimentSession::flushSeries() {
    if (pendingSeriesLines_.isEmpty() || directory_.isEmpty()) return;
    QDir().mkpath(directory_ + "/results");
    QFile file(metricsPath(directory_));
    const bool fresh = !file.exists();
    if (file.open(QIODevice::Append | QIODevice::Text)) {
        QTextStream out(&file);
        if (fresh) out << "series,step,value\n";
        for (const auto& line : pendingSeriesLines_)
            out << line << '\n';
    }
    pendingSeriesLines_.clear();
}

void ExperimentSession::loadSeries() {
    series_.clear();
    QFile file(metricsPath(directory_));
    if (!file.open(QIODevice::ReadOnly | QIODevice::Text)) return;
    QTextStream in(&file);
    in.readLine();  // header
    while (!in.atEnd()) {
        const QStringList fields = in.readLine().split(',');
        if (fields.size() != 3) continue;  // a line cut by a crash
        bool stepOk = false, valueOk = false;
        const double step = fields[1].toDouble(&stepOk), value = fields[2].toDouble(&valueOk);
        if (!stepOk || !valueOk) continue;
        series_[fields[0]].steps.push_back(step);
        series_[fields[0]].values.push_back(value);
    }
}

void ExperimentSession::loadResults() {
    results_.reset();
    try {
        results_ = probe::readProbeResults(directory_.toStdString());
    } catch (const std::exception& e) {
        appendLog(tr("error: %1").arg(QString::fromStdString(e.what())));
    }
    if (results_) loadPreviews();
}

void ExperimentSession::loadPreviews() {
    if (!results_) return;
    const auto& files = results_->gridFiles;
    const auto& rows = results_->summary.rows;
    for (std::size_t column = 0; column < files.size() && column < rows.size(); ++column) {
        QVector<QImage> images;
        for (const auto& file : files[column]) {
            QImage image(QString::fromStdString(file));
            if (!image.isNull()) images.push_back(image.convertToFormat(QImage::Format_RGB888));
        }
        if (!images.isEmpty()) previews_[QString::fromStdString(rows[column])] = images;
    }
}

}  // namespace netsight::ui
