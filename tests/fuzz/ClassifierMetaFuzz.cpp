// Fuzzes model metadata parsing (the JSON stored inside every model file). Metadata that parses
// must also survive a round trip through toJson unchanged.
#include <cstddef>
#include <cstdint>
#include <exception>

#include "FuzzSupport.h"
#include "netsight/models/ClassifierMeta.h"

namespace netsight::fuzz {

int fuzzClassifierMeta(const std::uint8_t* data, std::size_t size) {
    const std::string where = "fuzz/model.nsm";
    models::ClassifierMeta meta;
    try {
        meta = models::metaFromJson({reinterpret_cast<const char*>(data), size}, where);
    } catch (const std::exception& error) {
        expectNamed(error, where);
        return 0;
    }
    const std::string written = models::toJson(meta);
    try {
        const std::string again = models::toJson(models::metaFromJson(written, where));
        if (again != written) fail("model metadata changes in a round trip:\n" + written + "\n" + again);
    } catch (const std::exception& error) {
        fail(std::string("written model metadata cannot be read back: ") + error.what() + "\n" + written);
    }
    return 0;
}

}  // namespace netsight::fuzz

#ifndef NETSIGHT_FUZZ_REPLAY
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return netsight::fuzz::fuzzClassifierMeta(data, size);
}
#endif
