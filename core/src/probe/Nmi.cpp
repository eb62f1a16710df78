#include "netsight/probe/Nmi.h"

#include <algorithm>
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
    // c ln c from a table up to 2^20 (8 MB, a 600x600 RGB image), computed above that.
    constexpr std::size_t kTableMax = std::size_t{1} << 20;
    const std::size_t wanted = std::min(count, kTableMax) + 1;
    if (countLogCount_.size() < wanted) {
        const std::size_t from = countLogCount_.size();
        countLogCount_.resize(wanted);
        for (std::size_t c = std::max<std::size_t>(from, 1); c < wanted; ++c)
            countLogCount_[c] = static_cast<double>(c) * std::log(static_cast<double>(c));
    }
    const double* table = countLogCount_.data();
    const std::uint32_t tableEnd = static_cast<std::uint32_t>(countLogCount_.size());
    auto cLogC = [table, tableEnd](std::uint32_t c) {
        return c < tableEnd ? table[c] : static_cast<double>(c) * std::log(static_cast<double>(c));
    };
    // Few cells for the pixels (e.g. 100 bins): count without bookkeeping and read every cell after;
    // many (256 bins of a small image): remember the cells touched and read only those.
    const bool dense = joint_.size() <= 2 * count;
    const auto bins = static_cast<std::uint32_t>(bins_);
    for (std::size_t i = 0; i < count; ++i) {
        const std::uint32_t x = binOf_[a[i]], y = binOf_[b[i]];
        const std::uint32_t cell = x * bins + y;
        if (joint_[cell]++ == 0 && !dense) touched_.push_back(cell);
    }
    // H = log N - (1/N) Σ c log c, summed over occupied cells only (0 log 0 = 0).
    const double n = static_cast<double>(count);
    auto entropyOf = [n](double sumCLogC) { return std::log(n) - sumCLogC / n; };
    double joint = 0, marginalA = 0, marginalB = 0;
    // The marginals are the joint's row and column sums.
    if (dense) {
        for (int x = 0; x < bins_; ++x) {
            std::uint32_t* row = joint_.data() + static_cast<std::size_t>(x) * bins_;
            std::uint32_t rowSum = 0;
            for (int y = 0; y < bins_; ++y) {
                const std::uint32_t c = row[y];
                joint += cLogC(c);
                rowSum += c;
                marginalB_[y] += c;
                row[y] = 0;
            }
            marginalA_[x] = rowSum;
        }
    } else {
        for (std::uint32_t cell : touched_) {
            const std::uint32_t c = joint_[cell];
            joint += cLogC(c);
            marginalA_[cell / bins] += c;
            marginalB_[cell % bins] += c;
            joint_[cell] = 0;
        }
        touched_.clear();
    }
    for (int v = 0; v < bins_; ++v) {
        marginalA += cLogC(marginalA_[v]);
        marginalB += cLogC(marginalB_[v]);
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
