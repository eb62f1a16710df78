#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "netsight/runtime/Job.h"

namespace netsight::runtime {

/// A worker thread that runs submitted jobs one after another, in order (one queue per device).
/// Every job ends with exactly one FinishedEvent in the sink, whether it ran, failed, was cancelled while
/// running, or was removed from the queue before it started.
class JobQueue {
  public:
    using Work = std::function<void(JobContext&)>;
    explicit JobQueue(EventSink& sink);
    /// Cancels the running job, drops the queued ones and joins the worker.
    ~JobQueue();
    JobQueue(const JobQueue&) = delete;
    JobQueue& operator=(const JobQueue&) = delete;

    /// Queues `work` under `name`. Throws std::invalid_argument when a job of that name is queued or running.
    void submit(const std::string& name, Work work);
    /// Asks the running job of that name to stop at its next batch, or removes it from the queue.
    /// Returns false when no such job is queued or running.
    bool cancel(const std::string& name);
    void cancelAll();

    bool idle() const;
    /// The running job's name, or empty.
    std::string running() const;
    std::vector<std::string> queued() const;
    /// Blocks until nothing is queued or running (CLI and tests; never on a GUI thread).
    void waitIdle();

  private:
    struct Entry {
        std::string name;
        Work work;
    };
    void loop();

    EventSink& sink_;
    mutable std::mutex mutex_;
    std::condition_variable wake_, idleChanged_;
    std::deque<Entry> queue_;
    std::string running_;
    std::atomic<bool> cancelRunning_{false};
    bool stopping_ = false;
    std::thread worker_;
};

}  // namespace netsight::runtime
