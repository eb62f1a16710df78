#include "netsight/data/ContactSheet.h"

#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "TempDir.h"

using namespace netsight::data;

namespace {

TEST(ContactSheet, GridHasOneTilePerImageAndWritesAReadablePng) {
    const auto dataset = openDataset("factorworld:classes=3,size=32,train=30,val=3,test=3");
    ContactSheetOptions options;
    options.count = 12;
    options.columns = 4;
    options.tilePixels = 64;
    const RgbBuffer sheet = contactSheet(*dataset, Split::Train, options);
    // 4 columns of 64 px + gaps; 3 rows of 64 px + label + gaps.
    EXPECT_EQ(sheet.width, 6 + 4 * (64 + 6));
    EXPECT_EQ(sheet.height, 6 + 3 * (64 + 18 + 6));

    // The first tile shows the first image, scaled 2x with nearest neighbour.
    const RgbBuffer first = toRgbBuffer(dataset->sample(Split::Train, 0).image);
    for (int y : {0, 13, 31})
        for (int x : {0, 17, 31})
            for (int c = 0; c < 3; ++c)
                EXPECT_EQ(sheet.rgb[((6 + 2 * y) * sheet.width + 6 + 2 * x) * 3 + c],
                          first.rgb[(y * 32 + x) * 3 + c]);

    netsight::test::TempDir dir;
    const auto file = (dir / "sheet.png").string();
    writePng(sheet, file);
    const cv::Mat read = cv::imread(file);
    EXPECT_EQ(read.cols, sheet.width);
    EXPECT_EQ(read.rows, sheet.height);
}

TEST(ContactSheet, ClassFilterShowsOnlyThatClass) {
    const auto dataset = openDataset("factorworld:classes=3,size=16,train=30,val=3,test=3");
    ContactSheetOptions options;
    options.count = 5;
    options.classFilter = 2;
    options.columns = 5;
    options.showLabels = false;
    const RgbBuffer filtered = contactSheet(*dataset, Split::Train, options);
    // Tile 3 is the fourth sample of class 2: index 11.
    const RgbBuffer expected = toRgbBuffer(dataset->sample(Split::Train, 11).image);
    const int scale = 96 / 16, left = 6 + 3 * (96 + 6), top = 6;
    EXPECT_EQ(filtered.rgb[((top + scale * 8) * filtered.width + left + scale * 8) * 3],
              expected.rgb[(8 * 16 + 8) * 3]);
}

}  // namespace
