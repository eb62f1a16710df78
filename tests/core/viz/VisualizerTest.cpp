// The feature visualizer: tests that would catch a broken one (issue "Feature visualizer").
#include <gtest/gtest.h>

#include <malloc.h>
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <sstream>

#include "ErrorOf.h"
#include "TempDir.h"
#include "TestJob.h"
#include "TorchTest.h"
#include "netsight/data/Dataset.h"
#include "netsight/models/Classifier.h"
#include "netsight/probe/Nmi.h"
#include "netsight/train/Training.h"
#include "netsight/viz/Visualizer.h"

namespace fs = std::filesystem;

namespace netsight {
namespace {

constexpr const char* kData = "factorworld:classes=3,size=32,train=900,val=90,test=90";

using Job = test::TestJob;

// One trained resnet-s shared by the tests of this file (a few seconds to train).
class Visualizer : public test::SeededTest {
  protected:
    static void SetUpTestSuite() {
        directory_ = new test::TempDir;
        train::TrainOptions options;
        options.architecture = "resnet-s";
        options.dataSource = kData;
        options.outputPath = (directory_->path() / "resnet.nsm").string();
        options.epochs = 3;
        options.learningRate = 2e-3;
        Job job;
        const auto result = train::trainClassifier(options, job.context);
        ASSERT_GT(result.bestValidationAccuracy, 0.8);
    }
    static void TearDownTestSuite() {
        delete directory_;
        directory_ = nullptr;
    }
    static std::string modelPath() { return (directory_->path() / "resnet.nsm").string(); }
    static std::unique_ptr<models::Classifier> load() {
        auto model = models::loadClassifier(modelPath());
        model->freeze();
        return model;
    }
    // A mid-network convolution layer with spatial output.
    static std::string midLayer(models::Classifier& model) {
        const auto& layers = model.layers();
        std::vector<std::string> spatial;
        for (const auto& layer : layers)
            if (layer.shape.size() == 3 && layer.shape[1] > 1) spatial.push_back(layer.name);
        return spatial.at(spatial.size() / 2);
    }
    static viz::VizOptions smallOptions() {
        viz::VizOptions options;
        options.size = 32;
        options.steps = 64;
        options.pad = 4;
        options.jitter = 2;
        options.finalJitter = 1;
        return options;
    }
    static test::TempDir* directory_;
};
test::TempDir* Visualizer::directory_ = nullptr;

double mean(const std::vector<double>& values, std::size_t from, std::size_t to) {
    double sum = 0;
    for (std::size_t i = from; i < to; ++i)
        sum += values[i];
    return sum / static_cast<double>(to - from);
}

std::vector<std::uint8_t> bytesOf(const torch::Tensor& image) {
    const auto bytes = (image * 255).round().clamp(0, 255).to(torch::kUInt8).contiguous();
    return {bytes.data_ptr<std::uint8_t>(), bytes.data_ptr<std::uint8_t>() + bytes.numel()};
}

TEST_F(Visualizer, TheObjectiveRisesOverTheRun) {
    auto model = load();
    auto options = smallOptions();
    options.objective = {viz::ObjectiveTerm{viz::ObjectiveKind::ChannelMean, midLayer(*model), 3}};
    for (auto parameterization : {viz::Parameterization::Fourier, viz::Parameterization::Pixels}) {
        options.parameterization = parameterization;
        Job job;
        const auto run = viz::visualize(*model, options, job.context);
        ASSERT_EQ(run.objective.size(), 64u);
        const double start = mean(run.objective, 0, 4), end = mean(run.objective, 56, 64);
        EXPECT_GT(end, start + 0.5 * std::abs(start) + 0.1) << "start " << start << ", end " << end;
        EXPECT_EQ(run.images.sizes(), (std::vector<int64_t>{1, 3, 32, 32}));
        EXPECT_GE(run.images.min().item<float>(), 0.0f);
        EXPECT_LE(run.images.max().item<float>(), 1.0f);
        // Live: previews and a curve while it runs.
        int previews = 0, points = 0;
        for (const auto& event : job.sink.drain()) {
            previews += std::holds_alternative<runtime::PreviewEvent>(event);
            points += std::holds_alternative<runtime::MetricEvent>(event);
        }
        EXPECT_EQ(points, 64);
        EXPECT_EQ(previews, 8);
    }
}

TEST_F(Visualizer, AClassVisualizationIsClassifiedAsThatClass) {
    auto model = load();
    // At 32 px, pixels without the robustness transforms: one of these classes is recognised by evidence
    // that a 1-2 px shift destroys, and the Fourier basis reaches fine texture slowly at this size.
    for (int k = 0; k < 3; ++k) {
        auto options = smallOptions();
        options.steps = 128;
        options.parameterization = viz::Parameterization::Pixels;
        options.transforms = false;
        options.objective = {viz::ObjectiveTerm{viz::ObjectiveKind::ClassLogProbability, "", k}};
        Job job;
        const auto run = viz::visualize(*model, options, job.context);
        torch::NoGradGuard noGrad;
        const auto probabilities = torch::softmax(model->forward(model->normalize(run.images)), 1);
        EXPECT_GT(probabilities[0][k].item<double>(), 0.9) << "class " << k << ": " << probabilities;
    }
    // The raw logit rises too (for a class the network scores by the absence of evidence, it may rise
    // without winning: its weights are mostly negative).
    auto options = smallOptions();
    options.objective = {viz::ObjectiveTerm{viz::ObjectiveKind::ClassLogit, "", 0}};
    Job job;
    const auto run = viz::visualize(*model, options, job.context);
    EXPECT_GT(mean(run.objective, 56, 64), mean(run.objective, 0, 4) + 1.0);
}

TEST_F(Visualizer, InversionFromAnEarlyLayerIsCloserToTheOriginalThanFromALateOne) {
    auto model = load();
    const auto dataset = data::openDataset(kData);
    std::vector<std::string> spatial;
    for (const auto& layer : model->layers())
        if (layer.shape.size() == 3) spatial.push_back(layer.name);
    const std::string early = spatial.front(), late = spatial.back();
    probe::NmiCalculator nmi(64);
    double earlyNmi = 0, lateNmi = 0, earlyError = 0, lateError = 0;
    for (std::size_t i = 0; i < 3; ++i) {
        const auto sample = dataset->sample(data::Split::Test, i);
        const auto target =
            torch::from_blob(const_cast<float*>(sample.image.pixels.data()), {3, 32, 32}).clone();
        const auto original = bytesOf(target);
        for (const auto& [layer, nmiSum, errorSum] :
             {std::tuple{early, &earlyNmi, &earlyError}, std::tuple{late, &lateNmi, &lateError}}) {
            viz::InversionOptions options;
            options.layer = layer;
            options.steps = 150;
            Job job;
            const auto run = viz::invert(*model, target, options, job.context);
            EXPECT_LT(run.featureLoss, 0.5) << layer << ": the pre-image does not match the representation";
            const auto bytes = bytesOf(run.image);
            *nmiSum += nmi(original.data(), bytes.data(), bytes.size());
            *errorSum += (run.image - target).pow(2).mean().item<double>();
        }
    }
    EXPECT_GT(earlyNmi, lateNmi) << early << " vs " << late;
    EXPECT_LT(earlyError, lateError) << early << " vs " << late;
}

TEST_F(Visualizer, TotalVariationRegularizationSmoothsTheImage) {
    auto model = load();
    auto options = smallOptions();
    options.parameterization = viz::Parameterization::Pixels;
    options.objective = {viz::ObjectiveTerm{viz::ObjectiveKind::Layer, midLayer(*model)}};
    Job plainJob, smoothJob;
    const auto plain = viz::visualize(*model, options, plainJob.context);
    options.tvWeight = 20.0;
    const auto smooth = viz::visualize(*model, options, smoothJob.context);
    EXPECT_LT(viz::totalVariation(smooth.images), 0.7 * viz::totalVariation(plain.images));
}

// Lucent's bug: hooks never removed, so every run keeps what the last one hooked and gets slower. Here a run
// must leave nothing behind: the model's layers are as before, and the heap in use after the tenth run is
// what it was after the first (a hook or graph kept per run would hold that run's activations). Heap bytes,
// not seconds: they do not depend on what else the machine is doing.
TEST_F(Visualizer, TenRunsLeaveNothingBehind) {
    auto model = load();
    auto options = smallOptions();
    options.steps = 40;
    options.objective = {viz::ObjectiveTerm{viz::ObjectiveKind::Neuron, midLayer(*model), 1}};
    const std::size_t layersBefore = model->layers().size();
    std::vector<double> inUseMb;
    for (int run = 0; run < 11; ++run) {
        {
            Job job;
            viz::visualize(*model, options, job.context);
        }
        inUseMb.push_back(static_cast<double>(mallinfo2().uordblks) / (1 << 20));
    }
    std::ostringstream all;
    for (double mb : inUseMb)
        all << " " << mb;
    std::cout << "[ heap MB  ]" << all.str() << "\n";
    // Run 0 warms up (kernels, caches); from run 1 on nothing may accumulate.
    EXPECT_LT(inUseMb.back() - inUseMb[1], 0.25) << "heap in use after each run, MB:" << all.str();
    EXPECT_EQ(model->layers().size(), layersBefore);
}

TEST_F(Visualizer, GalleryRendersOneImagePerChannelAndTheyDiffer) {
    Job job;
    auto options = smallOptions();
    options.steps = 32;
    auto model = load();
    const std::string layer = midLayer(*model);
    const auto result = viz::gallery(modelPath(), layer, 2, 5, options, job.context);
    ASSERT_EQ(result.images.size(), 5u);
    EXPECT_EQ(result.images[0].width, 32);
    EXPECT_NE(result.images[0].rgb, result.images[1].rgb);
}

TEST_F(Visualizer, BadTargetsNameTheLayerChannelOrClass) {
    auto model = load();
    auto options = smallOptions();
    options.steps = 2;
    Job job;
    auto errorFor = [&](const viz::ObjectiveTerm& term) {
        options.objective = {term};
        return test::errorOf<std::invalid_argument>([&] { viz::visualize(*model, options, job.context); });
    };
    const std::string layer = midLayer(*model);
    EXPECT_NE(errorFor({viz::ObjectiveKind::ChannelMean, layer + "x", 0}).find("nearest: " + layer),
              std::string::npos);
    EXPECT_NE(errorFor({viz::ObjectiveKind::ChannelMean, layer, 100000}).find("channels"), std::string::npos);
    EXPECT_NE(errorFor({viz::ObjectiveKind::ClassLogit, "", 3}).find("has 3 classes (0..2)"),
              std::string::npos);
    viz::InversionOptions inversion;
    inversion.layer = layer;
    EXPECT_NE(test::errorOf<std::invalid_argument>([&] {
                  viz::invert(*model, torch::rand({3, 16, 16}), inversion, job.context);
              }).find("3x32x32"),
              std::string::npos);
}

TEST_F(Visualizer, WorksForAGreyClassifierOfAnotherSize) {
    auto model = models::createClassifier("vgg-s", {1, 28, 28}, {"a", "b"});
    model->freeze();
    viz::VizOptions options;
    options.size = 0;  // the classifier's own size
    options.steps = 8;
    options.objective = {viz::ObjectiveTerm{viz::ObjectiveKind::ChannelMean, midLayer(*model), 0}};
    Job job;
    const auto run = viz::visualize(*model, options, job.context);
    EXPECT_EQ(run.images.sizes(), (std::vector<int64_t>{1, 1, 28, 28}));
}

TEST_F(Visualizer, WorksForATorchScriptModel) {
    const std::string path = std::string(NETSIGHT_FIXTURE_DIR) + "/resnet18_scripted.pt";
    if (!fs::exists(path)) GTEST_SKIP() << "fixture missing: run ctest (python3-torchvision exports it)";
    auto model = models::loadClassifier(path);
    viz::VizOptions options;
    options.size = 64;
    options.steps = 12;
    options.objective = {viz::ObjectiveTerm{viz::ObjectiveKind::ChannelMean, "layer2", 5}};
    Job job;
    const auto run = viz::visualize(*model, options, job.context);
    EXPECT_GT(run.objective.back(), run.objective.front());
}

// Channels explained by data: each channel's activity on the test images, the most active one, and the test
// images that drive a class or a channel most, with where they do.
TEST_F(Visualizer, TheTestImagesThatDriveAClassOrAChannelComeFirst) {
    Job job;
    const auto activity = viz::channelActivity(modelPath(), kData, "stem", 90, "cpu", job.context);
    ASSERT_EQ(activity.size(), 16u);
    const int best = viz::mostActiveChannel(activity);
    for (const auto& channel : activity) {
        EXPECT_LE(channel.mean, activity[static_cast<std::size_t>(best)].mean);
        EXPECT_GE(channel.activeShare, 0);
        EXPECT_LE(channel.activeShare, 1);
        EXPECT_EQ(channel.silent(), channel.peak <= 0);
    }
    const auto byClass =
        viz::topImages(modelPath(), kData, viz::parseObjective("class:1"), 8, 90, "cpu", job.context);
    ASSERT_EQ(byClass.size(), 8u);
    int ofClass = 0;
    for (std::size_t i = 0; i < byClass.size(); ++i) {
        ofClass += byClass[i].labelName == "identity 1";
        EXPECT_EQ(byClass[i].map.size(), 32u * 32u);
        if (i > 0) {
            EXPECT_LE(byClass[i].value, byClass[i - 1].value);
        }
    }
    EXPECT_GE(ofClass, 7) << "the images that drive class 1's logit most are of class 1";
    const auto byChannel = viz::topImages(modelPath(), kData, viz::parseObjective("channel:layer2.0:3"), 5,
                                          90, "cpu", job.context);
    ASSERT_EQ(byChannel.size(), 5u);
    for (std::size_t i = 1; i < byChannel.size(); ++i)
        EXPECT_LE(byChannel[i].value, byChannel[i - 1].value);
    const auto layer2 = viz::channelActivity(modelPath(), kData, "layer2.0", 90, "cpu", job.context);
    EXPECT_GE(byChannel.front().value, layer2[3].mean) << "the top image is above the channel's average";
    EXPECT_THROW(viz::topImages(modelPath(), kData, viz::parseObjective("channel:nowhere:0"), 5, 90, "cpu",
                                job.context),
                 std::invalid_argument);
}

// A channel silent on the start image (its bias lowered to 0.6 of its largest response on the test images:
// it still fires on a few) stays flat with the plain ReLU gradient, and comes to life with Lucid's redirected
// one.
TEST_F(Visualizer, ARedirectedReluGradientWakesASilentChannel) {
    Job job;
    const int channel = 2;
    const auto before = viz::channelActivity(modelPath(), kData, "stem", 90, "cpu", job.context);
    auto model = models::loadClassifier(modelPath());
    {
        torch::NoGradGuard noGrad;
        for (auto& [name, value] : model->namedParameters())
            if (name == "stem.bn.bias") value[channel] -= before[channel].peak * 0.6;
    }
    const std::string silenced = (directory_->path() / "silenced.nsm").string();
    model->save(silenced);
    const auto after = viz::channelActivity(silenced, kData, "stem", 90, "cpu", job.context);
    std::printf("[ measured ] channel %d: active on %.2f of the test images before, %.2f after\n", channel,
                before[channel].activeShare, after[channel].activeShare);
    EXPECT_LT(after[channel].activeShare, before[channel].activeShare);

    auto options = smallOptions();
    options.steps = 256;  // the start image's response is far below zero: it takes a while to climb
    options.objective = {viz::parseObjective("channel:stem:" + std::to_string(channel))};
    options.redirectRelu = false;
    auto plain = models::loadClassifier(silenced);
    const auto flat = viz::visualize(*plain, options, job.context);
    EXPECT_EQ(*std::max_element(flat.objective.begin(), flat.objective.end()), 0.0)
        << "no gradient, no change";
    options.redirectRelu = true;
    const auto woken = viz::visualize(*plain, options, job.context);
    std::printf("[ measured ] silent channel: objective %.4f after %d steps with the redirected gradient\n",
                woken.objective.back(), options.steps);
    EXPECT_GT(woken.objective.back(), 0.0);
    // Nothing stays behind: the next plain run is flat again.
    options.redirectRelu = false;
    EXPECT_EQ(viz::visualize(*plain, options, job.context).objective.back(), 0.0);
}

TEST(VizObjective, ParsesEveryFormAndNamesWhatIsWrong) {
    const auto neuron = viz::parseObjective("neuron:layer2.0.conv1:5:3,4*0.5");
    EXPECT_EQ(neuron.kind, viz::ObjectiveKind::Neuron);
    EXPECT_EQ(neuron.layer, "layer2.0.conv1");
    EXPECT_EQ(neuron.channel, 5);
    EXPECT_EQ(neuron.x, 3);
    EXPECT_EQ(neuron.y, 4);
    EXPECT_DOUBLE_EQ(neuron.weight, 0.5);
    EXPECT_EQ(viz::describe(neuron), "neuron:layer2.0.conv1:5:3,4*0.5");
    EXPECT_EQ(viz::parseObjective("class:7").kind, viz::ObjectiveKind::ClassLogit);
    EXPECT_EQ(viz::parseObjective("classprob:2").kind, viz::ObjectiveKind::ClassLogProbability);
    EXPECT_EQ(viz::parseObjective("layer:features.3").layer, "features.3");
    EXPECT_EQ(viz::parseObjective("channel:a.b:2").channel, 2);
    EXPECT_NE(
        test::errorOf<std::invalid_argument>([] { viz::parseObjective("channel:x:two"); }).find("'two'"),
        std::string::npos);
    EXPECT_NE(test::errorOf<std::invalid_argument>([] { viz::parseObjective("pixel:3"); }).find("class:K"),
              std::string::npos);
}

TEST(VizGallery, DefaultsAreThumbnailsAndTheAppsSizeIsCappedAtThem) {
    const auto defaults = viz::galleryDefaults();
    EXPECT_EQ(defaults.size, viz::kGalleryMaxSize);
    EXPECT_EQ(defaults.steps, viz::kGallerySteps);
    viz::VizOptions chosen;
    chosen.size = 160;
    chosen.steps = 40;
    EXPECT_EQ(viz::galleryOptions(chosen).size, viz::kGalleryMaxSize);
    EXPECT_EQ(viz::galleryOptions(chosen).steps, 40);  // the user's steps stay
    chosen.size = 32;
    EXPECT_EQ(viz::galleryOptions(chosen).size, 32);
    chosen.size = 0;  // the classifier's input size
    EXPECT_EQ(viz::galleryOptions(chosen).size, 0);
}

}  // namespace
}  // namespace netsight
