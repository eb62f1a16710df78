#include <gtest/gtest.h>
#include <algorithm>

#include <filesystem>
#include <fstream>
#include <map>

#include "TempDir.h"
#include "TorchTest.h"
#include "netsight/data/Transforms.h"
#include "netsight/models/Classifier.h"

using namespace netsight::models;
using netsight::data::ImageShape;

namespace {

std::vector<std::string> classes(int count) {
    std::vector<std::string> names;
    for (int i = 0; i < count; ++i)
        names.push_back("c" + std::to_string(i));
    return names;
}

class ZooArchitecture : public netsight::test::SeededTest,
                        public ::testing::WithParamInterface<std::string> {};

TEST_P(ZooArchitecture, ForwardLayersTapsAndFreeze) {
    for (const ImageShape& shape : {ImageShape{3, 64, 64}, ImageShape{1, 32, 32}}) {
        auto classifier = createClassifier(GetParam(), shape, classes(7));
        classifier->setTraining(false);
        const auto input = torch::randn({3, shape.channels, shape.height, shape.width});
        const auto logits = classifier->forward(input);
        EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{3, 7}));

        const auto& layers = classifier->layers();
        ASSERT_GE(layers.size(), 4u) << GetParam();
        const LayerInfo& middle = layers[layers.size() / 2];
        const TapOutput tapped = classifier->forwardWithTaps(input, {middle.name, layers.front().name});
        EXPECT_TRUE(torch::allclose(tapped.logits, logits, 1e-5, 1e-6));
        ASSERT_EQ(tapped.layers.count(middle.name), 1u);
        auto expected = middle.shape;
        expected.insert(expected.begin(), 3);
        EXPECT_EQ(tapped.layers.at(middle.name).sizes().vec(), expected) << middle.name;

        classifier->freeze();
        for (const auto& parameter : classifier->parameters())
            EXPECT_FALSE(parameter.requires_grad());
        auto image = input.clone().requires_grad_(true);
        classifier->forward(image).sum().backward();
        EXPECT_GT(image.grad().abs().sum().item<float>(), 0.0f) << "no gradient reaches the input";
    }
}

// Frozen, BatchNorm is folded into the convolutions: the same logits and input gradients as the layers
// unfolded, also after the running statistics change.
TEST_P(ZooArchitecture, FrozenBatchNormIsFoldedWithoutChangingTheFunction) {
    const ImageShape shape{3, 32, 32};
    auto classifier = createClassifier(GetParam(), shape, classes(5));
    auto moveStatistics = [&] {  // training-mode passes move BatchNorm's running mean and variance
        torch::NoGradGuard noGrad;
        classifier->setTraining(true);
        for (int i = 0; i < 3; ++i)
            classifier->forward(torch::randn({8, 3, 32, 32}) * 2 + 0.5);
        classifier->setTraining(false);
    };
    const auto input = torch::randn({4, 3, 32, 32});
    auto logitsAndGradient = [&] {
        auto image = input.clone().requires_grad_(true);
        const auto logits = classifier->forward(image);
        (logits * torch::arange(5).to(torch::kFloat)).sum().backward();
        return std::make_pair(logits.detach(), image.grad());
    };
    auto unfreeze = [&] {
        for (auto& parameter : classifier->parameters())
            parameter.requires_grad_(true);
    };
    for (int round = 0; round < 2; ++round) {
        moveStatistics();
        unfreeze();
        const auto [plainLogits, plainGradient] = logitsAndGradient();
        classifier->freeze();
        const auto [foldedLogits, foldedGradient] = logitsAndGradient();
        // Float rounding differs (one product instead of three steps): compare against the logits' scale.
        auto relativeError = [](const torch::Tensor& a, const torch::Tensor& b) {
            return ((a - b).abs().max() / b.abs().max()).item<double>();
        };
        EXPECT_LT(relativeError(foldedLogits, plainLogits), 1e-3) << GetParam() << " round " << round;
        // Input gradients through max pooling may route a near-tie differently (inception-s: 1-2%):
        // compare in norm.
        const double gradientError =
            ((foldedGradient - plainGradient).norm() / plainGradient.norm()).item<double>();
        EXPECT_LT(gradientError, 3e-2) << GetParam() << " round " << round;  // a wrong fold: O(1)
    }
}

