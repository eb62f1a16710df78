#pragma once

// The separable Gaussian blur of NCHW batches that the visualizer (its blur regularizer) and the robustness
// bench (its blur corruption) share (internal to core).
#include <torch/torch.h>

namespace netsight::tensor {

enum class BlurBorder {
    Replicate,  ///< the edge pixel repeats
    Reflect,  ///< mirrored about the edge pixel (the edge repeats where the image is narrower than the taps)
};

/// Each channel of `images` convolved with a Gaussian of standard deviation `sigma` pixels, taps out to
/// ceil(radiusInSigmas x sigma) (at least 1) on each side, normalized to sum 1.
torch::Tensor gaussianBlur(const torch::Tensor& images, double sigma, double radiusInSigmas,
                           BlurBorder border);

}  // namespace netsight::tensor
