#include "netsight/experiment/Experiment.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <sstream>

#include "experiment/StageRecipes.h"

namespace fs = std::filesystem;

namespace netsight::experiment {
namespace {

std::string absolute(const std::string& directory) {
    std::error_code error;
    const fs::path path = fs::absolute(directory, error);
    return (error ? fs::path(directory) : path).lexically_normal().string();
}

// Whether a process (this one included) holds the stage lock models/.STAGE.lock, without waiting: a lock
// we could take is released at once.
bool lockHeld(const fs::path& models, const std::string& stage) {
    const fs::path path = models / ("." + stage + ".lock");
    if (!fs::exists(path)) return false;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    const bool held = ::flock(fd, LOCK_EX | LOCK_NB) != 0;
    if (!held) ::flock(fd, LOCK_UN);
    ::close(fd);
    return held;
}

StageState presentState(const fs::path& file, bool locked) {
    if (locked) return StageState::Running;
    if (fs::exists(file.string() + ".ckpt")) return StageState::Partial;
    return fs::exists(file) ? StageState::Done : StageState::Missing;
}

// Names, sizes and times of a folder's files, but metrics.csv, which grows with every tick of a run.
void stampFolder(std::ostringstream& out, const fs::path& folder) {
    std::error_code error;
    if (!fs::is_directory(folder, error)) return;
    for (const auto& item : fs::directory_iterator(folder, error)) {
        if (item.path().filename() == "metrics.csv") continue;
        std::error_code itemError;
        const auto time = fs::last_write_time(item.path(), itemError);
        out << item.path().filename().string() << ':'
            << (item.is_regular_file(itemError) ? item.file_size(itemError) : 0) << ':'
            << (itemError ? 0 : time.time_since_epoch().count()) << ';';
    }
}

}  // namespace

std::string stageTitle(const StageStatus& stage) {
    switch (stage.kind) {
        case StageKind::Classifier:
            return "classifier " + stage.classifier;
        case StageKind::PretrainedAutoencoder:
            return "pretrained AE";
        case StageKind::FinetunedAutoencoder:
            break;
    }
    return "AE for " + stage.classifier +
           (stage.replica > 0 ? " (replica " + std::to_string(stage.replica + 1) + ")" : std::string());
}

const char* stageStateName(StageState state) {
    switch (state) {
        case StageState::Missing:
            return "missing";
        case StageState::Partial:
            return "resumable";
        case StageState::Running:
            return "running";
        case StageState::Done:
            return "done";
        case StageState::Stale:
            return "stale";
    }
    return "?";
}

std::string rowTitle(const std::string& rowKey) {
    if (rowKey == "original") return "original";
    if (rowKey == "pretrained") return "pretrained AE";
    return "AE for " + rowKey;
}

Experiment::Experiment(std::string directory, ProbeSpec spec)
    : directory_(std::move(directory)), spec_(std::move(spec)) {}

Experiment Experiment::open(const std::string& directoryText) {
    const std::string directory = absolute(directoryText);
    const std::string specPath = (fs::path(directory) / "experiment.json").string();
    if (!fs::exists(specPath))
        throw ExperimentError(directory +
                              " is not a NetSight experiment: it has no experiment.json; create one (File > "
                              "New in the app, see README) or run the demo (--demo)");
    return Experiment(directory, readProbeSpec(specPath));
}

Experiment Experiment::create(const std::string& directoryText, const ProbeSpec& spec) {
    const std::string directory = absolute(directoryText);
    const std::string specPath = (fs::path(directory) / "experiment.json").string();
    if (fs::exists(specPath))
        throw ExperimentError(directory + " already holds an experiment; open it instead");
    validateProbeSpec(spec, specPath);
    fs::create_directories(directory);
    writeProbeSpec(spec, specPath);
    return Experiment(directory, spec);
}

Experiment Experiment::openOrCreateDemo(const std::string& directory) {
    if (fs::exists(fs::path(directory) / "experiment.json")) return open(directory);
    return create(directory, demoProbeSpec());
}

void Experiment::setSpec(const ProbeSpec& spec) {
    validateProbeSpec(spec, specPath());
    writeProbeSpec(spec, specPath());
    spec_ = spec;
}

void Experiment::reload() {
    spec_ = readProbeSpec(specPath());
}

std::string Experiment::specPath() const {
    return (fs::path(directory_) / "experiment.json").string();
}
std::string Experiment::modelsDirectory() const {
    return (fs::path(directory_) / "models").string();
}
std::string Experiment::resultsDirectory() const {
    return (fs::path(directory_) / "results").string();
}
std::string Experiment::cacheDirectory() const {
    return (fs::path(directory_) / "cache").string();
}
std::string Experiment::logPath() const {
    return (fs::path(directory_) / "log.txt").string();
}
std::string Experiment::metricsPath() const {
    return (fs::path(directory_) / "results" / "metrics.csv").string();
}
std::string Experiment::reportPath() const {
    return (fs::path(directory_) / "report.html").string();
}
std::string Experiment::visualizerDirectory() const {
    return (fs::path(directory_) / "results" / "visualizer").string();
}
std::string Experiment::factorDirectory(const std::string& classifier) const {
    return (fs::path(directory_) / "results" / "factors" / classifier).string();
}

std::string Experiment::attributionDirectory(const std::string& classifier) const {
    return (fs::path(directory_) / "results" / "attribution" / classifier).string();
}

const ClassifierEntry& Experiment::classifier(const std::string& name) const {
    for (const auto& entry : spec_.classifiers)
        if (entry.name == name) return entry;
    std::string names;
    for (const auto& entry : spec_.classifiers)
        names += (names.empty() ? "" : ", ") + entry.name;
    throw ExperimentError(specPath() + ": there is no classifier named '" + name +
                          "' (it has: " + (names.empty() ? std::string("none") : names) + ")");
}

std::string Experiment::modelPath(const ClassifierEntry& entry) const {
    if (!entry.architecture.empty()) return zooModelPath(directory_, entry.name).string();
    return resolvePath(directory_, entry.model);
}

bool Experiment::classifierReady(const ClassifierEntry& entry) const {
    const std::string path = modelPath(entry);
    return fs::exists(path) && !fs::exists(path + ".ckpt");
}

std::string Experiment::classifierStatus(const ClassifierEntry& entry) const {
    const std::string path = modelPath(entry);
    if (entry.architecture.empty()) return fs::exists(path) ? "ready" : "model file missing";
    if (lockHeld(modelsDirectory(), "classifier-" + entry.name)) return "training";
    if (fs::exists(path + ".ckpt")) return "training (resumable)";
    return fs::exists(path) ? "ready" : "not trained";
}

std::string Experiment::pretrainedAutoencoderPath() const {
    return pretrainedPath(directory_).string();
}

std::string Experiment::finetunedAutoencoderPath(const std::string& classifier, int replica) const {
    return finetunedPath(directory_, classifier, replica).string();
}

std::vector<StageStatus> Experiment::stages() const {
    const fs::path models = modelsDirectory();
    std::vector<StageStatus> stages;
    for (const auto& entry : spec_.classifiers)
        if (!entry.architecture.empty()) {
            const fs::path file = zooModelPath(directory_, entry.name);
            stages.push_back({StageKind::Classifier,
                              entry.name,
                              0,
                              file.string(),
                              presentState(file, lockHeld(models, "classifier-" + entry.name)),
                              {}});
        }
    const fs::path pretrained = pretrainedPath(directory_);
    stages.push_back({StageKind::PretrainedAutoencoder,
                      "",
                      0,
                      pretrained.string(),
                      presentState(pretrained, lockHeld(models, "ae-pretrained")),
                      {}});
    for (const auto& entry : spec_.classifiers)
        for (int replica = 0; replica < spec_.replicas; ++replica) {
            const fs::path file = finetunedPath(directory_, entry.name, replica);
            stages.push_back({StageKind::FinetunedAutoencoder,
                              entry.name,
                              replica,
                              file.string(),
                              presentState(file, lockHeld(models, finetunedStageName(entry.name, replica))),
                              {}});
        }
    return stages;
}

void Experiment::markStale(std::vector<StageStatus>& stages) const {
    // Stale beats done and resumable: the next run refuses them. A stage being made is left as running.
    std::map<std::string, std::vector<std::string>> stale;
    for (auto& found : findStaleStages(directory_, spec_))
        stale[found.file] = std::move(found.changes);
    for (auto& stage : stages) {
        if (stage.state == StageState::Running) continue;
        for (const std::string& file : {stage.file, stage.file + ".ckpt"}) {
            const auto match = stale.find(file);
            if (match == stale.end()) continue;
            stage.state = StageState::Stale;
            stage.changes = match->second;
        }
    }
}

std::string Experiment::stamp() const {
    std::ostringstream out;
    std::error_code error;
    const auto specTime = fs::last_write_time(specPath(), error);
    out << (error ? 0 : specTime.time_since_epoch().count()) << '|';
    stampFolder(out, modelsDirectory());
    out << '|';
    stampFolder(out, resultsDirectory());
    out << '|';
    const fs::path models = modelsDirectory();
    for (const auto& entry : spec_.classifiers) {
        out << lockHeld(models, "classifier-" + entry.name);
        for (int replica = 0; replica < spec_.replicas; ++replica)
            out << lockHeld(models, finetunedStageName(entry.name, replica));
    }
    out << lockHeld(models, "ae-pretrained");
    return out.str();
}

}  // namespace netsight::experiment
