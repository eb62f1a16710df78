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

Image fromRgbBuffer(const RgbBuffer& buffer) {
    Image image(ImageShape{3, buffer.height, buffer.width});
    const std::size_t plane = static_cast<std::size_t>(buffer.width) * buffer.height;
    for (std::size_t i = 0; i < plane; ++i)
        for (std::size_t c = 0; c < 3; ++c)
            image.pixels[c * plane + i] = buffer.rgb[3 * i + c] / 255.0f;
    return image;
}

Image readImageFile(const std::string& path) {
    const cv::Mat decoded = cv::imread(path, cv::IMREAD_UNCHANGED);
    if (decoded.empty())
        throw std::runtime_error(path + ": cannot be read as an image (missing, or not PNG/JPEG/BMP/TIFF)");
    cv::Mat image;
    const bool grey = decoded.channels() == 1;
    if (grey)
        image = decoded;
    else if (decoded.channels() == 4)
        cv::cvtColor(decoded, image, cv::COLOR_BGRA2RGB);
    else
        cv::cvtColor(decoded, image, cv::COLOR_BGR2RGB);
    const double scale = image.depth() == CV_16U ? 1.0 / 65535.0 : 1.0 / 255.0;
    image.convertTo(image, CV_32F, scale);
    const int channels = grey ? 1 : 3;
    Image result(ImageShape{channels, image.rows, image.cols});
    const std::size_t plane = static_cast<std::size_t>(image.rows) * image.cols;
    for (int y = 0; y < image.rows; ++y) {
        const float* row = image.ptr<float>(y);
        for (int x = 0; x < image.cols; ++x)
            for (int c = 0; c < channels; ++c)
                result.pixels[c * plane + static_cast<std::size_t>(y) * image.cols + x] =
                    row[x * channels + c];
    }
    return result;
}

}  // namespace netsight::data
