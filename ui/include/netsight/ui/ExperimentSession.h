#pragma once

// The bridge between the window and the engine: one open experiment folder, its spec, its results, and
// the jobs that run on core's worker. Panels listen to its signals; it never blocks on the worker.
#include <QElapsedTimer>
#include <QImage>
#include <QMap>
#include <QObject>
#include <QString>
#include <QTimer>
#include <QVector>
#include <functional>
#include <memory>
#include <optional>

#include "netsight/experiment/ProbeSpec.h"
#include "netsight/probe/ProbeResults.h"
#include "netsight/runtime/Events.h"

namespace netsight::runtime {
class JobContext;
class JobQueue;
}  // namespace netsight::runtime

namespace netsight::ui {

enum class JobState { Queued, Running, Succeeded, Failed, Cancelled };

/// What the Jobs panel shows of one job.
struct JobStatus {
    QString name;
    QString device;
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
    /// Where a classifier's model file is: models/NAME.nsm for a zoo entry, else its file (relative paths
    /// are relative to the experiment).
    QString modelPath(const experiment::ClassifierEntry& entry) const;
    /// Replaces the spec and writes experiment.json. Refused (false, error()) while a probe runs.
    bool updateSpec(const experiment::ProbeSpec& spec);

    /// Stages done with other settings than the spec gives now, which the next run would refuse, one line
    /// each ("models/ae-a.pt: autoencoder.finetune_epochs: was 1, now 2"). Empty when all are current, or
    /// when they cannot be read (then error() says why).
    QStringList staleStages();
    /// Deletes the stale stages' files so that the next run redoes them. Refused while a job runs.
    bool discardStaleStages();

    /// Queues the probe of this experiment (resuming what exists). Returns false when one is pending.
    bool startProbe();
    /// Queues the training of the zoo classifier `name` (job "train NAME"). False when it is pending.
    bool trainClassifier(const QString& name);
    /// Queues job "fine-tune NAME": the autoencoder fine-tuned for classifier `name` on its own (what it
    /// needs trained first); the probe run then only measures it.
    bool finetuneAutoencoder(const QString& name);
    /// Queues any other work (the visualizer's and factor lab's jobs) on the same worker. Jobs named
    /// "viz:..." or "factors:..." keep their curves and pictures out of the experiment: they arrive as
    /// vizMetric / vizPreview signals instead.
    bool submitJob(const QString& name, std::function<void(runtime::JobContext&)> work) {
        return submit(name, std::move(work));
    }
    /// Runs a finished job again (it resumes from its checkpoint).
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

  private:
    void handle(const runtime::Event& event, bool* seriesTouched, bool* previewsTouched);
    JobStatus* job(const QString& name);
    bool submit(const QString& name, std::function<void(runtime::JobContext&)> work);
    void loadResults();
    void loadSeries();
    void loadPreviews();
    void appendLog(const QString& line);
    void flushSeries();

    QString directory_;
    QString error_;
    experiment::ProbeSpec spec_;
    std::unique_ptr<runtime::EventSink> sink_;
    std::unique_ptr<runtime::JobQueue> queue_;
    QTimer drainTimer_;
    QVector<JobStatus> jobs_;
    QMap<QString, Series> series_;
    QStringList pendingSeriesLines_;
    QMap<QString, QVector<QImage>> previews_;
    std::optional<probe::ProbeResults> results_;
    QStringList log_;
};

}  // namespace netsight::ui

Q_DECLARE_METATYPE(netsight::ui::JobState)
