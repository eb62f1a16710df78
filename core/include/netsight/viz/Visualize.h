#pragma once

// The feature visualizer as plain-typed calls (CLI and UI): activation maximization, caricatures
// (DeepDream of any neuron, channel or layer), channel galleries and inversion of a layer's representation.
// Defaults follow Lucid and Mahendran & Vedaldi (DESIGN.md, "Feature visualizer").
#include <cstdint>
#include <string>
#include <vector>

#include "netsight/data/Image.h"
#include "netsight/runtime/Job.h"

namespace netsight::viz {

enum class ObjectiveKind {
    ClassLogit,           ///< a class's logit (activation maximization)
    ClassLogProbability,  ///< a class's log-softmax: also pushes the other classes down
    Neuron,               ///< one channel at one position of a layer
    ChannelMean,          ///< the mean of a channel over positions
    Layer,                ///< DeepDream: the mean of the squared activations of a whole layer
};

/// One term of the objective; the objective is the weighted sum of its terms (maximized).
struct ObjectiveTerm {
    ObjectiveKind kind = ObjectiveKind::ChannelMean;
    std::string layer;   ///< module path; unused for ClassLogit
    int channel = 0;     ///< Neuron, ChannelMean; for ClassLogit: the class index
    int x = -1, y = -1;  ///< Neuron: the position (-1: the centre)
    double weight = 1.0;
};

/// Parses "class:3", "classprob:3", "channel:layer2.0.conv1:5", "neuron:layer2.0.conv1:5[:x,y]",
/// "layer:layer3" (optionally "*0.5" for a weight). Throws std::invalid_argument naming the text and the
/// forms.
ObjectiveTerm parseObjective(const std::string& text);
std::string describe(const ObjectiveTerm& term);

enum class Parameterization { Pixels, Fourier };

struct VizOptions {
    std::vector<ObjectiveTerm> objective;
    Parameterization parameterization = Parameterization::Fourier;  ///< 1/f spectrum, decorrelated colour
    int size = 128;                  ///< side of the optimized image (0: the classifier's input size)
    int batch = 1;                   ///< images optimized together
    double diversity = 0.0;          ///< weight of the diversity term across the batch (needs batch > 1)
    bool channelPerElement = false;  ///< one channel/neuron term: element i takes channel + i (galleries)
    int steps = 512;
    double learningRate = 0.05;  ///< Adam
    // Robustness transforms (Lucid's standard set); off with transforms = false.
    bool transforms = true;
    int pad = 12;
    int jitter = 8;
    double scaleMin = 0.9, scaleMax = 1.1;
    double rotateDegrees = 10;
    int finalJitter = 4;
    // Regularizers, each with its weight (0: off).
    double alphaNormWeight = 0.0;  ///< lambda * mean(|x - 0.5|^alpha)
    double alpha = 6.0;
    double tvWeight = 0.0;  ///< lambda * mean total variation^(beta/2)
    double beta = 2.0;
    int blurEvery = 0;  ///< blur the image every k steps (pixels parameterization), 0: never
    double blurSigma = 0.5;
    /// Zoo networks: every ReLU with Lucid's redirected gradient during the run, so that a channel silent on
    /// the start image still gets a gradient (TorchScript models keep their plain ReLU).
    bool redirectRelu = true;
    std::uint64_t seed = 0;
    std::string device = "auto";
    int previewEvery = 8;  ///< steps between preview events
};

struct VizResult {
    std::vector<data::RgbBuffer> images;  ///< one per batch element
    std::vector<double> objective;        ///< per step (mean over the batch, without regularizers)
    double seconds = 0;
};

/// Runs activation maximization / caricaturization for the model file at `modelPath`. Posts metric
/// "objective" per step and a preview "image" (the batch) every previewEvery steps.
VizResult visualize(const std::string& modelPath, const VizOptions& options, const runtime::JobContext& job);

/// One visualization per channel of `layer` (channels `first`.. `first + count - 1`, clamped), rendered as a
/// batch. Posts previews "gallery" as it goes.
VizResult gallery(const std::string& modelPath, const std::string& layer, int first, int count,
                  const VizOptions& options, const runtime::JobContext& job);

/// A gallery's thumbnails: at most this many pixels a side, and the steps the CLI's gallery defaults to.
constexpr int kGalleryMaxSize = 64;
constexpr int kGallerySteps = 256;

/// The options a gallery starts from where the user chose nothing (the CLI's defaults).
inline VizOptions galleryDefaults() {
    VizOptions options;
    options.size = kGalleryMaxSize;
    options.steps = kGallerySteps;
    return options;
}

/// The options a gallery runs with when the user chose `chosen` for one visualization (the app's form):
/// the same, with thumbnails of at most kGalleryMaxSize pixels (0, the classifier's input size, stays).
inline VizOptions galleryOptions(VizOptions chosen) {
    if (chosen.size > kGalleryMaxSize) chosen.size = kGalleryMaxSize;
    return chosen;
}

struct InversionOptions {
    std::string layer;
    int steps = 300;
    double learningRate = 0.05;
    double alphaNormWeight = 1e-4;  ///< lambda_alpha (the M&V alpha-norm prior, alpha = 6)
    double alpha = 6.0;
    double tvWeight = 5e-2;  ///< lambda_TV (the TV^beta prior, beta = 2)
    double beta = 2.0;
    int jitter = 0;  ///< random shift while fitting (helps deep layers; blurs early ones)
    std::uint64_t seed = 0;
    std::string device = "auto";
    int previewEvery = 10;
};

struct InversionResult {
    data::RgbBuffer original;  ///< the target as the network saw it (adapted to its input)
    data::RgbBuffer image;
    double featureLoss = 0;  ///< ||phi(x) - phi(x0)||^2 / ||phi(x0)||^2 at the end
    std::vector<double> loss;
    double seconds = 0;
};

/// Finds an image whose representation at `options.layer` matches that of `target` (Mahendran & Vedaldi).
InversionResult invert(const std::string& modelPath, const data::Image& target,
                       const InversionOptions& options, const runtime::JobContext& job);

/// How one channel of a layer responds to test images.
struct ChannelActivity {
    int channel = 0;
    double mean = 0;         ///< mean activation over the images and positions
    double peak = 0;         ///< the largest activation seen
    double activeShare = 0;  ///< share of the images on which it is positive somewhere
    bool silent() const { return peak <= 0; }
};
/// Each channel of `layer` on the first `count` test images of `dataSource`.
std::vector<ChannelActivity> channelActivity(const std::string& modelPath, const std::string& dataSource,
                                             const std::string& layer, std::size_t count,
                                             const std::string& device, const runtime::JobContext& job);
/// The channel a first visualization of that layer should show: the one with the largest mean activation.
int mostActiveChannel(const std::vector<ChannelActivity>& activity);

/// A test image that drives an objective, with where it does.
struct DataExample {
    std::size_t index = 0;  ///< in the test split
    double value = 0;       ///< the objective on it
    std::string labelName, predictedName;
    data::Image image;  ///< as the classifier sees it
    std::vector<float>
        map;  ///< height * width: the channel's (or layer's) activation, or the class's Grad-CAM
};
/// The `k` test images (of the first `count`) that drive the objective term most (channel, neuron, layer,
/// class), in decreasing order.
std::vector<DataExample> topImages(const std::string& modelPath, const std::string& dataSource,
                                   const ObjectiveTerm& term, std::size_t k, std::size_t count,
                                   const std::string& device, const runtime::JobContext& job);

}  // namespace netsight::viz
