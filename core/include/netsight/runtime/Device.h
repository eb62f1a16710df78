#pragma once

#include <string>

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

}  // namespace netsight::runtime
