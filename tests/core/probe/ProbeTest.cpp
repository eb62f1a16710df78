// The signal probe's pipeline on tiny experiments: resuming, replicas, spec errors, fine-tunings as jobs of
// their own, the SegNet presets (its stages' reuse and staleness: ProbeStagesTest.cpp).
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <opencv2/imgproc.hpp>
#include <set>
#include <thread>

#include "ErrorOf.h"
#include "TempDir.h"
#include "TestJob.h"
#include "TinySpec.h"
#include "TorchTest.h"
#include "netsight/data/Dataset.h"
#include "netsight/experiment/ProbePipeline.h"
#include "netsight/experiment/ProbeSpec.h"
#include "netsight/models/Classifier.h"
#include "netsight/probe/ProbeResults.h"
#include "netsight/probe/SegNet.h"
#include "probe/AutoencoderTraining.h"

using namespace netsight;
namespace fs = std::filesystem;

namespace {

using ProbeJob = test::TestJob;

using test::tinySpec;

using test::readAll;

TEST(ProbeRun, AnInterruptedRunResumesToTheSameResults) {
    test::TempDir whole, interrupted;
    experiment::writeProbeSpec(tinySpec(), (whole.path() / "experiment.json").string());
    experiment::writeProbeSpec(tinySpec(), (interrupted.path() / "experiment.json").string());
    ProbeJob first;
    const auto summary = experiment::runProbe(whole.path().string(), first.context);

    // The live view's material: previews of every autoencoder column as 8-bit RGB of the grid images,
    // and loss and accuracy curves of each fine-tuning.
    std::map<std::string, int> previews;
    std::set<std::string> series;
    for (const auto& event : first.sink.drain()) {
        if (auto* preview = std::get_if<runtime::PreviewEvent>(&event)) {
            ++previews[preview->key];
            ASSERT_EQ(preview->images.size(), tinySpec().gridImages);
            EXPECT_EQ(preview->images[0].width, 16);
            EXPECT_EQ(preview->images[0].rgb.size(), 16u * 16u * 3u);
        }
        if (auto* metric = std::get_if<runtime::MetricEvent>(&event)) series.insert(metric->series);
    }
    EXPECT_EQ(previews["original"], 1);
    EXPECT_GE(previews["pretrained"], 3);  // start, each epoch, and the measurement
    EXPECT_GE(previews["a"], 3);
    EXPECT_GE(previews["b"], 3);
    EXPECT_TRUE(series.count("fine-tune for a/accuracy"));
    EXPECT_TRUE(series.count("pretrain autoencoder/loss"));

    // What the GUI reads back when it reopens the experiment is what the run computed.
    const auto reread = probe::readProbeResults(whole.path().string());
    ASSERT_TRUE(reread.has_value());
    EXPECT_EQ(reread->summary.rows, summary.rows);
    EXPECT_EQ(reread->summary.classifiers, summary.classifiers);
    EXPECT_EQ(reread->summary.order.wins, summary.order.wins);
    EXPECT_EQ(reread->summary.order.ranking, summary.order.ranking);
    EXPECT_EQ(reread->summary.parameterCounts, summary.parameterCounts);
    for (std::size_t r = 0; r < summary.rows.size(); ++r)
        for (std::size_t c = 0; c < summary.classifiers.size(); ++c)
            EXPECT_NEAR(reread->summary.accuracy[r][c], summary.accuracy[r][c], 1e-5);
    ASSERT_EQ(reread->nmi.rows.size(), 3u);  // pretrained, a, b
    EXPECT_EQ(reread->nmi.intra[0].size(), 60u);
    ASSERT_EQ(reread->gridFiles.size(), 4u);  // original, pretrained, a, b
    for (const auto& column : reread->gridFiles) {
        ASSERT_EQ(column.size(), tinySpec().gridImages);
        for (const auto& file : column)
            EXPECT_TRUE(fs::exists(file)) << file;
    }
    EXPECT_FALSE(probe::readProbeResults(interrupted.path().string()).has_value());  // not run yet

    // Cancel during the second fine-tuning, as a kill would stop it, then run again.
    runtime::EventSink sink;
    {
        runtime::JobThread job("probe", sink, [&](const runtime::JobContext& context) {
            experiment::runProbe(interrupted.path().string(), context);
        });
        bool cancelled = false;
        while (!job.finished()) {
            for (const auto& event : sink.drain())
                if (auto* progress = std::get_if<runtime::ProgressEvent>(&event))
                    if (!cancelled && progress->phase.rfind("fine-tune for b", 0) == 0) {
                        job.cancel();
                        cancelled = true;
                    }
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        ASSERT_TRUE(cancelled) << "never reached the second fine-tuning";
    }
    EXPECT_TRUE(fs::exists(interrupted.path() / "models" / "ae-a.pt"));
    EXPECT_FALSE(fs::exists(interrupted.path() / "models" / "ae-b.pt"));
    ProbeJob second;
    experiment::runProbe(interrupted.path().string(), second.context);
    EXPECT_EQ(readAll(whole.path() / "results" / "transfer.csv"),
              readAll(interrupted.path() / "results" / "transfer.csv"));
    EXPECT_EQ(readAll(whole.path() / "results" / "nmi.csv"),
              readAll(interrupted.path() / "results" / "nmi.csv"));
}

// The pretrained AE's quality gate: a warning in plain words when it keeps less than 0.9 of a classifier's
// accuracy, naming that classifier; none when it keeps enough or was not measured.
TEST(ProbeQuality, AnAutoencoderThatLosesTooMuchIsFlaggedBeforeTheMatrix) {
    probe::ProbeSummary summary;
    summary.classifiers = {"resnet", "lowpass"};
    EXPECT_EQ(probe::pretrainedQualityWarning(summary), "");
    summary.pretrainedQuality.measured = true;
    summary.pretrainedQuality.psnr = 23.8;
    summary.pretrainedQuality.ssim = 0.81;
    summary.pretrainedQuality.accuracyRatio = {0.95, 0.34};
    const auto warning = probe::pretrainedQualityWarning(summary);
    EXPECT_NE(warning.find("lowpass 0.34"), std::string::npos) << warning;
    EXPECT_EQ(warning.find("resnet"), std::string::npos) << warning;
    EXPECT_NE(warning.find("pretrain_target_psnr"), std::string::npos) << warning;
    EXPECT_NE(probe::pretrainedQualityLine(summary).find("23.8 dB"), std::string::npos);
    summary.pretrainedQuality.accuracyRatio = {0.95, 0.97};
    EXPECT_EQ(probe::pretrainedQualityWarning(summary), "");
}

TEST(ProbeRun, SpecErrorsNameTheFieldBeforeAnyWork) {
    test::TempDir dir;
    const auto file = dir.path() / "experiment.json";
    auto errorFor = [&](const std::string& json) {
        std::ofstream(file) << json;
        ProbeJob run;
        return test::errorOf<std::runtime_error>(
            [&] { experiment::runProbe(dir.path().string(), run.context); });
    };
    EXPECT_NE(errorFor(R"({"classifiers": [{"name": "x"}]})")
                  .find("classifiers[0] needs exactly one of 'architecture'"),
              std::string::npos);
    EXPECT_NE(
        errorFor(
            R"({"classifiers": [{"name": "x", "architecture": "vgg-s"}], "evaluation": {"nmi_bins": "many"}})")
            .find("'evaluation.nmi_bins' has the wrong type"),
        std::string::npos);
    EXPECT_NE(
        errorFor(
            R"({"classifiers": [{"name": "x", "architecture": "vgg-s"}, {"name": "x", "architecture": "vgg-s"}]})")
            .find("'x' is used twice"),
        std::string::npos);
    EXPECT_NE(
        errorFor(
            R"({"data": "factorworld:size=20", "classifiers": [{"name": "x", "architecture": "vgg-s"}]})")
            .find("multiples of 8"),
        std::string::npos);
    EXPECT_NE(
        errorFor(
            R"({"data": "factorworld:size=32,test=10", "classifiers": [{"name": "x", "architecture": "vgg-s"}]})")
            .find("the statistics need at least 20"),
        std::string::npos);
    EXPECT_NE(
        errorFor(
            R"({"classifiers": [{"name": "x", "architecture": "vgg-s"}], "evaluation": {"test_images": 5}})")
            .find("'evaluation.test_images'"),
        std::string::npos);
    EXPECT_NE(errorFor("{not json").find("not valid JSON"), std::string::npos);
    EXPECT_FALSE(fs::exists(dir.path() / "models" / "x.nsm"));
    fs::remove(file);
    EXPECT_NE(errorFor("").find("experiment.json"), std::string::npos);
}

// The series of metrics a job posted.
std::set<std::string> seriesOf(runtime::EventSink& sink) {
    std::set<std::string> series;
    for (const auto& event : sink.drain())
        if (auto* metric = std::get_if<runtime::MetricEvent>(&event)) series.insert(metric->series);
    return series;
}

TEST(ProbeRun, FineTuningsRunAsJobsOfTheirOwnAtOnce) {
    // Two fine-tunings started together (as on two devices): each trains its classifier, one of them
    // pretrains the autoencoder while the other waits, and the probe run afterwards only measures.
    test::TempDir folder;
    experiment::writeProbeSpec(tinySpec(), (folder.path() / "experiment.json").string());
    ProbeJob jobA, jobB;
    std::exception_ptr errorA, errorB;
    std::thread a([&] {
        try {
            experiment::finetuneExperimentAutoencoder(folder.path().string(), "a", jobA.context, "cpu");
        } catch (...) {
            errorA = std::current_exception();
        }
    });
    std::thread b([&] {
        try {
            experiment::finetuneExperimentAutoencoder(folder.path().string(), "b", jobB.context, "cpu");
        } catch (...) {
            errorB = std::current_exception();
        }
    });
    a.join();
    b.join();
    if (errorA) std::rethrow_exception(errorA);
    if (errorB) std::rethrow_exception(errorB);
    const auto seriesA = seriesOf(jobA.sink), seriesB = seriesOf(jobB.sink);
    EXPECT_TRUE(seriesA.count("fine-tune for a/loss"));
    EXPECT_FALSE(seriesA.count("fine-tune for b/loss"));
    EXPECT_TRUE(seriesB.count("fine-tune for b/loss"));
    EXPECT_NE(seriesA.count("pretrain autoencoder/loss"), seriesB.count("pretrain autoencoder/loss"))
        << "the autoencoder is pretrained once, by one of the two";
    for (const char* file : {"a.nsm", "b.nsm", "ae-pretrained.pt", "ae-a.pt", "ae-b.pt"})
        EXPECT_TRUE(fs::exists(folder.path() / "models" / file)) << file;

    ProbeJob probeJob;
    const auto summary = experiment::runProbe(folder.path().string(), probeJob.context);
    const auto series = seriesOf(probeJob.sink);
    for (const auto& name : series)
        EXPECT_EQ(name.find("/loss"), std::string::npos) << "the probe trained again: " << name;
    EXPECT_EQ(summary.rows.size(), 4u);

    // Done is done; an unknown name says which there are.
    ProbeJob again;
    experiment::finetuneExperimentAutoencoder(folder.path().string(), "a", again.context);
    EXPECT_TRUE(seriesOf(again.sink).empty());
    EXPECT_NE(test::errorOf<std::runtime_error>([&] {
                  experiment::finetuneExperimentAutoencoder(folder.path().string(), "c", again.context);
              }).find("no classifier named 'c' (it has: a, b)"),
              std::string::npos);
}

TEST(ProbeRun, AWrongModelFileStopsTheRunBeforeAnyTraining) {
    test::TempDir dir;
    auto spec = tinySpec();
    auto other = models::createClassifier("vgg-s", {3, 16, 16}, {"a", "b"});  // 2 classes, the data have 3
    other->save((dir.path() / "two-classes.nsm").string());
    spec.classifiers.push_back({"wrong", "", "two-classes.nsm"});
    experiment::writeProbeSpec(spec, (dir.path() / "experiment.json").string());
    ProbeJob run;
    const std::string message =
        test::errorOf<std::runtime_error>([&] { experiment::runProbe(dir.path().string(), run.context); });
    EXPECT_NE(message.find("has 2 classes but"), std::string::npos) << message;
    EXPECT_FALSE(fs::exists(dir.path() / "models" / "a.nsm")) << "trained before checking the model files";
}

// Every log line the job sent.
std::string logOf(runtime::EventSink& sink) {
    std::string text;
    for (auto& event : sink.drain())
        if (const auto* log = std::get_if<runtime::LogEvent>(&event)) text += log->text + "\n";
    return text;
}

// `--finetune NAME --device D`: the device is resolved once for the job and every stage it runs goes there,
// the training of a missing classifier included — not experiment.json's device.
void finetuneTrainsTheMissingClassifierOn(const std::string& specDevice, const std::string& jobDevice,
                                          const std::string& expected) {
    test::TempDir dir;
    auto spec = tinySpec();
    spec.classifiers.resize(1);
    spec.device = specDevice;
    experiment::writeProbeSpec(spec, (dir.path() / "experiment.json").string());
    ProbeJob job;
    experiment::finetuneExperimentAutoencoder(dir.path().string(), "a", job.context, jobDevice);
    const std::string log = logOf(job.sink);
    EXPECT_NE(log.find("training classifier a"), std::string::npos) << log;
    EXPECT_NE(log.find("steps on " + expected), std::string::npos) << log;
    EXPECT_TRUE(fs::exists(dir.path() / "models" / "ae-a.pt"));
}

TEST(ProbeRun, AFineTuningTrainsItsMissingClassifierOnTheJobsDevice) {
    // Without a GPU the spec's "cuda" cannot even be resolved: the job's "cpu" must be what reaches the
    // trainer. With one, the trainer would otherwise run on cuda:0.
    finetuneTrainsTheMissingClassifierOn("cuda", "cpu", "cpu");
}

TEST(ProbeRun, AFineTuningTrainsItsMissingClassifierOnTheJobsGpu_CUDA) {
    finetuneTrainsTheMissingClassifierOn("cpu", "cuda", "cuda:0");
}

TEST(ProbeRun, RunsOnTheGpu_CUDA) {
    test::TempDir dir;
    auto spec = tinySpec();
    spec.device = "cuda";
    experiment::writeProbeSpec(spec, (dir.path() / "experiment.json").string());
    ProbeJob run;
    const auto summary = experiment::runProbe(dir.path().string(), run.context);
    EXPECT_EQ(summary.rows.size(), 4u);
}

TEST(SegNet, PresetsShapesAndFrozenEncoder) {
    torch::manual_seed(0);
    auto small = probe::SegNet(probe::segNetPreset("segnet-small", 3));
    const auto images = torch::rand({2, 3, 32, 32});
    EXPECT_EQ(small->forward(images).sizes(), images.sizes());
    auto vgg = probe::SegNet(probe::segNetPreset("segnet-vgg16", 1));
    int convs = 0;
    for (const auto& parameter : vgg->named_parameters())
        if (parameter.key().find("encoder") == 0 && parameter.value().dim() == 4) ++convs;
    EXPECT_EQ(convs, 13);  // the VGG16 encoder
    EXPECT_EQ(vgg->forward(torch::rand({1, 1, 32, 32})).sizes(), (std::vector<int64_t>{1, 1, 32, 32}));
    {  // moved running statistics, then the frozen (BatchNorm-folded) encoder computes the same code
        torch::NoGradGuard noGrad;
        for (int i = 0; i < 3; ++i)
            small->encode(torch::rand({4, 3, 32, 32}) * 2);
    }
    small->eval();
    const auto unfolded = small->encode(images).features.detach();
    small->freezeEncoder();
    EXPECT_TRUE(torch::allclose(small->encode(images).features, unfolded, 1e-4, 1e-5));
    for (const auto& parameter : small->encoderParameters())
        EXPECT_FALSE(parameter.requires_grad());
    for (const auto& parameter : small->decoderParameters())
        EXPECT_TRUE(parameter.requires_grad());
    EXPECT_THROW(probe::segNetPreset("unet", 3), std::invalid_argument);
}

}  // namespace
