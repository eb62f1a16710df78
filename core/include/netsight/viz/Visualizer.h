#pragma once

// LibTorch-facing visualizer: for core and its tests. The UI and CLI use Visualize.h.
#include <torch/torch.h>

#include <vector>

#include "netsight/models/Classifier.h"
#include "netsight/viz/Visualize.h"

namespace netsight::viz {

struct VizRun {
    torch::Tensor images;  ///< NCHW in [0, 1], on the CPU
    std::vector<double> objective;
};

/// Maximizes the objective for `classifier` (frozen for the run). Nothing is registered on the model, so
/// runs leave no state behind.
VizRun visualize(models::Classifier& classifier, const VizOptions& options, const runtime::JobContext& job,
                 const std::string& previewKey = "image");

struct InversionRun {
    torch::Tensor image;  ///< CHW in [0, 1], on the CPU
    double featureLoss = 0;
    std::vector<double> loss;
};

/// Mahendran & Vedaldi's inversion of `target` (CHW in [0, 1], the classifier's input size).
InversionRun invert(models::Classifier& classifier, const torch::Tensor& target,
                    const InversionOptions& options, const runtime::JobContext& job);

/// Mean total variation of an NCHW batch: mean over pixels of sqrt(dx^2 + dy^2).
double totalVariation(const torch::Tensor& images);

}  // namespace netsight::viz
