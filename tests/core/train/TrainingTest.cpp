#include "netsight/train/Training.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <variant>

#include "ErrorOf.h"
#include "TempDir.h"
#include "TestJob.h"
#include "TorchTest.h"
#include "netsight/models/Classifier.h"
#include "netsight/runtime/Device.h"
#include "train/Checkpoint.h"

using namespace netsight;
using netsight::test::TempDir;

namespace {

constexpr const char* kWorld = "factorworld:classes=5,size=32,train=1200,val=300,test=300";

using JobRun = test::TestJob;

train::TrainOptions quick(const std::string& architecture, const std::string& data,
                          const std::string& output) {
    train::TrainOptions options;
    options.architecture = architecture;
    options.dataSource = data;
    options.outputPath = output;
    options.epochs = 2;
    options.batchSize = 64;
    options.learningRate = 2e-3;
    return options;
}

torch::Tensor outputsOf(const std::string& model, int seed = 3) {
    auto classifier = models::loadClassifier(model);
    classifier->setTraining(false);
    torch::manual_seed(seed);
    const auto& shape = classifier->meta().input.shape;
    return classifier->forward(torch::rand({4, shape.channels, shape.height, shape.width}));
}

struct FloorCase {
    std::string architecture;
    std::string data;
    std::size_t maxTrain;
    double floor;
    int epochs = 2;
    double learningRate = 2e-3;
};

void PrintTo(const FloorCase& c, std::ostream* out) {
    *out << c.architecture << " on " << c.data;
}

class AccuracyFloor : public ::testing::TestWithParam<FloorCase> {};

// Each zoo architecture learns each kind of data in a few dozen steps: well above chance (20% on
// 5 FactorWorld identities, 10% on Fashion-MNIST).
TEST_P(AccuracyFloor, TrainsPastTheFloorInAFewSteps) {
    const FloorCase& c = GetParam();
    if (c.data == "fashion-mnist" && !std::filesystem::exists("/usr/share/datasets/fashion-mnist"))
        GTEST_SKIP() << "dataset-fashion-mnist is not installed";
    TempDir dir;
    auto options = quick(c.architecture, c.data, (dir / "model.nsm").string());
    options.maxTrainSamples = c.maxTrain;
    options.maxValidationSamples = 1000;
    options.epochs = c.epochs;
    options.learningRate = c.learningRate;
    JobRun run;
    const auto result = train::trainClassifier(options, run.context);
    EXPECT_GT(result.bestValidationAccuracy, c.floor) << c.architecture << " on " << c.data;
    EXPECT_EQ(result.epochsRun, c.epochs);
    const auto evaluation =
        train::evaluateModel(options.outputPath, c.data, data::Split::Test, "cpu", 1000, run.context);
    EXPECT_GT(evaluation.accuracy, c.floor - 0.1) << "test accuracy far below validation";
}

std::vector<FloorCase> floorCases() {
    std::vector<FloorCase> cases;
    for (const char* architecture : {"vgg-s", "resnet-s", "inception-s", "resnet10", "topdown", "bottomup"}) {
        cases.push_back({architecture, kWorld, 0, 0.6});
        // Top-down sees 7x7 and 14x14 versions of 28x28 images first: it starts slower.
        cases.push_back(
            {architecture, "fashion-mnist", 2560, std::string(architecture) == "topdown" ? 0.5 : 0.65});
    }
    // Without BatchNorm AlexNet learns slower: more epochs at a lower rate.
    cases.push_back({"alexnet-s", kWorld, 0, 0.6, 4, 5e-4});
    cases.push_back({"alexnet-s", "fashion-mnist", 2560, 0.55, 4, 5e-4});
    cases.push_back({"grey+resnet-s", kWorld, 0, 0.5});
    cases.push_back({"lowpass+vgg-s", kWorld, 0, 0.5});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(Zoo, AccuracyFloor, ::testing::ValuesIn(floorCases()), [](const auto& testInfo) {
    std::string name = testInfo.param.architecture + "_" +
                       (testInfo.param.data == "fashion-mnist" ? "fashion" : "factorworld");
    for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name;
});

TEST(Training, SameSeedSameModel) {
    TempDir dir;
    JobRun run;
    auto a = quick("vgg-s", kWorld, (dir / "a.nsm").string());
    a.epochs = 1;
    a.maxTrainSamples = 256;
    auto b = a;
    b.outputPath = (dir / "b.nsm").string();
    train::trainClassifier(a, run.context);
    train::trainClassifier(b, run.context);
    EXPECT_TRUE(torch::equal(outputsOf(a.outputPath), outputsOf(b.outputPath)));
    auto c = a;
    c.outputPath = (dir / "c.nsm").string();
    c.seed = 1;
    train::trainClassifier(c, run.context);
    EXPECT_FALSE(torch::equal(outputsOf(a.outputPath), outputsOf(c.outputPath)));
}

// A small run whose pieces compare exactly: constant schedule, few samples.
train::TrainOptions resumable(const std::string& path, int epochs) {
    auto options = quick("resnet-s", kWorld, path);
    options.schedule = train::Schedule::Constant;
    options.maxTrainSamples = 256;
    options.maxValidationSamples = 64;
    options.epochs = epochs;
    return options;
}

TEST(Training, ResumedRunEqualsAnUninterruptedOne) {
    TempDir dir;
    JobRun run;
    const auto whole = resumable((dir / "whole.nsm").string(), 3);
    train::trainClassifier(whole, run.context);

    auto pieces = whole;
    pieces.outputPath = (dir / "pieces.nsm").string();
    pieces.epochs = 1;  // as if killed after epoch 1
    train::trainClassifier(pieces, run.context);
    ASSERT_TRUE(std::filesystem::exists(pieces.outputPath + ".ckpt"));
    pieces.epochs = 3;
    const auto result = train::trainClassifier(pieces, run.context);
    EXPECT_EQ(result.resumedFromEpoch, 1);
    EXPECT_EQ(result.epochsRun, 2);
    // Both keep their best epoch; compare the checkpoints' final weights through a last save.
    auto finalWhole = models::loadClassifier(whole.outputPath);
    auto finalPieces = models::loadClassifier(pieces.outputPath);
    EXPECT_EQ(finalWhole->meta().training.bestEpoch, finalPieces->meta().training.bestEpoch);
    EXPECT_TRUE(torch::allclose(outputsOf(whole.outputPath), outputsOf(pieces.outputPath), 1e-5, 1e-6));

    // A completed checkpoint makes a re-run a no-op.
    EXPECT_EQ(train::trainClassifier(pieces, run.context).epochsRun, 0);
}

// The checkpoint is written before the first model file: a run stopped in its first epoch (cancelled here,
// killed alike) leaves a checkpoint and no model, never a model without a checkpoint, which would count as
// finished; resumed, it ends as an uninterrupted run.
TEST(Training, ACheckpointExistsBeforeTheModelFile) {
    TempDir dir;
    JobRun run;
    const auto whole = resumable((dir / "whole.nsm").string(), 2);
    train::trainClassifier(whole, run.context);

    auto stopped = whole;
    stopped.outputPath = (dir / "stopped.nsm").string();
    run.cancel = true;
    EXPECT_THROW(train::trainClassifier(stopped, run.context), runtime::JobCancelled);
    EXPECT_TRUE(std::filesystem::exists(stopped.outputPath + ".ckpt"));
    EXPECT_FALSE(std::filesystem::exists(stopped.outputPath));
    run.cancel = false;
    const auto result = train::trainClassifier(stopped, run.context);
    EXPECT_EQ(result.resumedFromEpoch, 0);
    EXPECT_EQ(result.epochsRun, 2);
    EXPECT_TRUE(torch::allclose(outputsOf(whole.outputPath), outputsOf(stopped.outputPath), 1e-5, 1e-6));
}

// Classifiers and the probe's autoencoders resume from one checkpoint format: weights, optimizer, a JSON
// state.
TEST(Checkpoint, RoundTripsWeightsOptimizerAndStateAndNamesADamagedFile) {
    TempDir dir;
    const std::string path = (dir / "run.ckpt").string();
    EXPECT_FALSE(train::readCheckpoint(path, "delete it").has_value());
    torch::manual_seed(1);
    torch::nn::Linear made(3, 2);
    torch::optim::Adam optimizer(made->parameters(), torch::optim::AdamOptions(1e-2));
    made->forward(torch::ones({4, 3})).sum().backward();
    optimizer.step();
    train::writeCheckpoint(path, *made, optimizer, {{"epoch", 3}, {"recipe", {{"epochs", 5}}}});

    auto checkpoint = train::readCheckpoint(path, "delete it");
    ASSERT_TRUE(checkpoint.has_value());
    EXPECT_EQ(checkpoint->epoch(), 3);
    EXPECT_EQ(checkpoint->state.at("recipe").at("epochs"), 5);
    torch::nn::Linear read(3, 2);
    read->load(checkpoint->model);
    EXPECT_TRUE(torch::equal(read->weight, made->weight));
    torch::optim::Adam resumed(read->parameters(), torch::optim::AdamOptions(1e-2));
    resumed.load(checkpoint->optimizer);
    EXPECT_EQ(train::checkpointState(path).at("epoch"), 3);

    std::ofstream(path, std::ios::binary | std::ios::trunc) << "not an archive";
    const std::string error =
        test::errorOf<std::runtime_error>([&] { train::readCheckpoint(path, "delete it"); });
    EXPECT_NE(error.find(path), std::string::npos) << error;
    EXPECT_NE(error.find("damaged"), std::string::npos) << error;
    EXPECT_NE(error.find("delete it"), std::string::npos) << error;
    EXPECT_TRUE(train::checkpointState(path).is_null());
}

// A classifier run refuses an autoencoder's checkpoint at its path instead of misreading it.
TEST(Checkpoint, AClassifierRunRefusesACheckpointThatIsNotAClassifiers) {
    TempDir dir;
    auto options = quick("resnet-s", "factorworld:classes=3,size=16,train=64,val=16,test=16",
                         (dir / "model.nsm").string());
    torch::nn::Linear other(3, 2);
    torch::optim::Adam optimizer(other->parameters(), torch::optim::AdamOptions(1e-2));
    train::writeCheckpoint(options.outputPath + ".ckpt", *other, optimizer, {{"epoch", 1}});
    JobRun run;
    const std::string error =
        test::errorOf<std::runtime_error>([&] { train::trainClassifier(options, run.context); });
    EXPECT_NE(error.find("not a classifier's checkpoint"), std::string::npos) << error;
}

TEST(Training, CancelStopsWithinABatchAndKeepsTheCheckpoint) {
    TempDir dir;
    JobRun run;
    auto options = quick("resnet-s", kWorld, (dir / "m.nsm").string());
    options.epochs = 1;
    options.maxTrainSamples = 128;
    train::trainClassifier(options, run.context);
    const auto checkpoint = options.outputPath + ".ckpt";
    const auto before = std::filesystem::last_write_time(checkpoint);
    run.cancel = true;
    options.epochs = 5;
    EXPECT_THROW(train::trainClassifier(options, run.context), runtime::JobCancelled);
    EXPECT_EQ(std::filesystem::last_write_time(checkpoint), before);
}

TEST(Training, DivergenceStopsWithAClearMessageAndKeepsTheLastGoodState) {
    TempDir dir;
    JobRun run;
    auto options = quick("alexnet-s", kWorld, (dir / "m.nsm").string());
    options.epochs = 1;
    options.maxTrainSamples = 128;
    options.optimizer = "sgd";
    options.learningRate = 0.01;
    train::trainClassifier(options, run.context);
    const auto goodOutputs = outputsOf(options.outputPath);
    options.epochs = 2;
    options.learningRate = 1e12;
    try {
        train::trainClassifier(options, run.context);
        FAIL() << "expected divergence";
    } catch (const std::runtime_error& error) {
        const std::string message = error.what();
        EXPECT_NE(message.find("training diverged"), std::string::npos) << message;
        EXPECT_NE(message.find("after epoch 1"), std::string::npos) << message;
        EXPECT_NE(message.find("lower the learning rate"), std::string::npos) << message;
    }
    EXPECT_TRUE(torch::equal(outputsOf(options.outputPath), goodOutputs));
}

TEST(Training, ReportsProgressWithEtaAndMetrics) {
    TempDir dir;
    JobRun run;
    auto options = quick("resnet-s", kWorld, (dir / "m.nsm").string());
    options.epochs = 1;
    options.maxTrainSamples = 320;
    train::trainClassifier(options, run.context);
    int progress = 0, losses = 0, validations = 0;
    bool etaSeen = false;
    for (const auto& event : run.sink.drain()) {
        if (auto* p = std::get_if<runtime::ProgressEvent>(&event)) {
            ++progress;
            EXPECT_EQ(p->total, 5);
            etaSeen = etaSeen || p->etaSeconds >= 0;
        }
        if (auto* m = std::get_if<runtime::MetricEvent>(&event)) {
            losses += m->series == "train/loss";
            validations += m->series == "val/accuracy";
        }
    }
    EXPECT_EQ(progress, 5);
    EXPECT_EQ(losses, 5);
    EXPECT_EQ(validations, 1);
    EXPECT_TRUE(etaSeen);
}

TEST(Training, BadOptionsAndMismatchedDataAreClearErrors) {
    TempDir dir;
    JobRun run;
    auto options = quick("resnet-xl", kWorld, (dir / "m.nsm").string());
    EXPECT_THROW(train::trainClassifier(options, run.context), std::invalid_argument);
    options = quick("resnet-s", kWorld, (dir / "no-such-folder" / "m.nsm").string());
    try {
        train::trainClassifier(options, run.context);
        FAIL();
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("no-such-folder"), std::string::npos);
    }
    options = quick("resnet-s", kWorld, (dir / "m.nsm").string());
    options.optimizer = "rmsprop";
    EXPECT_THROW(train::trainClassifier(options, run.context), std::invalid_argument);

    // A 5-class model on 3-class data: refused; a 32x32 colour model on 16x16 grey data with the same
    // classes: adapted, and said so.
    options = quick("resnet-s", kWorld, (dir / "m.nsm").string());
    options.epochs = 1;
    options.maxTrainSamples = 64;
    train::trainClassifier(options, run.context);
    try {
        train::evaluateModel(options.outputPath, "factorworld:classes=3,size=32", data::Split::Test, "cpu", 0,
                             run.context);
        FAIL();
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("has 5 output classes but"), std::string::npos)
            << error.what();
    }
    const auto adapted =
        train::evaluateModel(options.outputPath, "factorworld:classes=5,size=16,grey=1,test=50",
                             data::Split::Test, "cpu", 0, run.context);
    EXPECT_EQ(adapted.samples, 50u);
    ASSERT_EQ(adapted.notes.size(), 2u);
    EXPECT_NE(adapted.notes[0].find("grey images replicated to RGB"), std::string::npos);
    EXPECT_NE(adapted.notes[1].find("resized from 16x16 to 32x32"), std::string::npos);
}

