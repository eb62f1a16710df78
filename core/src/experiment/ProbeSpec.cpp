#include "netsight/experiment/ProbeSpec.h"

#include <algorithm>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "netsight/runtime/AtomicFile.h"
#include "runtime/JsonValue.h"

namespace netsight::experiment {

using nlohmann::json;

namespace {

// Reads an optional field with a type check whose error names the path.
template <typename T>
void read(const json& object, const char* key, const std::string& path, const std::string& where, T& target) {
    if (!object.contains(key)) return;
    const json& value = object.at(key);
    if (runtime::jsonFits<T>(value)) {
        try {
            target = value.get<T>();
            return;
        } catch (const json::exception&) {
        }
    }
    throw std::runtime_error(where + ": field '" + path + key +
                             "' has the wrong type or range: " + runtime::jsonForMessage(value) +
                             " (expected " + runtime::jsonExpected<T>() + ")");
}

const json& section(const json& document, const char* key, const std::string& where) {
    static const json empty = json::object();
    if (!document.contains(key)) return empty;
    if (!document.at(key).is_object())
        throw std::runtime_error(where + ": field '" + key + "' must be an object");
    return document.at(key);
}

}  // namespace

std::vector<std::string> autoencoderPresets() {
    return {"segnet-small", "segnet-tiny", "segnet-vgg16"};
}

void validateProbeSpec(const ProbeSpec& spec, const std::string& where) {
    if (spec.classifiers.empty())
        throw std::runtime_error(where + ": field 'classifiers' is empty; list at least one classifier");
    std::set<std::string> names;
    for (std::size_t i = 0; i < spec.classifiers.size(); ++i) {
        const auto& entry = spec.classifiers[i];
        const std::string path = "classifiers[" + std::to_string(i) + "]";
        if (entry.name.empty() || entry.name.find_first_of("/\\ ") != std::string::npos)
            throw std::runtime_error(where + ": field '" + path +
                                     ".name' must be a short name without spaces or slashes");
        if (entry.name == "original" || entry.name == "pretrained")
            throw std::runtime_error(where + ": field '" + path + ".name' may not be '" + entry.name +
                                     "' (a reserved row name)");
        if (!names.insert(entry.name).second)
            throw std::runtime_error(where + ": field '" + path + ".name': '" + entry.name +
                                     "' is used twice");
        if (entry.seed && entry.architecture.empty())
            throw std::runtime_error(where + ": field '" + path +
                                     ".seed' is for zoo entries (a model file is trained already)");
        if (entry.architecture.empty() == entry.model.empty())
            throw std::runtime_error(
                where + ": " + path +
                " needs exactly one of 'architecture' (a zoo name to train) or 'model' (a file)");
    }
    auto positive = [&](long long value, const char* field) {
        if (value <= 0)
            throw std::runtime_error(where + ": field '" + field + "' must be positive, got " +
                                     std::to_string(value));
    };
    positive(spec.classifierEpochs, "classifier_training.epochs");
    positive(spec.pretrainEpochs, "autoencoder.pretrain_epochs");
    positive(spec.finetuneEpochs, "autoencoder.finetune_epochs");
    if (spec.pretrainTargetPsnr < 0 || spec.pretrainTargetPsnr > 80)
        throw std::runtime_error(where +
                                 ": field 'autoencoder.pretrain_target_psnr' must be 0 (none) to 80 dB");
    if (spec.pretrainPatience < 0)
        throw std::runtime_error(where + ": field 'autoencoder.pretrain_patience' must be 0 (none) or more");
    positive(static_cast<long long>(spec.batchSize), "autoencoder.batch");
    positive(static_cast<long long>(spec.pretrainBatchSize), "autoencoder.pretrain_batch");
    positive(static_cast<long long>(spec.gridImages), "evaluation.grid_images");
    if (spec.testImages < 20)
        throw std::runtime_error(where + ": field 'evaluation.test_images' is " +
                                 std::to_string(spec.testImages) +
                                 "; the statistics need at least 20 test images");
    const auto presets = autoencoderPresets();
    if (std::find(presets.begin(), presets.end(), spec.autoencoder) == presets.end()) {
        std::string known;
        for (const auto& name : presets)
            known += (known.empty() ? "" : ", ") + name;
        throw std::runtime_error(where + ": field 'autoencoder.preset' is \"" + spec.autoencoder +
                                 "\"; presets: " + known);
    }
    if (spec.replicas < 1 || spec.replicas > 20)
        throw std::runtime_error(where + ": field 'evaluation.replicas' must be 1..20, got " +
                                 std::to_string(spec.replicas));
    if (spec.nmiBins < 2 || spec.nmiBins > 256)
        throw std::runtime_error(where + ": field 'evaluation.nmi_bins' must be 2..256, got " +
                                 std::to_string(spec.nmiBins));
    if (spec.nmiVariant != "studholme" && spec.nmiVariant != "arithmetic")
        throw std::runtime_error(
            where + ": field 'evaluation.nmi_variant' must be \"studholme\" or \"arithmetic\", got \"" +
            spec.nmiVariant + "\"");
    if (!(spec.autoencoderLearningRate > 0) || !(spec.classifierLearningRate > 0) ||
        !(spec.finetuneLearningRate > 0))
        throw std::runtime_error(where + ": learning rates must be positive");
    if (spec.reconstructionWeight < 0)
        throw std::runtime_error(where + ": field 'autoencoder.reconstruction_weight' must be 0 or more");
}

ProbeSpec readProbeSpec(const std::string& path) {
    std::ifstream stream(path);
    if (!stream) throw std::runtime_error(path + ": cannot read the experiment file");
    std::stringstream text;
    text << stream.rdbuf();
    return parseProbeSpec(text.str(), path);
}

ProbeSpec parseProbeSpec(const std::string& text, const std::string& path) {
    json document;
    try {
        document = json::parse(text);
    } catch (const json::exception& error) {  // parse_error, or out_of_range for a number like 1e999
        throw std::runtime_error(path + ": not valid JSON (" + std::string(error.what()) + ")");
    }
    if (!document.is_object()) throw std::runtime_error(path + ": the experiment must be a JSON object");
    int version = ProbeSpec::kVersion;
    read(document, "version", "", path, version);
    if (version != ProbeSpec::kVersion)
        throw std::runtime_error(path + ": field 'version' is " + std::to_string(version) +
                                 "; this NetSight reads version " + std::to_string(ProbeSpec::kVersion));
    ProbeSpec spec;
    read(document, "data", "", path, spec.data);
    read(document, "seed", "", path, spec.seed);
    read(document, "device", "", path, spec.device);
    read(document, "mixed_precision", "", path, spec.mixedPrecision);
    if (!document.contains("classifiers") || !document.at("classifiers").is_array())
        throw std::runtime_error(path + ": field 'classifiers' is missing or not a list");
    const json& classifiers = document.at("classifiers");
    for (std::size_t i = 0; i < classifiers.size(); ++i) {
        const std::string prefix = "classifiers[" + std::to_string(i) + "].";
        if (!classifiers[i].is_object())
            throw std::runtime_error(path + ": field 'classifiers[" + std::to_string(i) +
                                     "]' must be an object");
        ClassifierEntry entry;
        read(classifiers[i], "name", prefix, path, entry.name);
        read(classifiers[i], "architecture", prefix, path, entry.architecture);
        read(classifiers[i], "model", prefix, path, entry.model);
        if (classifiers[i].contains("seed")) {
            std::uint64_t seed = 0;
            read(classifiers[i], "seed", prefix, path, seed);
            entry.seed = seed;
        }
        if (entry.name.empty()) entry.name = entry.architecture;
        spec.classifiers.push_back(entry);
    }
    const json& training = section(document, "classifier_training", path);
    read(training, "epochs", "classifier_training.", path, spec.classifierEpochs);
    read(training, "learning_rate", "classifier_training.", path, spec.classifierLearningRate);
    const json& autoencoder = section(document, "autoencoder", path);
    read(autoencoder, "preset", "autoencoder.", path, spec.autoencoder);
    read(autoencoder, "pretrained", "autoencoder.", path, spec.pretrainedAutoencoder);
    read(autoencoder, "pretrain_epochs", "autoencoder.", path, spec.pretrainEpochs);
    read(autoencoder, "pretrain_target_psnr", "autoencoder.", path, spec.pretrainTargetPsnr);
    read(autoencoder, "pretrain_patience", "autoencoder.", path, spec.pretrainPatience);
    read(autoencoder, "finetune_epochs", "autoencoder.", path, spec.finetuneEpochs);
    read(autoencoder, "learning_rate", "autoencoder.", path, spec.autoencoderLearningRate);
    read(autoencoder, "finetune_learning_rate", "autoencoder.", path, spec.finetuneLearningRate);
    read(autoencoder, "reconstruction_weight", "autoencoder.", path, spec.reconstructionWeight);
    read(autoencoder, "batch", "autoencoder.", path, spec.batchSize);
    read(autoencoder, "pretrain_batch", "autoencoder.", path, spec.pretrainBatchSize);
    read(autoencoder, "max_train", "autoencoder.", path, spec.maxTrainSamples);
    const json& evaluation = section(document, "evaluation", path);
    read(evaluation, "test_images", "evaluation.", path, spec.testImages);
    read(evaluation, "grid_images", "evaluation.", path, spec.gridImages);
    read(evaluation, "nmi_bins", "evaluation.", path, spec.nmiBins);
    read(evaluation, "nmi_variant", "evaluation.", path, spec.nmiVariant);
    read(evaluation, "replicas", "evaluation.", path, spec.replicas);
    validateProbeSpec(spec, path);
    return spec;
}

std::string probeSpecJson(const ProbeSpec& spec) {
    json classifiers = json::array();
    for (const auto& entry : spec.classifiers) {
        json item = {{"name", entry.name}};
        if (!entry.architecture.empty()) item["architecture"] = entry.architecture;
        if (!entry.model.empty()) item["model"] = entry.model;
        if (entry.seed) item["seed"] = *entry.seed;
        classifiers.push_back(item);
    }
    json document = {{"version", ProbeSpec::kVersion},
                     {"data", spec.data},
                     {"seed", spec.seed},
                     {"device", spec.device},
                     {"mixed_precision", spec.mixedPrecision},
                     {"classifiers", classifiers},
                     {"classifier_training",
                      {{"epochs", spec.classifierEpochs}, {"learning_rate", spec.classifierLearningRate}}},
                     {"autoencoder",
                      {{"preset", spec.autoencoder},
                       {"pretrain_epochs", spec.pretrainEpochs},
                       {"pretrain_target_psnr", spec.pretrainTargetPsnr},
                       {"pretrain_patience", spec.pretrainPatience},
                       {"finetune_epochs", spec.finetuneEpochs},
                       {"learning_rate", spec.autoencoderLearningRate},
                       {"finetune_learning_rate", spec.finetuneLearningRate},
                       {"reconstruction_weight", spec.reconstructionWeight},
                       {"batch", spec.batchSize},
                       {"pretrain_batch", spec.pretrainBatchSize},
                       {"max_train", spec.maxTrainSamples}}},
                     {"evaluation",
                      {{"test_images", spec.testImages},
                       {"grid_images", spec.gridImages},
                       {"nmi_bins", spec.nmiBins},
                       {"nmi_variant", spec.nmiVariant},
                       {"replicas", spec.replicas}}}};
    if (!spec.pretrainedAutoencoder.empty())
        document["autoencoder"]["pretrained"] = spec.pretrainedAutoencoder;
    return document.dump(2) + "\n";
}

void writeProbeSpec(const ProbeSpec& spec, const std::string& path) {
    runtime::writeFileAtomically(path, probeSpecJson(spec));
}

ProbeSpec demoProbeSpec() {
    ProbeSpec spec;
    spec.data = "factorworld:classes=5,size=32,train=2000,val=400,test=400";
    spec.classifiers = {{"resnet", "resnet-s", ""},
                        {"vgg", "vgg-s", ""},
                        {"grey", "grey+resnet-s", ""},
                        {"lowpass", "lowpass+resnet-s", ""}};
    spec.replicas =
        3;  // intervals with both sources of variation: 4.5 min from nothing here, 2.5 with a reused AE
    return spec;
}

}  // namespace netsight::experiment
