#pragma once

// What training and evaluation need between a dataset and a classifier: shape adapters, statistics,
// accuracy (internal to core). The image/tensor conversions are in tensor/ImageTensors.h.
#include <torch/torch.h>

#include <string>
#include <vector>

#include "netsight/data/DataLoader.h"
#include "netsight/data/Dataset.h"
#include "netsight/models/Classifier.h"
#include "netsight/runtime/Job.h"
#include "tensor/ImageTensors.h"

namespace netsight::train {

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
