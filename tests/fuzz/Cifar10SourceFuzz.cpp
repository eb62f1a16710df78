// Fuzzes the cifar10: source: the input is split into batches.meta.txt (left out when empty) and a
// batch file that serves as data_batch_1.bin and as test_batch.bin.
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>

#include "FuzzSupport.h"
#include "TempDir.h"
#include "netsight/data/FileSources.h"
#include "netsight/data/SourceSpec.h"

namespace netsight::fuzz {

int fuzzCifar10Source(const std::uint8_t* data, std::size_t size) {
    static const test::TempDir directory;
    const TwoParts parts = splitInput(data, size);
    std::error_code ignored;
    std::filesystem::remove(directory / "batches.meta.txt", ignored);
    if (!parts.first.empty()) writeFile(directory / "batches.meta.txt", parts.first);
    writeFile(directory / "data_batch_1.bin", parts.second);
    writeFile(directory / "test_batch.bin", parts.second);
    const std::string where = directory.path().string();
    try {
        const auto dataset = data::openCifar10Source(data::parseSource("cifar10:" + where));
        const data::DatasetInfo& info = dataset->info();
        if (dataset->size(data::Split::Test) * 3073 != parts.second.size())
            fail(where + ": the test split does not hold every record");
        for (data::Split split : data::kAllSplits)
            for (std::size_t index = 0; index < dataset->size(split); ++index) {
                const data::Sample sample = dataset->sample(split, index);
                if (sample.label < 0 || sample.label >= static_cast<std::int64_t>(info.classNames.size()))
                    fail(where + ": label " + std::to_string(sample.label) + " has no class name");
            }
        for (const auto& name : info.classNames)
            if (name.empty()) fail(where + ": an empty class name");
    } catch (const std::exception& error) {
        expectNamed(error, where);
    }
    return 0;
}

}  // namespace netsight::fuzz

#ifndef NETSIGHT_FUZZ_REPLAY
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return netsight::fuzz::fuzzCifar10Source(data, size);
}
#endif
