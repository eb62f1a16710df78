// Fuzzes the idx: source: the input is split into an images file (written gzipped, so the gzip path
// is read) and a labels file (written plain); both serve as the training and the test pair.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>

#include "FuzzSupport.h"
#include "TempDir.h"
#include "netsight/data/FileSources.h"
#include "netsight/data/SourceSpec.h"

namespace netsight::fuzz {

int fuzzIdxSource(const std::uint8_t* data, std::size_t size) {
    static const test::TempDir directory;
    const TwoParts parts = splitInput(data, size);
    for (const char* prefix : {"train", "t10k"}) {
        writeGzipFile(directory / (std::string(prefix) + "-images-idx3-ubyte.gz"), parts.first);
        writeFile(directory / (std::string(prefix) + "-labels-idx1-ubyte"), parts.second);
    }
    const std::string where = directory.path().string();
    try {
        const auto dataset = data::openIdxSource(data::parseSource("idx:" + where));
        for (data::Split split : data::kAllSplits) {
            const std::size_t count = dataset->size(split);
            if (count == 0) continue;
            for (std::size_t index : {std::size_t(0), count - 1}) {
                const data::Sample sample = dataset->sample(split, index);
                if (sample.image.shape != dataset->info().shape)
                    fail(where + ": a sample's shape differs from the dataset's");
                if (sample.label < 0 ||
                    sample.label >= static_cast<std::int64_t>(dataset->info().classNames.size()))
                    fail(where + ": label " + std::to_string(sample.label) + " has no class name");
            }
        }
    } catch (const std::exception& error) {
        expectNamed(error, where);
    }
    return 0;
}

}  // namespace netsight::fuzz

#ifndef NETSIGHT_FUZZ_REPLAY
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return netsight::fuzz::fuzzIdxSource(data, size);
}
#endif
