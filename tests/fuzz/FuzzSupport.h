#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace netsight::fuzz {

/// The fuzz targets, one per parser of outside input. Each takes one input as libFuzzer hands it
/// over and returns 0. An error the parser reports properly (an exception whose message names the
/// file) is expected; anything else (an exception that does not name the file, a failed
/// consistency check) aborts, which libFuzzer records as a crash. Sanitizers catch the rest.
int fuzzIdxFile(const std::uint8_t* data, std::size_t size);
int fuzzIdxSource(const std::uint8_t* data, std::size_t size);
int fuzzCifar10Source(const std::uint8_t* data, std::size_t size);
int fuzzProbeSpec(const std::uint8_t* data, std::size_t size);
int fuzzClassifierMeta(const std::uint8_t* data, std::size_t size);

/// Reports a bug found by a target on stderr and aborts.
[[noreturn]] void fail(const std::string& message);

/// Checks that an error message names `where` (a file or folder), as the project's errors must.
void expectNamed(const std::exception& error, const std::string& where);

/// Writes bytes to a file, replacing it.
void writeFile(const std::filesystem::path& file, std::string_view bytes);
/// Writes bytes to a file as a gzip stream.
void writeGzipFile(const std::filesystem::path& file, std::string_view bytes);

/// Splits an input into two parts: the first two bytes (big-endian) give the length of the first
/// part (cut to what is there), the rest is the second part.
struct TwoParts {
    std::string_view first;
    std::string_view second;
};
TwoParts splitInput(const std::uint8_t* data, std::size_t size);

}  // namespace netsight::fuzz
