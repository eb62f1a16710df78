#include "netsight/data/Splits.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <random>

namespace netsight::data {

SplitIndices stratifiedSplit(const std::vector<std::int64_t>& labels, double validationFraction,
                             double testFraction, std::uint64_t seed) {
    std::map<std::int64_t, std::vector<std::size_t>> byClass;
    for (std::size_t i = 0; i < labels.size(); ++i)
        byClass[labels[i]].push_back(i);

    SplitIndices splits;
    std::mt19937_64 random(seed);
    for (auto& [label, members] : byClass) {
        std::shuffle(members.begin(), members.end(), random);
        const auto count = static_cast<double>(members.size());
        const auto validation = static_cast<std::size_t>(std::llround(count * validationFraction));
        const auto test = std::min(members.size() - validation,
                                   static_cast<std::size_t>(std::llround(count * testFraction)));
        splits.validation.insert(splits.validation.end(), members.begin(), members.begin() + validation);
        splits.test.insert(splits.test.end(), members.begin() + validation,
                           members.begin() + validation + test);
        splits.train.insert(splits.train.end(), members.begin() + validation + test, members.end());
    }
    // Dataset order, not class order, inside each split.
    std::sort(splits.train.begin(), splits.train.end());
    std::sort(splits.validation.begin(), splits.validation.end());
    std::sort(splits.test.begin(), splits.test.end());
    return splits;
}

}  // namespace netsight::data
