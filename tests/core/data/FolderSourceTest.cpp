#include <gtest/gtest.h>

#include <fstream>
#include <iostream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "ErrorOf.h"
#include "TempDir.h"
#include "netsight/data/DataError.h"
#include "netsight/data/DataLoader.h"
#include "netsight/data/Dataset.h"

using namespace netsight::data;
using netsight::test::TempDir;

namespace {

void writeImage(const std::filesystem::path& file, int size, cv::Scalar bgr, int channels = 3) {
    std::filesystem::create_directories(file.parent_path());
    cv::Mat image(size, size, channels == 3 ? CV_8UC3 : CV_8UC1, bgr);
    ASSERT_TRUE(cv::imwrite(file.string(), image));
}

// classes "cat" (reddish) and "dog" (bluish), `perClass` images each.
void writeClasses(const std::filesystem::path& root, int perClass, int size = 16) {
    for (int i = 0; i < perClass; ++i) {
        writeImage(root / "cat" / ("c" + std::to_string(i) + ".png"), size, cv::Scalar(10, 20, 250));
        writeImage(root / "dog" / ("d" + std::to_string(i) + ".jpg"), size, cv::Scalar(240, 30, 20));
    }
}

template <typename Action>
std::string errorOf(Action action) {
    return netsight::test::errorOf<DataError>(action);
}

TEST(FolderSource, ClassesFromSubfoldersSplitSeededAndStratified) {
    TempDir dir;
    writeClasses(dir.path(), 20);
    const auto dataset = openDataset("folder:" + dir.path().string());
    EXPECT_EQ(dataset->info().classNames, (std::vector<std::string>{"cat", "dog"}));
    EXPECT_EQ(dataset->info().shape, (ImageShape{3, 16, 16}));
    EXPECT_EQ(dataset->size(Split::Train), 32u);
    EXPECT_EQ(dataset->size(Split::Validation), 4u);
    EXPECT_EQ(dataset->size(Split::Test), 4u);
    // RGB order: cats are red.
    for (std::size_t i = 0; i < dataset->size(Split::Test); ++i) {
        const Sample sample = dataset->sample(Split::Test, i);
        const float red = sample.image.at(0, 8, 8), blue = sample.image.at(2, 8, 8);
        if (sample.label == 0) {
            EXPECT_GT(red, blue);
        } else {
            EXPECT_LT(red, blue);
        }
    }
}

TEST(FolderSource, ExplicitTrainTestFolders) {
    TempDir dir;
    writeClasses(dir / "train", 10);
    writeClasses(dir / "test", 3);
    const auto dataset = openDataset("folder:" + dir.path().string() + ",val=0.2");
    EXPECT_EQ(dataset->size(Split::Test), 6u);
    EXPECT_EQ(dataset->size(Split::Validation), 4u);
    EXPECT_EQ(dataset->size(Split::Train), 16u);
}

TEST(FolderSource, UnreadableImagesAreSkippedCountedAndReported) {
    TempDir dir;
    writeClasses(dir.path(), 5);
    netsight::test::writeText(dir / "cat" / "broken.png", "this is not a png");
    netsight::test::writeText(dir / "dog" / "notes.txt", "hello");
    const auto dataset = openDataset("folder:" + dir.path().string() + ",val=0,test=0");
    EXPECT_EQ(dataset->size(Split::Train), 10u);
    ASSERT_EQ(dataset->info().warnings.size(), 1u);
    const std::string& warning = dataset->info().warnings[0];
    EXPECT_NE(warning.find("skipped 2 unreadable"), std::string::npos) << warning;
    EXPECT_NE(warning.find("broken.png"), std::string::npos) << warning;
}

TEST(FolderSource, EmptyClassFolderIsAnError) {
    TempDir dir;
    writeClasses(dir.path(), 3);
    std::filesystem::create_directories(dir / "zebra");
    const std::string message = errorOf([&] { openDataset("folder:" + dir.path().string()); });
    EXPECT_NE(message.find("zebra"), std::string::npos) << message;
    EXPECT_NE(message.find("is empty"), std::string::npos) << message;
}

TEST(FolderSource, ClassFolderWithOnlyUnreadableFilesIsAnError) {
    TempDir dir;
    writeClasses(dir.path(), 3);
    netsight::test::writeText(dir / "zebra" / "a.png", "garbage");
    const std::string message = errorOf([&] { openDataset("folder:" + dir.path().string()); });
    EXPECT_NE(message.find("zebra"), std::string::npos) << message;
    EXPECT_NE(message.find("no image OpenCV can read"), std::string::npos) << message;
}

TEST(FolderSource, NoClassFoldersIsAnError) {
    TempDir dir;
    writeImage(dir / "lonely.png", 8, cv::Scalar(1, 2, 3));
    const std::string message = errorOf([&] { openDataset("folder:" + dir.path().string()); });
    EXPECT_NE(message.find("no sub-folders"), std::string::npos) << message;
}

TEST(FolderSource, MixedSizesAreResizedWithAWarningAndGreyIsDetected) {
    TempDir dir;
    writeImage(dir / "a" / "1.png", 12, cv::Scalar(100), 1);
    writeImage(dir / "a" / "2.png", 20, cv::Scalar(50), 1);
    writeImage(dir / "b" / "1.png", 12, cv::Scalar(200), 1);
    const auto dataset = openDataset("folder:" + dir.path().string() + ",val=0,test=0");
    EXPECT_EQ(dataset->info().shape, (ImageShape{1, 12, 12}));
    ASSERT_EQ(dataset->info().warnings.size(), 1u);
    EXPECT_NE(dataset->info().warnings[0].find("resized 1 image"), std::string::npos);

    const auto sized = openDataset("folder:" + dir.path().string() + ",size=32,channels=3,val=0,test=0");
    EXPECT_EQ(sized->info().shape, (ImageShape{3, 32, 32}));
    EXPECT_TRUE(sized->info().warnings.empty());
}

// A smooth 256-px colour picture (so JPEG files stay small) with a class-dependent tint and a seeded texture.
cv::Mat picture(int seed, int size = 256) {
    cv::Mat image(size, size, CV_8UC3);
    for (int y = 0; y < size; ++y)
        for (int x = 0; x < size; ++x)
            image.at<cv::Vec3b>(y, x) = cv::Vec3b(static_cast<std::uint8_t>((x + seed * 7) % 256),
                                                  static_cast<std::uint8_t>((y * 2 + seed) % 256),
                                                  static_cast<std::uint8_t>((x + y + seed * 13) % 256));
    return image;
}

std::size_t peakResidentBytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;
    return 0;
}

