#pragma once

// Small statistics shared by the reports (probe, factor lab). Internal to core.
#include <algorithm>
#include <cstddef>
#include <vector>

namespace netsight::report {

/// The q-quantile (0..1) of `values`, linearly interpolated between order statistics; 0 when empty.
inline double quantile(std::vector<double> values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    const double position = q * static_cast<double>(values.size() - 1);
    const auto below = static_cast<std::size_t>(position);
    const std::size_t above = std::min(below + 1, values.size() - 1);
    return values[below] + (values[above] - values[below]) * (position - static_cast<double>(below));
}

}  // namespace netsight::report
