#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "netsight/data/Dataset.h"
#include "netsight/data/Splits.h"

namespace netsight::data {

/// 8-bit images in planar CHW layout, one after another, with their labels.
struct ByteImages {
    std::vector<std::uint8_t> bytes;
    std::vector<std::int64_t> labels;

    /// The items at `indices`, in that order.
    ByteImages select(const std::vector<std::size_t>& indices, std::size_t itemBytes) const;
};

/// A dataset held in memory as 8-bit images: what the file sources (IDX, CIFAR-10, folders) load into.
class MemoryDataset : public Dataset {
  public:
    /// Throws DataError if a split's byte count does not match its label count and info.shape.
    MemoryDataset(DatasetInfo info, ByteImages train, ByteImages validation, ByteImages test);

    const DatasetInfo& info() const override { return info_; }
    std::size_t size(Split split) const override;
    Sample sample(Split split, std::size_t index) const override;

  private:
    const ByteImages& images(Split split) const;

    DatasetInfo info_;
    std::array<ByteImages, 3> splits_;
};

}  // namespace netsight::data