TEST(FolderSource, IndexIsSavedReusedAndRefreshedForChangedFiles) {
    TempDir dir;
    writeClasses(dir / "images", 6);
    OpenOptions options;
    options.cacheDirectory = (dir / "cache").string();
    std::size_t lastTotal = 0;
    options.progress = [&](std::size_t, std::size_t total) { lastTotal = total; };

    const auto first = openDataset("folder:" + (dir / "images").string(), options);
    EXPECT_EQ(lastTotal, 12u);  // every file decoded once
    ASSERT_EQ(std::distance(std::filesystem::directory_iterator(dir / "cache"), {}), 1);

    lastTotal = 0;
    const auto again = openDataset("folder:" + (dir / "images").string() + ",size=8", options);
    EXPECT_EQ(lastTotal, 0u);  // nothing to decode: the index was reused
    EXPECT_EQ(again->info().shape, (ImageShape{3, 8, 8}));
    EXPECT_EQ(again->size(Split::Train) + again->size(Split::Validation) + again->size(Split::Test), 12u);

    // A file rewritten (another size) and a file that became unreadable are decoded again, and only they.
    writeImage(dir / "images" / "cat" / "c3.png", 24, cv::Scalar(10, 20, 250));
    std::ofstream(dir / "images" / "dog" / "d1.jpg") << "no longer a picture";
    const auto changed = openDataset("folder:" + (dir / "images").string(), options);
    EXPECT_EQ(lastTotal, 2u);
    ASSERT_FALSE(changed->info().warnings.empty());
    const std::string warnings = changed->info().warnings[0] +
                                 (changed->info().warnings.size() > 1 ? changed->info().warnings[1] : "");
    EXPECT_NE(warnings.find("d1.jpg"), std::string::npos) << warnings;
    EXPECT_NE(warnings.find("resized 1 image"), std::string::npos) << warnings;
}

