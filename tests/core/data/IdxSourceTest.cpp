#include <gtest/gtest.h>
#include <zlib.h>

#include <filesystem>

#include "ErrorOf.h"
#include "TempDir.h"
#include "netsight/data/DataError.h"
#include "netsight/data/Dataset.h"
#include "netsight/data/FileSources.h"
#include "netsight/data/IdxFile.h"

using namespace netsight::data;
using netsight::test::TempDir;
using Bytes = std::vector<unsigned char>;

namespace {

Bytes idxHeader(std::vector<std::uint32_t> dims) {
    Bytes bytes = {0, 0, 0x08, static_cast<unsigned char>(dims.size())};
    for (auto d : dims) {
        bytes.push_back(static_cast<unsigned char>(d >> 24));
        bytes.push_back(static_cast<unsigned char>(d >> 16));
        bytes.push_back(static_cast<unsigned char>(d >> 8));
        bytes.push_back(static_cast<unsigned char>(d));
    }
    return bytes;
}

// n images of 4x3 whose pixels encode (item, position), and labels item % classes.
Bytes idxImages(std::uint32_t n) {
    Bytes bytes = idxHeader({n, 4, 3});
    for (std::uint32_t i = 0; i < n; ++i)
        for (int p = 0; p < 12; ++p)
            bytes.push_back(static_cast<unsigned char>((i * 7 + p) % 256));
    return bytes;
}

Bytes idxLabels(std::uint32_t n, int classes) {
    Bytes bytes = idxHeader({n});
    for (std::uint32_t i = 0; i < n; ++i)
        bytes.push_back(static_cast<unsigned char>(i % classes));
    return bytes;
}

void writeGz(const std::filesystem::path& file, const Bytes& bytes) {
    gzFile out = gzopen(file.string().c_str(), "wb");
    gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(out);
}

void writeMnistLike(const TempDir& dir, std::uint32_t train, std::uint32_t test, bool gz) {
    auto write = [&](const std::string& name, const Bytes& bytes) {
        if (gz)
            writeGz(dir / (name + ".gz"), bytes);
        else
            netsight::test::writeBytes(dir / name, bytes);
    };
    write("train-images-idx3-ubyte", idxImages(train));
    write("train-labels-idx1-ubyte", idxLabels(train, 10));
    write("t10k-images-idx3-ubyte", idxImages(test));
    write("t10k-labels-idx1-ubyte", idxLabels(test, 10));
}

template <typename Action>
std::string errorOf(Action action) {
    return netsight::test::errorOf<DataError>(action);
}

TEST(IdxSource, ReadsPlainAndGzippedFilesWithExplicitSplits) {
    for (bool gz : {false, true}) {
        TempDir dir;
        writeMnistLike(dir, 100, 30, gz);
        const auto dataset = openDataset("idx:" + dir.path().string());
        EXPECT_EQ(dataset->info().shape, (ImageShape{1, 4, 3}));
        EXPECT_EQ(dataset->size(Split::Train) + dataset->size(Split::Validation), 100u);
        EXPECT_EQ(dataset->size(Split::Validation), 10u);  // default val=0.1, stratified
        EXPECT_EQ(dataset->size(Split::Test), 30u);
        EXPECT_EQ(dataset->info().classNames.size(), 10u);

        // Test item 5: label 5, pixel p = (5*7+p)/255.
        const Sample sample = dataset->sample(Split::Test, 5);
        EXPECT_EQ(sample.label, 5);
        EXPECT_FLOAT_EQ(sample.image.pixels[0], 35.0f / 255.0f);
        EXPECT_FLOAT_EQ(sample.image.at(0, 3, 2), 46.0f / 255.0f);
    }
}

TEST(IdxSource, ValidationSplitIsDeterministicForASeedAndDiffersAcrossSeeds) {
    TempDir dir;
    writeMnistLike(dir, 200, 10, false);
    auto firstLabels = [&](const std::string& options) {
        const auto dataset = openDataset("idx:" + dir.path().string() + options);
        std::vector<float> firstPixels;
        for (std::size_t i = 0; i < dataset->size(Split::Validation); ++i)
            firstPixels.push_back(dataset->sample(Split::Validation, i).image.pixels[0]);
        return firstPixels;
    };
    EXPECT_EQ(firstLabels(",seed=3"), firstLabels(",seed=3"));
    EXPECT_NE(firstLabels(",seed=3"), firstLabels(",seed=4"));
    EXPECT_EQ(firstLabels(",val=0.25").size(), 50u);
}

TEST(IdxSource, WrongMagicNumberNamesTheFile) {
    TempDir dir;
    writeMnistLike(dir, 20, 10, false);
    Bytes bad = idxImages(20);
    bad[0] = 0x1f;
    netsight::test::writeBytes(dir / "train-images-idx3-ubyte", bad);
    const std::string message = errorOf([&] { openDataset("idx:" + dir.path().string()); });
    EXPECT_NE(message.find("train-images-idx3-ubyte"), std::string::npos) << message;
    EXPECT_NE(message.find("wrong IDX magic number"), std::string::npos) << message;
}

TEST(IdxSource, HeaderPromisingMoreItemsThanTheFileHoldsIsTruncation) {
    TempDir dir;
    writeMnistLike(dir, 20, 10, false);
    Bytes images = idxImages(20);
    images.resize(images.size() - 30);  // cut 2.5 items
    netsight::test::writeBytes(dir / "train-images-idx3-ubyte", images);
    const std::string message = errorOf([&] { openDataset("idx:" + dir.path().string()); });
    EXPECT_NE(message.find("promises 20 items"), std::string::npos) << message;
    EXPECT_NE(message.find("17 whole items"), std::string::npos) << message;
    EXPECT_NE(message.find("truncated"), std::string::npos) << message;
}

TEST(IdxSource, TruncatedGzipIsReported) {
    TempDir dir;
    writeMnistLike(dir, 200, 10, true);
    const auto file = dir / "train-images-idx3-ubyte.gz";
    std::filesystem::resize_file(file, std::filesystem::file_size(file) / 2);
    const std::string message = errorOf([&] { openDataset("idx:" + dir.path().string()); });
    EXPECT_NE(message.find("train-images-idx3-ubyte.gz"), std::string::npos) << message;
}

TEST(IdxSource, LabelAndImageCountsMustAgree) {
    TempDir dir;
    writeMnistLike(dir, 20, 10, false);
    netsight::test::writeBytes(dir / "train-labels-idx1-ubyte", idxLabels(19, 10));
    const std::string message = errorOf([&] { openDataset("idx:" + dir.path().string()); });
    EXPECT_NE(message.find("holds 20 images"), std::string::npos) << message;
    EXPECT_NE(message.find("holds 19 labels"), std::string::npos) << message;
}

TEST(IdxSource, MissingFileIsNamed) {
    TempDir dir;
    writeMnistLike(dir, 20, 10, false);
    std::filesystem::remove(dir / "t10k-labels-idx1-ubyte");
    const std::string message = errorOf([&] { openDataset("mnist:" + dir.path().string()); });
    EXPECT_NE(message.find("no t10k labels file"), std::string::npos) << message;
}

TEST(IdxSource, NonByteElementTypeIsRefused) {
    TempDir dir;
    Bytes floats = {0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0};
    netsight::test::writeBytes(dir / "x.idx", floats);
    const std::string message = errorOf([&] { readIdxFile((dir / "x.idx").string()); });
    EXPECT_NE(message.find("float"), std::string::npos) << message;
}

TEST(FashionMnist, DebianPackageLoadsWithClassNames) {
    if (!std::filesystem::exists(kFashionMnistDir)) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    const auto dataset = openDataset("fashion-mnist");
    EXPECT_EQ(dataset->info().shape, (ImageShape{1, 28, 28}));
    EXPECT_EQ(dataset->size(Split::Train), 54000u);
    EXPECT_EQ(dataset->size(Split::Validation), 6000u);
    EXPECT_EQ(dataset->size(Split::Test), 10000u);
    EXPECT_EQ(dataset->info().classNames.at(9), "Ankle boot");
    // The first test image of Fashion-MNIST is an ankle boot.
    EXPECT_EQ(dataset->sample(Split::Test, 0).label, 9);
    const Sample sample = dataset->sample(Split::Test, 0);
    float sum = 0;
    for (float v : sample.image.pixels)
        sum += v;
    EXPECT_GT(sum, 50.0f);  // a real image, not zeros
}

}  // namespace
