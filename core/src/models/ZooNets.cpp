// The zoo: miniature classifiers of "What do Deep Networks Like to See?", ResNet-10 of Xu et al.,
// the coarse-to-fine top-down network and its bottom-up twin, and input adapters.
#include <stdexcept>

#include "models/ZooLayers.h"

namespace netsight::models::zoo {
namespace {

namespace F = torch::nn::functional;

torch::Tensor globalPool(const torch::Tensor& x) {
    return x.mean({2, 3});
}

/// Large early kernels and strides, no BatchNorm.
class AlexNetSImpl : public ZooNetImpl {
  public:
    AlexNetSImpl(int64_t channels, int64_t classes) {
        conv1 = register_module("conv1",
                                ConvBnRelu(ConvBnReluOptions(channels, 48, 5).stride(2).batchNorm(false)));
        conv2 = register_module("conv2", ConvBnRelu(ConvBnReluOptions(48, 96, 5).batchNorm(false)));
        conv3 = register_module("conv3", ConvBnRelu(ConvBnReluOptions(96, 128, 3).batchNorm(false)));
        conv4 = register_module("conv4", ConvBnRelu(ConvBnReluOptions(128, 128, 3).batchNorm(false)));
        conv5 = register_module("conv5", ConvBnRelu(ConvBnReluOptions(128, 96, 3).batchNorm(false)));
        fc1 = register_module("fc1", torch::nn::Linear(96 * 4, 256));
        fc2 = register_module("fc2", torch::nn::Linear(256, classes));
    }
    torch::Tensor forward(torch::Tensor x, TapRecorder* taps) override {
        const auto pool = F::MaxPool2dFuncOptions(3).stride(2).padding(1);
        x = F::max_pool2d(conv1(x, taps, "conv1"), pool);
        x = F::max_pool2d(conv2(x, taps, "conv2"), pool);
        x = conv5(conv4(conv3(x, taps, "conv3"), taps, "conv4"), taps, "conv5");
        x = F::adaptive_avg_pool2d(F::max_pool2d(x, pool), F::AdaptiveAvgPool2dFuncOptions({2, 2}))
                .flatten(1);
        x = tap(taps, "fc1", relu(fc1(x), redirectRelu_));
        x = F::dropout(x, F::DropoutFuncOptions().p(0.3).training(is_training()));
        return tap(taps, "fc2", fc2(x));
    }
    ConvBnRelu conv1{nullptr}, conv2{nullptr}, conv3{nullptr}, conv4{nullptr}, conv5{nullptr};
    torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};

/// Stacks of 3x3 conv + BN + ReLU with max-pooling between stages.
class VggSImpl : public ZooNetImpl {
  public:
    VggSImpl(int64_t channels, int64_t classes) {
        int64_t in = channels;
        for (int64_t width : {32, 64, 128}) {
            auto stage = std::make_shared<torch::nn::Module>();
            stages.push_back({stage->register_module("conv1", ConvBnRelu(ConvBnReluOptions(in, width))),
                              stage->register_module("conv2", ConvBnRelu(ConvBnReluOptions(width, width)))});
            register_module("stage" + std::to_string(stages.size()), stage);
            in = width;
        }
        fc = register_module("fc", torch::nn::Linear(in, classes));
    }
    torch::Tensor forward(torch::Tensor x, TapRecorder* taps) override {
        for (std::size_t s = 0; s < stages.size(); ++s) {
            const std::string name = "stage" + std::to_string(s + 1);
            x = stages[s].second(stages[s].first(x, taps, name + ".conv1"), taps, name + ".conv2");
            x = tap(taps, name, F::max_pool2d(x, F::MaxPool2dFuncOptions(2)));
        }
        return tap(taps, "fc", fc(tap(taps, "pool", globalPool(x))));
    }
    std::vector<std::pair<ConvBnRelu, ConvBnRelu>> stages;
    torch::nn::Linear fc{nullptr};
};

struct ResNetOptions {
    int64_t stem = 16;
    std::vector<int64_t> widths{16, 32, 64};
    std::vector<int64_t> strides{1, 2, 2};
    int64_t blocksPerStage = 1;
};

/// Residual network of basic blocks; resnet-s and resnet10 differ in widths.
class ResNetImpl : public ZooNetImpl {
  public:
    ResNetImpl(int64_t channels, int64_t classes, const ResNetOptions& options) {
        stem = register_module("stem", ConvBnRelu(ConvBnReluOptions(channels, options.stem)));
        int64_t in = options.stem;
        for (std::size_t s = 0; s < options.widths.size(); ++s) {
            auto layer = std::make_shared<torch::nn::Module>();
            for (int64_t b = 0; b < options.blocksPerStage; ++b) {
                blocks.push_back(layer->register_module(
                    std::to_string(b), BasicBlock(in, options.widths[s], b == 0 ? options.strides[s] : 1)));
                blockNames.push_back("layer" + std::to_string(s + 1) + "." + std::to_string(b));
                in = options.widths[s];
            }
            register_module("layer" + std::to_string(s + 1), layer);
        }
        fc = register_module("fc", torch::nn::Linear(in, classes));
    }
    torch::Tensor forward(torch::Tensor x, TapRecorder* taps) override {
        x = stem(x, taps, "stem");
        for (std::size_t b = 0; b < blocks.size(); ++b)
            x = blocks[b](x, taps, blockNames[b]);
        return tap(taps, "fc", fc(tap(taps, "pool", globalPool(x))));
    }
    ConvBnRelu stem{nullptr};
    std::vector<BasicBlock> blocks;
    std::vector<std::string> blockNames;
    torch::nn::Linear fc{nullptr};
};

/// Parallel 1x1 / 3x3 / 5x5 / pool branches.
class InceptionSImpl : public ZooNetImpl {
  public:
    InceptionSImpl(int64_t channels, int64_t classes) {
        stem = register_module("stem", ConvBnRelu(ConvBnReluOptions(channels, 32)));
        mixed1 = register_module("mixed1", InceptionBlock(InceptionOptions{32, 16, 16, 24, 8, 12, 12}));
        mixed2 = register_module("mixed2", InceptionBlock(InceptionOptions{64, 32, 32, 48, 12, 24, 24}));
        mixed3 = register_module("mixed3", InceptionBlock(InceptionOptions{128, 48, 48, 64, 16, 32, 32}));
        fc = register_module("fc", torch::nn::Linear(176, classes));
    }
    torch::Tensor forward(torch::Tensor x, TapRecorder* taps) override {
        const auto pool = F::MaxPool2dFuncOptions(2);
        x = F::max_pool2d(stem(x, taps, "stem"), pool);
        x = F::max_pool2d(mixed1(x, taps, "mixed1"), pool);
        x = F::max_pool2d(mixed2(x, taps, "mixed2"), pool);
        x = mixed3(x, taps, "mixed3");
        return tap(taps, "fc", fc(tap(taps, "pool", globalPool(x))));
    }
    ConvBnRelu stem{nullptr};
    InceptionBlock mixed1{nullptr}, mixed2{nullptr}, mixed3{nullptr};
    torch::nn::Linear fc{nullptr};
};

/// The coarse-to-fine network (Lelekas et al. 2020) and its bottom-up twin: the very same layers
/// (equal parameters), visited from the coarsest input (x/4) to the full image, or from the full image
/// to the coarsest. Each stage embeds its own input, adds the previous stage's features brought to its
/// resolution by a 1x1 conv and a x2 resize (nearest upsampling top-down, average pooling bottom-up),
/// concatenates that lateral path, and convolves. Widths grow along the visit (16, 32, 64) in both, so
/// top-down spends its widest layer on the full-resolution image.
class ScaleNetImpl : public ZooNetImpl {
  public:
    ScaleNetImpl(int64_t channels, int64_t classes, bool topDown) : topDown_(topDown) {
        const int64_t widths[] = {16, 32, 64};
        for (int s = 0; s < 3; ++s) {
            auto stage = std::make_shared<torch::nn::Module>();
            Stage parts;
            parts.embed = stage->register_module("embed", ConvBnRelu(ConvBnReluOptions(channels, widths[s])));
            if (s > 0)
                parts.lateral = stage->register_module(
                    "lateral", ConvBnRelu(ConvBnReluOptions(widths[s - 1], widths[s], 1)));
            parts.conv = stage->register_module(
                "conv", ConvBnRelu(ConvBnReluOptions(s > 0 ? 2 * widths[s] : widths[s], widths[s])));
            register_module("stage" + std::to_string(s + 1), stage);
            stages.push_back(parts);
        }
        fc = register_module("fc", torch::nn::Linear(widths[2], classes));
    }
    torch::Tensor forward(torch::Tensor x, TapRecorder* taps) override {
        // Gaussian pyramid: x, x/2, x/4.
        std::vector<torch::Tensor> pyramid{x};
        for (int level = 0; level < 2; ++level)
            pyramid.push_back(F::avg_pool2d(gaussianBlur(pyramid.back(), 1.0), F::AvgPool2dFuncOptions(2)));
        // The scale ablation: a perturbation of one scale alone (each level is computed from the clean
        // finer one, so the others do not see it).
        if (scaleOffset_.defined())
            pyramid[static_cast<std::size_t>(scaleOffsetLevel_)] =
                pyramid[static_cast<std::size_t>(scaleOffsetLevel_)] + scaleOffset_;
        torch::Tensor features;
        for (int s = 0; s < 3; ++s) {
            const std::string name = "stage" + std::to_string(s + 1);
            const torch::Tensor& input = pyramid[topDown_ ? 2 - s : s];
            torch::Tensor embedded = stages[s].embed(input, taps, name + ".embed");
            if (s > 0) {
                torch::Tensor lateral = stages[s].lateral(features);
                lateral =
                    topDown_
                        ? F::interpolate(lateral,
                                         F::InterpolateFuncOptions()
                                             .size(std::vector<int64_t>{embedded.size(2), embedded.size(3)})
                                             .mode(torch::kNearest))
                        : F::adaptive_avg_pool2d(
                              lateral, F::AdaptiveAvgPool2dFuncOptions({embedded.size(2), embedded.size(3)}));
                tap(taps, name + ".lateral", lateral);
                embedded = torch::cat({embedded + lateral, lateral}, 1);
            }
            features = stages[s].conv(embedded, taps, name + ".conv");
        }
        return tap(taps, "fc", fc(tap(taps, "pool", globalPool(features))));
    }

