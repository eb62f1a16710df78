#include "data/FolderIndex.h"

#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <fstream>
#include <mutex>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>
#include <system_error>
#include <thread>
#include <unordered_map>

namespace fs = std::filesystem;

namespace netsight::data {
namespace {

constexpr const char* kIndexHeader = "netsight-folder-index 1";

bool isJpeg(const fs::path& file) {
    std::string extension = file.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return extension == ".jpg" || extension == ".jpeg" || extension == ".jpe";
}

// A stable name for the index of `root`: FNV-1a of its absolute path.
std::string indexFileName(const fs::path& root) {
    std::uint64_t hash = 0xcbf29ce484222325ull;
    for (unsigned char c : fs::absolute(root).lexically_normal().string()) {
        hash ^= c;
        hash *= 0x100000001b3ull;
    }
    std::ostringstream name;
    name << "folder-" << std::hex << hash << ".tsv";
    return name.str();
}

struct SavedEntry {
    std::int64_t bytes, modified;
    int channels, rows, cols;
};

// relative path -> entry, from a saved index of `root` (empty when there is none or it is for another
// folder).
std::unordered_map<std::string, SavedEntry> readSavedIndex(const fs::path& indexFile, const fs::path& root) {
    std::unordered_map<std::string, SavedEntry> saved;
    std::ifstream in(indexFile);
    std::string line;
    if (!std::getline(in, line) || line != kIndexHeader) return saved;
    if (!std::getline(in, line) || line != fs::absolute(root).lexically_normal().string()) return saved;
    while (std::getline(in, line)) {
        const auto tab = line.find('\t');
        if (tab == std::string::npos) continue;
        std::istringstream fields(line.substr(tab + 1));
        SavedEntry entry{};
        if (fields >> entry.bytes >> entry.modified >> entry.channels >> entry.rows >> entry.cols)
            saved.emplace(line.substr(0, tab), entry);
    }
    return saved;
}

std::string saveIndex(const fs::path& indexFile, const fs::path& root,
                      const std::vector<IndexedFile>& files) {
    std::error_code error;
    fs::create_directories(indexFile.parent_path(), error);
    if (error) return "cannot create " + indexFile.parent_path().string() + ": " + error.message();
    // Unique per host, process and call: nodes of a cluster may share the cache folder.
    static std::atomic<unsigned> calls{0};
    char host[64] = {};
    ::gethostname(host, sizeof host - 1);
    const fs::path temporary = indexFile.string() + ".tmp-" + host + "-" + std::to_string(::getpid()) + "-" +
                               std::to_string(calls++);
    {
        std::ofstream out(temporary);
        out << kIndexHeader << '\n' << fs::absolute(root).lexically_normal().string() << '\n';
        for (const IndexedFile& file : files) {
            const std::string relative = file.file.lexically_relative(root).string();
            if (relative.find_first_of("\t\n") != std::string::npos) continue;  // decoded again next time
            out << relative << '\t' << file.bytes << ' ' << file.modified << ' ' << file.channels << ' '
                << file.rows << ' ' << file.cols << '\n';
        }
        if (!out.flush()) return "cannot write " + temporary.string();
    }
    fs::rename(temporary, indexFile, error);
    if (error) {
        fs::remove(temporary, error);
        return "cannot write " + indexFile.string();
    }
    return {};
}

void stat(IndexedFile& file) {
    std::error_code error;
    file.bytes = static_cast<std::int64_t>(fs::file_size(file.file, error));
    if (error) file.bytes = -1;
    const auto time = fs::last_write_time(file.file, error);
    file.modified = error ? -1 : static_cast<std::int64_t>(time.time_since_epoch().count());
}

}  // namespace

cv::Mat decodeImage(const fs::path& file, int reduce) {
    int flags = cv::IMREAD_UNCHANGED;
    if (reduce > 1 && isJpeg(file))
        flags =
            cv::IMREAD_IGNORE_ORIENTATION |  // as IMREAD_UNCHANGED: EXIF rotation ignored at any reduction
            (reduce >= 8   ? cv::IMREAD_REDUCED_COLOR_8
             : reduce >= 4 ? cv::IMREAD_REDUCED_COLOR_4
                           : cv::IMREAD_REDUCED_COLOR_2);
    cv::Mat image = cv::imread(file.string(), flags);
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

FolderIndexReport indexFolder(const fs::path& root, std::vector<IndexedFile>& files,
                              const std::string& cacheDirectory,
                              const std::function<void(std::size_t, std::size_t)>& progress) {
    FolderIndexReport report;
    const fs::path indexFile =
        cacheDirectory.empty() ? fs::path() : fs::path(cacheDirectory) / indexFileName(root);
    const auto saved = cacheDirectory.empty() ? std::unordered_map<std::string, SavedEntry>()
                                              : readSavedIndex(indexFile, root);
    std::vector<std::size_t> toDecode;
    for (std::size_t i = 0; i < files.size(); ++i) {
        IndexedFile& file = files[i];
        stat(file);
        const auto found = saved.find(file.file.lexically_relative(root).string());
        if (found != saved.end() && found->second.bytes == file.bytes &&
            found->second.modified == file.modified) {
            file.channels = found->second.channels;
            file.rows = found->second.rows;
            file.cols = found->second.cols;
        } else {
            toDecode.push_back(i);
        }
    }
    // Files that left the folder also make the saved index stale.
    const bool changed = !toDecode.empty() || saved.size() != files.size();
    report.decoded = toDecode.size();

    if (!toDecode.empty()) {
        std::atomic<std::size_t> next{0};
        std::atomic<bool> stop{false};
        std::mutex mutex;
        std::condition_variable finished;
        std::size_t done = 0;
        const unsigned threads = std::max(1u, std::min(16u, std::thread::hardware_concurrency()));
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t)
            pool.emplace_back([&] {
                for (std::size_t k = next++; k < toDecode.size() && !stop; k = next++) {
                    IndexedFile& file = files[toDecode[k]];
                    const cv::Mat image = decodeImage(file.file);
                    file.channels = image.empty() ? 0 : image.channels();
                    file.rows = image.rows;
                    file.cols = image.cols;
                    std::lock_guard lock(mutex);
                    if (++done == toDecode.size()) finished.notify_all();
                }
            });
        std::exception_ptr failure;
        for (;;) {
            std::size_t doneNow = 0;
            {
                std::unique_lock lock(mutex);
                finished.wait_for(lock, std::chrono::milliseconds(100),
                                  [&] { return done == toDecode.size(); });
                doneNow = done;
            }
            if (doneNow == toDecode.size() || !progress) {
                if (doneNow == toDecode.size()) break;
                continue;
            }
            try {
                progress(doneNow, toDecode.size());
            } catch (...) {
                failure = std::current_exception();
                stop = true;
                break;
            }
        }
        for (auto& thread : pool)
            thread.join();
        if (failure) std::rethrow_exception(failure);
        if (progress) progress(toDecode.size(), toDecode.size());
    }
    if (changed && !cacheDirectory.empty()) report.saveError = saveIndex(indexFile, root, files);
    return report;
}

}  // namespace netsight::data