INSTANTIATE_TEST_SUITE_P(Zoo, ZooArchitecture,
                         ::testing::Values("alexnet-s", "vgg-s", "resnet-s", "inception-s", "resnet10",
                                           "topdown", "bottomup", "grey+vgg-s", "lowpass+resnet-s",
                                           "highpass+alexnet-s"),
                         [](const auto& testInfo) {
                             std::string name = testInfo.param;
                             for (char& c : name)
                                 if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                             return name;
                         });

TEST(Zoo, TopDownAndBottomUpAreTwinsVisitingScalesInOppositeOrder) {
    auto top = createClassifier("topdown", {3, 64, 64}, classes(5));
    auto bottom = createClassifier("bottomup", {3, 64, 64}, classes(5));
    EXPECT_EQ(top->parameterCount(), bottom->parameterCount());
    std::map<std::string, std::vector<int64_t>> t, b;
    for (const auto& layer : top->layers())
        t[layer.name] = layer.shape;
    for (const auto& layer : bottom->layers())
        b[layer.name] = layer.shape;
    // Top-down starts on a quarter of the resolution and ends on the full image; bottom-up the
    // other way round.
    EXPECT_EQ(t["stage1.conv"], (std::vector<int64_t>{16, 16, 16}));
    EXPECT_EQ(t["stage3.conv"], (std::vector<int64_t>{64, 64, 64}));
    EXPECT_EQ(b["stage1.conv"], (std::vector<int64_t>{16, 64, 64}));
    EXPECT_EQ(b["stage3.conv"], (std::vector<int64_t>{64, 16, 16}));
    EXPECT_EQ(t["stage2.lateral"], (std::vector<int64_t>{32, 32, 32}));
}

TEST(Zoo, UnknownArchitectureAndLayerNamesSayWhatExists) {
    try {
        createClassifier("resnet-xl", {3, 32, 32}, classes(3));
        FAIL();
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("vgg-s"), std::string::npos);
    }
    auto classifier = createClassifier("vgg-s", {3, 32, 32}, classes(3));
    try {
        classifier->forwardWithTaps(torch::zeros({1, 3, 32, 32}), {"stage2.conv3"});
        FAIL();
    } catch (const std::invalid_argument& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("'stage2.conv3' does not exist"), std::string::npos) << message;
        EXPECT_NE(message.find("stage2.conv2"), std::string::npos) << message;
    }
}

class AdapterTest : public netsight::test::SeededTest {};

// A classifier of another input size gets a batch the way data::adaptToInput brings one image to it:
// channels, a resize that covers the input, a centre crop, its normalization — and the gradient reaches the
// batch.
TEST_F(AdapterTest, PrepareBringsAnyBatchToTheInputAsTheImageTransformDoes) {
    const auto image = torch::rand({1, 3, 40, 48});
    struct Case {
        ImageShape input;
        double tolerance;  // shrinking: torch's antialiased bilinear against OpenCV's area resize
    };
    for (const Case& c : {Case{{3, 64, 64}, 0.03}, Case{{1, 24, 24}, 0.08}, Case{{3, 40, 48}, 1e-6}}) {
        auto model = createClassifier("resnet-s", c.input, classes(3));
        netsight::data::Image one({3, 40, 48});
        std::copy_n(image.data_ptr<float>(), image.numel(), one.pixels.begin());
        netsight::data::InputSpec spec = model->meta().input;
        const auto expected = netsight::data::adaptToInput(one, spec);
        const auto prepared = model->prepare(image);
        ASSERT_EQ(prepared.sizes(),
                  (std::vector<int64_t>{1, c.input.channels, c.input.height, c.input.width}));
        const auto reference =
            torch::from_blob(const_cast<float*>(expected.pixels.data()), prepared.sizes()).clone();
        EXPECT_LT((prepared - reference).abs().mean().item<double>(), c.tolerance)
            << netsight::data::toString(c.input);
    }
    auto grey = createClassifier("resnet-s", {1, 20, 20}, classes(3));
    const auto input = torch::rand({2, 3, 32, 32}, torch::requires_grad());
    grey->forward(grey->prepare(input)).sum().backward();
    ASSERT_TRUE(input.grad().defined());
    EXPECT_GT(input.grad().abs().sum().item<double>(), 0.0);
}

