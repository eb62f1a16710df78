#pragma once

// Between the data layer's plain images and batches and LibTorch tensors: the one bridge every area that
// computes (training, the probe, the visualizer, the factor lab) uses. Internal to core.
#include <torch/torch.h>

#include <utility>
#include <vector>

#include "netsight/data/DataLoader.h"
#include "netsight/data/Dataset.h"
#include "netsight/data/Image.h"

namespace netsight::tensor {

/// The batch's images as an NCHW float tensor on `device` (a copy: the batch may go away).
torch::Tensor imagesToTensor(const data::Batch& batch, const torch::Device& device);
torch::Tensor labelsToTensor(const data::Batch& batch, const torch::Device& device);
/// The first `count` images of `split` (NCHW in [0, 1]) and their labels, on `device`.
std::pair<torch::Tensor, torch::Tensor> firstImages(const data::Dataset& dataset, data::Split split,
                                                    std::size_t count, const torch::Device& device);
/// A plain image as a CHW float tensor on the CPU (a copy).
torch::Tensor imageToTensor(const data::Image& image);
/// One CHW image in [0, 1] (any device) as a plain image, copied to the CPU.
data::Image tensorToImage(const torch::Tensor& image);
/// Each image of an NCHW batch as 8-bit RGB (clamped to [0, 1] first), for previews that cross threads.
std::vector<data::RgbBuffer> tensorToRgb(const torch::Tensor& images);

}  // namespace netsight::tensor
