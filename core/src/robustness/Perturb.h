#pragma once

// The corruptions of the robustness bench on tensors (internal to core; tests call it directly).
#include <torch/torch.h>

#include <cstdint>

#include "netsight/robustness/PerturbationCurves.h"

namespace netsight::robustness {

/// `images` (NCHW in [0, 1], any device) corrupted by `perturbation` at `strength`, in [0, 1]. Random draws
/// (noise, which pixels, shift directions, rotation signs) come from `seed` alone, so that every classifier
/// sees the very same corrupted images. Throws std::invalid_argument for a strength out of range.
torch::Tensor perturb(Perturbation perturbation, double strength, const torch::Tensor& images,
                      std::uint64_t seed);

}  // namespace netsight::robustness
