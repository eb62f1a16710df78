// Fuzzes experiment.json parsing. A spec that parses must also survive a round trip through
// probeSpecJson unchanged.
#include <cstddef>
#include <cstdint>
#include <exception>

#include "FuzzSupport.h"
#include "netsight/experiment/ProbeSpec.h"

namespace netsight::fuzz {

int fuzzProbeSpec(const std::uint8_t* data, std::size_t size) {
    const std::string where = "fuzz/experiment.json";
    experiment::ProbeSpec spec;
    try {
        spec = experiment::parseProbeSpec({reinterpret_cast<const char*>(data), size}, where);
    } catch (const std::exception& error) {
        expectNamed(error, where);
        return 0;
    }
    const std::string written = experiment::probeSpecJson(spec);
    try {
        const std::string again = experiment::probeSpecJson(experiment::parseProbeSpec(written, where));
        if (again != written) fail("experiment.json changes in a round trip:\n" + written + "\n" + again);
    } catch (const std::exception& error) {
        fail(std::string("a written experiment.json cannot be read back: ") + error.what() + "\n" + written);
    }
    return 0;
}

}  // namespace netsight::fuzz

#ifndef NETSIGHT_FUZZ_REPLAY
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return netsight::fuzz::fuzzProbeSpec(data, size);
}
#endif
