#pragma once

// What every job of an experiment leaves in its folder, whichever face (CLI or GUI) ran it: log.txt gets a
// timestamped line for each log message and each job's start and end, results/metrics.csv each point of
// each curve. Both faces pass every event they drain through record(), so a CLI run and a GUI run of the
// same experiment.json leave the same files (timestamps aside).
#include <optional>
#include <string>
#include <vector>

#include "netsight/runtime/Events.h"

namespace netsight::experiment {

/// "warning: " / "error: " / "" — the prefix a log line of that level carries everywhere.
const char* logLevelPrefix(runtime::LogLevel level);
/// The line a finished job leaves in the log: "probe finished", "train a cancelled; run it again to resume
/// from its last checkpoint", "fine-tune b failed: MESSAGE".
std::string finishedLine(const runtime::FinishedEvent& event);

/// One point of results/metrics.csv.
struct MetricPoint {
    std::string series;
    double step = 0;
    double value = 0;
};

/// Reads results/metrics.csv (series,step,value), skipping lines cut by a crash; empty when it is missing.
std::vector<MetricPoint> readMetrics(const std::string& path);
/// The last `maxLines` lines of log.txt; empty when it is missing.
std::vector<std::string> readLog(const std::string& path, std::size_t maxLines = 2000);
/// A log line without its timestamp (what two runs' logs have in common).
std::string withoutTimestamp(const std::string& line);

class JobRecorder {
  public:
    /// Records into the experiment folder `directory`.
    explicit JobRecorder(std::string directory);
    /// Flushes what is pending.
    ~JobRecorder();
    JobRecorder(const JobRecorder&) = delete;
    JobRecorder& operator=(const JobRecorder&) = delete;

    /// Records `event`: a log line (returned, with its timestamp, for a log view) or a metric point
    /// (written at the next flush). Progress and previews leave nothing.
    std::optional<std::string> record(const runtime::Event& event);
    /// Logs that `job` was queued on `device`; returns the line.
    std::string queued(const std::string& job, const std::string& device);
    /// Logs a line of the face's own (e.g. "discarded models/ae-a.pt ..."); returns it.
    std::string note(const std::string& text);
    /// Appends the pending metric points to results/metrics.csv; a crash loses at most what is pending.
    void flush();

  private:
    std::string append(const std::string& text);
    std::string directory_;
    std::vector<std::string> pendingMetrics_;
};

}  // namespace netsight::experiment
