#pragma once

// LibTorch-facing: for core and its tests only. The UI and CLI use ModelFile.h.
#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "netsight/models/ClassifierMeta.h"
#include "netsight/models/ModelFile.h"

namespace netsight::models {

/// Logits plus the activations of the layers asked for.
struct TapOutput {
    torch::Tensor logits;
    std::map<std::string, torch::Tensor> layers;
};

/// A classifier NetSight can probe: a zoo network or an imported TorchScript model.
class Classifier {
  public:
    explicit Classifier(ClassifierMeta meta) : meta_(std::move(meta)) {}
    virtual ~Classifier() = default;

    const ClassifierMeta& meta() const { return meta_; }
    ClassifierMeta& meta() { return meta_; }

    /// Logits for a normalized NCHW batch. Differentiable with respect to the input.
    virtual torch::Tensor forward(const torch::Tensor& normalized) = 0;
    /// Logits and the activations of `layers` (module paths). Throws std::invalid_argument naming an
    /// unknown layer and the nearest known names.
    virtual TapOutput forwardWithTaps(const torch::Tensor& normalized,
                                      const std::vector<std::string>& layers) = 0;
    /// How many scales of an input pyramid the network visits: 3 (the full image, its half, its quarter) for
    /// the coarse-to-fine pair topdown and bottomup, 0 for every other network.
    virtual int inputScales() { return 0; }
    /// Logits with `offset` (normalized units, the size of that scale) added to scale `scale` of the
    /// network's input pyramid alone. Differentiable with respect to `offset`. Throws std::invalid_argument
    /// for a network without that scale.
    virtual torch::Tensor forwardWithScaleOffset(const torch::Tensor& normalized, int scale,
                                                 const torch::Tensor& offset);
    /// Gives every ReLU Lucid's redirected gradient (on) or the plain one (off), for the visualizer: a silent
    /// unit then still gets a gradient towards life. Returns false where the network cannot (TorchScript).
    virtual bool setRedirectedRelu(bool) { return false; }
    /// Every layer that can be tapped, in forward order, with output shapes.
    const std::vector<LayerInfo>& layers();

    /// train() / eval() mode.
    virtual void setTraining(bool training) = 0;
    virtual bool training() const = 0;
    /// Eval mode and no parameter gradients: for probing a classifier that must not change.
    void freeze();
    virtual std::vector<torch::Tensor> parameters() = 0;
    /// Parameters by module path ("layer4.1.conv2.weight"), in definition order.
    virtual std::vector<std::pair<std::string, torch::Tensor>> namedParameters() = 0;
    std::int64_t parameterCount();
    virtual void to(const torch::Device& device) = 0;
    torch::Device device();

    /// (images in [0,1] - mean) / std, per the input spec.
    torch::Tensor normalize(const torch::Tensor& images) const;
    /// An NCHW batch in [0,1] of any size and 1 or 3 channels brought to the input spec's shape, as
    /// data::adaptToInput does for one image: channels (luminance, or grey repeated), a resize that covers
    /// the input (antialiased when shrinking) and a centre crop. Differentiable; the batch itself when it
    /// fits.
    torch::Tensor adapt(const torch::Tensor& images) const;
    /// normalize(adapt(images)): what a classifier of its own input size is fed with other data's images.
    torch::Tensor prepare(const torch::Tensor& images) const { return normalize(adapt(images)); }

    /// Writes the model with its metadata, atomically.
    virtual void save(const std::string& path) = 0;

  protected:
    /// Logits and every layer that can be tapped, in forward order (for layers()).
    virtual std::vector<std::pair<std::string, torch::Tensor>> forwardAllLayers(
        const torch::Tensor& normalized) = 0;
    /// Throws std::invalid_argument for a name not in layers(), listing the nearest ones.
    void checkLayers(const std::vector<std::string>& wanted);

  private:
    ClassifierMeta meta_;
    std::vector<LayerInfo> layers_;
};

/// A zoo classifier with fresh weights. Architectures: alexnet-s, vgg-s, resnet-s, inception-s,
/// resnet10, topdown, bottomup, each optionally behind an input adapter: grey+, lowpass+, highpass+.
std::unique_ptr<Classifier> createClassifier(const std::string& architecture, const data::ImageShape& shape,
                                             const std::vector<std::string>& classNames);

/// Loads a NetSight model file or a TorchScript archive. For TorchScript, metadata comes from the
/// archive's extra file netsight.json, else a sidecar MODEL.json, else `fallback` (may be null).
/// Throws std::runtime_error with a message naming the file for anything that is not a usable model.
std::unique_ptr<Classifier> loadClassifier(const std::string& path, const ClassifierMeta* fallback = nullptr);
/// loadClassifier, then onto `device` ("auto", "cpu", "cuda:1", ...) and frozen (eval mode, no parameter
/// gradients), with LibTorch's threads set to the cores: what every instrument that measures a model needs.
std::unique_ptr<Classifier> loadFrozenClassifier(const std::string& path, const std::string& device);

}  // namespace netsight::models
