#pragma once

#include <functional>
#include <string>

#include "netsight/runtime/Job.h"

namespace netsight::cli {

/// Runs a job on a worker thread and shows its events in the terminal: a progress bar with rate and
/// ETA on a TTY (plain lines every few seconds otherwise), log lines, and Ctrl-C as cancel.
/// Returns the job's outcome; the failure message has been printed.
runtime::Outcome runWithProgress(const std::string& name, const runtime::JobThread::Work& work);

}  // namespace netsight::cli
