#include <gtest/gtest.h>

#include <opencv2/imgcodecs.hpp>

#include "ErrorOf.h"
#include "TempDir.h"
#include "netsight/data/DataError.h"
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

}  // namespace
