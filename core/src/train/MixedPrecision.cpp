#include "train/MixedPrecision.h"

#include <ATen/autocast_mode.h>
#include <torch/version.h>

namespace netsight::train {
namespace {

// LibTorch 2.4 names the CUDA autocast switch by device type; 1.13 has one for CUDA only.
void setCudaAutocast(bool enabled) {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
    at::autocast::set_autocast_enabled(at::kCUDA, enabled);
#else
    at::autocast::set_enabled(enabled);
#endif
}

}  // namespace

AutocastScope::AutocastScope(bool enabled) : enabled_(enabled) {
    if (!enabled_) return;
    setCudaAutocast(true);
    at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
    if (!enabled_) return;
    if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
    setCudaAutocast(false);
}

LossScaler::LossScaler(bool enabled, double initialScale, int growthInterval)
    : enabled_(enabled), scale_(initialScale), growthInterval_(growthInterval) {}

bool LossScaler::backwardAndStep(const torch::Tensor& loss, const std::vector<torch::Tensor>& parameters,
                                 torch::optim::Optimizer& optimizer) {
    if (!enabled_) {
        loss.backward();
        optimizer.step();
        return true;
    }
    (loss.to(torch::kFloat) * scale_).backward();
    // One check over every gradient (a single device sync), then unscale in place.
    std::vector<torch::Tensor> sums;
    for (const auto& parameter : parameters)
        if (parameter.grad().defined()) sums.push_back(parameter.grad().to(torch::kFloat).sum());
    const bool finite = sums.empty() || torch::isfinite(torch::stack(sums)).all().item<bool>();
    if (!finite) {
        scale_ *= 0.5;
        goodSteps_ = 0;
        for (const auto& parameter : parameters)
            if (parameter.grad().defined()) const_cast<torch::Tensor&>(parameter).mutable_grad().reset();
        return false;
    }
    for (const auto& parameter : parameters)
        if (parameter.grad().defined()) parameter.grad().div_(scale_);
    optimizer.step();
    if (++goodSteps_ >= growthInterval_) {
        scale_ *= 2.0;
        goodSteps_ = 0;
    }
    return true;
}

}  // namespace netsight::train
