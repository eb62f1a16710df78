#include "netsight/data/Transforms.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace netsight::data {

Image resize(const Image& image, int height, int width) {
    if (height <= 0 || width <= 0) throw std::invalid_argument("resize: target size must be positive");
    if (image.shape.height == height && image.shape.width == width) return image;
    Image result(ImageShape{image.shape.channels, height, width});
    const bool shrinking = height < image.shape.height || width < image.shape.width;
    for (int c = 0; c < image.shape.channels; ++c) {
        const cv::Mat source(image.shape.height, image.shape.width, CV_32F,
                             const_cast<float*>(image.plane(c)));
        cv::Mat target(height, width, CV_32F, result.plane(c));
        cv::resize(source, target, target.size(), 0, 0, shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    return result;
}

Image centerCrop(const Image& image, int height, int width) {
    if (height > image.shape.height || width > image.shape.width)
        throw std::invalid_argument("centerCrop: cannot crop " + std::to_string(height) + "x" +
                                    std::to_string(width) + " out of " + toString(image.shape));
    const int top = (image.shape.height - height) / 2;
    const int left = (image.shape.width - width) / 2;
    Image result(ImageShape{image.shape.channels, height, width});
    for (int c = 0; c < image.shape.channels; ++c)
        for (int y = 0; y < height; ++y)
            std::copy_n(image.plane(c) + static_cast<std::size_t>(top + y) * image.shape.width + left, width,
                        &result.at(c, y, 0));
    return result;
}

Image toChannels(const Image& image, int channels) {
    const int have = image.shape.channels;
    if (have == channels) return image;
    const std::size_t planeSize = static_cast<std::size_t>(image.shape.height) * image.shape.width;
    Image result(ImageShape{channels, image.shape.height, image.shape.width});
    if (have == 1 && channels == 3) {
        for (int c = 0; c < 3; ++c)
            std::copy_n(image.plane(0), planeSize, result.plane(c));
    } else if (have == 3 && channels == 1) {
        const float *r = image.plane(0), *g = image.plane(1), *b = image.plane(2);
        float* out = result.plane(0);
        for (std::size_t i = 0; i < planeSize; ++i)
            out[i] = 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
    } else {
        throw std::invalid_argument("toChannels: cannot convert " + std::to_string(have) + " channels to " +
                                    std::to_string(channels));
    }
    return result;
}

Image normalize(const Image& image, const std::vector<float>& mean, const std::vector<float>& stdDev) {
    const int channels = image.shape.channels;
    auto pick = [channels](const std::vector<float>& values, int c, const char* what) {
        if (values.size() == 1) return values[0];
        if (static_cast<int>(values.size()) != channels)
            throw std::invalid_argument(std::string("normalize: ") + what + " has " +
                                        std::to_string(values.size()) + " values for " +
                                        std::to_string(channels) + " channels");
        return values[static_cast<std::size_t>(c)];
    };
    Image result = image;
    const std::size_t planeSize = static_cast<std::size_t>(image.shape.height) * image.shape.width;
    for (int c = 0; c < channels; ++c) {
        const float m = pick(mean, c, "mean");
        const float s = pick(stdDev, c, "std");
        if (!(s > 0.0f)) throw std::invalid_argument("normalize: std must be positive");
        const float inverse = 1.0f / s;
        float* plane = result.plane(c);
        for (std::size_t i = 0; i < planeSize; ++i)
            plane[i] = (plane[i] - m) * inverse;
    }
    return result;
}

Image adaptToInput(const Image& image, const InputSpec& spec) {
    Image result = toChannels(image, spec.shape.channels);
    const int height = spec.shape.height, width = spec.shape.width;
    if (result.shape.height != height || result.shape.width != width) {
        // Scale so that the image covers the target, then crop the overhang in the middle.
        const double factor = std::max(static_cast<double>(height) / result.shape.height,
                                       static_cast<double>(width) / result.shape.width);
        const int scaledHeight =
            std::max(height, static_cast<int>(std::lround(result.shape.height * factor)));
        const int scaledWidth = std::max(width, static_cast<int>(std::lround(result.shape.width * factor)));
        result = centerCrop(resize(result, scaledHeight, scaledWidth), height, width);
    }
    return normalize(result, spec.mean, spec.stdDev);
}

}  // namespace netsight::data
