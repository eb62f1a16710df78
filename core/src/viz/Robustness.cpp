#include "viz/Robustness.h"

#include <cmath>

namespace netsight::viz {
namespace F = torch::nn::functional;

torch::Tensor jitter(const torch::Tensor& images, int64_t pixels) {
    if (pixels <= 0 || images.size(2) <= pixels || images.size(3) <= pixels) return images;
    const int64_t dy = torch::randint(0, pixels + 1, {1}).item<int64_t>();
    const int64_t dx = torch::randint(0, pixels + 1, {1}).item<int64_t>();
    return images.narrow(2, dy, images.size(2) - pixels).narrow(3, dx, images.size(3) - pixels);
}

namespace {

torch::Tensor randomScale(const torch::Tensor& images, double low, double high) {
    if (high <= low && std::abs(low - 1.0) < 1e-9) return images;
    const double scale = low + (high - low) * torch::rand({1}).item<double>();
    const int64_t height = std::max<int64_t>(8, std::lround(images.size(2) * scale));
    const int64_t width = std::max<int64_t>(8, std::lround(images.size(3) * scale));
    return F::interpolate(images, F::InterpolateFuncOptions()
                                      .size(std::vector<int64_t>{height, width})
                                      .mode(torch::kBilinear)
                                      .align_corners(false));
}

torch::Tensor randomRotation(const torch::Tensor& images, double degrees) {
    if (degrees <= 0) return images;
    const double angle = (2 * torch::rand({1}).item<double>() - 1) * degrees * M_PI / 180.0;
    const float c = static_cast<float>(std::cos(angle)), s = static_cast<float>(std::sin(angle));
    const auto theta = torch::tensor({{c, -s, 0.0f}, {s, c, 0.0f}}, images.options())
                           .unsqueeze(0)
                           .expand({images.size(0), 2, 3});
    const auto grid = F::affine_grid(theta, images.sizes().vec(), false);
    // Outside the rotated picture: the same grey as the padding.
    return F::grid_sample(images - 0.5, grid,
                          F::GridSampleFuncOptions()
                              .mode(torch::kBilinear)
                              .padding_mode(torch::kZeros)
                              .align_corners(false)) +
           0.5;
}

}  // namespace

torch::Tensor robustnessTransforms(const torch::Tensor& images, const VizOptions& options) {
    if (!options.transforms) return images;
    auto x = images;
    if (options.pad > 0)
        x = F::pad(x, F::PadFuncOptions({options.pad, options.pad, options.pad, options.pad}).value(0.5));
    x = jitter(x, options.jitter);
    x = randomScale(x, options.scaleMin, options.scaleMax);
    x = randomRotation(x, options.rotateDegrees);
    return jitter(x, options.finalJitter);
}

}  // namespace netsight::viz
