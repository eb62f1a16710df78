#pragma once

// The index of an image folder: for every file, whether OpenCV reads it and its size and channels, so that
// a folder dataset can be opened without holding its images (they are decoded on demand). Building it
// decodes each file once; it is saved in a cache directory and reused for the files whose size and
// modification time have not changed.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

namespace netsight::data {

struct IndexedFile {
    std::filesystem::path file;
    std::int64_t bytes = 0;     ///< file size when indexed
    std::int64_t modified = 0;  ///< modification time when indexed (file clock ticks)
    int channels = 0;           ///< 1 or 3 once decoded; 0: not an image OpenCV can read
    int rows = 0;
    int cols = 0;

    bool readable() const { return channels > 0; }
};

struct FolderIndexReport {
    std::size_t decoded = 0;  ///< files decoded now (the rest came from the saved index)
    std::string saveError;    ///< why the index could not be saved, or empty
};

/// Fills in channels, rows and cols of `files` (their paths set), from the index saved for `root` in
/// `cacheDirectory` where a file's size and modification time match, else by decoding it (on every core).
/// Saves the result there when anything changed (`cacheDirectory` empty: nothing is saved or read).
/// `progress(done, total)` is called from this thread now and then while decoding; it may throw to stop.
FolderIndexReport indexFolder(const std::filesystem::path& root, std::vector<IndexedFile>& files,
                              const std::string& cacheDirectory,
                              const std::function<void(std::size_t, std::size_t)>& progress);

/// Decodes `file` with OpenCV to 8-bit grey or BGR (16-bit and float images scaled, alpha dropped); an empty
/// Mat when it is not an image OpenCV reads. `reduce` (1, 2, 4 or 8) lets a JPEG decode at 1/reduce of its
/// size (its DCT scaled: far faster when the image is shrunk anyway); other formats ignore it.
cv::Mat decodeImage(const std::filesystem::path& file, int reduce = 1);

}  // namespace netsight::data
