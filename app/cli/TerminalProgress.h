#pragma once

#include <functional>
#include <string>

#include "netsight/experiment/JobRecorder.h"
#include "netsight/runtime/Job.h"

namespace netsight::cli {

/// Runs a job on a worker thread and shows its events in the terminal: a progress bar with rate and
/// ETA on a TTY (plain lines every few seconds otherwise), log lines, and Ctrl-C as cancel.
/// Returns the job's outcome; the failure message has been printed. The job runs on core's job system, on
/// the lane `lane` (its device). With a `recorder` every event is also recorded in its experiment folder
/// (log.txt, results/metrics.csv), as the app records its jobs.
runtime::Outcome runWithProgress(const runtime::JobTicket& ticket, const runtime::JobThread::Work& work,
                                 experiment::JobRecorder* recorder = nullptr,
                                 const std::string& lane = "cpu");
/// A job of the CLI's own, of `kind`, recorded nowhere.
runtime::Outcome runWithProgress(runtime::JobKind kind, const std::string& name,
                                 const runtime::JobThread::Work& work);

}  // namespace netsight::cli
