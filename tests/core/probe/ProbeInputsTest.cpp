// Each classifier's own input: one experiment, three classifiers of three input sizes (one grey), one
// autoencoder at the data's size.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <variant>

#include "TempDir.h"
#include "TestJob.h"
#include "TinySpec.h"
#include "TorchTest.h"
#include "netsight/experiment/ProbePipeline.h"
#include "netsight/experiment/ProbeSpec.h"
#include "netsight/probe/ProbeResults.h"
#include "netsight/runtime/Events.h"
#include "netsight/train/Training.h"

using namespace netsight;
namespace fs = std::filesystem;

namespace {

// A classifier trained on FactorWorld rendered at another size (the same objects and classes).
double trainAt(const fs::path& file, const std::string& architecture, const std::string& data, int epochs) {
    train::TrainOptions options;
    options.architecture = architecture;
    options.dataSource = data;
    options.outputPath = file.string();
    options.epochs = epochs;
    options.device = "cpu";
    test::TestJob job;
    return train::trainClassifier(options, job.context).bestValidationAccuracy;
}

TEST(ProbeInputs, ClassifiersOfThreeInputSizesAreEachFedTheirOwn) {
    test::TempDir dir;
    const std::string world = "factorworld:classes=3,train=600,val=60,test=60";
    const double wide = trainAt(dir / "wide.nsm", "resnet-s", world + ",size=24", 4);
    const double small = trainAt(dir / "small-grey.nsm", "resnet-s", world + ",size=12,grey=1", 12);
    std::cout << "validation accuracy at their own size: wide " << wide << ", small grey " << small << "\n";

    experiment::ProbeSpec spec;
    spec.data = world + ",size=16";
    spec.classifiers = {
        {"native", "resnet-s", ""}, {"wide", "", "wide.nsm"}, {"small-grey", "", "small-grey.nsm"}};
    spec.classifierEpochs = 4;
    spec.autoencoder = "segnet-tiny";
    spec.pretrainEpochs = 2;
    spec.finetuneEpochs = 1;
    spec.testImages = 60;
    experiment::writeProbeSpec(spec, (dir / "experiment.json").string());
    test::TestJob run;
    const auto summary = experiment::runProbe(dir.path().string(), run.context);

    EXPECT_EQ(summary.dataShape, "3x16x16");
    ASSERT_EQ(summary.inputs.size(), 3u);
    EXPECT_EQ(summary.inputs[0].substr(0, summary.inputs[0].find(' ')), "3x16x16");
    EXPECT_EQ(summary.inputs[1].substr(0, summary.inputs[1].find(' ')), "3x24x24");
    EXPECT_EQ(summary.inputs[2].substr(0, summary.inputs[2].find(' ')), "1x12x12");
    // The probe feeds each classifier the originals as `netsight-cli eval` does (data::adaptToInput, OpenCV's
    // resize): the same accuracy up to the resize kernels (bilinear antialiased here, area there).
    // Classifiers this small are sensitive to scale: the grey one reads 0.78 at its own 12 px and ~0.4 on
    // 16-px images shrunk to 12, by either path; the wide one 0.93 at 24 px and ~0.67 on 16-px images
    // enlarged.
    const std::vector<std::string> files = {"", "wide.nsm", "small-grey.nsm"};
    for (std::size_t c = 1; c < 3; ++c) {
        test::TestJob evaluation;
        const auto evaluated = train::evaluateModel((dir / files[c]).string(), spec.data, data::Split::Test,
                                                    "cpu", 0, evaluation.context);
        std::cout << summary.classifiers[c] << ": eval " << evaluated.accuracy << ", probe "
                  << summary.accuracy[0][c] << "\n";
        EXPECT_NEAR(summary.accuracy[0][c], evaluated.accuracy, 0.1) << summary.classifiers[c];
    }
    EXPECT_GT(summary.accuracy[0][0], 0.55);  // chance is 1/3
    EXPECT_GT(summary.accuracy[0][1], 0.5);
    // The transfer matrix is complete: every autoencoder's reconstructions were fed to every classifier.
    ASSERT_EQ(summary.accuracy.size(), 5u);
    for (const auto& row : summary.accuracy)
        for (double accuracy : row)
            EXPECT_TRUE(accuracy >= 0.0 && accuracy <= 1.0);

    const auto reread = probe::readProbeResults(dir.path().string());
    ASSERT_TRUE(reread.has_value());
    EXPECT_EQ(reread->summary.inputs, summary.inputs);
    std::ifstream report(dir / "report.html");
    const std::string html((std::istreambuf_iterator<char>(report)), std::istreambuf_iterator<char>());
    EXPECT_NE(html.find("fed at 1x12x12"), std::string::npos);
}

// The probe's fine-tunings (two classifiers x two replicas) spread over two workers, as over two GPUs: here
// two simulated lanes on the CPU (NETSIGHT_DEVICES=cpu,cpu), each with its own copy of the classifier.
std::string spreadProbe(const std::string& devices, const std::string& device,
                        probe::ProbeSummary* result = nullptr) {
    test::TempDir dir;
    auto spec = test::tinySpec();
    spec.pretrainEpochs = 1;
    spec.finetuneEpochs = 1;
    spec.replicas = 2;
    spec.device = device;
    experiment::writeProbeSpec(spec, (dir / "experiment.json").string());
    ::setenv("NETSIGHT_DEVICES", devices.c_str(), 1);
    test::TestJob run;
    probe::ProbeSummary summary;
    try {
        summary = experiment::runProbe(dir.path().string(), run.context);
    } catch (...) {
        ::unsetenv("NETSIGHT_DEVICES");
        throw;
    }
    ::unsetenv("NETSIGHT_DEVICES");
    for (const char* file : {"ae-a.pt", "ae-a.r2.pt", "ae-b.pt", "ae-b.r2.pt"})
        EXPECT_TRUE(fs::exists(dir / "models" / file)) << file;
    EXPECT_EQ(summary.rows.size(), 4u);
    EXPECT_EQ(summary.uncertainty.replicas, 2);
    if (result) *result = summary;
    std::string log;
    for (auto& event : run.sink.drain())
        if (const auto* line = std::get_if<runtime::LogEvent>(&event)) log += line->text + "\n";
    return log;
}

TEST(ProbeDevices, FineTuningsSpreadOverSimulatedDeviceLanes) {
    probe::ProbeSummary spread, single;
    const std::string log = spreadProbe("cpu,cpu", "cpu", &spread);
    EXPECT_NE(log.find("fine-tunings spread over cpu, cpu"), std::string::npos) << log;
    // The same numbers as on one lane, to the bit: each fine-tuning starts from the same pretrained
    // autoencoder and draws its batches from its own seed, whichever worker runs it and whatever runs beside.
    spreadProbe("cpu", "cpu", &single);
    ASSERT_EQ(spread.accuracy.size(), single.accuracy.size());
    for (std::size_t r = 0; r < spread.accuracy.size(); ++r)
        for (std::size_t c = 0; c < spread.accuracy[r].size(); ++c)
            EXPECT_EQ(spread.accuracy[r][c], single.accuracy[r][c]) << spread.rows[r] << " x " << c;
    EXPECT_EQ(spread.nmiIntraMedian, single.nmiIntraMedian);
    EXPECT_EQ(spread.nmiInterMedian, single.nmiInterMedian);
}

// Two workers on one GPU (or one each on two), with mixed precision (on by default on CUDA).
TEST(ProbeDevices, MixedPrecisionFineTuningsOnTwoGpuWorkers_CUDA) {
    const std::string log = spreadProbe("cuda:0,cuda:0", "cuda");
    EXPECT_NE(log.find("mixed precision"), std::string::npos) << log;
}

}  // namespace