TEST_F(AdapterTest, GreyAdapterIgnoresChangesThatKeepLuminance) {
    auto grey = createClassifier("grey+resnet-s", {3, 32, 32}, classes(4));
    auto plain = createClassifier("resnet-s", {3, 32, 32}, classes(4));
    grey->setTraining(false);
    plain->setTraining(false);
    const auto image = torch::rand({2, 3, 32, 32});
    // A chroma change: +r, compensating -g so that 0.299 r + 0.587 g stays.
    auto shifted = image.clone();
    shifted.select(1, 0) += 0.2;
    shifted.select(1, 1) -= 0.2 * 0.299 / 0.587;
    EXPECT_TRUE(torch::allclose(grey->forward(image), grey->forward(shifted), 1e-4, 1e-5));
    EXPECT_FALSE(torch::allclose(plain->forward(image), plain->forward(shifted), 1e-4, 1e-5));
}

TEST_F(AdapterTest, LowPassIgnoresFineDetailAndHighPassIgnoresOffsets) {
    auto low = createClassifier("lowpass+vgg-s", {1, 64, 64}, classes(4));
    auto high = createClassifier("highpass+vgg-s", {1, 64, 64}, classes(4));
    low->setTraining(false);
    high->setTraining(false);
    const auto image = torch::rand({2, 1, 64, 64});
    // A checkerboard of period 2 px averages away in the 4x4-pooled, blurred image.
    auto y = torch::arange(64).view({64, 1}), x = torch::arange(64).view({1, 64});
    const auto checker = ((x + y) % 2 * 2 - 1).to(torch::kFloat) * 0.2;
    const double lowChange = (low->forward(image + checker) - low->forward(image)).abs().max().item<double>();
    const double highChangeOfChecker =
        (high->forward(image + checker) - high->forward(image)).abs().max().item<double>();
    EXPECT_LT(lowChange, 0.05 * highChangeOfChecker);
    EXPECT_TRUE(torch::allclose(high->forward(image + 0.3), high->forward(image), 1e-4, 1e-5));
}

class ModelFileTest : public netsight::test::SeededTest {};

TEST_F(ModelFileTest, SaveLoadRoundTripGivesIdenticalOutputs) {
    netsight::test::TempDir dir;
    for (const std::string architecture : {"resnet-s", "grey+inception-s", "topdown"}) {
        auto classifier = createClassifier(architecture, {3, 32, 32}, classes(5));
        classifier->meta().input.mean = {0.5f};
        classifier->meta().input.stdDev = {0.25f};
        classifier->meta().training.epochs = 3;
        // Move BatchNorm statistics away from their defaults so that buffers are checked too.
        classifier->setTraining(true);
        classifier->forward(torch::randn({8, 3, 32, 32}) * 2 + 1);
        classifier->setTraining(false);
        const auto path = (dir / (architecture + ".nsm")).string();
        classifier->save(path);
        auto loaded = loadClassifier(path);
        loaded->setTraining(false);
        EXPECT_EQ(loaded->meta().architecture, architecture);
        EXPECT_EQ(loaded->meta().classNames, classes(5));
        EXPECT_EQ(loaded->meta().input.stdDev, std::vector<float>{0.25f});
        EXPECT_EQ(loaded->meta().training.epochs, 3);
        const auto input = torch::randn({4, 3, 32, 32});
        EXPECT_TRUE(torch::equal(classifier->forward(input), loaded->forward(input))) << architecture;
    }
}

TEST_F(ModelFileTest, TruncatedForeignAndMissingFilesGiveClearErrors) {
    netsight::test::TempDir dir;
    auto classifier = createClassifier("vgg-s", {1, 32, 32}, classes(3));
    const auto path = dir / "model.nsm";
    classifier->save(path.string());
    std::filesystem::resize_file(path, std::filesystem::file_size(path) / 2);
    auto expectError = [](const std::string& file, const std::string& needle) {
        try {
            loadClassifier(file);
            ADD_FAILURE() << "expected an error for " << file;
        } catch (const std::runtime_error& error) {
            const std::string message = error.what();
            EXPECT_NE(message.find(file), std::string::npos) << message;
            EXPECT_NE(message.find(needle), std::string::npos) << message;
        }
    };
    expectError(path.string(), "not a NetSight model or TorchScript archive");
    netsight::test::writeText(dir / "notes.txt", "just some text");
    expectError((dir / "notes.txt").string(), "not a NetSight model or TorchScript archive");
    expectError((dir / "missing.nsm").string(), "no such model file");
}

}  // namespace
