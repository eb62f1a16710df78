#include "netsight/runtime/Device.h"

#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <thread>
#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace netsight::runtime {

bool cudaAvailable() {
    return torch::cuda::is_available();
}

std::string resolveDeviceName(const std::string& requested) {
    if (requested.empty() || requested == "auto") return cudaAvailable() ? "cuda:0" : "cpu";
    if (requested == "cpu") return "cpu";
    if (requested.rfind("cuda", 0) == 0) {
        if (!cudaAvailable())
            throw std::invalid_argument(
                "device '" + requested +
                "' requested but LibTorch sees no CUDA GPU; use --device cpu or auto");
        int index = 0;
        if (requested.size() > 5 && requested[4] == ':')
            index = std::stoi(requested.substr(5));
        else if (requested != "cuda")
            throw std::invalid_argument("unknown device '" + requested + "'; use auto, cpu, cuda or cuda:N");
        if (index < 0 || index >= static_cast<int>(torch::cuda::device_count()))
            throw std::invalid_argument("device '" + requested + "': there are " +
                                        std::to_string(torch::cuda::device_count()) + " CUDA devices");
        return "cuda:" + std::to_string(index);
    }
    throw std::invalid_argument("unknown device '" + requested + "'; use auto, cpu, cuda or cuda:N");
}

bool configureAllocator() {
#ifdef __GLIBC__
    static bool applied = false;
    static std::once_flag once;
    std::call_once(once, [] {
        const char* tunables = std::getenv("GLIBC_TUNABLES");
        if (tunables && std::strstr(tunables, "glibc.malloc.")) return;  // the user's choice stands
        applied = mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, 512 * 1024 * 1024) == 1;
    });
    return applied;
#else
    return false;
#endif
}

int configureThreads(int threads) {
    configureAllocator();
    const int count =
        threads > 0 ? threads : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    at::set_num_threads(count);
    return at::get_num_threads();
}

}  // namespace netsight::runtime
