#include <algorithm>
#include <array>
#include <filesystem>
#include <list>
#include <map>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <unordered_map>

#include "data/FolderIndex.h"
#include "netsight/data/DataError.h"
#include "netsight/data/FileSources.h"
#include "netsight/data/Splits.h"

namespace fs = std::filesystem;

namespace netsight::data {
namespace {

struct Entry {
    fs::path file;
    std::int64_t label = 0;
    int split = 0;  // index into kAllSplits
};

std::vector<fs::path> sortedChildren(const fs::path& directory, bool directories) {
    std::vector<fs::path> children;
    for (const auto& entry : fs::directory_iterator(directory)) {
        const std::string name = entry.path().filename().string();
        if (name.empty() || name[0] == '.') continue;
        if (directories ? entry.is_directory() : entry.is_regular_file()) children.push_back(entry.path());
    }
    std::sort(children.begin(), children.end());
    return children;
}

std::optional<fs::path> childNamed(const fs::path& directory, std::initializer_list<const char*> names) {
    for (const char* name : names)
        if (fs::is_directory(directory / name)) return directory / name;
    return std::nullopt;
}

// `decoded` as planar 8-bit bytes of `shape` (grey or RGB, resized: area when shrinking).
void toPlanar(const cv::Mat& decoded, const ImageShape& shape, std::uint8_t* target) {
    cv::Mat image = decoded;
    if (shape.channels == 1 && image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_BGR2GRAY);
    if (shape.channels == 3 && image.channels() == 1) cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);
    if (image.rows != shape.height || image.cols != shape.width) {
        const bool shrinking = image.rows > shape.height || image.cols > shape.width;
        cv::resize(image, image, cv::Size(shape.width, shape.height), 0, 0,
                   shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    const std::size_t planeSize = static_cast<std::size_t>(shape.height) * shape.width;
    for (int y = 0; y < shape.height; ++y) {
        const std::uint8_t* row = image.ptr<std::uint8_t>(y);
        for (int x = 0; x < shape.width; ++x) {
            const std::size_t pixel = static_cast<std::size_t>(y) * shape.width + x;
            if (shape.channels == 1) {
                target[pixel] = row[x];
            } else {  // BGR -> planar RGB
                for (int c = 0; c < 3; ++c)
                    target[c * planeSize + pixel] = row[x * 3 + (2 - c)];
            }
        }
    }
}

// The largest JPEG reduction (8, 4, 2) that still decodes at least `shape`'s size.
int reductionFor(const IndexedFile& file, const ImageShape& shape) {
    for (int reduce : {8, 4, 2})
        if ((file.rows + reduce - 1) / reduce >= shape.height &&
            (file.cols + reduce - 1) / reduce >= shape.width)
            return reduce;
    return 1;
}

// A folder of images decoded on demand: only the index (path, label, split) is held, and the images
// decoded last are kept in a bounded cache (least recently used first out). The data loader's workers
// decode in parallel and ahead of the consumer.
class FolderDataset : public Dataset {
  public:
    FolderDataset(DatasetInfo info, std::vector<IndexedFile> files, std::vector<std::int64_t> labels,
                  std::array<std::vector<std::size_t>, 3> splits, std::size_t cacheBytes)
        : info_(std::move(info)),
          files_(std::move(files)),
          labels_(std::move(labels)),
          splits_(std::move(splits)),
          cacheBytes_(cacheBytes) {}

    const DatasetInfo& info() const override { return info_; }
    std::size_t size(Split split) const override { return splits_[static_cast<int>(split)].size(); }

    Sample sample(Split split, std::size_t index) const override {
        const auto& members = splits_[static_cast<int>(split)];
        if (index >= members.size())
            throw std::out_of_range(info_.source + ": index " + std::to_string(index) + " is past the " +
                                    toString(split) + " split's " + std::to_string(members.size()) +
                                    " samples");
        const std::size_t fileIndex = members[index];
        const std::shared_ptr<const std::vector<std::uint8_t>> bytes = bytesOf(fileIndex);
        Sample sample;
        sample.image = Image(info_.shape);
        constexpr float kScale = 1.0f / 255.0f;
        for (std::size_t i = 0; i < bytes->size(); ++i)
            sample.image.pixels[i] = static_cast<float>((*bytes)[i]) * kScale;
        sample.label = labels_[fileIndex];
        return sample;
    }

  private:
    using Bytes = std::shared_ptr<const std::vector<std::uint8_t>>;

    Bytes bytesOf(std::size_t fileIndex) const {
        {
            std::lock_guard lock(mutex_);
            const auto found = cache_.find(fileIndex);
            if (found != cache_.end()) {
                recent_.splice(recent_.begin(), recent_, found->second.second);
                return found->second.first;
            }
        }
        const IndexedFile& file = files_[fileIndex];
        const cv::Mat decoded = decodeImage(file.file, reductionFor(file, info_.shape));
        if (decoded.empty())
            throw DataError(
                info_.source + ": " + file.file.string() +
                " can no longer be read (it was an image when the folder was indexed); restore it, or "
                "open the folder again to index it anew");
        auto bytes = std::make_shared<std::vector<std::uint8_t>>(info_.shape.elementCount());
        toPlanar(decoded, info_.shape, bytes->data());
        std::lock_guard lock(mutex_);
        if (bytes->size() > cacheBytes_ || cache_.count(fileIndex)) return bytes;
        recent_.push_front(fileIndex);
        cache_.emplace(fileIndex, std::make_pair(Bytes(bytes), recent_.begin()));
        held_ += bytes->size();
        while (held_ > cacheBytes_) {
            const std::size_t oldest = recent_.back();
            recent_.pop_back();
            const auto found = cache_.find(oldest);
            held_ -= found->second.first->size();
            cache_.erase(found);
        }
        return bytes;
    }

    DatasetInfo info_;
    std::vector<IndexedFile> files_;
    std::vector<std::int64_t> labels_;
    std::array<std::vector<std::size_t>, 3> splits_;  // file indices per split
    std::size_t cacheBytes_;

    mutable std::mutex mutex_;
    mutable std::list<std::size_t> recent_;  // most recent first
    mutable std::unordered_map<std::size_t, std::pair<Bytes, std::list<std::size_t>::iterator>> cache_;
    mutable std::size_t held_ = 0;
};

}  // namespace

std::unique_ptr<Dataset> openFolderSource(const SourceSpec& spec, const OpenOptions& openOptions) {
    SourceOptions options(spec);
    const double validationFraction = options.number("val", 0.1, 0.0, 0.9);
    const double testFraction = options.number("test", 0.1, 0.0, 0.9);
    const auto seed = static_cast<std::uint64_t>(options.integer("seed", 0, 0, INT64_MAX));
    const int requestedSize = static_cast<int>(options.integer("size", 0, 0, 4096));
    const int requestedChannels = static_cast<int>(options.integer("channels", 0, 0, 3));
    const auto cacheMegabytes = static_cast<std::size_t>(options.integer("cache", 1024, 0, 1 << 20));
    options.rejectUnknown();
    if (requestedChannels == 2) throw DataError(spec.text + ": option channels must be 1 or 3");
    if (validationFraction + testFraction >= 1.0)
        throw DataError(spec.text + ": val + test fractions must leave something to train on");

    const fs::path root(spec.path);
    if (!fs::is_directory(root))
        throw DataError(spec.text + ": directory " + root.string() + " does not exist");

    // Either root/<class>/... (split here, seeded) or root/train|val|test/<class>/... (splits given).
    const auto trainDir = childNamed(root, {"train", "training"});
    const auto testDir = childNamed(root, {"test", "testing"});
    const bool explicitSplits = trainDir && testDir;
    std::vector<std::pair<int, fs::path>> splitRoots;
    if (explicitSplits) {
        splitRoots.push_back({0, *trainDir});
        if (auto validationDir = childNamed(root, {"val", "validation", "valid"}))
            splitRoots.push_back({1, *validationDir});
        splitRoots.push_back({2, *testDir});
    } else {
        splitRoots.push_back({0, root});
    }

    DatasetInfo info;
    info.source = spec.text;
    info.name = "Image folder (" + root.string() + ")";
    std::map<std::string, std::int64_t> classIndex;
    for (const auto& classDir : sortedChildren(splitRoots.front().second, true)) {
        classIndex[classDir.filename().string()] = static_cast<std::int64_t>(info.classNames.size());
        info.classNames.push_back(classDir.filename().string());
    }
    if (info.classNames.empty())
        throw DataError(spec.text + ": " + splitRoots.front().second.string() +
                        " has no sub-folders; put each class's images in a folder named after the class");

    std::vector<Entry> entries;
    std::vector<std::pair<fs::path, std::size_t>> classFolders;  // folder, first entry index
    for (const auto& [split, splitRoot] : splitRoots) {
        for (const auto& classDir : sortedChildren(splitRoot, true)) {
            const auto found = classIndex.find(classDir.filename().string());
            if (found == classIndex.end())
                throw DataError(spec.text + ": class folder " + classDir.string() +
                                " has no counterpart in " + splitRoots.front().second.string());
            classFolders.push_back({classDir, entries.size()});
            for (const auto& file : sortedChildren(classDir, false))
                entries.push_back({file, found->second, split});
        }
    }

    std::vector<IndexedFile> files(entries.size());
    for (std::size_t i = 0; i < entries.size(); ++i)
        files[i].file = entries[i].file;
    const std::string cacheDirectory =
        openOptions.cacheDirectory.empty() ? defaultCacheDirectory() : openOptions.cacheDirectory;
    const FolderIndexReport indexed = indexFolder(root, files, cacheDirectory, openOptions.progress);
    if (!indexed.saveError.empty())
        info.warnings.push_back("the folder's index was not saved (" + indexed.saveError +
                                "); it is built again next time");

    // Every class folder must hold at least one readable image.
    for (std::size_t f = 0; f < classFolders.size(); ++f) {
        const std::size_t begin = classFolders[f].second;
        const std::size_t end = f + 1 < classFolders.size() ? classFolders[f + 1].second : entries.size();
        const bool anyReadable = std::any_of(files.begin() + static_cast<std::ptrdiff_t>(begin),
                                             files.begin() + static_cast<std::ptrdiff_t>(end),
                                             [](const IndexedFile& file) { return file.readable(); });
        if (!anyReadable)
            throw DataError(spec.text + ": class folder " + classFolders[f].first.string() +
                            (begin == end ? std::string(" is empty")
                                          : " holds " + std::to_string(end - begin) +
                                                " files but no image OpenCV can read") +
                            "; add images or remove the folder");
    }

    std::vector<std::string> unreadable;
    const IndexedFile* first = nullptr;
    bool allGrey = true;
    for (const IndexedFile& file : files) {
        if (!file.readable()) {
            unreadable.push_back(file.file.string());
            continue;
        }
        if (!first) first = &file;
        allGrey = allGrey && file.channels == 1;
    }
    info.shape.channels = requestedChannels ? requestedChannels : (allGrey ? 1 : 3);
    info.shape.height = requestedSize ? requestedSize : first->rows;
    info.shape.width = requestedSize ? requestedSize : first->cols;
    if (!unreadable.empty()) {
        std::string message = "skipped " + std::to_string(unreadable.size()) + " unreadable file(s) of " +
                              std::to_string(entries.size()) + ":";
        for (std::size_t i = 0; i < std::min<std::size_t>(unreadable.size(), 5); ++i)
            message += " " + unreadable[i];
        if (unreadable.size() > 5) message += " ...";
        info.warnings.push_back(message);
    }

    // The readable files, their labels, and the members of each split.
    std::vector<IndexedFile> kept;
    std::vector<std::int64_t> labels;
    std::array<std::vector<std::size_t>, 3> splits;
    std::size_t resized = 0;
    for (std::size_t i = 0; i < files.size(); ++i) {
        if (!files[i].readable()) continue;
        if (files[i].rows != info.shape.height || files[i].cols != info.shape.width) ++resized;
        splits[entries[i].split].push_back(kept.size());
        kept.push_back(std::move(files[i]));
        labels.push_back(entries[i].label);
    }
    if (resized > 0 && requestedSize == 0)
        info.warnings.push_back("resized " + std::to_string(resized) + " image(s) to " +
                                std::to_string(info.shape.width) + "x" + std::to_string(info.shape.height) +
                                " (the first image's size; set size=N to choose)");

    if (!explicitSplits || splits[1].empty()) {
        std::vector<std::int64_t> trainLabels;
        for (std::size_t member : splits[0])
            trainLabels.push_back(labels[member]);
        const SplitIndices divided =
            stratifiedSplit(trainLabels, validationFraction, explicitSplits ? 0.0 : testFraction, seed);
        const std::vector<std::size_t> pool = std::move(splits[0]);
        auto pick = [&](const std::vector<std::size_t>& positions) {
            std::vector<std::size_t> members;
            members.reserve(positions.size());
            for (std::size_t position : positions)
                members.push_back(pool[position]);
            return members;
        };
        splits[0] = pick(divided.train);
        splits[1] = pick(divided.validation);
        if (!explicitSplits) splits[2] = pick(divided.test);
    }
    return std::make_unique<FolderDataset>(std::move(info), std::move(kept), std::move(labels),
                                           std::move(splits), cacheMegabytes << 20);
}

}  // namespace netsight::data
