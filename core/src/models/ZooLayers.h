#pragma once

// Building blocks of the zoo networks (internal to core).
#include <torch/torch.h>

#include <map>
#include <set>
#include <string>
#include <vector>

namespace netsight::models::zoo {

/// Collects named activations during a forward pass: all of them (for listing layers) or a chosen set.
class TapRecorder {
  public:
    /// Records every layer.
    TapRecorder() = default;
    explicit TapRecorder(const std::vector<std::string>& wanted)
        : wanted_(wanted.begin(), wanted.end()), all_(false) {}

    bool wants(const std::string& name) const { return all_ || wanted_.count(name) > 0; }
    void record(const std::string& name, const torch::Tensor& value) {
        if (!wants(name)) return;
        if (!taken_.count(name)) order_.push_back(name);
        taken_[name] = value;
    }
    std::map<std::string, torch::Tensor>& taken() { return taken_; }
    const std::vector<std::string>& order() const { return order_; }

  private:
    std::set<std::string> wanted_;
    bool all_ = true;
    std::map<std::string, torch::Tensor> taken_;
    std::vector<std::string> order_;
};

/// Records when `taps` is set; returns `value` so calls can be chained.
inline torch::Tensor tap(TapRecorder* taps, const std::string& name, const torch::Tensor& value) {
    if (taps) taps->record(name, value);
    return value;
}

inline std::string join(const std::string& prefix, const std::string& name) {
    return prefix.empty() ? name : prefix + "." + name;
}

/// ReLU; with `redirect`, its gradient is Lucid's redirected one: for an image whose units all sit below zero
/// (no gradient gets through), the gradient passes where it would raise a unit, so that a silent unit can be
/// brought to life by the visualizer. The forward pass is ReLU either way.
torch::Tensor relu(const torch::Tensor& x, bool redirect);

struct ConvBnReluOptions {
    ConvBnReluOptions(int64_t in, int64_t out, int64_t kernel = 3) : in_(in), out_(out), kernel_(kernel) {}
    TORCH_ARG(int64_t, in);
    TORCH_ARG(int64_t, out);
    TORCH_ARG(int64_t, kernel);
    TORCH_ARG(int64_t, stride) = 1;
    TORCH_ARG(bool, batchNorm) = true;
    TORCH_ARG(bool, relu) = true;
};

/// Convolution ("same" padding), optional BatchNorm, optional ReLU; tapped as one layer. Frozen (eval
/// mode, no parameter gradients), the BatchNorm is folded into the convolution: one pass over the
/// activations instead of three, forward and backward (the probe's frozen classifier, the visualizer).
class ConvBnReluImpl : public torch::nn::Module {
  public:
    explicit ConvBnReluImpl(const ConvBnReluOptions& options);
    torch::Tensor forward(torch::Tensor x, TapRecorder* taps = nullptr, const std::string& name = {});

    torch::nn::Conv2d conv{nullptr};
    torch::nn::BatchNorm2d bn{nullptr};
    ConvBnReluOptions options;
    bool redirectRelu = false;  ///< set through ZooNetImpl::setRedirectedRelu

  private:
    bool frozen() const;
    std::pair<torch::Tensor, torch::Tensor> folded() const;  // weight and bias with BatchNorm folded in
};
TORCH_MODULE(ConvBnRelu);

/// ResNet basic block: conv-bn-relu, conv-bn, plus the (projected) input, then ReLU.
class BasicBlockImpl : public torch::nn::Module {
  public:
    BasicBlockImpl(int64_t in, int64_t out, int64_t stride);
    torch::Tensor forward(torch::Tensor x, TapRecorder* taps, const std::string& name);

    ConvBnRelu conv1{nullptr}, conv2{nullptr}, downsample{nullptr};
    bool redirectRelu = false;
};
TORCH_MODULE(BasicBlock);

struct InceptionOptions {
    int64_t in, branch1x1, reduce3x3, branch3x3, reduce5x5, branch5x5, branchPool;
    int64_t outChannels() const { return branch1x1 + branch3x3 + branch5x5 + branchPool; }
};

/// Parallel 1x1, 1x1->3x3, 1x1->5x5 and pool->1x1 branches, concatenated.
class InceptionBlockImpl : public torch::nn::Module {
  public:
    explicit InceptionBlockImpl(const InceptionOptions& options);
    torch::Tensor forward(torch::Tensor x, TapRecorder* taps, const std::string& name);

    ConvBnRelu branch1{nullptr}, reduce3{nullptr}, branch3{nullptr}, reduce5{nullptr}, branch5{nullptr},
        branchPool{nullptr};
};
TORCH_MODULE(InceptionBlock);

/// A fixed (not learned) depthwise Gaussian blur.
torch::Tensor gaussianBlur(const torch::Tensor& x, double sigma);

/// Base of every zoo network: a module whose forward can record named activations.
class ZooNetImpl : public torch::nn::Module {
  public:
    virtual torch::Tensor forward(torch::Tensor x, TapRecorder* taps) = 0;
    /// How many scales of an input pyramid the network visits (the coarse-to-fine pair: 3); 0 for others.
    virtual int inputScales() const { return 0; }
    /// An offset added to one scale of the input pyramid (0 the full image, 1 half, 2 quarter) in the next
    /// forward passes, until cleared with an undefined tensor. For the robustness bench's scale ablation.
    void setScaleOffset(int scale, torch::Tensor offset) {
        scaleOffsetLevel_ = scale;
        scaleOffset_ = std::move(offset);
    }
    /// Every ReLU of the network with Lucid's redirected gradient (on) or the plain one (off).
    void setRedirectedRelu(bool on);

  protected:
    bool redirectRelu_ = false;
    int scaleOffsetLevel_ = 0;
    torch::Tensor scaleOffset_;
};

/// Builds a zoo network by name ("vgg-s", "grey+resnet-s", ...); throws std::invalid_argument.
std::shared_ptr<ZooNetImpl> buildZooNet(const std::string& architecture, int64_t channels, int64_t classes);

}  // namespace netsight::models::zoo
