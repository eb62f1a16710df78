#pragma once

// Checks of attribution maps on tensors (internal to core; tests call them directly): deletion and
// insertion curves, the drop in confidence, the object's mask, and the model-randomization sanity check.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "attribution/Maps.h"

namespace netsight::attribution {

struct CurveOptions {
    int steps = 20;  ///< points after the start: 0, 1/steps, ..., 1 of the pixels
    /// Deletion replaces the most relevant pixels with this; insertion starts from this image and puts the
    /// most relevant pixels back (Petsiuk et al. 2018). Both blurred by default: black pixels scattered by a
    /// random map are far from the data and knock any classifier down quickly, which flatters random maps
    /// (measured: deletion areas 0.09 vs 0.10 black, 0.25 vs 0.42 blurred, Grad-CAM vs random).
    BaselineKind deletionBaseline = BaselineKind::Blurred;
    BaselineKind insertionBaseline = BaselineKind::Blurred;
    int maxBatch = 64;
};

struct Curves {
    std::vector<double> fractions;  ///< share of the pixels deleted / inserted
    torch::Tensor deletion;         ///< [N, steps + 1]: probability of the explained class
    torch::Tensor insertion;
    torch::Tensor
        deletionArea;  ///< [N]: area under each curve (trapezoids over the fractions): lower is better
    torch::Tensor insertionArea;  ///< higher is better
};

/// Deletion and insertion curves of `pixelMaps` ([N, H, W], larger = more relevant) for `images`.
Curves deletionInsertion(models::Classifier& classifier, const torch::Tensor& images,
                         const torch::Tensor& pixelMaps, const torch::Tensor& classes,
                         const CurveOptions& options, const runtime::JobContext* job = nullptr);

struct ConfidenceChange {
    torch::Tensor drop;       ///< [N]: max(0, p(x) - p(x * E)) / p(x), E the map scaled to [0, 1]
    torch::Tensor increased;  ///< [N] bool: p(x * E) > p(x)
};
/// Average drop and increase in confidence (Chattopadhay et al. 2018) with the positive part of each map.
ConfidenceChange confidenceChange(models::Classifier& classifier, const torch::Tensor& images,
                                  const torch::Tensor& pixelMaps, const torch::Tensor& classes, int maxBatch);

struct MaskScores {
    torch::Tensor energyInside;  ///< [N]: share of the map's positive part inside the mask
    torch::Tensor pointingHit;   ///< [N] bool: the map's maximum lies inside the mask (mask >= 0.5)
    torch::Tensor maskShare;     ///< [N]: the mask's share of the image (what a uniform map would score)
};
/// The maps ([N, H, W]) against soft masks of the same size ([N, H, W] in [0, 1]).
MaskScores againstMask(const torch::Tensor& pixelMaps, const torch::Tensor& masks);

struct RandomizationStep {
    std::string layer;  ///< the last module randomized (cascading from the top)
    int layersRandomized = 0;
    std::vector<double> correlations;  ///< per image: rank correlation of |map| with the trained model's
};
/// The cascading model-randomization check (Adebayo et al. 2018): the parameters of the modules are
/// re-initialized from the top (output) down, a module at a time, and the maps recomputed at up to
/// `maxSteps` depths (the top module alone first, all of them last). The classifier's weights are restored
/// afterwards, whatever happens. Re-initialization: weights He-normal (fan-in), 1-D weights (norm scales)
/// 1 + N(0, 0.1), biases N(0, 0.01); from `seed`.
std::vector<RandomizationStep> randomizationCheck(models::Classifier& classifier, const torch::Tensor& images,
                                                  Method method, const Target& target,
                                                  const MethodOptions& options, int maxSteps,
                                                  std::uint64_t seed,
                                                  const runtime::JobContext* job = nullptr);

}  // namespace netsight::attribution
