#pragma once

#include <string>

namespace netsight::runtime {

/// "auto" picks CUDA when LibTorch sees a GPU, else CPU; "cpu", "cuda", "cuda:N" force one.
/// Returns the resolved name ("cpu", "cuda:0"); throws std::invalid_argument naming the value for an
/// unknown or unavailable device.
std::string resolveDeviceName(const std::string& requested);

/// Sets LibTorch's intra-op threads: `threads` if positive, else the number of cores (LibTorch's
/// default here is 1). Returns the count in force.
int configureThreads(int threads = 0);

/// Whether LibTorch sees a CUDA device.
bool cudaAvailable();

}  // namespace netsight::runtime