    int inputScales() const override { return 3; }

  private:
    struct Stage {
        ConvBnRelu embed{nullptr}, lateral{nullptr}, conv{nullptr};
    };
    bool topDown_;
    std::vector<Stage> stages;
    torch::nn::Linear fc{nullptr};
};

enum class Adapter { Grey, LowPass, HighPass };

/// Gives any network an input whose content is known by construction: luminance only, a blurred and
/// downsampled image, or the image minus that.
class AdaptedNetImpl : public ZooNetImpl {
  public:
    AdaptedNetImpl(Adapter adapter, std::shared_ptr<ZooNetImpl> inner) : adapter_(adapter) {
        net = register_module("net", std::move(inner));
    }
    torch::Tensor forward(torch::Tensor x, TapRecorder* taps) override {
        return net->forward(tap(taps, "adapter", adapt(x)), taps);
    }
    torch::Tensor adapt(const torch::Tensor& x) const {
        switch (adapter_) {
            case Adapter::Grey: {
                if (x.size(1) != 3) return x;
                const auto weights = torch::tensor({0.299f, 0.587f, 0.114f}, x.options()).view({1, 3, 1, 1});
                return (x * weights).sum(1, true).expand_as(x).contiguous();
            }
            case Adapter::LowPass:
                return lowPass(x);
            case Adapter::HighPass:
                return x - lowPass(x);
        }
        return x;
    }
    static torch::Tensor lowPass(const torch::Tensor& x) {
        const auto small = F::avg_pool2d(gaussianBlur(x, 1.5), F::AvgPool2dFuncOptions(4).ceil_mode(true));
        return F::interpolate(small, F::InterpolateFuncOptions()
                                         .size(std::vector<int64_t>{x.size(2), x.size(3)})
                                         .mode(torch::kBilinear)
                                         .align_corners(false));
    }

