#include "netsight/runtime/Job.h"

#include <c10/util/Exception.h>

#include <algorithm>
#include <exception>

namespace netsight::runtime {

const char* jobKindName(JobKind kind) {
    switch (kind) {
        case JobKind::Probe:
            return "probe";
        case JobKind::TrainClassifier:
            return "train";
        case JobKind::FinetuneAutoencoder:
            return "fine-tune";
        case JobKind::PretrainAutoencoder:
            return "pretrain";
        case JobKind::Visualize:
            return "visualize";
        case JobKind::Gallery:
            return "gallery";
        case JobKind::Invert:
            return "invert";
        case JobKind::FactorAnalysis:
            return "factor analysis";
        case JobKind::Evaluate:
            return "evaluate";
        case JobKind::Robustness:
            return "robustness";
        case JobKind::Attribution:
            return "attribution";
        case JobKind::Query:
            return "query";
    }
    return "job";
}

void JobContext::progress(const std::string& phase, std::int64_t done, std::int64_t total,
                          double ratePerSecond, double etaSeconds) const {
    sink_.post(ProgressEvent{name_, phase, done, total, ratePerSecond, etaSeconds});
}

void JobContext::metric(const std::string& series, double step, double value) const {
    sink_.post(MetricEvent{name_, series, step, value});
}

void JobContext::log(const std::string& text, LogLevel level) const {
    sink_.post(LogEvent{name_, level, text});
}

void JobContext::preview(const std::string& key, std::vector<data::RgbBuffer> images) const {
    sink_.post(PreviewEvent{name_, key, std::move(images)});
}

Outcome runJob(const std::string& name, EventSink& sink, const std::atomic<bool>& cancelFlag,
               const std::function<void(JobContext&)>& work) {
    JobContext context(name, sink, cancelFlag);
    FinishedEvent finished{name, Outcome::Succeeded, {}};
    try {
        work(context);
    } catch (const JobCancelled&) {
        finished.outcome = Outcome::Cancelled;
        finished.message = "cancelled";
    } catch (const c10::Error& error) {
        finished.outcome = Outcome::Failed;
        finished.message = error.what_without_backtrace();  // users need the message, not frames
    } catch (const std::exception& error) {
        finished.outcome = Outcome::Failed;
        finished.message = error.what();
    } catch (...) {
        finished.outcome = Outcome::Failed;
        finished.message = "unknown error";
    }
    sink.post(finished);
    return finished.outcome;
}

data::OpenOptions dataOpenOptions(const JobContext& job, const std::string& cacheDirectory) {
    data::OpenOptions options;
    options.cacheDirectory = cacheDirectory;
    auto meter = std::make_shared<std::unique_ptr<RateMeter>>();
    options.progress = [&job, meter](std::size_t done, std::size_t total) {
        job.checkCancelled();
        if (!*meter) *meter = std::make_unique<RateMeter>(static_cast<std::int64_t>(total));
        (*meter)->update(static_cast<std::int64_t>(done));
        job.progress("indexing images", static_cast<std::int64_t>(done), static_cast<std::int64_t>(total),
                     (*meter)->ratePerSecond(), (*meter)->etaSeconds());
    };
    return options;
}

void RateMeter::update(std::int64_t done) {
    const auto now = Clock::now();
    const double seconds = std::chrono::duration<double>(now - last_).count();
    const std::int64_t items = done - done_;
    if (items > 0 && seconds > 0) {
        const double instant = items / seconds;
        // Exponential smoothing: steady numbers without hiding a real change for long.
        rate_ = rate_ == 0 ? instant : 0.8 * rate_ + 0.2 * instant;
        last_ = now;
        done_ = done;
    }
}

double RateMeter::etaSeconds() const {
    if (rate_ <= 0) return -1;
    return std::max<double>(0, static_cast<double>(total_ - done_) / rate_);
}

double RateMeter::elapsedSeconds() const {
    return std::chrono::duration<double>(Clock::now() - start_).count();
}

JobThread::JobThread(std::string name, EventSink& sink, Work work) {
    thread_ = std::thread([this, name = std::move(name), &sink, work = std::move(work)] {
        runJob(name, sink, cancelFlag_, work);
        finished_.store(true);
    });
}

JobThread::~JobThread() {
    cancel();
    join();
}

void JobThread::join() {
    if (thread_.joinable()) thread_.join();
}

}  // namespace netsight::runtime
