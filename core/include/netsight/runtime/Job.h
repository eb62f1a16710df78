#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>

#include "netsight/data/Dataset.h"
#include "netsight/runtime/Events.h"

namespace netsight::runtime {

/// What a job is, so that a view routes its events and *Retry* rebuilds it from a typed value, never from
/// its display name.
enum class JobKind {
    Probe,                ///< the whole signal probe of an experiment
    TrainClassifier,      ///< owner: the classifier's name
    FinetuneAutoencoder,  ///< owner: the classifier's name
    PretrainAutoencoder,  ///< the autoencoder's pretraining alone (a Slurm job's stage)
    Visualize,            ///< owner: the view that started it
    Gallery,
    Invert,
    FactorAnalysis,
    Evaluate,     ///< a classifier's accuracy on a split (the CLI's eval)
    Robustness,   ///< a classifier's accuracy under perturbations (the CLI's robustness)
    Attribution,  ///< attribution maps of a classifier and their checks
    Query,        ///< short interactive work: a model's layer list, a contact sheet, a prediction
};

/// The kind's name as the Jobs view and the log show it ("train", "fine-tune", ...).
const char* jobKindName(JobKind kind);

/// A job's identity: a display name unique among the jobs queued or running, its kind, and what it belongs
/// to (a classifier, a view).
struct JobTicket {
    std::string name;
    JobKind kind = JobKind::Query;
    std::string owner;
    /// FinetuneAutoencoder: the replica's index (0: the first), -1 for every replica one after the other.
    int replica = -1;
};

/// Thrown by a job that noticed its cancel flag; the runner turns it into a Cancelled outcome.
class JobCancelled : public std::runtime_error {
  public:
    JobCancelled() : std::runtime_error("cancelled") {}
};

/// What a running job sees of the world: where to report and whether to stop.
class JobContext {
  public:
    JobContext(std::string name, EventSink& sink, const std::atomic<bool>& cancelFlag)
        : name_(std::move(name)), sink_(sink), cancelFlag_(cancelFlag) {}

    const std::string& name() const { return name_; }
    bool cancelled() const { return cancelFlag_.load(std::memory_order_relaxed); }
    /// Throws JobCancelled if cancellation was requested. Call at least once per batch.
    void checkCancelled() const {
        if (cancelled()) throw JobCancelled();
    }

    void progress(const std::string& phase, std::int64_t done, std::int64_t total, double ratePerSecond,
                  double etaSeconds) const;
    void metric(const std::string& series, double step, double value) const;
    void log(const std::string& text, LogLevel level = LogLevel::Info) const;
    void preview(const std::string& key, std::vector<data::RgbBuffer> images) const;

  private:
    std::string name_;
    EventSink& sink_;
    const std::atomic<bool>& cancelFlag_;
};

/// Rate and ETA from a smoothed per-item time.
class RateMeter {
  public:
    explicit RateMeter(std::int64_t total) : total_(total), start_(Clock::now()), last_(start_) {}
    /// Records that `done` items of the total are finished.
    void update(std::int64_t done);
    double ratePerSecond() const { return rate_; }
    double etaSeconds() const;
    double elapsedSeconds() const;

  private:
    using Clock = std::chrono::steady_clock;
    std::int64_t total_;
    std::int64_t done_ = 0;
    double rate_ = 0;
    Clock::time_point start_, last_;
};

/// How a job opens its data: a folder's one-time indexing reports as the phase "indexing images" (with rate
/// and ETA) and stops when the job is cancelled; the index is kept in `cacheDirectory` (empty: the user's).
data::OpenOptions dataOpenOptions(const JobContext& job, const std::string& cacheDirectory = {});

/// Runs `work` on the calling thread and posts its FinishedEvent. Exceptions never escape: they become a
/// Failed outcome with the exception's message; JobCancelled becomes Cancelled.
Outcome runJob(const std::string& name, EventSink& sink, const std::atomic<bool>& cancelFlag,
               const std::function<void(JobContext&)>& work);

/// Runs one job on its own thread. Exceptions never escape: they become a Failed FinishedEvent with
/// the exception's message; JobCancelled becomes Cancelled. The destructor cancels and joins.
class JobThread {
  public:
    using Work = std::function<void(JobContext&)>;
    JobThread(std::string name, EventSink& sink, Work work);
    ~JobThread();
    JobThread(const JobThread&) = delete;
    JobThread& operator=(const JobThread&) = delete;

    void cancel() { cancelFlag_.store(true); }
    bool finished() const { return finished_.load(); }
    void join();

  private:
    std::atomic<bool> cancelFlag_{false};
    std::atomic<bool> finished_{false};
    std::thread thread_;
};

}  // namespace netsight::runtime
