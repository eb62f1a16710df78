#include "tensor/ImageTensors.h"

#include <algorithm>

namespace netsight::tensor {

torch::Tensor imagesToTensor(const data::Batch& batch, const torch::Device& device) {
    const auto& shape = batch.shape;
    auto images = torch::from_blob(
        const_cast<float*>(batch.images.data()),
        {static_cast<int64_t>(batch.count()), shape.channels, shape.height, shape.width}, torch::kFloat);
    // To a GPU through pinned memory, without waiting for the copy: the caching host allocator keeps the
    // pinned buffer until the copy is done.
    return device.is_cpu() ? images.clone() : images.pin_memory().to(device, /*non_blocking=*/true);
}

torch::Tensor labelsToTensor(const data::Batch& batch, const torch::Device& device) {
    auto labels = torch::from_blob(const_cast<int64_t*>(batch.labels.data()),
                                   {static_cast<int64_t>(batch.count())}, torch::kLong);
    return device.is_cpu() ? labels.clone() : labels.pin_memory().to(device, /*non_blocking=*/true);
}

torch::Tensor imageToTensor(const data::Image& image) {
    return torch::from_blob(const_cast<float*>(image.pixels.data()),
                            {image.shape.channels, image.shape.height, image.shape.width}, torch::kFloat)
        .clone();
}

data::Image tensorToImage(const torch::Tensor& image) {
    const auto cpu = image.detach().to(torch::kCPU, torch::kFloat).contiguous();
    data::Image result(data::ImageShape{static_cast<int>(cpu.size(0)), static_cast<int>(cpu.size(1)),
                                        static_cast<int>(cpu.size(2))});
    std::copy_n(cpu.data_ptr<float>(), result.pixels.size(), result.pixels.begin());
    return result;
}

std::vector<data::RgbBuffer> tensorToRgb(const torch::Tensor& images) {
    const auto clamped = images.detach().clamp(0.0, 1.0);
    std::vector<data::RgbBuffer> buffers;
    for (int64_t i = 0; i < clamped.size(0); ++i)
        buffers.push_back(data::toRgbBuffer(tensorToImage(clamped[i])));
    return buffers;
}

std::pair<torch::Tensor, torch::Tensor> firstImages(const data::Dataset& dataset, data::Split split,
                                                    std::size_t count, const torch::Device& device) {
    std::vector<torch::Tensor> images;
    std::vector<int64_t> labelValues;
    for (std::size_t i = 0; i < count; ++i) {
        const data::Sample sample = dataset.sample(split, i);
        const auto& shape = sample.image.shape;
        images.push_back(torch::from_blob(const_cast<float*>(sample.image.pixels.data()),
                                          {shape.channels, shape.height, shape.width})
                             .clone());
        labelValues.push_back(sample.label);
    }
    return {torch::stack(images).to(device), torch::tensor(labelValues, torch::kLong).to(device)};
}

}  // namespace netsight::tensor
