#pragma once

// The bridge between the window and the engine: one open experiment folder, its spec, its results, and
// the jobs that run on core's worker. Panels listen to its signals; it never blocks on the worker.
#include <QElapsedTimer>
#include <QImage>
#include <QMap>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QVector>
#include <functional>
#include <memory>
#include <optional>

#include "netsight/experiment/Experiment.h"
#include "netsight/experiment/ProbeSpec.h"
#include "netsight/probe/ProbeResults.h"
#include "netsight/runtime/Events.h"
#include "netsight/runtime/Job.h"

namespace netsight::experiment {
class JobRecorder;
struct StaleStage;
}  // namespace netsight::experiment
namespace netsight::runtime {
class JobLanes;
}  // namespace netsight::runtime

namespace netsight::ui {

enum class JobState { Queued, Running, Succeeded, Failed, Cancelled };

/// What the Jobs panel shows of one job.
struct JobStatus {
    QString name;
    runtime::JobKind kind = runtime::JobKind::Query;
    QString owner;     ///< the classifier or view it belongs to
    int replica = -1;  ///< a fine-tuning's replica index (-1: every replica, or not a fine-tuning)
    QString device;    ///< its lane: "cpu", "cuda:0", "interactive"
    JobState state = JobState::Queued;
    QString phase;
    qint64 done = 0;
    qint64 total = 0;
    double ratePerSecond = 0;
    double etaSeconds = -1;
    QString message;
};

/// One curve of the Probe panel: "pretrain autoencoder/loss", "fine-tune for grey/accuracy", ...
struct Series {
    QVector<double> steps, values;
};

class ExperimentSession : public QObject {
    Q_OBJECT
  public:
    explicit ExperimentSession(QObject* parent = nullptr);
    ~ExperimentSession() override;

    /// Opens the experiment in `directory` (experiment.json there) with its results, curves and previews.
    /// Returns false and sets error() when it cannot be read.
    bool open(const QString& directory);
    /// Creates `directory` with `spec` (or the demo's when none) and opens it.
    bool create(const QString& directory, const std::optional<experiment::ProbeSpec>& spec = std::nullopt);
    void close();
    bool isOpen() const { return !directory_.isEmpty(); }
    QString directory() const { return directory_; }
    QString error() const { return error_; }

    const experiment::ProbeSpec& spec() const { return spec_; }
    /// The open experiment (folder owner: paths, stages); only while isOpen().
    const experiment::Experiment& experiment() const { return *experiment_; }
    /// Each stage of the probe with its state, as last read from the folder (it is read again whenever the
    /// folder changes: a job of this app or another process finished or started a stage); stale ones are
    /// marked a moment later, once the interactive lane has checked their settings.
    const std::vector<experiment::StageStatus>& stages() const { return stages_; }
    /// Whether the classifier's model file is there, complete.
    bool classifierReady(const experiment::ClassifierEntry& entry) const;
    /// Where a classifier's model file is: models/NAME.nsm for a zoo entry, else its file (relative paths
    /// are relative to the experiment).
    QString modelPath(const experiment::ClassifierEntry& entry) const;
    /// Replaces the spec and writes experiment.json. Refused (false, error()) while a probe runs.
    bool updateSpec(const experiment::ProbeSpec& spec);

    /// Stages done with other settings than the spec gives now, which the next run would refuse, one line
    /// each ("models/ae-a.pt: autoencoder.finetune_epochs: was 1, now 2"). Empty when all are current, or
    /// when they cannot be read (then error() says why).
    QStringList staleStages();
    /// The stages done that `spec` would make stale were it the experiment's, one line each; nothing is
    /// written. Empty when none would be, or when they cannot be read (then error() says why).
    QStringList staleStagesUnder(const experiment::ProbeSpec& spec);
    /// Deletes the stale stages' files so that the next run redoes them. Refused while a job runs.
    bool discardStaleStages();

    /// Queues the probe of this experiment (resuming what exists). Returns false when one is pending.
    bool startProbe();
    /// Queues the training of the zoo classifier `name` (job "train NAME"). False when it is pending.
    bool trainClassifier(const QString& name);
    /// Queues job "fine-tune NAME": the autoencoder fine-tuned for classifier `name` on its own (what it
    /// needs trained first); the probe run then only measures it. Replica index `replica` only, or
    /// (-1) every replica evaluation.replicas asks for, each a job of its own ("fine-tune NAME (replica 2)").
    bool finetuneAutoencoder(const QString& name, int replica = -1);
    /// Queues a view's work (the visualizer's and factor lab's jobs, by `ticket`'s kind) on the experiment's
    /// device lane. Their curves and pictures stay out of the experiment's: they arrive as vizMetric /
    /// vizPreview signals instead.
    bool submitJob(const runtime::JobTicket& ticket, std::function<void(runtime::JobContext&)> work);

