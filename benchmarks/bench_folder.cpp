// Streaming image folders at scale: index time (cold and cached), loader throughput at the probe's sizes, and
// peak resident memory, on generated JPEGs (default 20,000 at 256 px). Usage:
//   bench_folder [--images N] [--dir DIR] [--keep]
// DIR (default: a temporary folder) is filled once; with --keep it stays for the next run.
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <random>
#include <string>
#include <thread>

#include "netsight/data/DataLoader.h"
#include "netsight/data/Dataset.h"

namespace fs = std::filesystem;
using namespace netsight::data;
using Clock = std::chrono::steady_clock;

namespace {

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::size_t residentMegabytes(const char* field) {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind(field, 0) == 0) return std::stoull(line.substr(std::strlen(field))) / 1024;
    return 0;
}

// Photograph-like content: smooth shapes and mild noise, so that files are of a realistic size (~20 KB).
void generate(const fs::path& root, int images, int classes) {
    std::vector<std::thread> pool;
    const unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    for (unsigned t = 0; t < threads; ++t)
        pool.emplace_back([&, t] {
            std::mt19937 local(t + 1);
            for (int i = static_cast<int>(t); i < images; i += static_cast<int>(threads)) {
                const int label = i % classes;
                const fs::path folder = root / ("class" + std::to_string(label));
                cv::Mat image(256, 256, CV_8UC3);
                cv::randn(image, cv::Scalar(60 + 15 * label % 120, 110, 150), cv::Scalar(25, 25, 25));
                cv::circle(image, cv::Point(static_cast<int>(local() % 256), static_cast<int>(local() % 256)),
                           40 + label * 3, cv::Scalar(30 * label % 255, 200, 90), cv::FILLED);
                cv::imwrite((folder / ("img" + std::to_string(i) + ".jpg")).string(), image,
                            {cv::IMWRITE_JPEG_QUALITY, 90});
            }
        });
    for (int label = 0; label < classes; ++label)
        fs::create_directories(root / ("class" + std::to_string(label)));
    for (auto& thread : pool)
        thread.join();
}

void loaderPass(const std::string& source, const OpenOptions& options, int size) {
    const auto dataset =
        openDataset(source + ",size=" + std::to_string(size) + ",val=0,test=0,cache=256", options);
    LoaderOptions loading;
    loading.batchSize = 16;
    loading.workers = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    loading.shuffle = true;
    DataLoader loader(*dataset, Split::Train, loading);
    const auto start = Clock::now();
    std::size_t seen = 0;
    while (auto batch = loader.next())
        seen += batch->count();
    const double seconds = secondsSince(start);
    std::printf("loader %3d px (batch 16, %d workers, shuffled): %7.0f images/s (%zu images, %.1f s)\n", size,
                loading.workers, seen / seconds, seen, seconds);
}

}  // namespace

int main(int argc, char** argv) {
    int images = 20000;
    fs::path dir;
    bool keep = false;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--images" && i + 1 < argc)
            images = std::stoi(argv[++i]);
        else if (arg == "--dir" && i + 1 < argc)
            dir = argv[++i];
        else if (arg == "--keep")
            keep = true;
        else {
            std::fprintf(stderr, "usage: bench_folder [--images N] [--dir DIR] [--keep]\n");
            return 2;
        }
    }
    if (dir.empty()) dir = fs::temp_directory_path() / "netsight-bench-folder";
    const fs::path root = dir / "images";
    const fs::path cache = dir / "cache";
    std::size_t have = 0;
    if (fs::exists(root))
        for (const auto& entry : fs::recursive_directory_iterator(root))
            have += entry.is_regular_file();
    if (have != static_cast<std::size_t>(images)) {
        fs::remove_all(root);
        const auto start = Clock::now();
        generate(root, images, 100);
        std::printf("generated %d JPEGs at 256 px in %.1f s\n", images, secondsSince(start));
    }
    std::uintmax_t bytes = 0;
    for (const auto& entry : fs::recursive_directory_iterator(root))
        if (entry.is_regular_file()) bytes += entry.file_size();
    std::printf(
        "folder: %d files, %.0f MB on disk; %.0f MB as decoded bytes at 256 px (what an eager loader "
        "holds)\n",
        images, bytes / 1e6, images * 3.0 * 256 * 256 / 1e6);

    fs::remove_all(cache);
    OpenOptions options;
    options.cacheDirectory = cache.string();
    const std::string source = "folder:" + root.string();
    const std::size_t before = residentMegabytes("VmHWM:");
    auto start = Clock::now();
    openDataset(source, options);
    const double cold = secondsSince(start);
    std::printf("index, cold: %.1f s (%.0f files/s on %u cores); peak RSS %zu MB (was %zu before)\n", cold,
                images / cold, std::thread::hardware_concurrency(), residentMegabytes("VmHWM:"), before);
    start = Clock::now();
    openDataset(source, options);
    std::printf("index, cached (stat of every file): %.2f s\n", secondsSince(start));

    for (int size : {64, 128, 224})
        loaderPass(source, options, size);
    std::printf("peak RSS over the whole run: %zu MB\n", residentMegabytes("VmHWM:"));
    if (!keep) fs::remove_all(dir);
    return 0;
}
