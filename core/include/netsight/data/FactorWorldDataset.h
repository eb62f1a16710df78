#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "netsight/data/Dataset.h"
#include "netsight/data/FactorWorld.h"
#include "netsight/data/SourceSpec.h"

namespace netsight::data {

struct FactorWorldOptions {
    int classes = 10;
    int size = 64;
    int channels = 3;
    std::size_t trainCount = 6000;
    std::size_t validationCount = 1000;
    std::size_t testCount = 1000;
    std::uint64_t seed = 1;
    ExtrinsicRanges ranges;
};

/// Generated data: sample i of a split is identity (i mod classes) under a view drawn from a seed
/// derived from (seed, split, i), so any sample can be rendered alone, on any thread, identically.
/// Factors: intrinsic then extrinsic (DatasetInfo::factorNames).
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

  private:
    FactorWorldOptions options_;
    FactorWorld world_;
    std::vector<Identity> identities_;
    DatasetInfo info_;
};

/// Reads `factorworld[:key=value,...]` options; throws DataError for unknown keys or bad values.
FactorWorldOptions factorWorldOptions(const SourceSpec& spec);

}  // namespace netsight::data
