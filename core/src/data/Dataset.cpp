#include "netsight/data/Dataset.h"

#include <cstdlib>

#include "netsight/data/DataError.h"
#include "netsight/data/FactorWorldDataset.h"
#include "netsight/data/FileSources.h"
#include "netsight/data/SourceSpec.h"

namespace netsight::data {

std::string toString(Split split) {
    switch (split) {
        case Split::Train:
            return "train";
        case Split::Validation:
            return "val";
        case Split::Test:
            return "test";
    }
    return "?";
}

Split parseSplit(const std::string& text) {
    if (text == "train") return Split::Train;
    if (text == "val" || text == "validation") return Split::Validation;
    if (text == "test") return Split::Test;
    throw DataError("unknown split '" + text + "'; use train, val or test");
}

std::string defaultCacheDirectory() {
    if (const char* own = std::getenv("NETSIGHT_CACHE_DIR"); own && *own) return own;
    if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg && *xdg) return std::string(xdg) + "/netsight";
    if (const char* home = std::getenv("HOME"); home && *home) return std::string(home) + "/.cache/netsight";
    return {};
}

std::unique_ptr<Dataset> openDataset(const std::string& source) {
    return openDataset(source, OpenOptions{});
}

std::unique_ptr<Dataset> openDataset(const std::string& source, const OpenOptions& options) {
    const SourceSpec spec = parseSource(source);
    if (spec.kind == "fashion-mnist" || spec.kind == "mnist" || spec.kind == "idx")
        return openIdxSource(spec);
    if (spec.kind == "cifar10") return openCifar10Source(spec);
    if (spec.kind == "folder") return openFolderSource(spec, options);
    return std::make_unique<FactorWorldDataset>(factorWorldOptions(spec), source);
}

std::string sourceHelp() {
    return R"(Data sources:
  factorworld[:key=value,...]  generated objects with known factors (the default; no files needed)
      classes=10 size=64 grey=0 train=6000 val=1000 test=1000 seed=1
      rotation=180 yaw=30 pitch=30 (max |degrees|; 0 holds a factor fixed)
      scale_min=0.75 scale_max=1.1 translate=0.1 light_min=0.2 light_max=0.7 bg_min=0.15 bg_max=0.85
      cue=mark cue_p=0.95 (a spurious cue: a square in the top-left corner whose colour names the class with probability
      cue_p in train and val, at random in test)
  fashion-mnist                Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist)
  mnist:DIR, idx:DIR           IDX files train-images/-labels and t10k-images/-labels, plain or .gz
  cifar10:DIR                  CIFAR-10 binary version: data_batch_1..5.bin, test_batch.bin
  folder:DIR                   DIR/<class>/<images>, or DIR/train|val|test/<class>/<images>
      size=N (square, default: the first image's) channels=1|3 (default: 1 if all are grey)
      cache=1024 (MB of decoded images kept; images are read from disk as needed, after a one-time index)
  File sources also take ,val=0.1 (validation share of train) and ,seed=0; folder also ,test=0.1.
  Example: folder:/data/pets,size=64,val=0.2)";
}

}  // namespace netsight::data