TEST(Training, ConfusionCsvHasOneRowPerClass) {
    train::EvalResult result;
    result.classNames = {"a", "b \"quoted\""};
    result.confusion = {{3, 1}, {0, 4}};
    TempDir dir;
    train::writeConfusionCsv(result, (dir / "c.csv").string());
    std::ifstream stream(dir / "c.csv");
    std::string header, first, second;
    std::getline(stream, header);
    std::getline(stream, first);
    std::getline(stream, second);
    EXPECT_EQ(header, "true\\predicted,\"a\",\"b \"\"quoted\"\"\"");
    EXPECT_EQ(first, "\"a\",3,1");
    EXPECT_EQ(second, "\"b \"\"quoted\"\"\",0,4");
}

TEST(Device, AutoIsCpuWithoutGpuAndCudaIsRefusedClearly) {
    if (runtime::cudaAvailable()) GTEST_SKIP() << "a GPU is present";
    EXPECT_EQ(runtime::resolveDeviceName("auto"), "cpu");
    try {
        runtime::resolveDeviceName("cuda");
        FAIL();
    } catch (const std::invalid_argument& error) {
        EXPECT_NE(std::string(error.what()).find("no CUDA GPU"), std::string::npos);
    }
    EXPECT_THROW(runtime::resolveDeviceName("tpu"), std::invalid_argument);
    EXPECT_EQ(runtime::configureThreads(0), static_cast<int>(std::thread::hardware_concurrency()));
}

