#include "tensor/GaussianBlur.h"

#include <algorithm>
#include <cmath>

namespace netsight::tensor {

torch::Tensor gaussianBlur(const torch::Tensor& images, double sigma, double radiusInSigmas,
                           BlurBorder border) {
    namespace F = torch::nn::functional;
    const int64_t radius = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(radiusInSigmas * sigma)));
    auto offsets = torch::arange(-radius, radius + 1, images.options());
    auto kernel = torch::exp(-(offsets * offsets) / (2 * sigma * sigma));
    kernel = kernel / kernel.sum();
    const int64_t channels = images.size(1);
    const auto horizontal = kernel.view({1, 1, 1, -1}).repeat({channels, 1, 1, 1});
    const auto vertical = kernel.view({1, 1, -1, 1}).repeat({channels, 1, 1, 1});
    // Reflection needs the image to be wider than the radius; past that the edge pixel repeats.
    const bool reflect = border == BlurBorder::Reflect && radius < images.size(2) && radius < images.size(3);
    const F::PadFuncOptions::mode_t mode =
        reflect ? F::PadFuncOptions::mode_t(torch::kReflect) : F::PadFuncOptions::mode_t(torch::kReplicate);
    auto x = F::pad(images, F::PadFuncOptions({radius, radius, radius, radius}).mode(mode));
    x = F::conv2d(x, horizontal, F::Conv2dFuncOptions().groups(channels));
    return F::conv2d(x, vertical, F::Conv2dFuncOptions().groups(channels));
}

}  // namespace netsight::tensor
