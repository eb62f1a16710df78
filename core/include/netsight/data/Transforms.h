#pragma once

#include <functional>
#include <vector>

#include "netsight/data/Image.h"

namespace netsight::data {

/// Bilinear (area when shrinking) resize to height x width.
Image resize(const Image& image, int height, int width);
/// The central height x width window; throws std::invalid_argument if the image is smaller.
Image centerCrop(const Image& image, int height, int width);
/// 1 -> 3 channels by replication, 3 -> 1 by ITU-R BT.601 luminance; same count is a copy.
Image toChannels(const Image& image, int channels);
/// (x - mean[c]) / std[c]; a single mean / std applies to every channel.
Image normalize(const Image& image, const std::vector<float>& mean, const std::vector<float>& stdDev);

/// What a classifier expects: the image it sees and the normalization it was trained with.
struct InputSpec {
    ImageShape shape;
    std::vector<float> mean{0.0f};
    std::vector<float> stdDev{1.0f};
};

/// Adapts any dataset image to `spec`: channels, then a resize of the shorter side and a centre crop
/// (aspect ratio kept), then normalization.
Image adaptToInput(const Image& image, const InputSpec& spec);

/// A per-sample transform run by the loader's workers.
using ImageTransform = std::function<Image(const Image&)>;

}  // namespace netsight::data
