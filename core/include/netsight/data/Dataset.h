#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "netsight/data/Image.h"

namespace netsight::data {

enum class Split { Train, Validation, Test };

/// "train", "val", "test".
std::string toString(Split split);
/// Accepts train, val, validation, test; throws DataError otherwise.
Split parseSplit(const std::string& text);
inline constexpr Split kAllSplits[] = {Split::Train, Split::Validation, Split::Test};

/// One labelled image; generated data also carries its factor vector (see DatasetInfo::factorNames).
struct Sample {
    Image image;
    std::int64_t label = 0;
    std::vector<float> factors;
};

/// What a dataset is: enough to describe it to a user and to build a classifier for it.
struct DatasetInfo {
    std::string source;                    ///< the source string it was opened from
    std::string name;                      ///< human-readable name
    ImageShape shape;                      ///< every sample has this shape
    std::vector<std::string> classNames;   ///< label i is classNames[i]
    std::vector<std::string> factorNames;  ///< empty unless the data are generated
    std::vector<std::string> warnings;     ///< problems that did not stop loading (skipped files, ...)
};

/// A source of labelled images with explicit train / validation / test splits.
/// sample() must be safe to call from several threads at once.
class Dataset {
  public:
    virtual ~Dataset() = default;
    virtual const DatasetInfo& info() const = 0;
    virtual std::size_t size(Split split) const = 0;
    /// Throws std::out_of_range for an index past size(split).
    virtual Sample sample(Split split, std::size_t index) const = 0;
};

/// How a dataset is opened, beyond its source string.
struct OpenOptions {
    /// Where a folder's index is kept (an experiment passes its own cache/ folder); empty:
    /// defaultCacheDirectory().
    std::string cacheDirectory;
    /// Called now and then while a folder is indexed (each new or changed file decoded once): files done, of
    /// total. May throw to stop.
    std::function<void(std::size_t done, std::size_t total)> progress;
};

/// Opens a dataset from its source string, e.g. "fashion-mnist", "folder:/data/pets",
/// "factorworld:classes=5,size=96". Throws DataError with a message fit for the user.
std::unique_ptr<Dataset> openDataset(const std::string& source);
std::unique_ptr<Dataset> openDataset(const std::string& source, const OpenOptions& options);

/// $NETSIGHT_CACHE_DIR, else $XDG_CACHE_HOME/netsight, else ~/.cache/netsight; empty when none can be named.
std::string defaultCacheDirectory();

/// A short description of every source kind and its options, for --help texts.
std::string sourceHelp();

}  // namespace netsight::data
