#include <filesystem>

#include "models/TorchScriptClassifier.h"
#include "models/ZooClassifier.h"
#include "netsight/models/ModelFile.h"
#include "netsight/runtime/Device.h"

namespace netsight::models {

std::unique_ptr<Classifier> loadClassifier(const std::string& path, const ClassifierMeta* fallback) {
    if (!std::filesystem::is_regular_file(path)) throw std::runtime_error(path + ": no such model file");
    bool netsightFile = false;
    try {
        torch::serialize::InputArchive archive;
        archive.load_from(path);
        c10::IValue meta;
        netsightFile = archive.try_read(kMetaKey, meta);
    } catch (const c10::Error&) {
        // Not loadable as an archive at all: the TorchScript loader below says why.
    }
    if (netsightFile) return ZooClassifier::load(path);
    return TorchScriptClassifier::load(path, fallback);
}

std::unique_ptr<Classifier> loadFrozenClassifier(const std::string& path, const std::string& device) {
    runtime::configureThreads();
    auto classifier = loadClassifier(path);
    classifier->to(torch::Device(runtime::resolveDeviceName(device)));
    classifier->freeze();
    return classifier;
}

ModelSummary inspectModel(const std::string& path, const ClassifierMeta* fallback) {
    auto classifier = loadClassifier(path, fallback);
    ModelSummary summary;
    summary.path = path;
    summary.format = dynamic_cast<ZooClassifier*>(classifier.get()) ? "netsight" : "torchscript";
    summary.meta = classifier->meta();
    summary.parameterCount = classifier->parameterCount();
    summary.layers = classifier->layers();
    return summary;
}

}  // namespace netsight::models
