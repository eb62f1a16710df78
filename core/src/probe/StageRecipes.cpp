#include "StageRecipes.h"

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "netsight/models/ModelFile.h"

namespace netsight::probe {

Recipe pretrainRecipe(const experiment::ProbeSpec& spec) {
    if (!spec.pretrainedAutoencoder.empty()) return {{"autoencoder.pretrained", spec.pretrainedAutoencoder}};
    return {{"data", spec.data},
            {"seed", spec.seed},
            {"autoencoder.preset", spec.autoencoder},
            {"autoencoder.pretrain_epochs", spec.pretrainEpochs},
            {"autoencoder.learning_rate", spec.autoencoderLearningRate},
            {"autoencoder.batch", spec.batchSize},
            {"autoencoder.max_train", spec.maxTrainSamples}};
}

Recipe finetuneRecipe(const experiment::ProbeSpec& spec, const std::string& classifierName,
                      const std::string& classifierFile) {
    Recipe recipe = pretrainRecipe(spec);
    recipe["data"] = spec.data;
    recipe["seed"] = spec.seed;
    recipe["autoencoder.finetune_epochs"] = spec.finetuneEpochs;
    recipe["autoencoder.finetune_learning_rate"] = spec.finetuneLearningRate;
    recipe["autoencoder.reconstruction_weight"] = spec.reconstructionWeight;
    recipe["autoencoder.batch"] = spec.batchSize;
    recipe["autoencoder.max_train"] = spec.maxTrainSamples;
    recipe["model file of classifier " + classifierName] = fileDigest(classifierFile);
    return recipe;
}

Recipe classifierRecipe(const experiment::ProbeSpec& spec, const std::string& architecture) {
    return {{"architecture", architecture},
            {"data", spec.data},
            {"seed", spec.seed},
            {"classifier_training.learning_rate", spec.classifierLearningRate}};
}

Recipe recordedClassifierRecipe(const std::string& modelFile) {
    const auto meta = models::inspectModel(modelFile).meta;
    return {{"architecture", meta.architecture},
            {"data", meta.training.dataSource},
            {"seed", meta.training.seed},
            {"classifier_training.learning_rate", meta.training.learningRate}};
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

void requireSameRecipe(const std::string& file, const Recipe& made, const Recipe& wanted,
                       const std::string& remedy) {
    if (made.is_null() || made == wanted) return;
    std::string changes;
    auto shown = [](const Recipe& recipe, const std::string& key) {
        return recipe.contains(key) ? recipe.at(key).dump() : std::string("(not set)");
    };
    for (const auto& [key, value] : wanted.items())
        if (!made.contains(key) || made.at(key) != value)
            changes += "\n  " + key + ": was " + shown(made, key) + ", now " + value.dump();
    for (const auto& [key, value] : made.items())
        if (!wanted.contains(key)) changes += "\n  " + key + ": was " + value.dump() + ", now (not set)";
    throw std::runtime_error(
        file + " was made with other settings than experiment.json gives now:" + changes + "\n" + remedy);
}

}  // namespace netsight::probe
