#include <algorithm>
#include <filesystem>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <optional>
#include <thread>

#include "netsight/data/DataError.h"
#include "netsight/data/FileSources.h"
#include "netsight/data/MemoryDataset.h"

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

// Decodes with OpenCV to 8-bit grey or BGR; an empty Mat if the file is not a readable image.
cv::Mat decode(const fs::path& file) {
    cv::Mat image = cv::imread(file.string(), cv::IMREAD_UNCHANGED);
    if (image.empty()) return image;
    if (image.depth() == CV_16U)
        image.convertTo(image, CV_8U, 1.0 / 257.0);
    else if (image.depth() == CV_32F)
        image.convertTo(image, CV_8U, 255.0);
    else if (image.depth() != CV_8U)
        return {};
    if (image.channels() == 4)
        cv::cvtColor(image, image, cv::COLOR_BGRA2BGR);
    else if (image.channels() == 2)
        return {};
    return image;
}

std::vector<cv::Mat> decodeAll(const std::vector<Entry>& entries) {
    std::vector<cv::Mat> images(entries.size());
    const unsigned threads = std::max(1u, std::min(8u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            for (std::size_t i = t; i < entries.size(); i += threads)
                images[i] = decode(entries[i].file);
        });
    for (auto& thread : pool)
        thread.join();
    return images;
}

void appendPlanar(const cv::Mat& decoded, const ImageShape& shape, std::vector<std::uint8_t>& target) {
    cv::Mat image = decoded;
    if (shape.channels == 1 && image.channels() == 3) cv::cvtColor(image, image, cv::COLOR_BGR2GRAY);
    if (shape.channels == 3 && image.channels() == 1) cv::cvtColor(image, image, cv::COLOR_GRAY2BGR);
    if (image.rows != shape.height || image.cols != shape.width) {
        const bool shrinking = image.rows > shape.height || image.cols > shape.width;
        cv::resize(image, image, cv::Size(shape.width, shape.height), 0, 0,
                   shrinking ? cv::INTER_AREA : cv::INTER_LINEAR);
    }
    const std::size_t planeSize = static_cast<std::size_t>(shape.height) * shape.width;
    const std::size_t start = target.size();
    target.resize(start + planeSize * shape.channels);
    for (int y = 0; y < shape.height; ++y) {
        const std::uint8_t* row = image.ptr<std::uint8_t>(y);
        for (int x = 0; x < shape.width; ++x) {
            const std::size_t pixel = static_cast<std::size_t>(y) * shape.width + x;
            if (shape.channels == 1) {
                target[start + pixel] = row[x];
            } else {  // BGR -> planar RGB
                for (int c = 0; c < 3; ++c)
                    target[start + c * planeSize + pixel] = row[x * 3 + (2 - c)];
            }
        }
    }
}

}  // namespace

std::unique_ptr<Dataset> openFolderSource(const SourceSpec& spec) {
    SourceOptions options(spec);
    const double validationFraction = options.number("val", 0.1, 0.0, 0.9);
    const double testFraction = options.number("test", 0.1, 0.0, 0.9);
    const auto seed = static_cast<std::uint64_t>(options.integer("seed", 0, 0, INT64_MAX));
    const int requestedSize = static_cast<int>(options.integer("size", 0, 0, 4096));
    const int requestedChannels = static_cast<int>(options.integer("channels", 0, 0, 3));
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

    const std::vector<cv::Mat> decoded = decodeAll(entries);

    // Every class folder must hold at least one readable image.
    for (std::size_t f = 0; f < classFolders.size(); ++f) {
        const std::size_t begin = classFolders[f].second;
        const std::size_t end = f + 1 < classFolders.size() ? classFolders[f + 1].second : entries.size();
        const bool anyReadable = std::any_of(decoded.begin() + begin, decoded.begin() + end,
                                             [](const cv::Mat& m) { return !m.empty(); });
        if (!anyReadable)
            throw DataError(spec.text + ": class folder " + classFolders[f].first.string() +
                            (begin == end ? std::string(" is empty")
                                          : " holds " + std::to_string(end - begin) +
                                                " files but no image OpenCV can read") +
                            "; add images or remove the folder");
    }

    std::vector<std::string> unreadable;
    const cv::Mat* first = nullptr;
    bool allGrey = true;
    for (std::size_t i = 0; i < decoded.size(); ++i) {
        if (decoded[i].empty()) {
            unreadable.push_back(entries[i].file.string());
            continue;
        }
        if (!first) first = &decoded[i];
        allGrey = allGrey && decoded[i].channels() == 1;
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

    std::size_t resized = 0;
    std::array<ByteImages, 3> pools;
    for (std::size_t i = 0; i < decoded.size(); ++i) {
        if (decoded[i].empty()) continue;
        if (decoded[i].rows != info.shape.height || decoded[i].cols != info.shape.width) ++resized;
        ByteImages& pool = pools[entries[i].split];
        appendPlanar(decoded[i], info.shape, pool.bytes);
        pool.labels.push_back(entries[i].label);
    }
    if (resized > 0 && requestedSize == 0)
        info.warnings.push_back("resized " + std::to_string(resized) + " image(s) to " +
                                std::to_string(info.shape.width) + "x" + std::to_string(info.shape.height) +
                                " (the first image's size; set size=N to choose)");

    const std::size_t itemBytes = info.shape.elementCount();
    if (!explicitSplits || pools[1].labels.empty()) {
        const SplitIndices splits =
            stratifiedSplit(pools[0].labels, validationFraction, explicitSplits ? 0.0 : testFraction, seed);
        ByteImages all = std::move(pools[0]);
        pools[0] = all.select(splits.train, itemBytes);
        pools[1] = all.select(splits.validation, itemBytes);
        if (!explicitSplits) pools[2] = all.select(splits.test, itemBytes);
    }
    return std::make_unique<MemoryDataset>(std::move(info), std::move(pools[0]), std::move(pools[1]),
                                           std::move(pools[2]));
}

}  // namespace netsight::data
