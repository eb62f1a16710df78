// Mixed precision's loss scaling, on the CPU (the arithmetic is the device's; autocast itself needs CUDA:
// the probe's *_CUDA tests run it).
#include <gtest/gtest.h>

#include "TorchTest.h"
#include "train/MixedPrecision.h"

using namespace netsight;

namespace {

// One SGD step on w for the loss sum(w * x)^2 / 2, with or without a scaler.
torch::Tensor stepped(train::LossScaler* scaler, double lossFactor = 1.0) {
    auto w = torch::tensor({0.5f, -1.0f, 2.0f}, torch::requires_grad());
    const auto x = torch::tensor({1.0f, 2.0f, 3.0f});
    torch::optim::SGD optimizer({w}, torch::optim::SGDOptions(0.1));
    const auto loss = (w * x).sum().pow(2) * 0.5 * lossFactor;
    if (scaler)
        scaler->backwardAndStep(loss, {w}, optimizer);
    else {
        loss.backward();
        optimizer.step();
    }
    return w.detach().clone();
}

TEST(LossScaler, AScaledStepIsThePlainStep) {
    train::LossScaler scaler(true, 1024.0);
    EXPECT_TRUE(torch::allclose(stepped(&scaler), stepped(nullptr), 1e-6, 1e-6));
    EXPECT_EQ(scaler.scale(), 1024.0);
}

TEST(LossScaler, AnOverflowSkipsTheStepAndHalvesTheScale) {
    train::LossScaler scaler(true, 1e38);  // loss x scale overflows float
    const auto before = torch::tensor({0.5f, -1.0f, 2.0f});
    EXPECT_TRUE(torch::equal(stepped(&scaler, 1e6), before));  // skipped: w unchanged
    EXPECT_EQ(scaler.scale(), 0.5e38);
}

TEST(LossScaler, TheScaleGrowsAfterARunOfGoodSteps) {
    train::LossScaler scaler(true, 8.0, 3);
    for (int i = 0; i < 3; ++i)
        stepped(&scaler);
    EXPECT_EQ(scaler.scale(), 16.0);
}

TEST(LossScaler, AutocastScopeIsHarmlessOffCuda) {
    const train::AutocastScope scope(false);
    const auto y = torch::ones({2, 2}).matmul(torch::ones({2, 2}));
    EXPECT_EQ(y.scalar_type(), torch::kFloat);
}

}  // namespace
