#pragma once

// Mixed precision for CUDA training: float16 autocast around the forward pass, and dynamic loss scaling so
// that small float16 gradients do not flush to zero (what torch.cuda.amp.GradScaler does in Python).
#include <torch/torch.h>

#include <vector>

namespace netsight::train {

/// CUDA float16 autocast while it lives, when `enabled` (else nothing). Not nestable with itself.
class AutocastScope {
  public:
    explicit AutocastScope(bool enabled);
    ~AutocastScope();
    AutocastScope(const AutocastScope&) = delete;
    AutocastScope& operator=(const AutocastScope&) = delete;

  private:
    bool enabled_;
};

/// Dynamic loss scaling: the loss is multiplied by `scale` before backward; the gradients are divided by it
/// again before the optimizer's step; a step whose gradients overflowed (inf or NaN) is skipped and the scale
/// halved, and after `growthInterval` good steps in a row the scale doubles. Disabled: a plain backward and
/// step.
class LossScaler {
  public:
    explicit LossScaler(bool enabled, double initialScale = 65536.0, int growthInterval = 2000);
    /// Backward of `loss` (scaled), then the optimizer's step over `parameters` unless a gradient overflowed.
    /// Returns whether it stepped. The gradients are left unscaled.
    bool backwardAndStep(const torch::Tensor& loss, const std::vector<torch::Tensor>& parameters,
                         torch::optim::Optimizer& optimizer);
    double scale() const { return scale_; }
    bool enabled() const { return enabled_; }

  private:
    bool enabled_;
    double scale_;
    int growthInterval_;
    int goodSteps_ = 0;
};

}  // namespace netsight::train
