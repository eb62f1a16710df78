#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace netsight::data {

/// Indices into one pool of items for each split.
struct SplitIndices {
    std::vector<std::size_t> train;
    std::vector<std::size_t> validation;
    std::vector<std::size_t> test;
};

/// Deterministically (for a seed) divides labelled items into splits, class by class, so that each
/// split keeps the class balance. Fractions are of each class's items; the rest is train.
SplitIndices stratifiedSplit(const std::vector<std::int64_t>& labels, double validationFraction,
                             double testFraction, std::uint64_t seed);

}  // namespace netsight::data
