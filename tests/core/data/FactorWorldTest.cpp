#include "netsight/data/FactorWorld.h"

#include <gtest/gtest.h>

#include <cmath>
#include <numeric>

#include "netsight/data/Dataset.h"
#include "netsight/data/FactorWorldDataset.h"

using namespace netsight::data;

namespace {

struct Moments {
    double area = 0, cx = 0, cy = 0;
};

Moments maskMoments(const Render& render, int size) {
    Moments m;
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x) {
            const double a = render.mask[static_cast<std::size_t>(y) * size + x];
            m.area += a;
            m.cx += a * (x + 0.5);
            m.cy += a * (y + 0.5);
        }
    m.cx /= m.area;
    m.cy /= m.area;
    return m;
}

double maxAbsDifference(const std::vector<float>& a, const std::vector<float>& b) {
    double worst = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
        worst = std::max(worst, std::abs(double(a[i]) - b[i]));
    return worst;
}

Extrinsics centredView() {
    Extrinsics view;
    view.lightStrength = 0.0;
    return view;
}

class FactorWorldTest : public ::testing::Test {
  protected:
    FactorWorld world{64, 3};
    std::vector<Identity> identities = FactorWorld::drawIdentities(10, 7);
};

TEST_F(FactorWorldTest, RenderingIsDeterministic) {
    const Extrinsics view = FactorWorld::drawExtrinsics(ExtrinsicRanges{}, 99);
    EXPECT_EQ(world.render(identities[3], view).image.pixels, world.render(identities[3], view).image.pixels);
    // Identity i does not depend on how many are drawn.
    EXPECT_EQ(FactorWorld::drawIdentities(4, 7)[3].shape, identities[3].shape);
    EXPECT_NE(FactorWorld::drawIdentities(4, 8)[3].shape, identities[3].shape);
}

TEST_F(FactorWorldTest, IdentitiesAreVisiblyDistinct) {
    const Extrinsics view = centredView();
    for (std::size_t i = 0; i < identities.size(); ++i)
        for (std::size_t j = i + 1; j < identities.size(); ++j) {
            const auto a = world.render(identities[i], view).image.pixels;
            const auto b = world.render(identities[j], view).image.pixels;
            double meanDifference = 0;
            for (std::size_t p = 0; p < a.size(); ++p)
                meanDifference += std::abs(a[p] - b[p]);
            meanDifference /= a.size();
            EXPECT_GT(meanDifference, 0.03) << "identities " << i << " and " << j << " look alike";
        }
}

TEST_F(FactorWorldTest, TranslationMovesTheMaskCentroidByTheRequestedAmount) {
    Extrinsics view = centredView();
    view.rotationDeg = 30;
    const Moments before = maskMoments(world.render(identities[0], view), 64);
    view.translateX = 0.125;    // 8 px
    view.translateY = -0.0625;  // -4 px
    const Moments after = maskMoments(world.render(identities[0], view), 64);
    EXPECT_NEAR(after.cx - before.cx, 8.0, 0.05);
    EXPECT_NEAR(after.cy - before.cy, -4.0, 0.05);
    EXPECT_NEAR(after.area, before.area, 0.5);
}

TEST_F(FactorWorldTest, ScaleChangesTheAreaQuadratically) {
    Extrinsics view = centredView();
    view.scale = 0.6;
    const double small = maskMoments(world.render(identities[1], view), 64).area;
    view.scale = 0.9;
    const double large = maskMoments(world.render(identities[1], view), 64).area;
    EXPECT_NEAR(large / small, 2.25, 0.06);
}

TEST_F(FactorWorldTest, RotationBy90DegreesEqualsRotatingThePicture) {
    Extrinsics view = centredView();
    const Render upright = world.render(identities[2], view);
    view.rotationDeg = 90;
    const Render turned = world.render(identities[2], view);
    // Pixel (x, y) of the turned render is pixel (y, n-1-x) or (n-1-y, x) of the upright one.
    const int n = 64;
    double clockwise = 0, counter = 0;
    for (int c = 0; c < 3; ++c)
        for (int y = 0; y < n; ++y)
            for (int x = 0; x < n; ++x) {
                const float value = turned.image.at(c, y, x);
                clockwise = std::max(clockwise, double(std::abs(value - upright.image.at(c, n - 1 - x, y))));
                counter = std::max(counter, double(std::abs(value - upright.image.at(c, x, n - 1 - y))));
            }
    EXPECT_LT(std::min(clockwise, counter), 1e-3);
    EXPECT_GT(std::max(clockwise, counter), 0.05);  // and it is not rotation-symmetric
}

