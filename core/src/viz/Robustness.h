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

}  // namespace netsight::viz
