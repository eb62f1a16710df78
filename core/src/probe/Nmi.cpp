#include "netsight/probe/Nmi.h"

#include <cmath>
#include <stdexcept>
#include <string>

namespace netsight::probe {

NmiCalculator::NmiCalculator(int bins, NmiVariant variant)
    : bins_(bins),
      variant_(variant),
      joint_(static_cast<std::size_t>(bins) * bins),
      marginalA_(bins),
      marginalB_(bins),
      binOf_(256) {
    if (bins < 1 || bins > 256)
        throw std::invalid_argument("NMI bins must be 1..256, got " + std::to_string(bins));
    for (int v = 0; v < 256; ++v)
        binOf_[v] = static_cast<std::uint8_t>(v * bins / 256);
    touched_.reserve(4096);
}

double NmiCalculator::operator()(const std::uint8_t* a, const std::uint8_t* b, std::size_t count) {
    if (count == 0) throw std::invalid_argument("NMI of empty images");
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint32_t x = binOf_[a[i]], y = binOf_[b[i]];
        const std::uint32_t cell = x * static_cast<std::uint32_t>(bins_) + y;
        if (joint_[cell]++ == 0) touched_.push_back(cell);
        ++marginalA_[x];
        ++marginalB_[y];
    }
    // H = log N - (1/N) Σ c log c, summed over occupied cells only.
    const double n = static_cast<double>(count);
    auto entropyOf = [n](double sumCLogC) { return std::log(n) - sumCLogC / n; };
    double joint = 0, marginalA = 0, marginalB = 0;
    for (std::uint32_t cell : touched_) {
        const double c = joint_[cell];
        joint += c * std::log(c);
        joint_[cell] = 0;
    }
    touched_.clear();
    for (int v = 0; v < bins_; ++v) {
        if (marginalA_[v]) marginalA += marginalA_[v] * std::log(static_cast<double>(marginalA_[v]));
        if (marginalB_[v]) marginalB += marginalB_[v] * std::log(static_cast<double>(marginalB_[v]));
        marginalA_[v] = marginalB_[v] = 0;
    }
    const double hJoint = entropyOf(joint), hA = entropyOf(marginalA), hB = entropyOf(marginalB);
    const double studholme = hJoint <= 1e-12 ? 2.0 : (hA + hB) / hJoint;
    return variant_ == NmiVariant::Studholme ? studholme : 2.0 - 2.0 / studholme;
}

double normalizedMutualInformation(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b,
                                   int bins, NmiVariant variant) {
    if (a.size() != b.size())
        throw std::invalid_argument("NMI needs images of the same size (" + std::to_string(a.size()) +
                                    " vs " + std::to_string(b.size()) + " values)");
    NmiCalculator calculator(bins, variant);
    return calculator(a.data(), b.data(), a.size());
}

}  // namespace netsight::probe
