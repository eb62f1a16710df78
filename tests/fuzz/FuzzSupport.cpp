#include "FuzzSupport.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace netsight::fuzz {

void fail(const std::string& message) {
    std::fprintf(stderr, "fuzz target failure: %s\n", message.c_str());
    std::fflush(stderr);
    std::abort();
}

void expectNamed(const std::exception& error, const std::string& where) {
    const std::string message = error.what();
    if (message.find(where) == std::string::npos)
        fail("error message does not name " + where + ": " + message);
}

void writeFile(const std::filesystem::path& file, std::string_view bytes) {
    std::ofstream stream(file, std::ios::binary | std::ios::trunc);
    stream.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!stream) fail("cannot write " + file.string());
}

void writeGzipFile(const std::filesystem::path& file, std::string_view bytes) {
    gzFile out = gzopen(file.c_str(), "wb1");
    if (!out) fail("cannot write " + file.string());
    if (!bytes.empty() && gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size())) <= 0)
        fail("cannot compress into " + file.string());
    if (gzclose(out) != Z_OK) fail("cannot close " + file.string());
}

TwoParts splitInput(const std::uint8_t* data, std::size_t size) {
    const char* text = reinterpret_cast<const char*>(data);
    if (size < 2) return {{}, {text, size}};
    const std::size_t wanted = (std::size_t(data[0]) << 8) | data[1];
    const std::size_t first = std::min(wanted, size - 2);
    return {{text + 2, first}, {text + 2 + first, size - 2 - first}};
}

}  // namespace netsight::fuzz
