#include "TerminalProgress.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <map>
#include <thread>

#include "netsight/runtime/JobLanes.h"

namespace netsight::cli {
namespace {

std::atomic<bool> interrupted{false};

void onInterrupt(int) {
    interrupted.store(true);
}

std::string duration(double seconds) {
    if (seconds < 0) return "--:--";
    const long total = static_cast<long>(seconds + 0.5);
    char text[32];
    if (total >= 3600)
        std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60, total % 60);
    else
        std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
    return text;
}

}  // namespace

runtime::Outcome runWithProgress(runtime::JobKind kind, const std::string& name,
                                 const runtime::JobThread::Work& work) {
    return runWithProgress(runtime::JobTicket{name, kind, {}}, work);
}

runtime::Outcome runWithProgress(const runtime::JobTicket& ticket, const runtime::JobThread::Work& work,
                                 experiment::JobRecorder* recorder, const std::string& lane) {
    const bool tty = ::isatty(STDERR_FILENO);
    interrupted.store(false);
    auto previous = std::signal(SIGINT, onInterrupt);
    runtime::EventSink sink;
    runtime::FinishedEvent finished;
    bool done = false;
    {
        runtime::JobLanes jobs(sink);
        if (recorder) recorder->queued(ticket.name, lane);
        jobs.submit(lane, ticket, [&work](runtime::JobContext& context) { work(context); });
        std::map<std::string, double> latest;
        runtime::ProgressEvent progress;
        auto lastLine = std::chrono::steady_clock::now();
        bool barShown = false;
        auto clearBar = [&] {
            if (barShown) std::cerr << "\r\033[K";
            barShown = false;
        };
        while (!done) {
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
            if (interrupted.exchange(false)) {
                clearBar();
                std::cerr << "netsight-cli: cancelling (finishing the current batch)...\n";
                jobs.cancel(ticket.name);
            }
            bool changed = false;
            for (auto& event : sink.drain()) {
                if (recorder) recorder->record(event);
                if (auto* p = std::get_if<runtime::ProgressEvent>(&event)) {
                    progress = *p;
                    changed = true;
                } else if (auto* m = std::get_if<runtime::MetricEvent>(&event)) {
                    latest[m->series] = m->value;
                } else if (auto* l = std::get_if<runtime::LogEvent>(&event)) {
                    clearBar();
                    std::cerr << "netsight-cli: " << experiment::logLevelPrefix(l->level) << l->text << "\n";
                } else if (auto* f = std::get_if<runtime::FinishedEvent>(&event)) {
                    finished = *f;
                    done = true;
                }
            }
            if (!changed || progress.total <= 0) continue;
            const double fraction = static_cast<double>(progress.done) / progress.total;
            char line[256];
            std::string extra;
            if (latest.count("train/loss"))
                extra += " loss " + std::to_string(latest["train/loss"]).substr(0, 6);
            if (tty) {
                const int width = 28;
                const int filled = static_cast<int>(fraction * width);
                std::snprintf(line, sizeof line, "\r\033[K%s [%s%s] %3.0f%% %.0f img/s ETA %s%s",
                              progress.phase.c_str(), std::string(filled, '#').c_str(),
                              std::string(width - filled, '.').c_str(), 100 * fraction,
                              progress.ratePerSecond, duration(progress.etaSeconds).c_str(), extra.c_str());
                std::cerr << line << std::flush;
                barShown = true;
            } else if (std::chrono::steady_clock::now() - lastLine > std::chrono::seconds(5)) {
                std::snprintf(line, sizeof line, "%s: %3.0f%% %.0f img/s ETA %s%s\n", progress.phase.c_str(),
                              100 * fraction, progress.ratePerSecond, duration(progress.etaSeconds).c_str(),
                              extra.c_str());
                std::cerr << line;
                lastLine = std::chrono::steady_clock::now();
            }
        }
        clearBar();
    }
    std::signal(SIGINT, previous);
    if (finished.outcome == runtime::Outcome::Failed)
        std::cerr << "netsight-cli: error: " << finished.message << "\n";
    if (finished.outcome == runtime::Outcome::Cancelled) {
        // Trainings keep a checkpoint; other work (an evaluation, a folder's indexing) just stops.
        const bool checkpoints = ticket.kind == runtime::JobKind::Probe ||
                                 ticket.kind == runtime::JobKind::TrainClassifier ||
                                 ticket.kind == runtime::JobKind::FinetuneAutoencoder ||
                                 ticket.kind == runtime::JobKind::PretrainAutoencoder;
        std::cerr << (checkpoints ? "netsight-cli: cancelled; the last checkpoint is kept, run the same "
                                    "command again to resume\n"
                                  : "netsight-cli: cancelled\n");
    }
    return finished.outcome;
}

}  // namespace netsight::cli
