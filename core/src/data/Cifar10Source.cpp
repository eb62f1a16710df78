#include <filesystem>
#include <fstream>

#include "netsight/data/DataError.h"
#include "netsight/data/FileSources.h"
#include "netsight/data/MemoryDataset.h"

namespace fs = std::filesystem;

namespace netsight::data {
namespace {

constexpr std::size_t kImageBytes = 3 * 32 * 32;
constexpr std::size_t kRecordBytes = 1 + kImageBytes;

void appendBatch(const fs::path& file, std::size_t classCount, ByteImages& target) {
    std::ifstream stream(file, std::ios::binary);
    if (!stream) throw DataError(file.string() + ": cannot open the file");
    const std::vector<char> content((std::istreambuf_iterator<char>(stream)),
                                    std::istreambuf_iterator<char>());
    if (content.empty() || content.size() % kRecordBytes != 0)
        throw DataError(file.string() + ": size " + std::to_string(content.size()) +
                        " bytes is not a multiple of 3,073 (one label byte + 32x32x3 pixels); the file is "
                        "truncated or not from the CIFAR-10 binary version");
    const std::size_t records = content.size() / kRecordBytes;
    for (std::size_t r = 0; r < records; ++r) {
        const auto* record = reinterpret_cast<const std::uint8_t*>(content.data()) + r * kRecordBytes;
        if (record[0] >= classCount)
            throw DataError(file.string() + ": record " + std::to_string(r) + " has label " +
                            std::to_string(record[0]) + " but there are only " + std::to_string(classCount) +
                            " classes");
        target.labels.push_back(record[0]);
        target.bytes.insert(target.bytes.end(), record + 1, record + kRecordBytes);  // already planar RGB
    }
}

std::vector<std::string> readClassNames(const fs::path& directory, const std::string& source) {
    std::vector<std::string> names;
    const fs::path meta = directory / "batches.meta.txt";
    std::ifstream stream(meta);
    if (stream) {
        std::string line;
        while (std::getline(stream, line)) {
            while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
                line.pop_back();
            if (!line.empty()) names.push_back(line);
        }
    }
    if (names.empty()) {
        names = {"airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"};
    }
    return names;
}

}  // namespace

std::unique_ptr<Dataset> openCifar10Source(const SourceSpec& spec) {
    SourceOptions options(spec);
    const double validationFraction = options.number("val", 0.1, 0.0, 0.9);
    const auto seed = static_cast<std::uint64_t>(options.integer("seed", 0, 0, INT64_MAX));
    options.rejectUnknown();

    fs::path directory(spec.path);
    if (!fs::is_directory(directory))
        throw DataError(spec.text + ": directory " + directory.string() + " does not exist");
    // The official archive unpacks into cifar-10-batches-bin/; accept its parent too.
    if (!fs::exists(directory / "test_batch.bin") && fs::is_directory(directory / "cifar-10-batches-bin"))
        directory /= "cifar-10-batches-bin";

    DatasetInfo info;
    info.source = spec.text;
    info.name = "CIFAR-10 (" + directory.string() + ")";
    info.shape = {3, 32, 32};
    info.classNames = readClassNames(directory, spec.text);
    if (!fs::exists(directory / "batches.meta.txt"))
        info.warnings.push_back(directory.string() +
                                ": no batches.meta.txt, using the standard CIFAR-10 class names");

    ByteImages trainPool;
    int batches = 0;
    for (int b = 1; b <= 5; ++b) {
        const fs::path file = directory / ("data_batch_" + std::to_string(b) + ".bin");
        if (!fs::exists(file)) {
            info.warnings.push_back(file.string() + " is missing; training on the other batches");
            continue;
        }
        appendBatch(file, info.classNames.size(), trainPool);
        ++batches;
    }
    if (batches == 0)
        throw DataError(spec.text + ": no data_batch_1.bin .. data_batch_5.bin in " + directory.string() +
                        " — point cifar10: at the folder of the CIFAR-10 binary version");
    const fs::path testFile = directory / "test_batch.bin";
    if (!fs::exists(testFile)) throw DataError(spec.text + ": " + testFile.string() + " is missing");
    ByteImages test;
    appendBatch(testFile, info.classNames.size(), test);

    const SplitIndices splits = stratifiedSplit(trainPool.labels, validationFraction, 0.0, seed);
    return std::make_unique<MemoryDataset>(std::move(info), trainPool.select(splits.train, kImageBytes),
                                           trainPool.select(splits.validation, kImageBytes), std::move(test));
}

}  // namespace netsight::data
