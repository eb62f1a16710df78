#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

namespace netsight::runtime {

/// "auto" picks CUDA when LibTorch sees a GPU, else CPU; "cpu", "cuda", "cuda:N" force one.
/// Returns the resolved name ("cpu", "cuda:0"); throws std::invalid_argument naming the value for an
/// unknown or unavailable device.
std::string resolveDeviceName(const std::string& requested);

/// Sets LibTorch's intra-op threads: `threads` if positive, else the number of cores (LibTorch's
/// default here is 1). Returns the count in force. Also calls configureAllocator().
int configureThreads(int threads = 0);

/// Training allocates and frees tensors of tens of MB every step. glibc serves blocks that large with mmap
/// and hands them back to the kernel when freed, so each step faults in and zeroes its activations anew
/// (a third of a probe fine-tuning step's time on the 2-core test machine). This serves them from the
/// heap instead and keeps up to 512 MB of freed heap for the next step. Once per process; left alone when
/// GLIBC_TUNABLES sets malloc options, and off glibc. Returns whether the policy is in force.
bool configureAllocator();

/// Whether LibTorch sees a CUDA device.
bool cudaAvailable();

/// The devices a probe spreads its fine-tunings (and replicas) over, one worker each: every CUDA device for
/// "auto" or "cuda" when LibTorch sees several; else the one device `requested` resolves to. Also switches on
/// cuDNN's autotuning (the probe's shapes are fixed) when CUDA is used. NETSIGHT_DEVICES ("cuda:0,cuda:2";
/// a device may repeat: "cpu,cpu" runs two workers on the CPU) overrides the choice.
std::vector<std::string> spreadDevices(const std::string& requested);

/// Runs tasks 0 .. count-1 over `lanes` ("cuda:0", "cuda:1", ... or simulated names), one worker thread per
/// lane, each taking the next task not yet taken: work(task, lane). With one lane everything runs on the
/// calling thread, in order. After a failure no further task starts (the running ones finish) and the first
/// failure is rethrown once every worker has stopped.
void spreadOverLanes(const std::vector<std::string>& lanes, std::size_t count,
                     const std::function<void(std::size_t task, const std::string& lane)>& work);

}  // namespace netsight::runtime