  private:
    Adapter adapter_;
    std::shared_ptr<ZooNetImpl> net;
};

}  // namespace

std::shared_ptr<ZooNetImpl> buildZooNet(const std::string& architecture, int64_t channels, int64_t classes) {
    const auto plus = architecture.find('+');
    if (plus != std::string::npos) {
        const std::string adapter = architecture.substr(0, plus);
        auto inner = buildZooNet(architecture.substr(plus + 1), channels, classes);
        if (adapter == "grey") return std::make_shared<AdaptedNetImpl>(Adapter::Grey, inner);
        if (adapter == "lowpass") return std::make_shared<AdaptedNetImpl>(Adapter::LowPass, inner);
        if (adapter == "highpass") return std::make_shared<AdaptedNetImpl>(Adapter::HighPass, inner);
        throw std::invalid_argument("unknown input adapter '" + adapter + "+' in '" + architecture +
                                    "'; adapters: grey+, lowpass+, highpass+");
    }
    if (architecture == "alexnet-s") return std::make_shared<AlexNetSImpl>(channels, classes);
    if (architecture == "vgg-s") return std::make_shared<VggSImpl>(channels, classes);
    if (architecture == "resnet-s") return std::make_shared<ResNetImpl>(channels, classes, ResNetOptions{});
    if (architecture == "resnet10")
        return std::make_shared<ResNetImpl>(channels, classes,
                                            ResNetOptions{32, {32, 64, 128, 256}, {1, 2, 2, 2}, 1});
    if (architecture == "inception-s") return std::make_shared<InceptionSImpl>(channels, classes);
    if (architecture == "topdown") return std::make_shared<ScaleNetImpl>(channels, classes, true);
    if (architecture == "bottomup") return std::make_shared<ScaleNetImpl>(channels, classes, false);
    throw std::invalid_argument(
        "unknown architecture '" + architecture +
        "'; the zoo has alexnet-s, vgg-s, resnet-s, inception-s, resnet10, topdown, bottomup, "
        "each also as grey+ARCH, lowpass+ARCH or highpass+ARCH");
}

}  // namespace netsight::models::zoo
