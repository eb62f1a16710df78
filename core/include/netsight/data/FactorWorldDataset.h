#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <vector>

#include "netsight/data/Dataset.h"
#include "netsight/data/FactorWorld.h"
#include "netsight/data/SourceSpec.h"

namespace netsight::data {

/// A spurious cue: a small square in the top-left corner whose colour names a class (a hue per class;
/// in grey worlds a grey level). In the train
/// and validation splits it names the sample's own class with probability `probability` (another class,
/// drawn uniformly, otherwise); in the test split it is drawn independently of the class. A classifier that
/// learns the cue instead of the object scores high on validation and drops on test.
struct SpuriousCue {
    bool enabled = false;
    double probability = 0.95;
};

struct FactorWorldOptions {
    int classes = 10;
    int size = 64;
    int channels = 3;
    std::size_t trainCount = 6000;
    std::size_t validationCount = 1000;
    std::size_t testCount = 1000;
    std::uint64_t seed = 1;
    ExtrinsicRanges ranges;
    SpuriousCue cue;
};

/// What is known about one generated sample beyond its pixels.
struct SampleTruth {
    std::vector<float> objectMask;  ///< height * width: the object's coverage (0 where the cue covers it)
    std::vector<float> cueMask;     ///< height * width: 1 on the cue's square; all 0 without a cue
    int cueClass = -1;              ///< the class the cue names; -1 without a cue
};

/// Generated data: sample i of a split is identity (i mod classes) under a view drawn from a seed
/// derived from (seed, split, i), so any sample can be rendered alone, on any thread, identically.
/// Factors: intrinsic then extrinsic (DatasetInfo::factorNames), then "cue" (the class it names) with a cue.
class FactorWorldDataset : public Dataset {
  public:
    explicit FactorWorldDataset(const FactorWorldOptions& options, std::string source = "factorworld");

    const DatasetInfo& info() const override { return info_; }
    std::size_t size(Split split) const override;
    Sample sample(Split split, std::size_t index) const override;

    const FactorWorld& world() const { return world_; }
    const std::vector<Identity>& identities() const { return identities_; }
    /// The view of sample `index` of `split`.
    Extrinsics view(Split split, std::size_t index) const;
    /// The object's mask and the cue of sample `index` of `split` (rendered on request).
    SampleTruth truth(Split split, std::size_t index) const;
    const FactorWorldOptions& options() const { return options_; }

  private:
    int cueClass(Split split, std::size_t index, std::int64_t label) const;

    FactorWorldOptions options_;
    FactorWorld world_;
    std::vector<Identity> identities_;
    DatasetInfo info_;
};

/// The spurious cue's square in an image of side `size`: left column, top row and side in pixels.
std::array<int, 3> spuriousCueSquare(int size);
/// The colour of the cue naming `cueClass` of `classes` (RGB; all three equal for grey images).
std::array<float, 3> spuriousCueColour(int cueClass, int classes, int channels);
/// Draws the cue naming `cueClass` onto a square image.
void drawSpuriousCue(Image& image, int cueClass, int classes);

/// Reads `factorworld[:key=value,...]` options; throws DataError for unknown keys or bad values.
FactorWorldOptions factorWorldOptions(const SourceSpec& spec);

}  // namespace netsight::data
