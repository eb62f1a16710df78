#include "netsight/data/MemoryDataset.h"

#include <cstring>
#include <stdexcept>

#include "netsight/data/DataError.h"

namespace netsight::data {

ByteImages ByteImages::select(const std::vector<std::size_t>& indices, std::size_t itemBytes) const {
    ByteImages selected;
    selected.bytes.resize(indices.size() * itemBytes);
    selected.labels.reserve(indices.size());
    for (std::size_t i = 0; i < indices.size(); ++i) {
        std::memcpy(selected.bytes.data() + i * itemBytes, bytes.data() + indices[i] * itemBytes, itemBytes);
        selected.labels.push_back(labels[indices[i]]);
    }
    return selected;
}

MemoryDataset::MemoryDataset(DatasetInfo info, ByteImages train, ByteImages validation, ByteImages test)
    : info_(std::move(info)), splits_{std::move(train), std::move(validation), std::move(test)} {
    const std::size_t itemBytes = info_.shape.elementCount();
    for (Split split : kAllSplits) {
        const ByteImages& images = this->images(split);
        if (images.bytes.size() != images.labels.size() * itemBytes)
            throw DataError(info_.source + ": the " + toString(split) + " split has " +
                            std::to_string(images.labels.size()) + " labels but " +
                            std::to_string(images.bytes.size()) + " bytes of " + toString(info_.shape) +
                            " images");
    }
}

const ByteImages& MemoryDataset::images(Split split) const {
    return splits_[static_cast<int>(split)];
}

std::size_t MemoryDataset::size(Split split) const {
    return images(split).labels.size();
}

Sample MemoryDataset::sample(Split split, std::size_t index) const {
    const ByteImages& images = this->images(split);
    if (index >= images.labels.size())
        throw std::out_of_range(info_.source + ": index " + std::to_string(index) + " is past the " +
                                toString(split) + " split's " + std::to_string(images.labels.size()) +
                                " samples");
    Sample sample;
    sample.image = Image(info_.shape);
    const std::size_t itemBytes = info_.shape.elementCount();
    const std::uint8_t* source = images.bytes.data() + index * itemBytes;
    constexpr float kScale = 1.0f / 255.0f;
    for (std::size_t i = 0; i < itemBytes; ++i)
        sample.image.pixels[i] = static_cast<float>(source[i]) * kScale;
    sample.label = images.labels[index];
    return sample;
}

}  // namespace netsight::data
