#include "models/ZooLayers.h"

#include <cmath>

namespace netsight::models::zoo {

namespace F = torch::nn::functional;

ConvBnReluImpl::ConvBnReluImpl(const ConvBnReluOptions& convOptions) : options(convOptions) {
    conv = register_module(
        "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(options.in(), options.out(), options.kernel())
                                      .stride(options.stride())
                                      .padding(options.kernel() / 2)
                                      .bias(!options.batchNorm())));
    if (options.batchNorm()) bn = register_module("bn", torch::nn::BatchNorm2d(options.out()));
}

bool ConvBnReluImpl::frozen() const {
    return bn && !is_training() && !bn->is_training() && !conv->weight.requires_grad() &&
           !(bn->weight.defined() && bn->weight.requires_grad());
}

// Computed anew on every frozen forward: the weights are small beside the activations, and BatchNorm's
// running statistics change without bumping their tensors' version counters, so a cache could go stale.
std::pair<torch::Tensor, torch::Tensor> ConvBnReluImpl::folded() const {
    torch::NoGradGuard noGrad;
    // y = gamma (conv(x) - mean) / sqrt(var + eps) + beta = conv'(x) + b'
    const auto scale = torch::rsqrt(bn->running_var + bn->options.eps());
    const auto gamma = bn->weight.defined() ? bn->weight * scale : scale;
    auto bias = -bn->running_mean * gamma;
    if (bn->bias.defined()) bias = bias + bn->bias;
    return {conv->weight * gamma.view({-1, 1, 1, 1}), bias};
}

namespace {

struct RedirectedRelu : public torch::autograd::Function<RedirectedRelu> {
    static torch::Tensor forward(torch::autograd::AutogradContext* context, const torch::Tensor& x) {
        context->save_for_backward({x});
        return torch::relu(x);
    }
    static torch::autograd::tensor_list backward(torch::autograd::AutogradContext* context,
                                                 torch::autograd::tensor_list gradients) {
        const auto x = context->get_saved_variables()[0];
        const auto& gradient = gradients[0];
        const auto zero = torch::zeros_like(gradient);
        const auto plain = torch::where(x > 0, gradient, zero);
        // The loss is minimized: a positive gradient at a negative unit would push it lower still.
        const auto redirected = torch::where((x < 0).logical_and(gradient > 0), zero, gradient);
        std::vector<int64_t> perImage(static_cast<std::size_t>(x.dim()), 1);
        perImage[0] = x.size(0);
        const auto through = plain.flatten(1).abs().amax(1).gt(0).view(perImage);
        return {torch::where(through, plain, redirected)};
    }
};

}  // namespace

torch::Tensor relu(const torch::Tensor& x, bool redirect) {
    if (!redirect || !x.requires_grad() || x.dim() < 2) return torch::relu(x);
    return RedirectedRelu::apply(x);
}

void ZooNetImpl::setRedirectedRelu(bool on) {
    redirectRelu_ = on;
    for (const auto& module : modules()) {
        if (auto* block = dynamic_cast<ConvBnReluImpl*>(module.get())) block->redirectRelu = on;
        if (auto* block = dynamic_cast<BasicBlockImpl*>(module.get())) block->redirectRelu = on;
        if (auto* inner = dynamic_cast<ZooNetImpl*>(module.get()))
            inner->redirectRelu_ = on;  // behind an adapter
    }
}

torch::Tensor ConvBnReluImpl::forward(torch::Tensor x, TapRecorder* taps, const std::string& name) {
    if (frozen()) {
        const auto [weight, bias] = folded();
        x = F::conv2d(
            x, weight,
            F::Conv2dFuncOptions().bias(bias).stride(options.stride()).padding(options.kernel() / 2));
        if (options.relu()) x = relu(x, redirectRelu);
        return tap(taps, name, x);
    }
    x = conv(x);
    if (bn) x = bn(x);
    if (options.relu()) x = relu(x, redirectRelu);
    return tap(taps, name, x);
}

BasicBlockImpl::BasicBlockImpl(int64_t in, int64_t out, int64_t stride) {
    conv1 = register_module("conv1", ConvBnRelu(ConvBnReluOptions(in, out).stride(stride)));
    conv2 = register_module("conv2", ConvBnRelu(ConvBnReluOptions(out, out).relu(false)));
    if (stride != 1 || in != out)
        downsample = register_module("downsample",
                                     ConvBnRelu(ConvBnReluOptions(in, out, 1).stride(stride).relu(false)));
}

torch::Tensor BasicBlockImpl::forward(torch::Tensor x, TapRecorder* taps, const std::string& name) {
    torch::Tensor identity = downsample ? downsample(x) : x;
    torch::Tensor y = conv1(x, taps, join(name, "conv1"));
    y = conv2(y);
    return tap(taps, name, relu(y + identity, redirectRelu));
}

InceptionBlockImpl::InceptionBlockImpl(const InceptionOptions& o) {
    branch1 = register_module("branch1x1", ConvBnRelu(ConvBnReluOptions(o.in, o.branch1x1, 1)));
    reduce3 = register_module("reduce3x3", ConvBnRelu(ConvBnReluOptions(o.in, o.reduce3x3, 1)));
    branch3 = register_module("branch3x3", ConvBnRelu(ConvBnReluOptions(o.reduce3x3, o.branch3x3, 3)));
    reduce5 = register_module("reduce5x5", ConvBnRelu(ConvBnReluOptions(o.in, o.reduce5x5, 1)));
    branch5 = register_module("branch5x5", ConvBnRelu(ConvBnReluOptions(o.reduce5x5, o.branch5x5, 5)));
    branchPool = register_module("branch_pool", ConvBnRelu(ConvBnReluOptions(o.in, o.branchPool, 1)));
}

torch::Tensor InceptionBlockImpl::forward(torch::Tensor x, TapRecorder* taps, const std::string& name) {
    const auto a = branch1(x, taps, join(name, "branch1x1"));
    const auto b = branch3(reduce3(x), taps, join(name, "branch3x3"));
    const auto c = branch5(reduce5(x), taps, join(name, "branch5x5"));
    const auto d = branchPool(F::max_pool2d(x, F::MaxPool2dFuncOptions(3).stride(1).padding(1)), taps,
                              join(name, "branch_pool"));
    return tap(taps, name, torch::cat({a, b, c, d}, 1));
}

torch::Tensor gaussianBlur(const torch::Tensor& x, double sigma) {
    const int64_t radius = std::max<int64_t>(1, static_cast<int64_t>(std::ceil(2.5 * sigma)));
    auto coordinates = torch::arange(-radius, radius + 1, x.options()).to(torch::kFloat);
    auto kernel1d = torch::exp(-coordinates * coordinates / (2 * sigma * sigma));
    kernel1d = (kernel1d / kernel1d.sum()).to(x.dtype());
    const int64_t channels = x.size(1);
    const auto horizontal = kernel1d.view({1, 1, 1, -1}).expand({channels, 1, 1, 2 * radius + 1});
    const auto vertical = kernel1d.view({1, 1, -1, 1}).expand({channels, 1, 2 * radius + 1, 1});
    auto padded = F::pad(x, F::PadFuncOptions({radius, radius, radius, radius}).mode(torch::kReplicate));
    auto y = F::conv2d(padded, horizontal, F::Conv2dFuncOptions().groups(channels));
    return F::conv2d(y, vertical, F::Conv2dFuncOptions().groups(channels));
}

}  // namespace netsight::models::zoo
