// Imported TorchScript models: a torchvision ResNet-18 exported by tools/export_torchvision.py
// (the ctest fixture "torchvision_models" writes it, scripted and traced, before these tests run).
#include <gtest/gtest.h>
#include <torch/script.h>
#include <torch/version.h>

#include <filesystem>
#include <fstream>

#include "TempDir.h"
#include "TorchTest.h"
#include "netsight/models/Classifier.h"
#include "netsight/models/ModelFile.h"

using namespace netsight::models;

namespace {

std::string fixture(const std::string& name) {
    const std::string path = std::string(NETSIGHT_FIXTURE_DIR) + "/" + name;
    if (!std::filesystem::exists(path)) return {};
    return path;
}

class TorchScriptResNet : public netsight::test::SeededTest,
                          public ::testing::WithParamInterface<std::string> {};

TEST_P(TorchScriptResNet, LoadsEvaluatesListsLayersAndTapsDeepLayers) {
    const std::string path = fixture(GetParam());
    if (path.empty())
        GTEST_SKIP() << "fixture " << GetParam() << " missing: run ctest (python3-torchvision exports it)";
    auto classifier = loadClassifier(path);
    EXPECT_EQ(classifier->meta().architecture, "torchvision.resnet18");
    EXPECT_EQ(classifier->meta().classNames.size(), 10u);
    EXPECT_EQ(classifier->meta().input.shape.height, 64);
    EXPECT_NEAR(classifier->meta().input.mean[0], 0.485f, 1e-6);

    const auto input = torch::randn({2, 3, 64, 64});
    const auto logits = classifier->forward(input);
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{2, 10}));
    // The same as running the archive directly.
    auto module = torch::jit::load(path);
    module.eval();
    EXPECT_TRUE(torch::allclose(module.forward({input}).toTensor(), logits, 1e-5, 1e-6));

    // Module paths as PyTorch users name them, with shapes at 64x64 input.
    std::map<std::string, std::vector<int64_t>> shapes;
    for (const auto& layer : classifier->layers())
        shapes[layer.name] = layer.shape;
    ASSERT_TRUE(shapes.count("layer2.1.conv2")) << "layers listed: " << shapes.size();
    EXPECT_EQ(shapes["conv1"], (std::vector<int64_t>{64, 32, 32}));
    EXPECT_EQ(shapes["layer2.1.conv2"], (std::vector<int64_t>{128, 8, 8}));
    EXPECT_EQ(shapes["layer4"], (std::vector<int64_t>{512, 2, 2}));
    EXPECT_EQ(shapes["fc"], (std::vector<int64_t>{10}));

    const TapOutput tapped = classifier->forwardWithTaps(input, {"layer4.1", "layer2.1.conv2", "layer1"});
    EXPECT_TRUE(torch::allclose(tapped.logits, logits, 1e-5, 1e-6));
    EXPECT_EQ(tapped.layers.at("layer4.1").sizes(), (std::vector<int64_t>{2, 512, 2, 2}));
    EXPECT_EQ(tapped.layers.at("layer2.1.conv2").sizes(), (std::vector<int64_t>{2, 128, 8, 8}));
    EXPECT_EQ(tapped.layers.at("layer1").sizes(), (std::vector<int64_t>{2, 64, 16, 16}));
    // layer4.1's output, pooled and passed through fc, gives the logits: the tap is the real value.
    auto fc = module.attr("fc").toModule();
    const auto pooled = tapped.layers.at("layer4.1").mean({2, 3});
    EXPECT_TRUE(torch::allclose(fc.forward({pooled}).toTensor(), logits, 1e-4, 1e-5));

    // Gradients flow from a tapped layer to the input (the visualizer needs this).
    classifier->freeze();
    auto image = input.clone().requires_grad_(true);
    classifier->forwardWithTaps(image, {"layer3.0.conv1"})
        .layers.at("layer3.0.conv1")
        .pow(2)
        .mean()
        .backward();
    EXPECT_GT(image.grad().abs().sum().item<float>(), 0.0f);

    try {
        classifier->forwardWithTaps(input, {"layer2.1.conv3"});
        FAIL();
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("layer2.1.conv2"), std::string::npos) << error.what();
    }
}

INSTANTIATE_TEST_SUITE_P(Exported, TorchScriptResNet,
                         ::testing::Values("resnet18_scripted.pt", "resnet18_traced.pt"),
                         [](const auto& testInfo) {
                             return testInfo.param.substr(0, testInfo.param.find('.'));
                         });

TEST(TorchScript, SidecarMetadataAndMissingMetadata) {
    const std::string scripted = fixture("resnet18_scripted.pt");
    if (scripted.empty()) GTEST_SKIP() << "fixture missing";
    netsight::test::TempDir dir;
    // An archive without netsight.json: saved again by LibTorch without extra files.
    auto module = torch::jit::load(scripted);
    const auto bare = (dir / "bare.pt").string();
    module.save(bare);
    try {
        loadClassifier(bare);
        FAIL();
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("without metadata"), std::string::npos) << error.what();
    }
    netsight::test::writeText(dir / "bare.json",
                              R"({"architecture": "mine", "input": {"channels": 3, "height": 32, "width": 32},
                                  "classes": ["a","b","c","d","e","f","g","h","i","j"]})");
    auto classifier = loadClassifier(bare);
    EXPECT_EQ(classifier->meta().architecture, "mine");
    EXPECT_EQ(classifier->meta().input.shape.width, 32);

    netsight::test::writeText(dir / "bare.json",
                              R"({"input": {"channels": 3, "height": 32}, "classes": ["a"]})");
    try {
        loadClassifier(bare);
        FAIL();
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("'input.width' is missing"), std::string::npos)
            << error.what();
    }

    // Fallback metadata from the command line.
    std::filesystem::remove(dir / "bare.json");
    ClassifierMeta fallback;
    fallback.input.shape = {3, 48, 48};
    fallback.classNames = std::vector<std::string>(10, "x");
    EXPECT_EQ(loadClassifier(bare, &fallback)->meta().input.shape.height, 48);
}

TEST(TorchScript, ArchiveFromANewerPyTorchSaysSoWithBothVersions) {
    const std::string future = fixture("resnet18_future.pt");
    if (future.empty()) GTEST_SKIP() << "fixture missing";
    try {
        loadClassifier(future);
        FAIL() << "a version-99 archive loaded";
    } catch (const std::runtime_error& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("newer PyTorch"), std::string::npos) << message;
        EXPECT_NE(message.find(TORCH_VERSION), std::string::npos) << message;
        EXPECT_NE(message.find("version 99"), std::string::npos) << message;
    }
}

TEST(TorchScript, SummaryAndSaveRoundTrip) {
    const std::string traced = fixture("resnet18_traced.pt");
    if (traced.empty()) GTEST_SKIP() << "fixture missing";
    const ModelSummary summary = inspectModel(traced);
    EXPECT_EQ(summary.format, "torchscript");
    EXPECT_EQ(summary.parameterCount, 11181642);  // torchvision resnet18 with 10 classes
    netsight::test::TempDir dir;
    auto classifier = loadClassifier(traced);
    classifier->meta().classNames[0] = "renamed";
    classifier->save((dir / "copy.pt").string());
    EXPECT_EQ(loadClassifier((dir / "copy.pt").string())->meta().classNames[0], "renamed");
}

}  // namespace
