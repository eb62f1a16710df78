#include "experiment/StageRecipes.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "netsight/models/Classifier.h"
#include "probe/AutoencoderTraining.h"

namespace netsight::experiment {
using namespace netsight::probe;  // the science: SegNet, NMI, order, report

namespace fs = std::filesystem;

std::string resolvePath(const fs::path& directory, const std::string& file) {
    const fs::path path(file);
    return path.is_absolute() ? path.string() : (directory / path).string();
}
fs::path pretrainedPath(const fs::path& directory) {
    return directory / "models" / "ae-pretrained.pt";
}
std::string finetunedStageName(const std::string& name, int replica) {
    return "ae-" + name + (replica > 0 ? ".r" + std::to_string(replica + 1) : std::string());
}
fs::path finetunedPath(const fs::path& directory, const std::string& name, int replica) {
    return directory / "models" / (finetunedStageName(name, replica) + ".pt");
}
std::uint64_t replicaSeed(const experiment::ProbeSpec& spec, int replica) {
    if (replica == 0) return spec.seed;
    std::uint64_t z = spec.seed * 0x9E3779B97F4A7C15ull + static_cast<std::uint64_t>(replica) + 0x5EEDull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
std::uint64_t classifierSeed(const experiment::ProbeSpec& spec, const experiment::ClassifierEntry& entry) {
    return entry.seed.value_or(spec.seed);
}
fs::path zooModelPath(const fs::path& directory, const std::string& name) {
    return directory / "models" / (name + ".nsm");
}
std::string givenPretrainedFile(const fs::path& directory, const experiment::ProbeSpec& spec) {
    return spec.pretrainedAutoencoder.empty() ? std::string()
                                              : resolvePath(directory, spec.pretrainedAutoencoder);
}

Recipe pretrainRecipe(const experiment::ProbeSpec& spec) {
    if (!spec.pretrainedAutoencoder.empty()) return {{"autoencoder.pretrained", spec.pretrainedAutoencoder}};
    Recipe recipe = {{"data", spec.data},
                     {"seed", spec.seed},
                     {"autoencoder.preset", spec.autoencoder},
                     {"autoencoder.pretrain_epochs", spec.pretrainEpochs},
                     {"autoencoder.learning_rate", spec.autoencoderLearningRate},
                     {"autoencoder.pretrain_batch", spec.pretrainBatchSize},
                     {"autoencoder.max_train", spec.maxTrainSamples}};
    // Off (0) by default and absent from recipes made before they existed: only set values are recorded.
    if (spec.pretrainTargetPsnr > 0) recipe["autoencoder.pretrain_target_psnr"] = spec.pretrainTargetPsnr;
    if (spec.pretrainPatience > 0) recipe["autoencoder.pretrain_patience"] = spec.pretrainPatience;
    // Training to a target validates each epoch, and since issue 15's second pass it also follows a cosine
    // rate and keeps the best epoch: an AE pretrained the older way (rate halved at each epoch without a
    // gain) is another recipe, so neither the stale check nor the AE cache takes one for the other.
    if (spec.pretrainTargetPsnr > 0 || spec.pretrainPatience > 0)
        recipe["autoencoder.pretrain_schedule"] = "cosine, best epoch";
    return recipe;
}

fs::path autoencoderCacheDirectory() {
    const char* chosen = std::getenv("NETSIGHT_AUTOENCODER_CACHE");
    if (chosen && *chosen) return std::string(chosen) == "off" ? fs::path() : fs::path(chosen);
    if (const char* data = std::getenv("XDG_DATA_HOME"); data && *data)
        return fs::path(data) / "netsight" / "autoencoders";
    if (const char* home = std::getenv("HOME"); home && *home)
        return fs::path(home) / ".local" / "share" / "netsight" / "autoencoders";
    return {};
}

fs::path cachedPretrainedPath(const experiment::ProbeSpec& spec) {
    const fs::path folder = autoencoderCacheDirectory();
    if (folder.empty() || !spec.pretrainedAutoencoder.empty()) return {};
    const std::string key = pretrainRecipe(spec).dump();
    std::uint64_t hash = 1469598103934665603ull;
    for (unsigned char c : key)
        hash = (hash ^ c) * 1099511628211ull;
    char name[40];
    std::snprintf(name, sizeof name, "ae-%016llx.pt", static_cast<unsigned long long>(hash));
    return folder / name;
}

Recipe finetuneRecipe(const experiment::ProbeSpec& spec, const std::string& pretrainedDigest,
                      const std::string& classifierName, const std::string& classifierFile, int replica) {
    Recipe recipe = pretrainRecipe(spec);
    recipe["pretrained autoencoder"] = pretrainedDigest;
    recipe["data"] = spec.data;
    recipe["seed"] = spec.seed;
    recipe["autoencoder.finetune_epochs"] = spec.finetuneEpochs;
    recipe["autoencoder.finetune_learning_rate"] = spec.finetuneLearningRate;
    recipe["autoencoder.reconstruction_weight"] = spec.reconstructionWeight;
    recipe["autoencoder.batch"] = spec.batchSize;
    recipe["autoencoder.max_train"] = spec.maxTrainSamples;
    recipe["model file of classifier " + classifierName] = fileDigest(classifierFile);
    if (replica > 0) {  // the first replica's recipe is what it was before replicas
        recipe["replica"] = replica + 1;
        recipe["fine-tuning seed"] = replicaSeed(spec, replica);
    }
    return recipe;
}

Recipe classifierRecipe(const experiment::ProbeSpec& spec, const experiment::ClassifierEntry& entry) {
    return {{"architecture", entry.architecture},
            {"data", spec.data},
            {"seed", classifierSeed(spec, entry)},
            {"classifier_training.epochs", spec.classifierEpochs},
            {"classifier_training.learning_rate", spec.classifierLearningRate}};
}

Recipe recordedClassifierRecipe(const std::string& modelFile) {
    const auto meta = models::loadClassifier(modelFile)->meta();  // no layer listing: the record only
    Recipe recipe = {{"architecture", meta.architecture},
                     {"data", meta.training.dataSource},
                     {"seed", meta.training.seed},
                     {"classifier_training.learning_rate", meta.training.learningRate}};
    if (meta.training.plannedEpochs > 0) recipe["classifier_training.epochs"] = meta.training.plannedEpochs;
    return recipe;
}

std::string fileDigest(const std::string& path) {
    std::ifstream stream(path, std::ios::binary);
    if (!stream) throw std::runtime_error(path + ": cannot be read");
    std::uint64_t hash = 1469598103934665603ull, size = 0;
    char buffer[1 << 16];
    while (stream) {
        stream.read(buffer, sizeof buffer);
        const auto got = stream.gcount();
        for (std::streamsize i = 0; i < got; ++i)
            hash = (hash ^ static_cast<unsigned char>(buffer[i])) * 1099511628211ull;
        size += static_cast<std::uint64_t>(got);
    }
    char text[48];
    std::snprintf(text, sizeof text, "%016llx, %llu bytes", static_cast<unsigned long long>(hash),
                  static_cast<unsigned long long>(size));
    return text;
}

std::vector<std::string> recipeChanges(const Recipe& made, const Recipe& wanted) {
    std::vector<std::string> changes;
    if (made.is_null() || made == wanted) return changes;
    for (const auto& [key, value] : wanted.items())
        if (!made.contains(key) || made.at(key) != value)
            changes.push_back(key + ": was " + (made.contains(key) ? made.at(key).dump() : "(not set)") +
                              ", now " + value.dump());
    for (const auto& [key, value] : made.items())
        if (!wanted.contains(key)) changes.push_back(key + ": was " + value.dump() + ", now (not set)");
    return changes;
}

void requireSameRecipe(const std::string& file, const Recipe& made, const Recipe& wanted,
                       const std::string& remedy) {
    const auto changes = recipeChanges(made, wanted);
    if (changes.empty()) return;
    std::string message = file + " was made with other settings than experiment.json gives now:";
    for (const auto& change : changes)
        message += "\n  " + change;
    throw std::runtime_error(message + "\n" + remedy);
}

std::vector<StaleStage> findStaleStages(const fs::path& directory, const experiment::ProbeSpec& spec,
                                        std::vector<std::string>* unchecked) {
    std::vector<StaleStage> stale;
    // The recipe of an autoencoder stage's file or checkpoint; notes a file from before recipes.
    auto recipeOf = [&](const std::string& file, bool checkpoint) {
        Recipe made = checkpoint ? autoencoderCheckpointRecipe(file) : autoencoderRecipe(file);
        if (made.is_null() && unchecked) unchecked->push_back(file);
        return made;
    };
    // A stage's final file, else its checkpoint (a stage in progress); empty when neither exists.
    auto present = [](const fs::path& file) {
        if (fs::exists(file)) return file.string();
        if (fs::exists(file.string() + ".ckpt")) return file.string() + ".ckpt";
        return std::string();
    };
    std::vector<std::string> retrained;  // classifiers whose model file is to be trained again
    for (const auto& entry : spec.classifiers) {
        const fs::path model = zooModelPath(directory, entry.name);
        if (entry.architecture.empty() || !fs::exists(model)) continue;
        const Recipe recorded = recordedClassifierRecipe(model.string());
        Recipe wanted = classifierRecipe(spec, entry);
        if (!recorded.contains("classifier_training.epochs"))
            wanted.erase("classifier_training.epochs");  // older files
        auto changes = recipeChanges(recorded, wanted);
        if (changes.empty()) continue;
        stale.push_back({model.string(), std::move(changes)});
        retrained.push_back(entry.name);
    }
    const std::string pretrained = present(pretrainedPath(directory));
    bool pretrainedStale = false;
    if (!pretrained.empty()) {
        auto changes = recipeChanges(recipeOf(pretrained, pretrained != pretrainedPath(directory).string()),
                                     pretrainRecipe(spec));
        pretrainedStale = !changes.empty();
        if (pretrainedStale) stale.push_back({pretrained, std::move(changes)});
    }
    std::string pretrainedDigest;  // read once, for the first fine-tuned autoencoder that needs it
    for (const auto& entry : spec.classifiers)
        for (int replica = 0; replica < spec.replicas; ++replica) {
            const fs::path stageFile = finetunedPath(directory, entry.name, replica);
            const std::string finetuned = present(stageFile);
            if (finetuned.empty()) continue;
            const std::string classifier = entry.architecture.empty()
                                               ? resolvePath(directory, entry.model)
                                               : zooModelPath(directory, entry.name).string();
            // A given model file that is missing: loading it says so, naming it.
            if (entry.architecture.empty() && !fs::exists(classifier)) continue;
            std::vector<std::string> changes;
            if (!fs::exists(classifier) ||
                std::find(retrained.begin(), retrained.end(), entry.name) != retrained.end())
                changes.push_back("its classifier " + entry.name + " is to be trained again");
            else if (pretrained != pretrainedPath(directory).string())
                changes.push_back("its pretrained autoencoder is gone or being trained again");
            else {
                if (pretrainedDigest.empty()) pretrainedDigest = fileDigest(pretrained);
                changes =
                    recipeChanges(recipeOf(finetuned, finetuned != stageFile.string()),
                                  finetuneRecipe(spec, pretrainedDigest, entry.name, classifier, replica));
            }
            if (changes.empty() && pretrainedStale)
                changes.push_back("it was fine-tuned from the pretrained autoencoder that is to be redone");
            if (!changes.empty()) stale.push_back({finetuned, std::move(changes)});
        }
    return stale;
}

// Stage files made with other settings than experiment.json gives now are refused before any work, with
// what changed and what to do (a stage redone would otherwise mix with stages made the old way).
void requireNoStaleStages(const fs::path& directory, const experiment::ProbeSpec& spec,
                          const runtime::JobContext& job) {
    std::vector<std::string> unchecked;
    const auto stale = findStaleStages(directory, spec, &unchecked);
    for (const auto& file : unchecked)
        job.log(file +
                    " was made before NetSight recorded the settings of each stage: it is used as it is, "
                    "unchecked against experiment.json (delete it to redo it with the current settings)",
                runtime::LogLevel::Warning);
    if (stale.empty()) return;
    std::string message = (directory / "experiment.json").string() + " has changed since these were made:";
    for (const auto& stage : stale) {
        message += "\n  " + fs::path(stage.file).lexically_relative(directory).string() + ":";
        for (const auto& change : stage.changes)
            message += "\n    " + change;
    }
    throw std::runtime_error(
        message + "\nDelete them to redo them with the new settings (netsight-cli probe " +
        directory.string() +
        " --discard-stale, or Run > Discard stale stages in the app), or set the fields back.");
}

}  // namespace netsight::experiment
