#pragma once

// How the optimized image is represented (internal to core): raw pixels behind a sigmoid, or Lucid's
// Fourier basis with a 1/f spectrum and decorrelated colour, which optimizes far better.
#include <torch/torch.h>

#include "netsight/viz/Visualize.h"

namespace netsight::viz {

class ImageParameterization {
  public:
    /// `initialNoise`: standard deviation of the initial pixel logits (Fourier coefficients get a fifth).
    ImageParameterization(Parameterization kind, int64_t batch, int64_t channels, int64_t height,
                          int64_t width, const torch::Device& device, double initialNoise);
    /// The images in [0, 1] (NCHW), differentiable with respect to parameters().
    torch::Tensor images() const;
    std::vector<torch::Tensor> parameters() const { return {parameter_}; }
    /// Replaces the images (pixels parameterization only), e.g. by a blurred version of themselves.
    void setImages(const torch::Tensor& images);
    Parameterization kind() const { return kind_; }

  private:
    Parameterization kind_;
    int64_t channels_, height_, width_;
    torch::Tensor parameter_;
    torch::Tensor spectrumScale_;  // Fourier: 1/f per frequency
};

}  // namespace netsight::viz
