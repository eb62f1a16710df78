#pragma once

// Random transforms applied to the image before every step (internal to core): patterns that survive pad,
// jitter, scale and rotation are features of the network, not adversarial pixel noise.
#include <torch/torch.h>

#include "netsight/viz/Visualize.h"

namespace netsight::viz {

/// Lucid's standard set: pad (constant 0.5), jitter, random scale, random rotation, jitter.
torch::Tensor robustnessTransforms(const torch::Tensor& images, const VizOptions& options);
/// Crops a random (height - d) x (width - d) window: a shift of up to d pixels.
torch::Tensor jitter(const torch::Tensor& images, int64_t pixels);
/// Gaussian blur of an NCHW batch (3x3..7x7 kernel from sigma), replicate borders.
torch::Tensor gaussianBlurBatch(const torch::Tensor& images, double sigma);

}  // namespace netsight::viz
