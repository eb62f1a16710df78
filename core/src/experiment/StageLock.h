#pragma once

// An exclusive lock on a stage of an experiment (internal to core).
#include <filesystem>
#include <string>

#include "netsight/runtime/Job.h"

namespace netsight::experiment {

/// Holds models/.STAGE.lock while a stage trains, so that processes sharing an experiment (fine-tunings run
/// on several devices at once) wait for each other on a stage they both need instead of training it twice.
/// flock: the kernel releases it when the process ends, so a killed run leaves no stale lock behind. Waiting
/// is logged and ends with runtime::JobCancelled when the job is cancelled.
class StageLock {
  public:
    StageLock(const std::filesystem::path& models, const std::string& stage, const runtime::JobContext& job);
    ~StageLock();
    StageLock(const StageLock&) = delete;
    StageLock& operator=(const StageLock&) = delete;

  private:
    int fd_ = -1;
};

}  // namespace netsight::experiment
