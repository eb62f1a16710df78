#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "netsight/data/Dataset.h"
#include "netsight/data/Transforms.h"

namespace netsight::data {

/// A batch of samples in one contiguous NCHW float buffer, ready to wrap in a tensor without copying.
struct Batch {
    ImageShape shape;           ///< of one image
    std::vector<float> images;  ///< count() * shape.elementCount()
    std::vector<std::int64_t> labels;
    std::vector<float> factors;  ///< count() * factorCount, empty for data without factors
    int factorCount = 0;
    std::vector<std::size_t> indices;  ///< the dataset index of each sample

    std::size_t count() const { return labels.size(); }
};

struct LoaderOptions {
    std::size_t batchSize = 64;
    bool shuffle = true;
    std::uint64_t seed = 0;   ///< with shuffle: the order of epoch e depends on (seed, e) only
    int workers = 2;          ///< background threads assembling batches
    int prefetchBatches = 4;  ///< how far the workers may run ahead of the consumer
    bool dropLast = false;    ///< drop a final partial batch
};

/// Batches of one split, assembled in the background while the consumer works on the last one.
/// Batches come out in order; an exception in a worker (a corrupt sample) is rethrown by next().
class DataLoader {
  public:
    DataLoader(const Dataset& dataset, Split split, LoaderOptions options = {},
               ImageTransform transform = {});
    ~DataLoader();
    DataLoader(const DataLoader&) = delete;
    DataLoader& operator=(const DataLoader&) = delete;

    /// Starts (or restarts) epoch `epoch`: a new order if shuffling; stops any unfinished epoch.
    void startEpoch(int epoch);
    /// The next batch of the current epoch, or nothing when it is over. Starts epoch 0 if none was.
    std::optional<Batch> next();

    std::size_t batchesPerEpoch() const;
    std::size_t samplesPerEpoch() const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace netsight::data
