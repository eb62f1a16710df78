#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace netsight::data {

/// Channels, height and width of an image (planar CHW layout).
struct ImageShape {
    int channels = 0;
    int height = 0;
    int width = 0;

    std::size_t elementCount() const {
        return static_cast<std::size_t>(channels) * static_cast<std::size_t>(height) *
               static_cast<std::size_t>(width);
    }
    bool operator==(const ImageShape& other) const {
        return channels == other.channels && height == other.height && width == other.width;
    }
    bool operator!=(const ImageShape& other) const { return !(*this == other); }
};

/// "3x64x64" — the way shapes appear in messages and `data info`.
std::string toString(const ImageShape& shape);

/// A float image in planar CHW layout. Dataset images hold values in [0, 1]; after normalization
/// (which belongs to the classifier) values are unbounded.
struct Image {
    ImageShape shape;
    std::vector<float> pixels;

    Image() = default;
    Image(ImageShape imageShape, float fill = 0.0f)
        : shape(imageShape), pixels(imageShape.elementCount(), fill) {}

    bool empty() const { return pixels.empty(); }
    float* plane(int channel) {
        return pixels.data() + static_cast<std::size_t>(channel) * shape.height * shape.width;
    }
    const float* plane(int channel) const {
        return pixels.data() + static_cast<std::size_t>(channel) * shape.height * shape.width;
    }
    float& at(int channel, int y, int x) {
        return plane(channel)[static_cast<std::size_t>(y) * shape.width + x];
    }
    float at(int channel, int y, int x) const {
        return plane(channel)[static_cast<std::size_t>(y) * shape.width + x];
    }
};

/// Interleaved 8-bit RGB pixels, row-major: what leaves core for PNG files and for the UI.
struct RgbBuffer {
    int width = 0;
    int height = 0;
    std::vector<std::uint8_t> rgb;  ///< width * height * 3 bytes
};

/// Converts a [0,1] image (1 or 3 channels) to 8-bit RGB; grey images are replicated.
RgbBuffer toRgbBuffer(const Image& image);

/// Encodes an RGB buffer as PNG and writes it atomically. Throws std::runtime_error naming the path.
void writePng(const RgbBuffer& buffer, const std::string& path);
/// 8-bit RGB back to a [0, 1] image with 3 channels.
Image fromRgbBuffer(const RgbBuffer& buffer);
/// Reads a PNG/JPEG/BMP/... file as a [0, 1] image: grey files with 1 channel, others with 3 (RGB).
/// Throws std::runtime_error naming the file when it is missing or not an image.
Image readImageFile(const std::string& path);

}  // namespace netsight::data
