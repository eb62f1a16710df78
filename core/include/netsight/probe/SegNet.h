#pragma once

// LibTorch-facing: the probe's autoencoder, for core and its tests (never the UI).
#include <torch/torch.h>

#include <string>
#include <vector>

namespace netsight::probe {

/// The SegNet family of Palacio et al.'s official code: encoder stages of 3x3 conv + BN + ReLU ending
/// in 2x2 max-pooling that keeps its indices; a decoder mirroring it with max-unpooling and 3x3 conv +
/// BN + ReLU; a final 1x1 conv to the image channels, no output activation, no transposed convolutions.
struct SegNetOptions {
    int64_t channels = 3;
    std::vector<std::vector<int64_t>> stages{{32, 32}, {64, 64}, {128, 128}};  ///< conv widths per stage
};

/// "segnet-small" (stages of 32, 64, 128 channels, two convs each: for CPUs and small images) or
/// "segnet-vgg16" (the paper's 13-conv VGG16 encoder). Throws std::invalid_argument otherwise.
SegNetOptions segNetPreset(const std::string& preset, int64_t channels);

/// The encoder's output with what the decoder needs to undo the pooling.
struct SegNetCode {
    torch::Tensor features;
    std::vector<torch::Tensor> indices;
    std::vector<std::vector<int64_t>> sizes;  ///< input size of each pooling
};

class SegNetImpl : public torch::nn::Module {
  public:
    explicit SegNetImpl(const SegNetOptions& options);
    SegNetCode encode(const torch::Tensor& images);
    torch::Tensor decode(const SegNetCode& code);
    torch::Tensor forward(const torch::Tensor& images) { return decode(encode(images)); }

    /// Parameters of the encoder or the decoder alone (fine-tuning trains only the decoder).
    std::vector<torch::Tensor> encoderParameters();
    std::vector<torch::Tensor> decoderParameters();
    /// Eval mode and no gradients for the encoder: it stays what pretraining made it.
    void freezeEncoder();

    const SegNetOptions& options() const { return options_; }

  private:
    SegNetOptions options_;
    torch::nn::ModuleList encoder_{nullptr}, decoder_{nullptr};
    torch::nn::Conv2d output_{nullptr};
};
TORCH_MODULE(SegNet);

}  // namespace netsight::probe
