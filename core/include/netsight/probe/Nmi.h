#pragma once

#include <cstdint>
#include <vector>

namespace netsight::probe {

enum class NmiVariant {
    Studholme,   ///< (H(X) + H(Y)) / H(X,Y): 1 for independent images, 2 for identical ones
    Arithmetic,  ///< MI / ((H(X) + H(Y)) / 2) = 2 - 2 / Studholme: 0 independent, 1 identical
};

/// Normalized mutual information between two 8-bit images of the same size (every value of every
/// channel is one sample), with `bins` equal-width bins over 0..255 (1..256). Two constant images
/// count as identical. Throws std::invalid_argument for different sizes or empty images.
double normalizedMutualInformation(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b,
                                   int bins = 256, NmiVariant variant = NmiVariant::Studholme);

/// Reusable scratch space for many NMI computations of the same bin count (no allocation per pair).
class NmiCalculator {
  public:
    explicit NmiCalculator(int bins = 256, NmiVariant variant = NmiVariant::Studholme);
    double operator()(const std::uint8_t* a, const std::uint8_t* b, std::size_t count);

  private:
    int bins_;
    NmiVariant variant_;
    std::vector<std::uint32_t> joint_, marginalA_, marginalB_;
    std::vector<std::uint32_t> touched_;
    std::vector<std::uint8_t> binOf_;
    std::vector<double> countLogCount_;  ///< c ln c for counts up to the largest image seen (capped)
};

}  // namespace netsight::probe
