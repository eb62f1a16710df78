#include "robustness/Perturb.h"

#include "tensor/GaussianBlur.h"

#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace netsight::robustness {
namespace {

namespace F = torch::nn::functional;

void requireRange(Perturbation perturbation, double strength, double low, double high) {
    if (!(strength >= low && strength <= high))
        throw std::invalid_argument(std::string(perturbationName(perturbation)) + ": strength " +
                                    std::to_string(strength) + " is out of range; use " +
                                    std::to_string(low) + " to " + std::to_string(high) + " (" +
                                    strengthMeaning(perturbation) + ")");
}

// Draws on the CPU (one generator, whatever the device), then moves to the images' device.
torch::Tensor uniform(const std::vector<int64_t>& shape, torch::Generator& generator,
                      const torch::Device& device) {
    return at::rand(shape, generator, torch::TensorOptions(torch::kFloat)).to(device);
}

torch::Tensor gaussianNoise(const torch::Tensor& images, double sigma, torch::Generator& generator) {
    const auto noise = at::normal(0.0, 1.0, images.sizes(), generator, torch::TensorOptions(torch::kFloat));
    return (images + sigma * noise.to(images.device())).clamp(0.0, 1.0);
}

// A share `fraction` of the pixels (all channels of a pixel together) set to black or white, half each.
torch::Tensor saltAndPepper(const torch::Tensor& images, double fraction, torch::Generator& generator) {
    const std::vector<int64_t> shape = {images.size(0), 1, images.size(2), images.size(3)};
    const auto hit = uniform(shape, generator, images.device()) < fraction;
    const auto white = uniform(shape, generator, images.device()) < 0.5;
    const auto salted = torch::where(hit & white, torch::ones_like(images), images);
    return torch::where(hit & ~white, torch::zeros_like(images), salted);
}

// A separable Gaussian of standard deviation sigma pixels, taps to 3 sigma, borders reflected.
torch::Tensor gaussianBlur(const torch::Tensor& images, double sigma) {
    if (sigma <= 0) return images.clone();
    return tensor::gaussianBlur(images, sigma, 3, tensor::BlurBorder::Reflect).clamp(0.0, 1.0);
}

// Towards each image's mean by a share `reduction` (1: a flat image of its mean).
torch::Tensor contrast(const torch::Tensor& images, double reduction) {
    const auto mean = images.mean({1, 2, 3}, true);
    return (mean + (1.0 - reduction) * (images - mean)).clamp(0.0, 1.0);
}

// A JPEG round trip at `quality` (OpenCV's encoder), on 8-bit pixels.
torch::Tensor jpeg(const torch::Tensor& images, double quality) {
    const auto cpu = (images.to(torch::kCPU).clamp(0.0, 1.0) * 255.0).round().to(torch::kUInt8);
    const int64_t channels = cpu.size(1), height = cpu.size(2), width = cpu.size(3);
    std::vector<torch::Tensor> out;
    const std::vector<int> parameters = {cv::IMWRITE_JPEG_QUALITY, static_cast<int>(std::lround(quality))};
    for (int64_t i = 0; i < cpu.size(0); ++i) {
        auto hwc = cpu[i].permute({1, 2, 0}).contiguous();
        if (channels == 3) hwc = hwc.flip({2}).contiguous();  // OpenCV is BGR
        cv::Mat image(static_cast<int>(height), static_cast<int>(width), channels == 3 ? CV_8UC3 : CV_8UC1,
                      hwc.data_ptr<std::uint8_t>());
        std::vector<std::uint8_t> bytes;
        if (!cv::imencode(".jpg", image, bytes, parameters))
            throw std::runtime_error("jpeg: OpenCV could not encode an image");
        const cv::Mat decoded = cv::imdecode(bytes, channels == 3 ? cv::IMREAD_COLOR : cv::IMREAD_GRAYSCALE);
        auto back = torch::from_blob(decoded.data, {height, width, channels}, torch::kUInt8).clone();
        if (channels == 3) back = back.flip({2});
        out.push_back(back.permute({2, 0, 1}));
    }
    return (torch::stack(out).to(torch::kFloat) / 255.0).to(images.device());
}

// Each image moved by round(fraction x its extent along the move) pixels left, right, up or down (one
// direction per image, drawn), the uncovered border black.
torch::Tensor shift(const torch::Tensor& images, double fraction, torch::Generator& generator) {
    const int64_t height = images.size(2), width = images.size(3);
    const auto directions = at::randint(4, {images.size(0)}, generator, torch::TensorOptions(torch::kLong));
    auto result = torch::zeros_like(images);
    for (int64_t i = 0; i < images.size(0); ++i) {
        const int64_t direction = directions[i].item<int64_t>();
        const bool horizontal = direction < 2;
        const int64_t extent = horizontal ? width : height;
        const int64_t by = std::min<int64_t>(extent, std::llround(fraction * static_cast<double>(extent)));
        if (by == 0) {
            result[i].copy_(images[i]);
            continue;
        }
        if (by >= extent) continue;
        const int64_t dim = horizontal ? 2 : 1;  // of the CHW image
        const bool forward = direction % 2 == 0;
        const auto source = images[i].narrow(dim, forward ? 0 : by, extent - by);
        result[i].narrow(dim, forward ? by : 0, extent - by).copy_(source);
    }
    return result;
}

// Each image turned by `degrees` about its centre, clockwise or anticlockwise (drawn), bilinear, the
// corners black.
torch::Tensor rotation(const torch::Tensor& images, double degrees, torch::Generator& generator) {
    if (degrees == 0) return images.clone();
    const int64_t n = images.size(0);
    const auto signs = at::randint(2, {n}, generator, torch::TensorOptions(torch::kLong));
    const double aspect = static_cast<double>(images.size(3)) / static_cast<double>(images.size(2));
    std::vector<float> thetas;
    for (int64_t i = 0; i < n; ++i) {
        const double angle = (signs[i].item<int64_t>() ? 1.0 : -1.0) * degrees * M_PI / 180.0;
        const double c = std::cos(angle), s = std::sin(angle);
        // In normalized coordinates, scaled so that the turn is a rotation of pixels on non-square images.
        thetas.insert(thetas.end(), {static_cast<float>(c), static_cast<float>(-s / aspect), 0.0f,
                                     static_cast<float>(s * aspect), static_cast<float>(c), 0.0f});
    }
    const auto theta = torch::tensor(thetas).view({n, 2, 3}).to(images.device());
    const auto grid = F::affine_grid(theta, images.sizes().vec(), false);
    return F::grid_sample(images, grid,
                          F::GridSampleFuncOptions()
                              .mode(torch::kBilinear)
                              .padding_mode(torch::kZeros)
                              .align_corners(false))
        .clamp(0.0, 1.0);
}

}  // namespace

torch::Tensor perturb(Perturbation perturbation, double strength, const torch::Tensor& images,
                      std::uint64_t seed) {
    torch::NoGradGuard noGrad;
    auto generator = at::detail::createCPUGenerator(seed);
    switch (perturbation) {
        case Perturbation::GaussianNoise:
            requireRange(perturbation, strength, 0, 10);
            return gaussianNoise(images, strength, generator);
        case Perturbation::SaltAndPepper:
            requireRange(perturbation, strength, 0, 1);
            return saltAndPepper(images, strength, generator);
        case Perturbation::GaussianBlur:
            requireRange(perturbation, strength, 0, 100);
            return gaussianBlur(images, strength);
        case Perturbation::Contrast:
            requireRange(perturbation, strength, 0, 1);
            return contrast(images, strength);
        case Perturbation::Jpeg:
            requireRange(perturbation, strength, 1, 100);
            return jpeg(images, strength);
        case Perturbation::Shift:
            requireRange(perturbation, strength, 0, 1);
            return shift(images, strength, generator);
        case Perturbation::Rotation:
            requireRange(perturbation, strength, 0, 180);
            return rotation(images, strength, generator);
    }
    throw std::invalid_argument("unknown perturbation");
}

}  // namespace netsight::robustness
