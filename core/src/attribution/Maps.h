#pragma once

// Attribution maps on tensors (internal to core; tests call it directly).
#include <torch/torch.h>

#include <string>

#include "netsight/attribution/Attribution.h"
#include "netsight/models/Classifier.h"

namespace netsight::attribution {

/// Throws JobCancelled when `job` (optional) was asked to stop: called between chunks.
inline void checkCancelled(const runtime::JobContext* job) {
    if (job) job->checkCancelled();
}

struct Maps {
    /// Per image and input channel for the gradient methods ([N, C, H, W]); one channel for the Grad-CAM
    /// family and occlusion ([N, 1, H, W]). At the input's resolution, on the CPU.
    torch::Tensor values;
    /// One value per pixel ([N, H, W]): the channels summed (of |values| for saliency, SmoothGrad and
    /// VarGrad, signed for the others). Larger means more evidence for the target.
    torch::Tensor pixels;
    torch::Tensor targets;  ///< int64 [N]: the class explained (Difference: its first class)
    std::string layer;      ///< the layer of a Grad-CAM-family map
    /// Integrated gradients: per image, sum of attributions - (score(x) - score(baseline)); empty otherwise.
    torch::Tensor completenessGap;
};

/// The scores a target names, from logits [N, K]: per image, one logit or the difference of two.
torch::Tensor targetScores(const torch::Tensor& logits, const Target& target, const torch::Tensor& predicted);

/// The baseline images for `images` (NCHW in [0, 1]): black, the images blurred (Gaussian, sigma an eighth
/// of the side), or options.baselineImage repeated.
torch::Tensor baselineImages(const torch::Tensor& images, const MethodOptions& options);

/// The last tapped layer with a spatial output (rank 4 with more than one position), else the last rank-4
/// one. Throws std::invalid_argument when the classifier has none.
std::string defaultCamLayer(models::Classifier& classifier);

/// Maps of `method` for `images` (NCHW in [0, 1], on any device; moved to the classifier's). The classifier
/// should be frozen (eval mode); nothing stays attached to it afterwards. Checks job cancellation between
/// chunks when `job` is given.
Maps computeMaps(models::Classifier& classifier, const torch::Tensor& images, Method method,
                 const Target& target, const MethodOptions& options,
                 const runtime::JobContext* job = nullptr);

/// The same with the explained class of each image given (int64 [N]), as the randomization check needs:
/// the trained model's classes, whatever the randomized one predicts.
Maps computeMapsFor(models::Classifier& classifier, const torch::Tensor& images, Method method,
                    const Target& target, const torch::Tensor& classes, const MethodOptions& options,
                    const runtime::JobContext* job = nullptr);

/// The class each image's map explains: the prediction, or the target's class.
torch::Tensor explainedClasses(models::Classifier& classifier, const torch::Tensor& images,
                               const Target& target, int maxBatch);

/// Spearman's rank correlation of two maps (ties share their mean rank).
double rankCorrelation(const torch::Tensor& a, const torch::Tensor& b);

}  // namespace netsight::attribution
