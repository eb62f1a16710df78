#include "netsight/data/ContactSheet.h"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

namespace netsight::data {
namespace {

constexpr int kGap = 6;
constexpr int kLabelHeight = 18;

cv::Mat tileFor(const Image& image, int tilePixels) {
    RgbBuffer buffer = toRgbBuffer(image);
    cv::Mat rgb(buffer.height, buffer.width, CV_8UC3, buffer.rgb.data());
    const double factor = static_cast<double>(tilePixels) / std::max(buffer.width, buffer.height);
    cv::Mat tile;
    // Small images are blown up with nearest neighbour so that their pixels stay visible.
    cv::resize(rgb, tile, cv::Size(), factor, factor, factor >= 2.0 ? cv::INTER_NEAREST : cv::INTER_AREA);
    return tile;
}

std::string fitLabel(const std::string& text, int widthPixels, double fontScale) {
    std::string label = text;
    int baseline = 0;
    while (label.size() > 1 &&
           cv::getTextSize(label, cv::FONT_HERSHEY_SIMPLEX, fontScale, 1, &baseline).width > widthPixels) {
        label.pop_back();
    }
    return label.size() < text.size() && label.size() > 2 ? label.substr(0, label.size() - 1) + "." : label;
}

}  // namespace

RgbBuffer contactSheet(const Dataset& dataset, Split split, const ContactSheetOptions& options) {
    const DatasetInfo& info = dataset.info();
    std::vector<Sample> samples;
    const std::size_t available = dataset.size(split);
    for (std::size_t i = options.firstIndex; i < available && samples.size() < options.count; ++i) {
        Sample sample = dataset.sample(split, i);
        if (options.classFilter >= 0 && sample.label != options.classFilter) continue;
        samples.push_back(std::move(sample));
    }

    const int count = static_cast<int>(samples.size());
    const int columns = options.columns > 0
                            ? options.columns
                            : std::max(1, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(count)))));
    const int rows = std::max(1, (count + columns - 1) / columns);
    const int tile = std::max(16, options.tilePixels);
    const int labelHeight = options.showLabels ? kLabelHeight : 0;
    const int cellWidth = tile + kGap, cellHeight = tile + labelHeight + kGap;

    cv::Mat sheet(rows * cellHeight + kGap, columns * cellWidth + kGap, CV_8UC3, cv::Scalar(255, 255, 255));
    const double fontScale = 0.4;
    for (int i = 0; i < count; ++i) {
        const int left = kGap + (i % columns) * cellWidth;
        const int top = kGap + (i / columns) * cellHeight;
        cv::Mat image = tileFor(samples[i].image, tile);
        image.copyTo(sheet(
            cv::Rect(left + (tile - image.cols) / 2, top + (tile - image.rows) / 2, image.cols, image.rows)));
        if (!options.showLabels) continue;
        const auto label = samples[i].label;
        const std::string name = label >= 0 && label < static_cast<std::int64_t>(info.classNames.size())
                                     ? info.classNames[static_cast<std::size_t>(label)]
                                     : std::to_string(label);
        const std::string text = fitLabel(name, tile, fontScale);
        int baseline = 0;
        const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, fontScale, 1, &baseline);
        cv::putText(sheet, text, cv::Point(left + (tile - size.width) / 2, top + tile + 13),
                    cv::FONT_HERSHEY_SIMPLEX, fontScale, cv::Scalar(40, 40, 40), 1, cv::LINE_AA);
    }

    RgbBuffer buffer;
    buffer.width = sheet.cols;
    buffer.height = sheet.rows;
    buffer.rgb.assign(sheet.data, sheet.data + sheet.total() * 3);
    return buffer;
}

RgbBuffer imageGrid(const std::vector<std::vector<Image>>& rows, const std::vector<std::string>& columnTitles,
                    const std::vector<std::string>& rowTitles, int tilePixels) {
    std::size_t columns = columnTitles.size();
    for (const auto& row : rows)
        columns = std::max(columns, row.size());
    const int tile = std::max(16, tilePixels);
    const int titleHeight = columnTitles.empty() ? 0 : 22;
    const double fontScale = 0.45;
    int labelWidth = 0;
    for (const auto& title : rowTitles) {
        int baseline = 0;
        labelWidth =
            std::max(labelWidth,
                     cv::getTextSize(title, cv::FONT_HERSHEY_SIMPLEX, fontScale, 1, &baseline).width + kGap);
    }
    const int cell = tile + kGap;
    cv::Mat grid(kGap + titleHeight + static_cast<int>(rows.size()) * cell,
                 kGap + labelWidth + static_cast<int>(columns) * cell, CV_8UC3, cv::Scalar(255, 255, 255));
    for (std::size_t c = 0; c < columnTitles.size(); ++c) {
        const std::string text = fitLabel(columnTitles[c], tile, fontScale);
        int baseline = 0;
        const cv::Size size = cv::getTextSize(text, cv::FONT_HERSHEY_SIMPLEX, fontScale, 1, &baseline);
        cv::putText(
            grid, text,
            cv::Point(kGap + labelWidth + static_cast<int>(c) * cell + (tile - size.width) / 2, kGap + 14),
            cv::FONT_HERSHEY_SIMPLEX, fontScale, cv::Scalar(40, 40, 40), 1, cv::LINE_AA);
    }
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const int top = kGap + titleHeight + static_cast<int>(r) * cell;
        if (r < rowTitles.size())
            cv::putText(grid, rowTitles[r], cv::Point(kGap / 2, top + tile / 2 + 5), cv::FONT_HERSHEY_SIMPLEX,
                        fontScale, cv::Scalar(40, 40, 40), 1, cv::LINE_AA);
        for (std::size_t c = 0; c < rows[r].size(); ++c) {
            if (rows[r][c].empty()) continue;
            cv::Mat image = tileFor(rows[r][c], tile);
            const int left = kGap + labelWidth + static_cast<int>(c) * cell;
            image.copyTo(grid(cv::Rect(left + (tile - image.cols) / 2, top + (tile - image.rows) / 2,
                                       image.cols, image.rows)));
        }
    }
    RgbBuffer buffer;
    buffer.width = grid.cols;
    buffer.height = grid.rows;
    buffer.rgb.assign(grid.data, grid.data + grid.total() * 3);
    return buffer;
}

}  // namespace netsight::data
