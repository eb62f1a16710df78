#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "netsight/runtime/JobQueue.h"

namespace netsight::runtime {

/// The lane of short interactive work (a model's layer list, a contact sheet, a live prediction): it runs
/// beside the device lanes, so it never waits behind a training job.
inline constexpr const char* kInteractiveLane = "interactive";

/// Core's one job system: a worker per lane — one per device ("cpu", "cuda:0", ...) and the interactive
/// lane — all reporting to one sink. Jobs of one lane run in order; lanes run at once. Job names are unique
/// across lanes, so that cancelling by name is unambiguous.
class JobLanes {
  public:
    using Work = JobQueue::Work;
    explicit JobLanes(EventSink& sink);
    /// Cancels every running job, drops the queued ones and joins the workers.
    ~JobLanes();
    JobLanes(const JobLanes&) = delete;
    JobLanes& operator=(const JobLanes&) = delete;

    /// Queues `work` on `lane` (created on first use). Throws std::invalid_argument when a job of that name
    /// is queued or running on any lane.
    void submit(const std::string& lane, const JobTicket& ticket, Work work);
    /// Cancels the job of that name on whichever lane holds it; false when there is none.
    bool cancel(const std::string& name);
    void cancelAll();
    bool idle() const;
    /// Blocks until every lane is idle (CLI and tests; never on a GUI thread).
    void waitIdle();
    /// The lanes in use, sorted.
    std::vector<std::string> lanes() const;
    /// The lane holding (queued or running) the job of that name, or empty.
    std::string laneOf(const std::string& name) const;

  private:
    EventSink& sink_;
    mutable std::mutex mutex_;
    std::map<std::string, std::unique_ptr<JobQueue>> lanes_;
};

}  // namespace netsight::runtime