TEST(FolderSource, IndexingCanBeStoppedFromItsProgress) {
    TempDir dir;
    writeClasses(dir / "images", 30);
    OpenOptions options;
    options.cacheDirectory = (dir / "cache").string();
    options.progress = [](std::size_t, std::size_t) { throw std::runtime_error("stopped by the user"); };
    EXPECT_THROW(openDataset("folder:" + (dir / "images").string(), options), std::runtime_error);
}

TEST(FolderSource, ShrunkJpegsMatchAFullDecodeResizedByArea) {
    TempDir dir;
    for (int i = 0; i < 3; ++i) {
        std::filesystem::create_directories(dir / "a");
        ASSERT_TRUE(cv::imwrite((dir / "a" / (std::to_string(i) + ".jpg")).string(), picture(i)));
    }
    const auto dataset = openDataset("folder:" + dir.path().string() + ",size=64,val=0,test=0");
    ASSERT_EQ(dataset->size(Split::Train), 3u);
    for (std::size_t i = 0; i < 3; ++i) {
        const auto file = dir / "a" / (std::to_string(i) + ".jpg");
        cv::Mat full = cv::imread(file.string()), small;
        cv::resize(full, small, cv::Size(64, 64), 0, 0, cv::INTER_AREA);
        const Sample sample = dataset->sample(Split::Train, i);  // the split keeps file order here
        double difference = 0;
        for (int y = 0; y < 64; ++y)
            for (int x = 0; x < 64; ++x)
                for (int c = 0; c < 3; ++c)
                    difference +=
                        std::abs(sample.image.at(c, y, x) - small.at<cv::Vec3b>(y, x)[2 - c] / 255.0f);
        EXPECT_LT(difference / (64 * 64 * 3), 0.02)
            << file;  // an eighth-size DCT decode, not a crop or a swap
    }
}

TEST(FolderSource, MemoryStaysWithinTheCacheBudgetWhateverTheFolderSize) {
    // 1500 colour images of 256 px: 295 MB as bytes, which the former eager loader held in memory (and a
    // float copy of each batch on top). Streamed with a 16 MB cache, one full pass must stay far below that.
    TempDir dir;
    constexpr int kImages = 1500;
    for (int i = 0; i < kImages; ++i) {
        const auto folder = dir / "images" / (i % 2 ? "odd" : "even");
        std::filesystem::create_directories(folder);
        ASSERT_TRUE(cv::imwrite((folder / (std::to_string(i) + ".jpg")).string(), picture(i)));
    }
    OpenOptions options;
    options.cacheDirectory = (dir / "cache").string();
    std::ofstream("/proc/self/clear_refs") << "5";  // resets the peak resident size
    const std::size_t before = peakResidentBytes();
    const auto dataset =
        openDataset("folder:" + (dir / "images").string() + ",val=0,test=0,cache=16", options);
    ASSERT_EQ(dataset->size(Split::Train), static_cast<std::size_t>(kImages));
    EXPECT_EQ(dataset->info().shape, (ImageShape{3, 256, 256}));
    LoaderOptions loading;
    loading.batchSize = 8;
    DataLoader loader(*dataset, Split::Train, loading);
    std::size_t seen = 0;
    double sum = 0;
    while (auto batch = loader.next()) {
        seen += batch->count();
        sum += batch->images[0];
    }
    EXPECT_EQ(seen, static_cast<std::size_t>(kImages));
    EXPECT_GT(sum, 0.0);
    const std::size_t growth = peakResidentBytes() - before;
    const std::size_t eagerBytes = static_cast<std::size_t>(kImages) * 3 * 256 * 256;
    std::cout << "peak resident size grew by " << (growth >> 20) << " MB (eager: " << (eagerBytes >> 20)
              << " MB)\n";
    EXPECT_LT(growth, 120u << 20) << "peak grew by " << (growth >> 20) << " MB; eager: " << (eagerBytes >> 20)
                                  << " MB";
    EXPECT_GT(eagerBytes, 2 * (120u << 20));
}

}  // namespace
