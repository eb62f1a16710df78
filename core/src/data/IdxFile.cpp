#include "netsight/data/IdxFile.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <memory>

#include "netsight/data/DataError.h"

namespace netsight::data {
namespace {

struct GzCloser {
    void operator()(gzFile_s* file) const { gzclose(file); }
};

std::string typeName(int code) {
    switch (code) {
        case 0x08:
            return "unsigned byte";
        case 0x09:
            return "signed byte";
        case 0x0B:
            return "short";
        case 0x0C:
            return "int";
        case 0x0D:
            return "float";
        case 0x0E:
            return "double";
        default:
            return "unknown type";
    }
}

// Reads up to `count` bytes; returns how many were read. gzread reads plain files as they are.
std::size_t readSome(gzFile_s* file, std::uint8_t* target, std::size_t count, const std::string& path) {
    std::size_t total = 0;
    while (total < count) {
        const unsigned chunk = static_cast<unsigned>(std::min<std::size_t>(count - total, 1u << 30));
        const int got = gzread(file, target + total, chunk);
        if (got < 0) {
            int code = 0;
            const char* message = gzerror(file, &code);
            throw DataError(path + ": cannot decompress (" + std::string(message) +
                            "); the file is damaged — reinstall or download it again");
        }
        if (got == 0) break;
        total += static_cast<std::size_t>(got);
    }
    return total;
}

}  // namespace

IdxArray readIdxFile(const std::string& path) {
    std::unique_ptr<gzFile_s, GzCloser> file(gzopen(path.c_str(), "rb"));
    if (!file) throw DataError(path + ": cannot open the file");
    gzbuffer(file.get(), 1 << 17);

    std::uint8_t magic[4] = {};
    if (readSome(file.get(), magic, 4, path) != 4)
        throw DataError(path + ": the file is too short to be an IDX file (no 4-byte magic number)");
    if (magic[0] != 0 || magic[1] != 0 || magic[3] == 0 || magic[3] > 4) {
        char hex[16];
        std::snprintf(hex, sizeof hex, "%02x%02x%02x%02x", magic[0], magic[1], magic[2], magic[3]);
        throw DataError(path + ": wrong IDX magic number 0x" + std::string(hex) +
                        " (expected 0x000008NN with NN the number of dimensions); this is not an IDX file");
    }
    if (magic[2] != 0x08)
        throw DataError(path + ": IDX element type is " + typeName(magic[2]) +
                        ", only unsigned byte images and labels are supported");

    IdxArray array;
    std::size_t elements = 1;
    for (int d = 0; d < magic[3]; ++d) {
        std::uint8_t raw[4];
        if (readSome(file.get(), raw, 4, path) != 4)
            throw DataError(path + ": the IDX header is truncated (dimension " + std::to_string(d + 1) +
                            " of " + std::to_string(magic[3]) + " missing)");
        const std::uint32_t size = (std::uint32_t(raw[0]) << 24) | (std::uint32_t(raw[1]) << 16) |
                                   (std::uint32_t(raw[2]) << 8) | std::uint32_t(raw[3]);
        if (size == 0 || size > (1u << 28))
            throw DataError(path + ": IDX dimension " + std::to_string(d + 1) + " is " +
                            std::to_string(size) + ", which is not a plausible size");
        array.dims.push_back(static_cast<int>(size));
        elements *= size;
        if (elements > (std::size_t(1) << 36))
            throw DataError(path + ": the IDX header promises more than 64 GiB of data");
    }

    // Grow the buffer as data arrive instead of trusting the header: a damaged or hostile 16-byte
    // file may promise gigabytes, and gzip's stored length is only the size modulo 4 GiB.
    constexpr std::size_t kChunkBytes = std::size_t(1) << 20;
    std::size_t got = 0;
    while (got < elements) {
        const std::size_t wanted = std::min(kChunkBytes, elements - got);
        array.bytes.resize(got + wanted);
        const std::size_t chunk = readSome(file.get(), array.bytes.data() + got, wanted, path);
        got += chunk;
        if (chunk < wanted) break;
    }
    if (got < elements) {
        const std::size_t itemBytes = elements / static_cast<std::size_t>(array.dims[0]);
        throw DataError(path + ": the header promises " + std::to_string(array.dims[0]) + " items (" +
                        std::to_string(elements) + " bytes) but the file holds only " + std::to_string(got) +
                        " bytes (" + std::to_string(got / itemBytes) +
                        " whole items); the file is truncated — reinstall or download it again");
    }
    return array;
}

}  // namespace netsight::data
