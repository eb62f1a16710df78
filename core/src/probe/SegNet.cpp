#include "netsight/probe/SegNet.h"

#include <stdexcept>

namespace netsight::probe {
namespace {

namespace F = torch::nn::functional;

torch::nn::Sequential convStack(int64_t in, const std::vector<int64_t>& widths) {
    torch::nn::Sequential stack;
    for (int64_t width : widths) {
        stack->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, width, 3).padding(1).bias(false)));
        stack->push_back(torch::nn::BatchNorm2d(width));
        stack->push_back(torch::nn::ReLU());
        in = width;
    }
    return stack;
}

// A frozen conv-BN-ReLU stack (eval mode, no parameter gradients) with each BatchNorm folded into its
// convolution: the same function, one pass over the activations per layer instead of three.
bool frozen(const torch::nn::Sequential& stack) {
    if (stack->is_training()) return false;
    for (const auto& parameter : stack->parameters())
        if (parameter.requires_grad()) return false;
    return true;
}

torch::Tensor foldedForward(torch::nn::Sequential& stack, torch::Tensor x) {
    for (std::size_t i = 0; i + 2 < stack->size(); i += 3) {
        const auto& conv = *stack[i]->as<torch::nn::Conv2dImpl>();
        const auto& bn = *stack[i + 1]->as<torch::nn::BatchNorm2dImpl>();
        const auto gamma = bn.weight * torch::rsqrt(bn.running_var + bn.options.eps());
        const auto weight = conv.weight * gamma.view({-1, 1, 1, 1});
        const auto bias = bn.bias - bn.running_mean * gamma;
        x = torch::relu(F::conv2d(x, weight, F::Conv2dFuncOptions().bias(bias).padding(1)));
    }
    return x;
}

}  // namespace

SegNetOptions segNetPreset(const std::string& preset, int64_t channels) {
    SegNetOptions options;
    options.channels = channels;
    if (preset == "segnet-small") {
        options.stages = {{32, 32}, {64, 64}, {128, 128}};
    } else if (preset == "segnet-tiny") {
        options.stages = {{16, 16}, {32, 32}};
    } else if (preset == "segnet-vgg16") {
        options.stages = {{64, 64}, {128, 128}, {256, 256, 256}, {512, 512, 512}, {512, 512, 512}};
    } else {
        throw std::invalid_argument("unknown autoencoder preset '" + preset +
                                    "'; use segnet-small, segnet-tiny or segnet-vgg16");
    }
    return options;
}

SegNetImpl::SegNetImpl(const SegNetOptions& options) : options_(options) {
    if (options.stages.empty()) throw std::invalid_argument("a SegNet needs at least one stage");
    encoder_ = register_module("encoder", torch::nn::ModuleList());
    decoder_ = register_module("decoder", torch::nn::ModuleList());
    int64_t in = options.channels;
    for (const auto& widths : options.stages) {
        encoder_->push_back(convStack(in, widths));
        in = widths.back();
    }
    // Decoder stage s mirrors encoder stage s: its convs keep the stage's width, the last one narrows to
    // the previous stage's width (the first stage keeps its own; the 1x1 output conv maps to pixels).
    for (std::size_t s = options.stages.size(); s-- > 0;) {
        std::vector<int64_t> widths(options.stages[s].size(), options.stages[s].back());
        widths.back() = s > 0 ? options.stages[s - 1].back() : options.stages[0].front();
        decoder_->push_back(convStack(options.stages[s].back(), widths));
    }
    output_ = register_module("output", torch::nn::Conv2d(torch::nn::Conv2dOptions(options.stages[0].front(),
                                                                                   options.channels, 1)));
}

SegNetCode SegNetImpl::encode(const torch::Tensor& images) {
    SegNetCode code;
    torch::Tensor x = images;
    for (const auto& stage : *encoder_) {
        auto stack = torch::nn::Sequential(std::dynamic_pointer_cast<torch::nn::SequentialImpl>(stage));
        x = frozen(stack) ? foldedForward(stack, x) : stack->forward(x);
        code.sizes.push_back({x.size(2), x.size(3)});
        auto [pooled, indices] = F::max_pool2d_with_indices(x, F::MaxPool2dFuncOptions(2).stride(2));
        x = pooled;
        code.indices.push_back(indices);
    }
    code.features = x;
    return code;
}

torch::Tensor SegNetImpl::decode(const SegNetCode& code) {
    torch::Tensor x = code.features;
    const std::size_t stages = code.indices.size();
    for (std::size_t d = 0; d < stages; ++d) {
        const std::size_t s = stages - 1 - d;
        x = torch::max_unpool2d(x, code.indices[s], code.sizes[s]);
        x = (*decoder_)[d]->as<torch::nn::Sequential>()->forward(x);
    }
    return output_(x);
}

std::vector<torch::Tensor> SegNetImpl::encoderParameters() {
    return encoder_->parameters();
}

std::vector<torch::Tensor> SegNetImpl::decoderParameters() {
    auto parameters = decoder_->parameters();
    const auto head = output_->parameters();
    parameters.insert(parameters.end(), head.begin(), head.end());
    return parameters;
}

void SegNetImpl::freezeEncoder() {
    encoder_->eval();
    for (auto& parameter : encoder_->parameters())
        parameter.requires_grad_(false);
}

}  // namespace netsight::probe
