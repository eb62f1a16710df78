// Fuzzes readIdxFile with the input as the file's bytes: plain IDX, or anything that starts with the
// gzip magic number, which zlib then decompresses.
#include <cstddef>
#include <cstdint>
#include <exception>

#include "FuzzSupport.h"
#include "TempDir.h"
#include "netsight/data/IdxFile.h"

namespace netsight::fuzz {

int fuzzIdxFile(const std::uint8_t* data, std::size_t size) {
    static const test::TempDir directory;
    const std::string file = (directory / "input-idx3-ubyte").string();
    writeFile(file, {reinterpret_cast<const char*>(data), size});
    try {
        const data::IdxArray array = data::readIdxFile(file);
        std::size_t elements = array.dims.empty() ? 0 : 1;
        for (int dim : array.dims) {
            if (dim <= 0) fail(file + ": readIdxFile returned dimension " + std::to_string(dim));
            elements *= static_cast<std::size_t>(dim);
        }
        if (array.bytes.size() != elements)
            fail(file + ": readIdxFile returned " + std::to_string(array.bytes.size()) + " bytes for " +
                 std::to_string(elements) + " elements");
    } catch (const std::exception& error) {
        expectNamed(error, file);
    }
    return 0;
}

}  // namespace netsight::fuzz

#ifndef NETSIGHT_FUZZ_REPLAY
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return netsight::fuzz::fuzzIdxFile(data, size);
}
#endif
