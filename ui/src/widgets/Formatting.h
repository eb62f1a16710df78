#pragma once

// How numbers read in the window: shapes, durations.
#include <QString>
#include <cstdint>
#include <vector>

namespace netsight::ui {

/// "32×16×16".
QString shapeText(const std::vector<std::int64_t>& shape);
/// "1 h 02 min", "3 min 05 s", "12 s"; "–" when unknown.
QString formatDuration(double seconds);

}  // namespace netsight::ui
