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

torch::Tensor Classifier::adapt(const torch::Tensor& images) const {
    const auto& shape = meta_.input.shape;
    torch::Tensor result = images;
    const std::int64_t channels = images.size(1);
    if (channels == 3 && shape.channels == 1) {
        const auto weights = torch::tensor({0.299f, 0.587f, 0.114f}, images.options()).view({1, 3, 1, 1});
        result = (result * weights).sum(1, true);
    } else if (channels == 1 && shape.channels == 3) {
        result = result.expand({-1, 3, -1, -1});
    } else if (channels != shape.channels) {
        throw std::invalid_argument(meta_.architecture + " expects " + std::to_string(shape.channels) +
                                    "-channel images; cannot adapt " + std::to_string(channels) +
                                    " channels");
    }
    const std::int64_t height = result.size(2), width = result.size(3);
    if (height == shape.height && width == shape.width) return result;
    // Scale so that the image covers the input, then crop the overhang in the middle.
    const double factor = std::max(static_cast<double>(shape.height) / static_cast<double>(height),
                                   static_cast<double>(shape.width) / static_cast<double>(width));
    const std::int64_t scaledHeight =
        std::max<std::int64_t>(shape.height, std::llround(static_cast<double>(height) * factor));
    const std::int64_t scaledWidth =
        std::max<std::int64_t>(shape.width, std::llround(static_cast<double>(width) * factor));
    namespace F = torch::nn::functional;
    result = F::interpolate(result, F::InterpolateFuncOptions()
                                        .size(std::vector<std::int64_t>{scaledHeight, scaledWidth})
                                        .mode(torch::kBilinear)
                                        .align_corners(false)
                                        .antialias(factor < 1.0));
    const std::int64_t top = (scaledHeight - shape.height) / 2, left = (scaledWidth - shape.width) / 2;
    return result.narrow(2, top, shape.height).narrow(3, left, shape.width);
}

}  // namespace netsight::models