TEST(Device, TrainsOnTheGpu_CUDA) {
    TempDir dir;
    JobRun run;
    auto options = quick("resnet-s", kWorld, (dir / "m.nsm").string());
    options.device = "cuda";
    options.epochs = 1;
    const auto result = train::trainClassifier(options, run.context);
    EXPECT_GT(result.bestValidationAccuracy, 0.4);
}

// Float16 autocast with loss scaling (the default on CUDA) learns as float32 does, says so in the log, and
// saves float32 weights.
TEST(Device, MixedPrecisionTrainingLearnsAsFloat32Does_CUDA) {
    TempDir dir;
    auto trainOn = [&](bool mixed, std::string& log) {
        JobRun run;
        auto options = quick("resnet-s", kWorld, (dir / (mixed ? "mixed.nsm" : "full.nsm")).string());
        options.device = "cuda";
        options.epochs = 2;
        options.mixedPrecision = mixed;
        const auto result = train::trainClassifier(options, run.context);
        for (const auto& event : run.sink.drain())
            if (auto* line = std::get_if<runtime::LogEvent>(&event)) log += line->text + "\n";
        return result.bestValidationAccuracy;
    };
    std::string mixedLog, fullLog;
    const double mixed = trainOn(true, mixedLog), full = trainOn(false, fullLog);
    std::cout << "[ amp      ] validation accuracy: mixed precision " << mixed << ", float32 " << full
              << "\n";
    EXPECT_NE(mixedLog.find("mixed precision"), std::string::npos) << mixedLog;
    EXPECT_EQ(fullLog.find("mixed precision"), std::string::npos) << fullLog;
    EXPECT_GT(mixed, 0.4);
    EXPECT_GT(mixed, full - 0.1);
    auto classifier = models::loadClassifier((dir / "mixed.nsm").string());
    for (const auto& parameter : classifier->parameters())
        EXPECT_EQ(parameter.scalar_type(), torch::kFloat);
}

}  // namespace
