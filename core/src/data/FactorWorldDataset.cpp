#include "netsight/data/FactorWorldDataset.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "data/Random.h"
#include "netsight/data/DataError.h"

namespace netsight::data {

FactorWorldOptions factorWorldOptions(const SourceSpec& spec) {
    SourceOptions read(spec);
    FactorWorldOptions options;
    ExtrinsicRanges& ranges = options.ranges;
    options.classes = static_cast<int>(read.integer("classes", options.classes, 2, 1000));
    options.size = static_cast<int>(read.integer("size", options.size, 8, 1024));
    const auto grey = read.integer("grey", 0, 0, 1);
    options.channels = grey ? 1 : 3;
    options.trainCount = static_cast<std::size_t>(read.integer("train", 6000, 0, 10'000'000));
    options.validationCount = static_cast<std::size_t>(read.integer("val", 1000, 0, 10'000'000));
    options.testCount = static_cast<std::size_t>(read.integer("test", 1000, 0, 10'000'000));
    options.seed = static_cast<std::uint64_t>(read.integer("seed", 1, 0, INT64_MAX));
    ranges.rotationMaxDeg = read.number("rotation", ranges.rotationMaxDeg, 0, 180);
    ranges.yawMaxDeg = read.number("yaw", ranges.yawMaxDeg, 0, 75);
    ranges.pitchMaxDeg = read.number("pitch", ranges.pitchMaxDeg, 0, 75);
    ranges.scaleMin = read.number("scale_min", ranges.scaleMin, 0.1, 3);
    ranges.scaleMax = read.number("scale_max", ranges.scaleMax, 0.1, 3);
    ranges.translateMax = read.number("translate", ranges.translateMax, 0, 0.5);
    ranges.lightStrengthMin = read.number("light_min", ranges.lightStrengthMin, 0, 1);
    ranges.lightStrengthMax = read.number("light_max", ranges.lightStrengthMax, 0, 1);
    ranges.backgroundMin = read.number("bg_min", ranges.backgroundMin, 0, 1);
    ranges.backgroundMax = read.number("bg_max", ranges.backgroundMax, 0, 1);
    const auto cue = read.text("cue", "none");
    if (cue != "none" && cue != "mark")
        throw DataError("source '" + spec.text + "': cue must be none or mark, not '" + cue + "'");
    options.cue.enabled = cue == "mark";
    options.cue.probability = read.number("cue_p", options.cue.probability, 0, 1);
    read.rejectUnknown();
    if (ranges.scaleMin > ranges.scaleMax)
        throw DataError("source '" + spec.text + "': scale_min is larger than scale_max");
    if (ranges.lightStrengthMin > ranges.lightStrengthMax)
        throw DataError("source '" + spec.text + "': light_min is larger than light_max");
    if (ranges.backgroundMin > ranges.backgroundMax)
        throw DataError("source '" + spec.text + "': bg_min is larger than bg_max");
    return options;
}

FactorWorldDataset::FactorWorldDataset(const FactorWorldOptions& options, std::string source)
    : options_(options),
      world_(options.size, options.channels),
      identities_(FactorWorld::drawIdentities(options.classes, options.seed)) {
    info_.source = std::move(source);
    info_.name = "FactorWorld (" + std::to_string(options.classes) + " identities, seed " +
                 std::to_string(options.seed) + ")";
    info_.shape = {options.channels, options.size, options.size};
    for (int c = 0; c < options.classes; ++c)
        info_.classNames.push_back("identity " + std::to_string(c));
    info_.factorNames = intrinsicFactorNames();
    const auto& extrinsic = extrinsicFactorNames();
    info_.factorNames.insert(info_.factorNames.end(), extrinsic.begin(), extrinsic.end());
    if (options.cue.enabled) {
        info_.factorNames.push_back("cue");
        info_.name += ", spurious cue p=" + std::to_string(options.cue.probability).substr(0, 4);
    }
}

std::size_t FactorWorldDataset::size(Split split) const {
    switch (split) {
        case Split::Train:
            return options_.trainCount;
        case Split::Validation:
            return options_.validationCount;
        case Split::Test:
            return options_.testCount;
    }
    return 0;
}

Extrinsics FactorWorldDataset::view(Split split, std::size_t index) const {
    return FactorWorld::drawExtrinsics(options_.ranges,
                                       mixSeed(options_.seed, static_cast<std::uint64_t>(split) + 1, index));
}

Sample FactorWorldDataset::sample(Split split, std::size_t index) const {
    if (index >= size(split))
        throw std::out_of_range(info_.source + ": index " + std::to_string(index) + " is past the " +
                                toString(split) + " split's " + std::to_string(size(split)) + " samples");
    const auto label = static_cast<std::int64_t>(index % identities_.size());
    const Identity& identity = identities_[static_cast<std::size_t>(label)];
    const Extrinsics pose = view(split, index);
    Sample sample;
    sample.image = world_.render(identity, pose).image;
    sample.label = label;
    sample.factors = FactorWorld::intrinsicFactors(identity);
    const auto extrinsic = FactorWorld::extrinsicFactors(pose);
    sample.factors.insert(sample.factors.end(), extrinsic.begin(), extrinsic.end());
    if (options_.cue.enabled) {
        const int cue = cueClass(split, index, label);
        drawSpuriousCue(sample.image, cue, options_.classes);
        sample.factors.push_back(static_cast<float>(cue));
    }
    return sample;
}

SampleTruth FactorWorldDataset::truth(Split split, std::size_t index) const {
    if (index >= size(split))
        throw std::out_of_range(info_.source + ": index " + std::to_string(index) + " is past the " +
                                toString(split) + " split's " + std::to_string(size(split)) + " samples");
    const auto label = static_cast<std::int64_t>(index % identities_.size());
    SampleTruth truth;
    truth.objectMask = world_.render(identities_[static_cast<std::size_t>(label)], view(split, index)).mask;
    truth.cueMask.assign(truth.objectMask.size(), 0.0f);
    if (!options_.cue.enabled) return truth;
    truth.cueClass = cueClass(split, index, label);
    const auto [left, top, side] = spuriousCueSquare(options_.size);
    for (int y = top; y < top + side; ++y)
        for (int x = left; x < left + side; ++x) {
            const auto at = static_cast<std::size_t>(y) * static_cast<std::size_t>(options_.size) +
                            static_cast<std::size_t>(x);
            truth.cueMask[at] = 1.0f;
            truth.objectMask[at] = 0.0f;
        }
    return truth;
}

int FactorWorldDataset::cueClass(Split split, std::size_t index, std::int64_t label) const {
    Random random(mixSeed(options_.seed ^ 0xC0E5ull, static_cast<std::uint64_t>(split) + 11, index));
    const bool tied = split != Split::Test && random.uniform() < options_.cue.probability;
    if (tied) return static_cast<int>(label);
    return static_cast<int>(random.next() % static_cast<std::uint64_t>(options_.classes));
}

std::array<int, 3> spuriousCueSquare(int size) {
    // Near the top-left corner, in far enough that training's 4-pixel crop shifts keep it in the picture.
    const int side = std::max(3, size / 6);
    const int inset = size >= 24 ? 5 : 1;
    return {inset, inset, side};
}

std::array<float, 3> spuriousCueColour(int cueClass, int classes, int channels) {
    // Colour: a fully saturated hue per class around the wheel; grey: a level per class.
    if (channels == 1) {
        const auto level =
            static_cast<float>(classes > 1 ? static_cast<double>(cueClass) / (classes - 1) : 1.0);
        return {level, level, level};
    }
    const double share = static_cast<double>(cueClass) / classes;
    std::array<float, 3> rgb{};
    for (int c = 0; c < 3; ++c) {
        const double k = std::fmod(share * 6.0 + (c == 0 ? 5.0 : c == 1 ? 3.0 : 1.0), 6.0);
        rgb[static_cast<std::size_t>(c)] =
            static_cast<float>(1.0 - std::max(0.0, std::min({k, 4.0 - k, 1.0})));
    }
    return rgb;
}

void drawSpuriousCue(Image& image, int cueClass, int classes) {
    const auto [left, top, side] = spuriousCueSquare(image.shape.width);
    const auto colour = spuriousCueColour(cueClass, classes, image.shape.channels);
    for (int c = 0; c < image.shape.channels; ++c) {
        float* plane = image.plane(c);
        for (int y = top; y < top + side && y < image.shape.height; ++y)
            for (int x = left; x < left + side && x < image.shape.width; ++x)
                plane[y * image.shape.width + x] = colour[static_cast<std::size_t>(c)];
    }
}

}  // namespace netsight::data
