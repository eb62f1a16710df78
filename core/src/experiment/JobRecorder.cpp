#include "netsight/experiment/JobRecorder.h"

#include <cstdio>
#include <ctime>
#include <deque>
#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;

namespace netsight::experiment {
namespace {

constexpr std::size_t kTimestampLength = 19;  // "2026-12-01 21:40:00"

std::string timestamp() {
    const std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
    return text;
}

bool startsWithTimestamp(const std::string& line) {
    static const std::string shape = "0000-00-00 00:00:00 ";  // 0: a digit
    if (line.size() < shape.size()) return false;
    for (std::size_t i = 0; i < shape.size(); ++i)
        if (shape[i] == '0' ? (line[i] < '0' || line[i] > '9') : line[i] != shape[i]) return false;
    return true;
}

// A metric's line: steps are counts or epochs, values need more digits.
std::string metricLine(const runtime::MetricEvent& metric) {
    char numbers[64];
    std::snprintf(numbers, sizeof numbers, ",%.10g,%.8g", metric.step, metric.value);
    return metric.series + numbers;
}

}  // namespace

const char* logLevelPrefix(runtime::LogLevel level) {
    switch (level) {
        case runtime::LogLevel::Warning:
            return "warning: ";
        case runtime::LogLevel::Error:
            return "error: ";
        case runtime::LogLevel::Info:
            break;
    }
    return "";
}

std::string finishedLine(const runtime::FinishedEvent& event) {
    switch (event.outcome) {
        case runtime::Outcome::Succeeded:
            return event.job + " finished";
        case runtime::Outcome::Cancelled:
            return event.job + " cancelled; run it again to resume from its last checkpoint";
        case runtime::Outcome::Failed:
            break;
    }
    return event.job + " failed: " + event.message;
}

std::vector<MetricPoint> readMetrics(const std::string& path) {
    std::vector<MetricPoint> points;
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
        // The series name may hold commas ("classifier a: train/loss" does not, but a user's name may):
        // the last two fields are the numbers.
        const auto valueComma = line.rfind(',');
        if (valueComma == std::string::npos || valueComma == 0) continue;
        const auto stepComma = line.rfind(',', valueComma - 1);
        if (stepComma == std::string::npos) continue;
        try {
            std::size_t used = 0;
            const std::string stepText = line.substr(stepComma + 1, valueComma - stepComma - 1);
            const std::string valueText = line.substr(valueComma + 1);
            const double step = std::stod(stepText, &used);
            if (used != stepText.size()) continue;
            const double value = std::stod(valueText, &used);
            if (used != valueText.size()) continue;  // a line cut by a crash
            points.push_back({line.substr(0, stepComma), step, value});
        } catch (const std::exception&) {
            continue;
        }
    }
    return points;
}

std::vector<std::string> readLog(const std::string& path, std::size_t maxLines) {
    std::ifstream in(path);
    std::deque<std::string> lines;
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;
        lines.push_back(line);
        if (lines.size() > maxLines) lines.pop_front();
    }
    return {lines.begin(), lines.end()};
}

std::string withoutTimestamp(const std::string& line) {
    return startsWithTimestamp(line) ? line.substr(kTimestampLength + 1) : line;
}

JobRecorder::JobRecorder(std::string directory) : directory_(std::move(directory)) {}

JobRecorder::~JobRecorder() {
    try {
        flush();
    } catch (...) {  // a full disk at exit: the log said what was written
    }
}

std::optional<std::string> JobRecorder::record(const runtime::Event& event) {
    if (const auto* metric = std::get_if<runtime::MetricEvent>(&event)) {
        pendingMetrics_.push_back(metricLine(*metric));
        return std::nullopt;
    }
    if (const auto* log = std::get_if<runtime::LogEvent>(&event))
        return append(logLevelPrefix(log->level) + log->text);
    if (const auto* finished = std::get_if<runtime::FinishedEvent>(&event)) {
        flush();  // the curves of a finished job are on disk before the line that says so
        return append(finishedLine(*finished));
    }
    return std::nullopt;
}

std::string JobRecorder::queued(const std::string& job, const std::string& device) {
    return append(job + " queued on " + device);
}

std::string JobRecorder::note(const std::string& text) {
    return append(text);
}

std::string JobRecorder::append(const std::string& text) {
    const std::string line = timestamp() + " " + text;
    std::ofstream out(fs::path(directory_) / "log.txt", std::ios::app);
    out << line << '\n';
    return line;
}

void JobRecorder::flush() {
    if (pendingMetrics_.empty()) return;
    const fs::path path = fs::path(directory_) / "results" / "metrics.csv";
    fs::create_directories(path.parent_path());
    const bool fresh = !fs::exists(path);
    std::ofstream out(path, std::ios::app);
    if (fresh) out << "series,step,value\n";
    for (const auto& line : pendingMetrics_)
        out << line << '\n';
    pendingMetrics_.clear();
}

}  // namespace netsight::experiment
