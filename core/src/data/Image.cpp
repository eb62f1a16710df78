#include "netsight/data/Image.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>
#include <string_view>

#include "netsight/runtime/AtomicFile.h"

namespace netsight::data {

std::string toString(const ImageShape& shape) {
    return std::to_string(shape.channels) + "x" + std::to_string(shape.height) + "x" +
           std::to_string(shape.width);
}

RgbBuffer toRgbBuffer(const Image& image) {
    const int channels = image.shape.channels;
    if (channels != 1 && channels != 3)
        throw std::invalid_argument("toRgbBuffer: expected 1 or 3 channels, got " + toString(image.shape));
    RgbBuffer buffer;
    buffer.width = image.shape.width;
    buffer.height = image.shape.height;
    buffer.rgb.resize(static_cast<std::size_t>(buffer.width) * buffer.height * 3);
    const std::size_t planeSize = static_cast<std::size_t>(buffer.width) * buffer.height;
    for (std::size_t i = 0; i < planeSize; ++i) {
        for (int c = 0; c < 3; ++c) {
            const float value = image.pixels[(channels == 1 ? 0 : c) * planeSize + i];
            buffer.rgb[i * 3 + c] =
                static_cast<std::uint8_t>(std::lround(std::clamp(value, 0.0f, 1.0f) * 255.0f));
        }
    }
    return buffer;
}

void writePng(const RgbBuffer& buffer, const std::string& path) {
    cv::Mat rgb(buffer.height, buffer.width, CV_8UC3, const_cast<std::uint8_t*>(buffer.rgb.data()));
    cv::Mat bgr;
    cv::cvtColor(rgb, bgr, cv::COLOR_RGB2BGR);
    std::vector<std::uint8_t> encoded;
    if (!cv::imencode(".png", bgr, encoded)) throw std::runtime_error("cannot encode PNG for '" + path + "'");
    runtime::writeFileAtomically(
        path, std::string_view(reinterpret_cast<const char*>(encoded.data()), encoded.size()));
}

}  // namespace netsight::data
