#include "netsight/runtime/Device.h"

#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>

#include <cstdlib>
#include <cstring>
#include <exception>
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

std::vector<std::string> spreadDevices(const std::string& requested) {
    if (const char* pinned = std::getenv("NETSIGHT_DEVICES"); pinned && *pinned) {
        std::vector<std::string> devices;
        std::string list = pinned;
        for (std::size_t start = 0; start <= list.size();) {
            const std::size_t comma = std::min(list.find(',', start), list.size());
            if (comma > start) devices.push_back(resolveDeviceName(list.substr(start, comma - start)));
            start = comma + 1;
        }
        if (!devices.empty()) {
            if (devices.front() != "cpu") at::globalContext().setBenchmarkCuDNN(true);
            return devices;
        }
    }
    const std::string resolved = resolveDeviceName(requested);
    if (resolved == "cpu") return {resolved};
    at::globalContext().setBenchmarkCuDNN(true);
    const auto count = static_cast<int>(torch::cuda::device_count());
    if ((requested == "auto" || requested.empty() || requested == "cuda") && count > 1) {
        std::vector<std::string> devices;
        for (int index = 0; index < count; ++index)
            devices.push_back("cuda:" + std::to_string(index));
        return devices;
    }
    return {resolved};
}

void spreadOverLanes(const std::vector<std::string>& lanes, std::size_t count,
                     const std::function<void(std::size_t, const std::string&)>& work) {
    if (lanes.empty()) throw std::invalid_argument("spreadOverLanes: no lanes");
    if (lanes.size() == 1) {
        for (std::size_t task = 0; task < count; ++task)
            work(task, lanes.front());
        return;
    }
    std::mutex mutex;
    std::size_t next = 0;
    std::exception_ptr failure;
    std::vector<std::thread> workers;
    for (const auto& lane : lanes)
        workers.emplace_back([&, lane] {
            for (;;) {
                std::size_t task = 0;
                {
                    std::lock_guard lock(mutex);
                    if (failure || next >= count) return;
                    task = next++;
                }
                try {
                    work(task, lane);
                } catch (...) {
                    std::lock_guard lock(mutex);
                    if (!failure) failure = std::current_exception();
                    return;
                }
            }
        });
    for (auto& worker : workers)
        worker.join();
    if (failure) std::rethrow_exception(failure);
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
