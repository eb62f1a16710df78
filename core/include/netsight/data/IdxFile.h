#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace netsight::data {

/// The content of an IDX file of unsigned bytes (the MNIST format), plain or gzipped.
struct IdxArray {
    std::vector<int> dims;  ///< e.g. {60000, 28, 28} for images, {60000} for labels
    std::vector<std::uint8_t> bytes;

    int itemCount() const { return dims.empty() ? 0 : dims[0]; }
};

/// Reads an IDX file. Throws DataError naming the file for a wrong magic number, an element type
/// other than unsigned byte, or a file shorter than its header promises.
IdxArray readIdxFile(const std::string& path);

}  // namespace netsight::data
