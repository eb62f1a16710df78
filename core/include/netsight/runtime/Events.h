#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "netsight/data/Image.h"

namespace netsight::runtime {

/// How far a job is, with its rate and the time it expects to need.
struct ProgressEvent {
    std::string job;
    std::string phase;  ///< e.g. "epoch 3/10"
    std::int64_t done = 0;
    std::int64_t total = 0;
    double ratePerSecond = 0;  ///< items (images, steps) per second
    double etaSeconds = -1;    ///< -1 while unknown
};

/// One point of a curve: series "train/loss" at step 120 has value 0.43.
struct MetricEvent {
    std::string job;
    std::string series;
    double step = 0;
    double value = 0;
};

/// Pictures a job shows while it learns, copied to plain 8-bit RGB before they leave the worker:
/// e.g. key "pretrained" holds the pretrained autoencoder's current reconstructions of the grid images.
struct PreviewEvent {
    std::string job;
    std::string key;
    std::vector<data::RgbBuffer> images;
};

enum class LogLevel { Info, Warning, Error };

struct LogEvent {
    std::string job;
    LogLevel level = LogLevel::Info;
    std::string text;
};

enum class Outcome { Succeeded, Failed, Cancelled };

/// The last event of every job.
struct FinishedEvent {
    std::string job;
    Outcome outcome = Outcome::Succeeded;
    std::string message;
};

using Event = std::variant<ProgressEvent, MetricEvent, PreviewEvent, LogEvent, FinishedEvent>;

/// A thread-safe mailbox: workers post, the consumer (GUI timer, CLI loop) drains in batches.
class EventSink {
  public:
    void post(Event event);
    /// Everything posted since the last drain, oldest first.
    std::vector<Event> drain();

  private:
    std::mutex mutex_;
    std::vector<Event> events_;
};

}  // namespace netsight::runtime
