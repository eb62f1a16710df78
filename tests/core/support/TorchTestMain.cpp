// Test main for suites that use LibTorch: tests named *_CUDA run only when a GPU is present.
#include <ATen/Parallel.h>
#include <gtest/gtest.h>
#include <torch/cuda.h>

#include <cstdlib>
#include <string>
#include <thread>

int main(int argc, char** argv) {
    ::testing::InitGoogleTest(&argc, argv);
    // Tests pretrain their own autoencoders: one reused from the user's cache would make a run depend on
    // the runs before it. A test of the reuse points the variable at a folder of its own.
    setenv("NETSIGHT_AUTOENCODER_CACHE", "off", 0);
    at::set_num_threads(static_cast<int>(std::max(1u, std::thread::hardware_concurrency())));
    if (!torch::cuda::is_available()) {
        std::string filter = ::testing::GTEST_FLAG(filter);
        filter += filter.find('-') == std::string::npos ? "-*_CUDA:*_CUDA/*" : ":*_CUDA:*_CUDA/*";
        ::testing::GTEST_FLAG(filter) = filter;
    }
    return RUN_ALL_TESTS();
}
