#pragma once

#include <gtest/gtest.h>
#include <torch/torch.h>

namespace netsight::test {

/// Seeds LibTorch before each test so that random weights and inputs are the same on every run.
class SeededTest : public ::testing::Test {
  protected:
    void SetUp() override { torch::manual_seed(0); }
};

}  // namespace netsight::test