TEST_F(FactorWorldTest, YawForeshortensTheObject) {
    Extrinsics view = centredView();
    const double flat = maskMoments(world.render(identities[4], view), 64).area;
    view.yawDeg = 60;
    const double tilted = maskMoments(world.render(identities[4], view), 64).area;
    EXPECT_NEAR(tilted / flat, std::cos(M_PI / 3), 0.08);
}

TEST_F(FactorWorldTest, IlluminationChangesTheObjectOnly) {
    Extrinsics view = centredView();
    view.rotationDeg = 20;
    const Render flat = world.render(identities[5], view);
    view.lightStrength = 0.8;
    view.lightAzimuthDeg = 200;
    const Render lit = world.render(identities[5], view);
    EXPECT_EQ(lit.mask, flat.mask);
    double insideChange = 0;
    for (int c = 0; c < 3; ++c)
        for (std::size_t p = 0; p < flat.mask.size(); ++p) {
            const double change = std::abs(lit.image.pixels[c * flat.mask.size() + p] -
                                           flat.image.pixels[c * flat.mask.size() + p]);
            if (flat.mask[p] == 0.0f) {
                EXPECT_EQ(change, 0.0) << "background pixel " << p << " changed";
            }
            if (flat.mask[p] == 1.0f) insideChange = std::max(insideChange, change);
        }
    EXPECT_GT(insideChange, 0.1);
}

TEST_F(FactorWorldTest, BackgroundChangesTheOutsideOnly) {
    Extrinsics view = centredView();
    const Render dark = world.render(identities[6], view);
    view.background = 0.9;
    const Render bright = world.render(identities[6], view);
    const std::size_t plane = dark.mask.size();
    for (int c = 0; c < 3; ++c)
        for (std::size_t p = 0; p < plane; ++p) {
            const float before = dark.image.pixels[c * plane + p], after = bright.image.pixels[c * plane + p];
            if (dark.mask[p] == 1.0f) {
                EXPECT_EQ(before, after);
            } else if (dark.mask[p] == 0.0f) {
                EXPECT_NEAR(after - before, 0.4, 1e-6);
            }
        }
}

// Mean and standard deviation of the object's colours (mask == 1).
std::array<double, 2> objectStatistics(const Render& render) {
    const std::size_t plane = render.mask.size();
    double sum = 0, squares = 0, count = 0;
    for (int c = 0; c < 3; ++c)
        for (std::size_t p = 0; p < plane; ++p)
            if (render.mask[p] == 1.0f) {
                const double v = render.image.pixels[c * plane + p];
                sum += v;
                squares += v * v;
                ++count;
            }
    const double mean = sum / count;
    return {mean, std::sqrt(squares / count - mean * mean)};
}

TEST_F(FactorWorldTest, ShapeMorphChangesTheSilhouetteAndKeepsTheTexture) {
    const Extrinsics view = centredView();
    const Render original = world.render(identities[0], view);
    EXPECT_EQ(world.render(FactorWorld::morph(identities[0], identities[1], MorphKind::Shape, 0.0), view)
                  .image.pixels,
              original.image.pixels);
    const Render morphed =
        world.render(FactorWorld::morph(identities[0], identities[1], MorphKind::Shape, 1.0), view);
    double differentMask = 0;
    for (std::size_t p = 0; p < original.mask.size(); ++p)
        differentMask += std::abs(original.mask[p] - morphed.mask[p]);
    EXPECT_GT(differentMask, 60.0) << "the silhouette hardly changed";
    const auto before = objectStatistics(original), after = objectStatistics(morphed);
    const auto other = objectStatistics(world.render(identities[1], view));
    EXPECT_NEAR(after[0], before[0], 0.03);
    EXPECT_NEAR(after[1], before[1], 0.03);
    // ... and the texture statistics are not simply those of every identity.
    EXPECT_GT(std::abs(other[0] - before[0]) + std::abs(other[1] - before[1]), 0.04);
}

TEST_F(FactorWorldTest, TextureAndColourMorphsKeepTheSilhouette) {
    const Extrinsics view = centredView();
    const Render original = world.render(identities[0], view);
    for (MorphKind kind : {MorphKind::Texture, MorphKind::Colour}) {
        const Render half = world.render(FactorWorld::morph(identities[0], identities[2], kind, 0.5), view);
        const Render full = world.render(FactorWorld::morph(identities[0], identities[2], kind, 1.0), view);
        EXPECT_EQ(half.mask, original.mask);
        EXPECT_EQ(full.mask, original.mask);
        const double halfway = maxAbsDifference(half.image.pixels, original.image.pixels);
        const double all = maxAbsDifference(full.image.pixels, original.image.pixels);
        EXPECT_GT(halfway, 0.05);
        EXPECT_GT(all, halfway);
    }
}

