#include "report/SvgChart.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "report/Html.h"

namespace netsight::report {
namespace {

const char* const kColours[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
                                "#e377c2", "#7f7f7f", "#bcbd22", "#17becf", "#393b79"};

struct Frame {
    double left = 70, right = 190, top = 40, bottom = 60;
    double width, height, x0, x1, y0, y1;
    double px(double x) const { return left + (x - x0) / std::max(1e-12, x1 - x0) * (width - left - right); }
    double py(double y) const {
        return height - bottom - (y - y0) / std::max(1e-12, y1 - y0) * (height - top - bottom);
    }
};

double niceStep(double range) {
    const double raw = range / 5;
    const double magnitude = std::pow(10.0, std::floor(std::log10(std::max(raw, 1e-12))));
    for (double m : {1.0, 2.0, 2.5, 5.0, 10.0})
        if (raw <= m * magnitude) return m * magnitude;
    return 10 * magnitude;
}

std::string number(double value) {
    if (std::abs(value) < 1e-12) value = 0;  // no "-0" ticks
    std::ostringstream out;
    out << std::setprecision(3) << value;
    return out.str();
}

void axes(std::ostringstream& svg, const Frame& f, const ChartOptions& options, bool integerTicks) {
    svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << f.width << "' height='" << f.height
        << "' font-family='sans-serif' font-size='12'><rect width='100%' height='100%' fill='white'/>";
    svg << "<text x='" << f.width / 2 << "' y='22' text-anchor='middle' font-size='15' font-weight='bold'>"
        << escapeXml(options.title) << "</text>";
    const double step = niceStep(f.y1 - f.y0);
    for (double y = std::ceil(f.y0 / step) * step; y <= f.y1 + 1e-9; y += step) {
        svg << "<line x1='" << f.left << "' x2='" << f.width - f.right << "' y1='" << f.py(y) << "' y2='"
            << f.py(y) << "' stroke='#e4e4e4'/><text x='" << f.left - 6 << "' y='" << f.py(y) + 4
            << "' text-anchor='end'>" << number(y) << "</text>";
    }
    if (integerTicks && !options.xTickLabels.empty()) {
        for (std::size_t i = 0; i < options.xTickLabels.size(); ++i) {
            const double x = f.px(static_cast<double>(i));
            svg << "<line x1='" << x << "' x2='" << x << "' y1='" << f.height - f.bottom << "' y2='"
                << f.height - f.bottom + 4 << "' stroke='#444'/><text transform='translate(" << x + 3 << ","
                << f.height - f.bottom + 14 << ") rotate(35)' font-size='10'>"
                << escapeXml(options.xTickLabels[i]) << "</text>";
        }
    } else {
        const double xStep = niceStep(f.x1 - f.x0);
        for (double x = std::ceil(f.x0 / xStep) * xStep; x <= f.x1 + 1e-9; x += xStep)
            svg << "<line x1='" << f.px(x) << "' x2='" << f.px(x) << "' y1='" << f.height - f.bottom
                << "' y2='" << f.height - f.bottom + 4 << "' stroke='#444'/><text x='" << f.px(x) << "' y='"
                << f.height - f.bottom + 18 << "' text-anchor='middle'>" << number(x) << "</text>";
    }
    svg << "<line x1='" << f.left << "' x2='" << f.width - f.right << "' y1='" << f.height - f.bottom
        << "' y2='" << f.height - f.bottom << "' stroke='#444'/><line x1='" << f.left << "' x2='" << f.left
        << "' y1='" << f.top << "' y2='" << f.height - f.bottom << "' stroke='#444'/>";
    svg << "<text x='" << (f.left + f.width - f.right) / 2 << "' y='" << f.height - 6
        << "' text-anchor='middle'>" << escapeXml(options.xLabel) << "</text>";
    svg << "<text transform='translate(16," << (f.top + f.height - f.bottom) / 2
        << ") rotate(-90)' text-anchor='middle'>" << escapeXml(options.yLabel) << "</text>";
}

}  // namespace

std::string svgLineChart(const std::vector<ChartSeries>& series, const ChartOptions& options) {
    Frame f;
    f.width = options.width;
    f.height = options.height;
    if (!options.xTickLabels.empty()) f.bottom = 110;
    double xlo = 1e300, xhi = -1e300, ylo = 1e300, yhi = -1e300;
    for (const auto& s : series)
        for (std::size_t i = 0; i < s.x.size(); ++i) {
            const double e = i < s.error.size() ? s.error[i] : 0.0;
            xlo = std::min(xlo, s.x[i]);
            xhi = std::max(xhi, s.x[i]);
            ylo = std::min(ylo, s.y[i] - e);
            yhi = std::max(yhi, s.y[i] + e);
        }
    if (xlo > xhi) xlo = 0, xhi = 1, ylo = 0, yhi = 1;
    if (options.yFromZero) ylo = std::min(0.0, ylo);
    if (yhi - ylo < 1e-9) yhi = ylo + 1;
    if (xhi - xlo < 1e-9) xhi = xlo + 1;
    f.x0 = xlo;
    f.x1 = xhi;
    f.y0 = ylo;
    f.y1 = yhi + (yhi - ylo) * 0.05;
    std::ostringstream svg;
    svg << std::setprecision(5);
    axes(svg, f, options, !options.xTickLabels.empty());
    for (std::size_t k = 0; k < series.size(); ++k) {
        const auto& s = series[k];
        const char* colour = kColours[k % (sizeof kColours / sizeof *kColours)];
        if (!s.error.empty()) {
            svg << "<polygon fill='" << colour << "' fill-opacity='0.15' stroke='none' points='";
            for (std::size_t i = 0; i < s.x.size(); ++i)
                svg << f.px(s.x[i]) << "," << f.py(s.y[i] + s.error[i]) << " ";
            for (std::size_t i = s.x.size(); i-- > 0;)
                svg << f.px(s.x[i]) << "," << f.py(s.y[i] - s.error[i]) << " ";
            svg << "'/>";
        }
        svg << "<polyline fill='none' stroke='" << colour << "' stroke-width='2'"
            << (s.dashed ? " stroke-dasharray='6,4'" : "") << " points='";
        for (std::size_t i = 0; i < s.x.size(); ++i)
            svg << f.px(s.x[i]) << "," << f.py(s.y[i]) << " ";
        svg << "'/>";
        for (std::size_t i = 0; i < s.x.size(); ++i)
            svg << "<circle cx='" << f.px(s.x[i]) << "' cy='" << f.py(s.y[i]) << "' r='3' fill='" << colour
                << "'/>";
        const double ly = f.top + 10 + 18.0 * static_cast<double>(k);
        svg << "<line x1='" << f.width - f.right + 12 << "' x2='" << f.width - f.right + 34 << "' y1='" << ly
            << "' y2='" << ly << "' stroke='" << colour << "' stroke-width='2'"
            << (s.dashed ? " stroke-dasharray='6,4'" : "") << "/><text x='" << f.width - f.right + 40
            << "' y='" << ly + 4 << "'>" << escapeXml(s.name) << "</text>";
    }
    svg << "</svg>";
    return svg.str();
}

std::string svgBarChart(const std::vector<std::string>& labels, const std::vector<double>& values,
                        const ChartOptions& options) {
    Frame f;
    f.width = options.width;
    f.height = options.height;
    f.right = 30;
    f.bottom = 90;
    f.x0 = -0.5;
    f.x1 = static_cast<double>(labels.size()) - 0.5;
    f.y0 = 0;
    f.y1 = values.empty() ? 1.0 : std::max(1e-3, *std::max_element(values.begin(), values.end())) * 1.1;
    ChartOptions withTicks = options;
    withTicks.xTickLabels = labels;
    std::ostringstream svg;
    svg << std::setprecision(5);
    axes(svg, f, withTicks, true);
    const double barWidth = (f.px(1) - f.px(0)) * 0.7;
    for (std::size_t i = 0; i < values.size(); ++i) {
        const double x = f.px(static_cast<double>(i)) - barWidth / 2;
        const double top = f.py(std::max(0.0, values[i]));
        svg << "<rect x='" << x << "' y='" << top << "' width='" << barWidth << "' height='"
            << f.height - f.bottom - top << "' fill='" << kColours[i % (sizeof kColours / sizeof *kColours)]
            << "'/><text x='" << x + barWidth / 2 << "' y='" << top - 4
            << "' text-anchor='middle' font-size='10'>" << number(values[i]) << "</text>";
    }
    svg << "</svg>";
    return svg.str();
}

}  // namespace netsight::report
