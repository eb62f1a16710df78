#pragma once

// Line and bar charts as standalone SVG, for the reports core writes without Qt.
#include <string>
#include <vector>

namespace netsight::report {

struct ChartSeries {
    std::string name;
    std::vector<double> x, y;
    std::vector<double> error;  ///< optional ± band per point
    bool dashed = false;
};

struct ChartOptions {
    std::string title, xLabel, yLabel;
    std::vector<std::string> xTickLabels;  ///< when set: one tick per integer x, labels slanted
    int width = 760, height = 420;
    bool yFromZero = true;
};

/// A chart of lines with markers (error bands when given), axes, ticks and a legend.
std::string svgLineChart(const std::vector<ChartSeries>& series, const ChartOptions& options);
/// One bar per label.
std::string svgBarChart(const std::vector<std::string>& labels, const std::vector<double>& values,
                        const ChartOptions& options);

}  // namespace netsight::report