    /// Runs short interactive work (a model's layer list, a contact sheet, a live prediction) on the
    /// interactive lane, beside any training, and hands its value to `done` on the GUI thread while
    /// `receiver` lives; a failure's message goes to `failed`. It shows in the Jobs view (with Cancel) only
    /// when it takes longer than half a second.
    template <typename T>
    bool query(const QString& title, QObject* receiver, std::function<T(runtime::JobContext&)> work,
               std::function<void(T)> done, std::function<void(const QString&)> failed = {}) {
        auto result = std::make_shared<std::optional<T>>();
        return submitQuery(
            title, receiver,
            [result, work = std::move(work)](runtime::JobContext& job) { *result = work(job); },
            [result, done = std::move(done)] {
                if (*result) done(std::move(**result));
            },
            std::move(failed));
    }

    /// Runs a finished job again (it resumes from its checkpoint); rebuilt from its kind and owner.
    bool retry(const QString& job);
    /// Cancels a running job at its next batch (its checkpoint is kept) or drops a queued one.
    void cancel(const QString& job);
    void cancelAll();
    bool busy() const;

    const QVector<JobStatus>& jobs() const { return jobs_; }
    const QMap<QString, Series>& series() const { return series_; }
    /// Preview columns: "original", "pretrained", then classifier names; each the grid images.
    const QMap<QString, QVector<QImage>>& previews() const { return previews_; }
    const std::optional<probe::ProbeResults>& results() const { return results_; }
    QStringList log() const { return log_; }

    /// Drains the engine's events now (the timer does this every 40 ms).
    void drain();

    /// The job name of the probe.
    static QString probeJobName() { return QStringLiteral("probe"); }

  signals:
    void opened();
    void closed();
    void specChanged();
    void jobsChanged();
    void seriesChanged();
    void previewsChanged();
    void resultsChanged();
    void logged(const QString& line);
    void jobFinished(const QString& name, netsight::ui::JobState state, const QString& message);
    void vizMetric(const QString& job, const QString& series, double step, double value);
    void vizPreview(const QString& job, const QString& key, const QVector<QImage>& images);
    /// The folder changed (a stage started or finished, here or in another process): stages() is new.
    void stagesChanged();

  private:
    struct Query {
        QPointer<QObject> receiver;
        std::function<void()> done;
        std::function<void(const QString&)> failed;
        QElapsedTimer started;
    };
    bool submitQuery(const QString& title, QObject* receiver, std::function<void(runtime::JobContext&)> work,
                     std::function<void()> done, std::function<void(const QString&)> failed);
    void handle(const runtime::Event& event, bool* seriesTouched, bool* previewsTouched);
    void finishQuery(const runtime::FinishedEvent& finished);
    void showSlowQueries();
    void watchFolder();
    void checkStaleStages();
    JobStatus* job(const QString& name);
    QStringList describeStale(const std::function<std::vector<experiment::StaleStage>()>& find);
    void loadResults();
    void loadSeries();
    void loadPreviews();
    void showLog(const QString& line);

    QString directory_;
    QString error_;
    experiment::ProbeSpec spec_;
    std::optional<experiment::Experiment> experiment_;
    std::unique_ptr<experiment::JobRecorder> recorder_;
    std::unique_ptr<runtime::EventSink> sink_;
    std::unique_ptr<runtime::JobLanes> lanes_;
    QTimer drainTimer_;
    QTimer folderTimer_;
    std::string folderStamp_;
    std::vector<experiment::StageStatus> stages_;
    QVector<JobStatus> jobs_;
    QMap<QString, Query> queries_;
    int queryCount_ = 0;
    bool closing_ = false;
    QMap<QString, Series> series_;
    QMap<QString, QVector<QImage>> previews_;
    std::optional<probe::ProbeResults> results_;
    QStringList log_;
};

}  // namespace netsight::ui

Q_DECLARE_METATYPE(netsight::ui::JobState)
