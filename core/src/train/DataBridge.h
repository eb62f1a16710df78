#pragma once

// Between the data layer's plain batches and LibTorch tensors (internal to core).
#include <torch/torch.h>

#include <string>
#include <vector>

#include "netsight/data/DataLoader.h"
#include "netsight/data/Dataset.h"
#include "netsight/models/Classifier.h"
#include "netsight/runtime/Job.h"

namespace netsight::train {

/// The batch's images as an NCHW float tensor on `device` (a copy: the batch may go away).
torch::Tensor imagesToTensor(const data::Batch& batch, const torch::Device& device);
torch::Tensor labelsToTensor(const data::Batch& batch, const torch::Device& device);
/// One CHW image in [0, 1] (any device) as a plain image, copied to the CPU.
data::Image tensorToImage(const torch::Tensor& image);
/// Each image of an NCHW batch as 8-bit RGB (clamped to [0, 1] first), for previews that cross threads.
std::vector<data::RgbBuffer> tensorToRgb(const torch::Tensor& images);

/// Checks that a classifier can read a dataset: the class counts must match (error otherwise);
/// channels and size are adapted (grey<->RGB, resize and crop). Returns notes on what is adapted.
std::vector<std::string> checkCompatible(const models::ClassifierMeta& meta, const data::DatasetInfo& info,
                                         const std::string& modelName);

/// The loader transform that adapts dataset images to the classifier's shape (not normalized:
/// normalization happens on the tensor, as part of the classifier).
data::ImageTransform shapeAdapter(const data::ImageShape& from, const data::ImageShape& to);

/// Scalar mean and standard deviation of the first `count` training images (one value for all
/// channels, so that input adapters such as grey+ commute with normalization).
std::pair<float, float> imageStatistics(const data::Dataset& dataset, std::size_t count);

/// Accuracy on a split (eval mode, no gradients); fills `confusion` if not null.
double accuracyOn(models::Classifier& classifier, const data::Dataset& dataset, data::Split split,
                  std::size_t maxSamples, const runtime::JobContext& job,
                  std::vector<std::vector<std::int64_t>>* confusion = nullptr);

}  // namespace netsight::train
