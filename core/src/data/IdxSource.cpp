#include <algorithm>
#include <filesystem>

#include "netsight/data/DataError.h"
#include "netsight/data/FileSources.h"
#include "netsight/data/IdxFile.h"
#include "netsight/data/MemoryDataset.h"

namespace fs = std::filesystem;

namespace netsight::data {
namespace {

const std::vector<std::string> kFashionClasses = {
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

// Finds e.g. train-images-idx3-ubyte, train-images.idx3-ubyte or either with .gz.
std::string findIdxFile(const fs::path& directory, const std::vector<std::string>& prefixes,
                        const std::string& what, const std::string& source) {
    std::vector<fs::path> candidates;
    for (const auto& entry : fs::directory_iterator(directory)) {
        if (!entry.is_regular_file()) continue;
        const std::string name = entry.path().filename().string();
        for (const auto& prefix : prefixes)
            if (name.rfind(prefix, 0) == 0 && name.find(what) != std::string::npos &&
                name.find("idx") != std::string::npos)
                candidates.push_back(entry.path());
    }
    if (candidates.empty())
        throw DataError(source + ": no " + prefixes.front() + " " + what + " file in " + directory.string() +
                        " (expected a name like " + prefixes.front() + "-" + what + "-idx" +
                        (what == "images" ? "3" : "1") + "-ubyte[.gz])");
    std::sort(candidates.begin(), candidates.end());
    return candidates.front().string();
}

ByteImages readPair(const std::string& imagesPath, const std::string& labelsPath, ImageShape& shape) {
    IdxArray images = readIdxFile(imagesPath);
    IdxArray labels = readIdxFile(labelsPath);
    if (images.dims.size() != 3)
        throw DataError(imagesPath + ": expected 3 dimensions (count, height, width), found " +
                        std::to_string(images.dims.size()));
    if (labels.dims.size() != 1)
        throw DataError(labelsPath + ": expected 1 dimension (count), found " +
                        std::to_string(labels.dims.size()));
    if (images.itemCount() != labels.itemCount())
        throw DataError(imagesPath + " holds " + std::to_string(images.itemCount()) + " images but " +
                        labelsPath + " holds " + std::to_string(labels.itemCount()) +
                        " labels; they must match — are the files from the same release?");
    const ImageShape found{1, images.dims[1], images.dims[2]};
    if (shape.elementCount() != 0 && found != shape)
        throw DataError(imagesPath + ": images are " + toString(found) + " but the training images are " +
                        toString(shape));
    shape = found;
    ByteImages result;
    result.bytes = std::move(images.bytes);
    result.labels.assign(labels.bytes.begin(), labels.bytes.end());
    return result;
}

}  // namespace

std::unique_ptr<Dataset> openIdxSource(const SourceSpec& spec) {
    SourceOptions options(spec);
    const double validationFraction = options.number("val", 0.1, 0.0, 0.9);
    const auto seed = static_cast<std::uint64_t>(options.integer("seed", 0, 0, INT64_MAX));
    options.rejectUnknown();

    const bool fashion = spec.kind == "fashion-mnist";
    const fs::path directory = fashion ? fs::path(kFashionMnistDir) : fs::path(spec.path);
    if (!fs::is_directory(directory))
        throw DataError(spec.text + ": directory " + directory.string() + " does not exist" +
                        (fashion ? std::string(" — install Debian's package dataset-fashion-mnist "
                                               "(sudo apt-get install dataset-fashion-mnist)")
                                 : std::string()));

    ImageShape shape;
    ByteImages trainPool = readPair(findIdxFile(directory, {"train"}, "images", spec.text),
                                    findIdxFile(directory, {"train"}, "labels", spec.text), shape);
    ByteImages test = readPair(findIdxFile(directory, {"t10k", "test"}, "images", spec.text),
                               findIdxFile(directory, {"t10k", "test"}, "labels", spec.text), shape);

    DatasetInfo info;
    info.source = spec.text;
    info.shape = shape;
    std::int64_t maxLabel = 0;
    for (auto label : trainPool.labels)
        maxLabel = std::max(maxLabel, label);
    for (auto label : test.labels)
        maxLabel = std::max(maxLabel, label);
    if (fashion) {
        info.name = "Fashion-MNIST";
        info.classNames = kFashionClasses;
        if (maxLabel >= static_cast<std::int64_t>(kFashionClasses.size()))
            throw DataError(spec.text + ": label " + std::to_string(maxLabel) +
                            " found, Fashion-MNIST has 10 classes");
    } else {
        info.name = (spec.kind == "mnist" ? "MNIST (" : "IDX (") + directory.string() + ")";
        for (std::int64_t c = 0; c <= maxLabel; ++c)
            info.classNames.push_back(std::to_string(c));
    }

    const SplitIndices splits = stratifiedSplit(trainPool.labels, validationFraction, 0.0, seed);
    const std::size_t itemBytes = shape.elementCount();
    return std::make_unique<MemoryDataset>(std::move(info), trainPool.select(splits.train, itemBytes),
                                           trainPool.select(splits.validation, itemBytes), std::move(test));
}

}  // namespace netsight::data
