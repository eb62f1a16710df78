#include "models/ZooClassifier.h"

#include <sstream>

#include "netsight/runtime/AtomicFile.h"

namespace netsight::models {

ZooClassifier::ZooClassifier(ClassifierMeta meta, std::shared_ptr<zoo::ZooNetImpl> net)
    : Classifier(std::move(meta)), net_(std::move(net)) {}

torch::Tensor ZooClassifier::forward(const torch::Tensor& normalized) {
    return net_->forward(normalized, nullptr);
}

torch::Tensor ZooClassifier::forwardWithScaleOffset(const torch::Tensor& normalized, int scale,
                                                    const torch::Tensor& offset) {
    if (scale < 0 || scale >= net_->inputScales())
        return Classifier::forwardWithScaleOffset(normalized, scale, offset);
    // Cleared whatever happens, so no later forward pass sees it.
    struct Clear {
        zoo::ZooNetImpl& net;
        ~Clear() { net.setScaleOffset(0, torch::Tensor()); }
    } clear{*net_};
    net_->setScaleOffset(scale, offset);
    return net_->forward(normalized, nullptr);
}

TapOutput ZooClassifier::forwardWithTaps(const torch::Tensor& normalized,
                                         const std::vector<std::string>& layers) {
    checkLayers(layers);
    zoo::TapRecorder taps(layers);
    TapOutput output;
    output.logits = net_->forward(normalized, &taps);
    output.layers = std::move(taps.taken());
    return output;
}

std::vector<std::pair<std::string, torch::Tensor>> ZooClassifier::forwardAllLayers(
    const torch::Tensor& normalized) {
    zoo::TapRecorder taps;
    net_->forward(normalized, &taps);
    std::vector<std::pair<std::string, torch::Tensor>> all;
    for (const auto& name : taps.order())
        all.push_back({name, taps.taken().at(name)});
    return all;
}

void ZooClassifier::save(const std::string& path) {
    torch::serialize::OutputArchive archive;
    net_->save(archive);
    archive.write(kMetaKey, c10::IValue(toJson(meta())));
    std::ostringstream bytes;
    archive.save_to(bytes);
    runtime::writeFileAtomically(path, bytes.str());
}

std::unique_ptr<ZooClassifier> ZooClassifier::load(const std::string& path) {
    torch::serialize::InputArchive archive;
    try {
        archive.load_from(path);
    } catch (const c10::Error& error) {
        throw std::runtime_error(path + ": not a readable model file (" +
                                 std::string(error.what_without_backtrace()) + ")");
    }
    c10::IValue metaValue;
    if (!archive.try_read(kMetaKey, metaValue) || !metaValue.isString())
        throw std::runtime_error(path + ": a PyTorch archive without NetSight metadata");
    ClassifierMeta meta = metaFromJson(metaValue.toStringRef(), path);
    std::shared_ptr<zoo::ZooNetImpl> net;
    try {
        net = zoo::buildZooNet(meta.architecture, meta.input.shape.channels,
                               static_cast<int64_t>(meta.classNames.size()));
    } catch (const std::invalid_argument& error) {
        throw std::runtime_error(path + ": " + error.what());
    }
    try {
        net->load(archive);
    } catch (const c10::Error& error) {
        throw std::runtime_error(path + ": the weights do not fit architecture " + meta.architecture + " (" +
                                 std::string(error.what_without_backtrace()).substr(0, 300) + ")");
    }
    return std::make_unique<ZooClassifier>(std::move(meta), std::move(net));
}

std::unique_ptr<Classifier> createClassifier(const std::string& architecture, const data::ImageShape& shape,
                                             const std::vector<std::string>& classNames) {
    if (classNames.size() < 2) throw std::invalid_argument("a classifier needs at least 2 classes");
    ClassifierMeta meta;
    meta.architecture = architecture;
    meta.input.shape = shape;
    meta.classNames = classNames;
    auto net = zoo::buildZooNet(architecture, shape.channels, static_cast<int64_t>(classNames.size()));
    return std::make_unique<ZooClassifier>(std::move(meta), std::move(net));
}

std::vector<std::string> zooArchitectures() {
    return {"alexnet-s", "vgg-s", "resnet-s", "inception-s", "resnet10", "topdown", "bottomup"};
}

std::vector<std::string> inputAdapters() {
    return {"grey+", "lowpass+", "highpass+"};
}

std::vector<std::pair<std::string, torch::Tensor>> ZooClassifier::namedParameters() {
    std::vector<std::pair<std::string, torch::Tensor>> named;
    for (const auto& item : net_->named_parameters())
        named.emplace_back(item.key(), item.value());
    return named;
}

}  // namespace netsight::models