TEST_F(FactorWorldTest, FullColourMorphTakesTheOtherPaletteWithTheSameTexture) {
    const Extrinsics view = centredView();
    Identity target = identities[0];
    target.colourA = identities[3].colourA;
    target.colourB = identities[3].colourB;
    const Render expected = world.render(target, view);
    const Render morphed =
        world.render(FactorWorld::morph(identities[0], identities[3], MorphKind::Colour, 1.0), view);
    EXPECT_LT(maxAbsDifference(expected.image.pixels, morphed.image.pixels), 1e-6);
}

TEST_F(FactorWorldTest, GreyIsTheLuminanceOfColour) {
    const FactorWorld grey(64, 1);
    const Extrinsics view = FactorWorld::drawExtrinsics(ExtrinsicRanges{}, 5);
    const Render colour = world.render(identities[1], view);
    const Render luminance = grey.render(identities[1], view);
    ASSERT_EQ(luminance.image.shape, (ImageShape{1, 64, 64}));
    const std::size_t plane = colour.mask.size();
    for (std::size_t p = 0; p < plane; p += 37)
        EXPECT_NEAR(luminance.image.pixels[p],
                    0.299 * colour.image.pixels[p] + 0.587 * colour.image.pixels[plane + p] +
                        0.114 * colour.image.pixels[2 * plane + p],
                    1e-5);
}

TEST_F(FactorWorldTest, SweepHoldsEverythingButOneFactor) {
    Extrinsics base = FactorWorld::drawExtrinsics(ExtrinsicRanges{}, 11);
    const auto renders = world.sweep(identities[0], base, "tx", {-0.1, 0.0, 0.1});
    ASSERT_EQ(renders.size(), 3u);
    const double left = maskMoments(renders[0], 64).cx, right = maskMoments(renders[2], 64).cx;
    EXPECT_NEAR(right - left, 0.2 * 64, 0.1);
    EXPECT_THROW(world.sweep(identities[0], base, "colour", {0.0}), std::invalid_argument);
}

TEST(FactorWorldDataset, SamplesCarryTheirFactorsAndAreReproducible) {
    const auto dataset = openDataset("factorworld:classes=4,size=32,train=40,val=8,test=8,seed=3");
    const DatasetInfo& info = dataset->info();
    EXPECT_EQ(info.shape, (ImageShape{3, 32, 32}));
    EXPECT_EQ(info.classNames.size(), 4u);
    EXPECT_EQ(dataset->size(Split::Train), 40u);
    EXPECT_EQ(info.factorNames.size(), intrinsicFactorNames().size() + extrinsicFactorNames().size());

    const Sample a = dataset->sample(Split::Train, 13);
    const Sample b =
        openDataset("factorworld:classes=4,size=32,train=40,val=8,test=8,seed=3")->sample(Split::Train, 13);
    EXPECT_EQ(a.image.pixels, b.image.pixels);
    EXPECT_EQ(a.label, 1);
    ASSERT_EQ(a.factors.size(), info.factorNames.size());

    const auto& world = dynamic_cast<const FactorWorldDataset&>(*dataset);
    const Extrinsics view = world.view(Split::Train, 13);
    const std::size_t rotationIndex = intrinsicFactorNames().size();
    EXPECT_FLOAT_EQ(a.factors[rotationIndex], static_cast<float>(view.rotationDeg));
    EXPECT_EQ(world.world().render(world.identities()[1], view).image.pixels, a.image.pixels);

    // Splits draw different views.
    EXPECT_NE(dataset->sample(Split::Test, 13 % 8).image.pixels,
              dataset->sample(Split::Train, 13 % 8).image.pixels);
}

TEST(FactorWorldDataset, RangesOfZeroHoldAFactorFixed) {
    const auto dataset = openDataset("factorworld:classes=3,size=32,rotation=0,yaw=0,pitch=0,translate=0");
    const std::size_t base = intrinsicFactorNames().size();
    for (std::size_t i = 0; i < 20; ++i) {
        const Sample sample = dataset->sample(Split::Train, i);
        EXPECT_EQ(sample.factors[base + 0], 0.0f);  // rotation
        EXPECT_EQ(sample.factors[base + 1], 0.0f);  // yaw
        EXPECT_EQ(sample.factors[base + 4], 0.0f);  // tx
    }
}

TEST(FactorWorldDataset, OutOfRangeIndexThrows) {
    const auto dataset = openDataset("factorworld:train=5,val=1,test=1,size=16");
    EXPECT_THROW(dataset->sample(Split::Train, 5), std::out_of_range);
}

}  // namespace
