#include "netsight/data/DataLoader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <stdexcept>

#include "netsight/data/MemoryDataset.h"

using namespace netsight::data;

namespace {

// n 1x2x2 images whose every pixel is (i % 256) / 255, label i % 3.
std::unique_ptr<MemoryDataset> counting(std::size_t n) {
    DatasetInfo info;
    info.source = "counting";
    info.shape = {1, 2, 2};
    info.classNames = {"a", "b", "c"};
    ByteImages train;
    for (std::size_t i = 0; i < n; ++i) {
        for (int p = 0; p < 4; ++p)
            train.bytes.push_back(static_cast<std::uint8_t>(i % 256));
        train.labels.push_back(static_cast<std::int64_t>(i % 3));
    }
    return std::make_unique<MemoryDataset>(info, std::move(train), ByteImages{}, ByteImages{});
}

LoaderOptions options(std::size_t batchSize, bool shuffle = true, std::uint64_t seed = 0) {
    LoaderOptions result;
    result.batchSize = batchSize;
    result.shuffle = shuffle;
    result.seed = seed;
    return result;
}

std::vector<std::size_t> epochOrder(DataLoader& loader) {
    std::vector<std::size_t> order;
    while (auto batch = loader.next())
        order.insert(order.end(), batch->indices.begin(), batch->indices.end());
    return order;
}

TEST(DataLoader, VisitsEverySampleOnceInBatchesWithMatchingContent) {
    const auto dataset = counting(103);
    DataLoader loader(*dataset, Split::Train, options(10, true, 1));
    EXPECT_EQ(loader.batchesPerEpoch(), 11u);
    std::multiset<std::size_t> seen;
    std::size_t batches = 0;
    while (auto batch = loader.next()) {
        ++batches;
        EXPECT_EQ(batch->shape, (ImageShape{1, 2, 2}));
        EXPECT_EQ(batch->images.size(), batch->count() * 4);
        for (std::size_t i = 0; i < batch->count(); ++i) {
            const std::size_t index = batch->indices[i];
            seen.insert(index);
            EXPECT_EQ(batch->labels[i], static_cast<std::int64_t>(index % 3));
            EXPECT_FLOAT_EQ(batch->images[i * 4 + 3], static_cast<float>(index % 256) / 255.0f);
        }
    }
    EXPECT_EQ(batches, 11u);
    EXPECT_EQ(seen.size(), 103u);
    EXPECT_EQ(std::set<std::size_t>(seen.begin(), seen.end()).size(), 103u);
}

TEST(DataLoader, ShuffleIsSeededPerEpoch) {
    const auto dataset = counting(50);
    const LoaderOptions seeded = options(7, true, 42);
    DataLoader a(*dataset, Split::Train, seeded), b(*dataset, Split::Train, seeded);
    const auto first = epochOrder(a);
    EXPECT_EQ(first, epochOrder(b));
    a.startEpoch(1);
    const auto second = epochOrder(a);
    EXPECT_NE(first, second);
    std::vector<std::size_t> sorted = first;
    std::sort(sorted.begin(), sorted.end());
    EXPECT_NE(first, sorted);

    DataLoader plain(*dataset, Split::Train, options(7, false));
    EXPECT_EQ(epochOrder(plain), sorted);
}

TEST(DataLoader, DropLastAndRestartMidEpoch) {
    const auto dataset = counting(25);
    LoaderOptions dropping = options(10, false);
    dropping.dropLast = true;
    DataLoader loader(*dataset, Split::Train, dropping);
    EXPECT_EQ(loader.batchesPerEpoch(), 2u);
    ASSERT_TRUE(loader.next());
    loader.startEpoch(1);  // abandon the epoch half-way
    EXPECT_EQ(epochOrder(loader).size(), 20u);
}

TEST(DataLoader, TransformIsAppliedAndWorkerErrorsReachTheConsumer) {
    const auto dataset = counting(30);
    DataLoader grown(*dataset, Split::Train, options(8),
                     [](const Image& image) { return toChannels(image, 3); });
    EXPECT_EQ(grown.next()->shape, (ImageShape{3, 2, 2}));

    DataLoader failing(*dataset, Split::Train, options(8, false), [](const Image& image) {
        if (image.pixels[0] * 255.0f > 20.5f) throw std::runtime_error("corrupt sample");
        return image;
    });
    EXPECT_TRUE(failing.next());
    EXPECT_TRUE(failing.next());
    EXPECT_THROW(failing.next(), std::runtime_error);  // batch 2 holds sample 21
}

TEST(DataLoader, DestroyingMidEpochDoesNotHang) {
    const auto dataset = counting(1000);
    for (int i = 0; i < 20; ++i) {
        LoaderOptions small = options(4);
        small.prefetchBatches = 2;
        DataLoader loader(*dataset, Split::Train, small);
        loader.next();
    }
    SUCCEED();
}

TEST(DataLoader, EmptySplitEndsAtOnce) {
    const auto dataset = counting(10);
    DataLoader loader(*dataset, Split::Test, {});
    EXPECT_EQ(loader.batchesPerEpoch(), 0u);
    EXPECT_FALSE(loader.next());
}

}  // namespace
