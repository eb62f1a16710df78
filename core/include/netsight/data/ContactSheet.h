#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "netsight/data/Dataset.h"
#include "netsight/data/Image.h"

namespace netsight::data {

struct ContactSheetOptions {
    std::size_t count = 64;
    int columns = 0;      ///< 0: about square
    int tilePixels = 96;  ///< images are scaled up (nearest for small ones) to at least this
    bool showLabels = true;
    std::size_t firstIndex = 0;
    int classFilter = -1;  ///< only this label; -1 = all
};

/// A grid of the split's first images with their class names under each.
RgbBuffer contactSheet(const Dataset& dataset, Split split, const ContactSheetOptions& options = {});

/// A grid of images (each row a list of images of one shape) with optional column titles above and
/// row titles on the left; small images are scaled up (nearest) to about `tilePixels`.
RgbBuffer imageGrid(const std::vector<std::vector<Image>>& rows, const std::vector<std::string>& columnTitles,
                    const std::vector<std::string>& rowTitles = {}, int tilePixels = 96);

}  // namespace netsight::data
