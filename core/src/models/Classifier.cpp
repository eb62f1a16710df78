#include "netsight/models/Classifier.h"

#include <algorithm>
#include <stdexcept>

namespace netsight::models {

const std::vector<LayerInfo>& Classifier::layers() {
    if (!layers_.empty()) return layers_;
    torch::NoGradGuard noGrad;
    const bool wasTraining = training();
    setTraining(false);
    const auto& shape = meta_.input.shape;
    const auto probe =
        torch::zeros({2, shape.channels, shape.height, shape.width}, torch::TensorOptions().device(device()));
    try {
        for (const auto& [name, value] : forwardAllLayers(probe)) {
            auto sizes = value.sizes().vec();
            sizes.erase(sizes.begin());
            layers_.push_back({name, sizes});
        }
    } catch (...) {
        setTraining(wasTraining);
        throw;
    }
    setTraining(wasTraining);
    return layers_;
}

void Classifier::checkLayers(const std::vector<std::string>& wanted) {
    const auto& known = layers();
    std::vector<std::string> names;
    for (const auto& layer : known)
        names.push_back(layer.name);
    for (const auto& name : wanted) {
        if (std::find(names.begin(), names.end(), name) != names.end()) continue;
        std::string nearest;
        for (const auto& candidate : nearestNames(name, names))
            nearest += (nearest.empty() ? "" : ", ") + candidate;
        throw std::invalid_argument("layer '" + name + "' does not exist in " + meta_.architecture +
                                    "; nearest names: " + nearest +
                                    " (netsight-cli layers MODEL lists them all)");
    }
}

torch::Tensor Classifier::forwardWithScaleOffset(const torch::Tensor&, int scale, const torch::Tensor&) {
    throw std::invalid_argument(meta().architecture + " has " + std::to_string(inputScales()) +
                                " input scales, not a scale " + std::to_string(scale) +
                                " to perturb alone (only topdown and bottomup have 3)");
}

void Classifier::freeze() {
    setTraining(false);
    for (auto& parameter : parameters())
        parameter.requires_grad_(false);
}

std::int64_t Classifier::parameterCount() {
    std::int64_t count = 0;
    for (const auto& parameter : parameters())
        count += parameter.numel();
    return count;
}

torch::Device Classifier::device() {
    const auto parameters = this->parameters();
    return parameters.empty() ? torch::Device(torch::kCPU) : parameters.front().device();
}

torch::Tensor Classifier::normalize(const torch::Tensor& images) const {
    const auto options = images.options();
    auto mean = torch::tensor(meta_.input.mean, options.dtype(torch::kFloat)).to(images.dtype());
    auto stdDev = torch::tensor(meta_.input.stdDev, options.dtype(torch::kFloat)).to(images.dtype());
    if (mean.numel() > 1) mean = mean.view({1, -1, 1, 1});
    if (stdDev.numel() > 1) stdDev = stdDev.view({1, -1, 1, 1});
    return (images - mean) / stdDev;
}

}  // namespace netsight::models
