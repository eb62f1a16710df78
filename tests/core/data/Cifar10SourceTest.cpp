#include <gtest/gtest.h>

#include "ErrorOf.h"
#include "TempDir.h"
#include "netsight/data/DataError.h"
#include "netsight/data/Dataset.h"

using namespace netsight::data;
using netsight::test::TempDir;
using Bytes = std::vector<unsigned char>;

namespace {

// n records; record i has label i % 10 and red = i, green = 100, blue = 200 everywhere.
Bytes cifarBatch(int n, int firstItem) {
    Bytes bytes;
    for (int i = 0; i < n; ++i) {
        bytes.push_back(static_cast<unsigned char>((firstItem + i) % 10));
        for (int c = 0; c < 3; ++c)
            for (int p = 0; p < 1024; ++p)
                bytes.push_back(static_cast<unsigned char>(c == 0 ? (firstItem + i) % 256 : c * 100));
    }
    return bytes;
}

void writeCifar(const TempDir& dir, int perBatch) {
    for (int b = 1; b <= 5; ++b)
        netsight::test::writeBytes(dir / ("data_batch_" + std::to_string(b) + ".bin"),
                                   cifarBatch(perBatch, (b - 1) * perBatch));
    netsight::test::writeBytes(dir / "test_batch.bin", cifarBatch(perBatch, 1000));
    netsight::test::writeText(dir / "batches.meta.txt",
                              "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n");
}

template <typename Action>
std::string errorOf(Action action) {
    return netsight::test::errorOf<DataError>(action);
}

TEST(Cifar10Source, ReadsBatchesAsPlanarRgb) {
    TempDir dir;
    writeCifar(dir, 20);
    const auto dataset = openDataset("cifar10:" + dir.path().string());
    EXPECT_EQ(dataset->info().shape, (ImageShape{3, 32, 32}));
    EXPECT_EQ(dataset->size(Split::Train) + dataset->size(Split::Validation), 100u);
    EXPECT_EQ(dataset->size(Split::Test), 20u);
    EXPECT_EQ(dataset->info().classNames.size(), 10u);
    EXPECT_EQ(dataset->info().classNames[3], "cat");
    const Sample sample = dataset->sample(Split::Test, 3);
    EXPECT_EQ(sample.label, 3);  // item 1003
    EXPECT_FLOAT_EQ(sample.image.at(0, 5, 5), (1003 % 256) / 255.0f);
    EXPECT_FLOAT_EQ(sample.image.at(1, 5, 5), 100 / 255.0f);
    EXPECT_FLOAT_EQ(sample.image.at(2, 31, 31), 200 / 255.0f);
}

TEST(Cifar10Source, SizeNotAMultipleOfTheRecordIsNamed) {
    TempDir dir;
    writeCifar(dir, 10);
    Bytes broken = cifarBatch(10, 0);
    broken.resize(broken.size() - 100);
    netsight::test::writeBytes(dir / "data_batch_3.bin", broken);
    const std::string message = errorOf([&] { openDataset("cifar10:" + dir.path().string()); });
    EXPECT_NE(message.find("data_batch_3.bin"), std::string::npos) << message;
    EXPECT_NE(message.find("not a multiple of 3,073"), std::string::npos) << message;
}

TEST(Cifar10Source, MissingTestBatchAndMissingTrainingBatches) {
    TempDir dir;
    writeCifar(dir, 10);
    std::filesystem::remove(dir / "test_batch.bin");
    EXPECT_NE(
        errorOf([&] { openDataset("cifar10:" + dir.path().string()); }).find("test_batch.bin is missing"),
        std::string::npos);

    TempDir empty;
    netsight::test::writeText(empty / "readme.txt", "nothing here");
    EXPECT_NE(errorOf([&] { openDataset("cifar10:" + empty.path().string()); }).find("no data_batch_1.bin"),
              std::string::npos);
}

TEST(Cifar10Source, AMissingBatchIsAWarningNotAnError) {
    TempDir dir;
    writeCifar(dir, 10);
    std::filesystem::remove(dir / "data_batch_5.bin");
    const auto dataset = openDataset("cifar10:" + dir.path().string());
    EXPECT_EQ(dataset->size(Split::Train) + dataset->size(Split::Validation), 40u);
    ASSERT_FALSE(dataset->info().warnings.empty());
    EXPECT_NE(dataset->info().warnings[0].find("data_batch_5.bin"), std::string::npos);
}

TEST(Cifar10Source, LabelOutsideTheClassesIsAnError) {
    TempDir dir;
    writeCifar(dir, 10);
    Bytes batch = cifarBatch(10, 0);
    batch[3073 * 4] = 42;
    netsight::test::writeBytes(dir / "data_batch_2.bin", batch);
    const std::string message = errorOf([&] { openDataset("cifar10:" + dir.path().string()); });
    EXPECT_NE(message.find("record 4 has label 42"), std::string::npos) << message;
}

}  // namespace
