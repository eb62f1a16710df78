#include "viz/ImageParameterization.h"

#include <cmath>

namespace netsight::viz {
namespace {

// Square root of the colour covariance of natural images (the constants Lucid publishes, from ImageNet):
// optimizing in these decorrelated axes keeps colours natural. Columns normalized to the largest norm.
torch::Tensor colourCorrelation(const torch::Device& device) {
    auto matrix = torch::tensor({{0.26f, 0.09f, 0.02f}, {0.27f, 0.00f, -0.05f}, {0.27f, -0.09f, 0.03f}});
    const auto maxNorm = matrix.norm(2, 0).max();
    return (matrix / maxNorm).to(device);
}

torch::Tensor decorrelatedToRgb(const torch::Tensor& images) {
    if (images.size(1) != 3) return images;
    // (N, 3, H, W) -> per pixel x * C^T.
    const auto correlation = colourCorrelation(images.device());
    return torch::einsum("nchw,dc->ndhw", {images, correlation});
}

}  // namespace

ImageParameterization::ImageParameterization(Parameterization kind, int64_t batch, int64_t channels,
                                             int64_t height, int64_t width, const torch::Device& device,
                                             double initialNoise)
    : kind_(kind), channels_(channels), height_(height), width_(width) {
    const auto options = torch::TensorOptions().dtype(torch::kFloat).device(device);
    if (kind_ == Parameterization::Pixels) {
        parameter_ =
            (torch::randn({batch, channels, height, width}, options) * initialNoise).requires_grad_(true);
        return;
    }
    // rfft2 layout: frequencies along y are fftfreq(H), along x rfftfreq(W).
    const auto fy =
        torch::fft::fftfreq(height, torch::TensorOptions().dtype(torch::kFloat)).view({height, 1});
    const auto fx =
        torch::fft::rfftfreq(width, torch::TensorOptions().dtype(torch::kFloat)).view({1, width / 2 + 1});
    const auto frequency = torch::sqrt(fy * fy + fx * fx);
    const double floor = 1.0 / static_cast<double>(std::max(height, width));
    spectrumScale_ = (1.0 / torch::clamp_min(frequency, floor)).to(device);
    spectrumScale_ = spectrumScale_ * std::sqrt(static_cast<double>(height * width));
    parameter_ = (torch::randn({batch, channels, height, width / 2 + 1, 2}, options) * (initialNoise / 5))
                     .requires_grad_(true);
}

torch::Tensor ImageParameterization::images() const {
    if (kind_ == Parameterization::Pixels) return torch::sigmoid(parameter_);
    const auto spectrum = torch::view_as_complex(parameter_) * spectrumScale_;
    auto spatial = torch::fft::irfft2(spectrum, torch::IntArrayRef({height_, width_}), {-2, -1}, "backward");
    spatial = spatial / 4.0;
    return torch::sigmoid(decorrelatedToRgb(spatial));
}

void ImageParameterization::setImages(const torch::Tensor& images) {
    if (kind_ != Parameterization::Pixels) return;
    torch::NoGradGuard noGrad;
    const auto clamped = images.clamp(1e-4, 1 - 1e-4);
    parameter_.copy_(torch::log(clamped / (1 - clamped)));
}

}  // namespace netsight::viz
