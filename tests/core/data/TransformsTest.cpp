#include "netsight/data/Transforms.h"

#include <gtest/gtest.h>

using namespace netsight::data;

namespace {

Image ramp(ImageShape shape) {
    Image image(shape);
    for (std::size_t i = 0; i < image.pixels.size(); ++i)
        image.pixels[i] = static_cast<float>(i) / image.pixels.size();
    return image;
}

TEST(Transforms, GreyToRgbReplicatesAndRgbToGreyUsesLuminance) {
    Image grey(ImageShape{1, 2, 2}, 0.25f);
    const Image rgb = toChannels(grey, 3);
    ASSERT_EQ(rgb.shape, (ImageShape{3, 2, 2}));
    for (float v : rgb.pixels)
        EXPECT_FLOAT_EQ(v, 0.25f);

    Image colour(ImageShape{3, 1, 1});
    colour.pixels = {1.0f, 0.0f, 0.0f};
    EXPECT_NEAR(toChannels(colour, 1).pixels[0], 0.299f, 1e-6);
}

TEST(Transforms, CenterCropTakesTheMiddle) {
    const Image image = ramp({1, 4, 4});
    const Image crop = centerCrop(image, 2, 2);
    EXPECT_FLOAT_EQ(crop.at(0, 0, 0), image.at(0, 1, 1));
    EXPECT_FLOAT_EQ(crop.at(0, 1, 1), image.at(0, 2, 2));
    EXPECT_THROW(centerCrop(image, 5, 2), std::invalid_argument);
}

TEST(Transforms, ResizeKeepsAConstantImageConstant) {
    const Image image(ImageShape{3, 10, 7}, 0.4f);
    const Image resized = resize(image, 32, 20);
    EXPECT_EQ(resized.shape, (ImageShape{3, 32, 20}));
    for (float v : resized.pixels)
        EXPECT_NEAR(v, 0.4f, 1e-6);
}

TEST(Transforms, NormalizePerChannel) {
    Image image(ImageShape{3, 1, 1});
    image.pixels = {0.5f, 0.5f, 0.5f};
    const Image normalized = normalize(image, {0.5f, 0.0f, 1.0f}, {0.5f, 0.25f, 2.0f});
    EXPECT_FLOAT_EQ(normalized.pixels[0], 0.0f);
    EXPECT_FLOAT_EQ(normalized.pixels[1], 2.0f);
    EXPECT_FLOAT_EQ(normalized.pixels[2], -0.25f);
    EXPECT_THROW(normalize(image, {0.1f, 0.2f}, {1.0f}), std::invalid_argument);
    EXPECT_THROW(normalize(image, {0.0f}, {0.0f}), std::invalid_argument);
}

TEST(Transforms, AdaptToInputResizesTheShorterSideAndCropsTheRest) {
    // A wide grey image whose left and right quarters are bright: after adapting to a square the
    // centre crop must have cut most of them away.
    Image wide(ImageShape{1, 20, 40}, 0.0f);
    for (int y = 0; y < 20; ++y)
        for (int x = 0; x < 40; ++x)
            if (x < 10 || x >= 30) wide.at(0, y, x) = 1.0f;
    InputSpec spec{{3, 10, 10}, {0.0f}, {1.0f}};
    const Image adapted = adaptToInput(wide, spec);
    ASSERT_EQ(adapted.shape, (ImageShape{3, 10, 10}));
    EXPECT_NEAR(adapted.at(1, 5, 5), 0.0f, 1e-6);
    EXPECT_FLOAT_EQ(adapted.at(0, 5, 5), adapted.at(2, 5, 5));
}

}  // namespace
