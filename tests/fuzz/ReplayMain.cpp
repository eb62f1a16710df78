// Runs fuzz targets on saved inputs without libFuzzer, so that the normal (g++) build keeps checking
// the regression inputs: fuzz_replay TARGET FILE_OR_FOLDER...
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "FuzzSupport.h"

namespace {

using TargetFunction = int (*)(const std::uint8_t*, std::size_t);

struct Target {
    const char* name;
    TargetFunction function;
};

const Target kTargets[] = {
    {"idx_file", netsight::fuzz::fuzzIdxFile},
    {"idx_source", netsight::fuzz::fuzzIdxSource},
    {"cifar10_source", netsight::fuzz::fuzzCifar10Source},
    {"probe_spec", netsight::fuzz::fuzzProbeSpec},
    {"classifier_meta", netsight::fuzz::fuzzClassifierMeta},
};

std::vector<std::filesystem::path> inputsIn(const std::filesystem::path& path) {
    std::vector<std::filesystem::path> inputs;
    if (std::filesystem::is_directory(path)) {
        for (const auto& entry : std::filesystem::directory_iterator(path))
            if (entry.is_regular_file() && entry.path().filename().string()[0] != '.')
                inputs.push_back(entry.path());
        std::sort(inputs.begin(), inputs.end());
    } else if (std::filesystem::is_regular_file(path)) {
        inputs.push_back(path);
    }
    return inputs;
}

}  // namespace

int main(int argc, char** argv) {
    const Target* target = nullptr;
    for (const Target& candidate : kTargets)
        if (argc > 1 && candidate.name == std::string(argv[1])) target = &candidate;
    if (!target) {
        std::fprintf(stderr, "usage: fuzz_replay TARGET FILE_OR_FOLDER...\ntargets:");
        for (const Target& candidate : kTargets)
            std::fprintf(stderr, " %s", candidate.name);
        std::fprintf(stderr, "\n");
        return 2;
    }
    std::size_t replayed = 0;
    for (int a = 2; a < argc; ++a) {
        if (!std::filesystem::exists(argv[a])) {
            std::fprintf(stderr, "fuzz_replay: %s does not exist\n", argv[a]);
            return 2;
        }
        for (const auto& input : inputsIn(argv[a])) {
            std::printf("%s: %s\n", target->name, input.string().c_str());
            std::fflush(stdout);
            std::ifstream stream(input, std::ios::binary);
            const std::vector<char> bytes((std::istreambuf_iterator<char>(stream)),
                                          std::istreambuf_iterator<char>());
            target->function(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
            ++replayed;
        }
    }
    std::printf("%s: %zu inputs replayed, no failures\n", target->name, replayed);
    return 0;
}
