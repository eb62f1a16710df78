// The signal probe end to end, on small fast configurations: the science must hold.
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
#include "TorchTest.h"
#include "netsight/data/Dataset.h"
#include "netsight/experiment/ProbeSpec.h"
#include "netsight/models/Classifier.h"
#include "netsight/probe/ProbeResults.h"
#include "netsight/probe/ProbeRun.h"
#include "netsight/probe/SegNet.h"
#include "probe/AutoencoderTraining.h"

using namespace netsight;
namespace fs = std::filesystem;

namespace {

using ProbeJob = test::TestJob;

// Three classifiers of one architecture: ordinary, luminance-only, low-pass.
experiment::ProbeSpec scienceSpec() {
    experiment::ProbeSpec spec;
    spec.data = "factorworld:classes=5,size=32,train=2000,val=200,test=200";
    spec.classifiers = {
        {"plain", "resnet-s", ""}, {"grey", "grey+resnet-s", ""}, {"lowpass", "lowpass+resnet-s", ""}};
    spec.classifierEpochs = 2;
    spec.pretrainEpochs = 4;
    spec.finetuneEpochs = 2;
    spec.testImages = 200;
    return spec;
}

class ProbeScience : public ::testing::Test {
  protected:
    // CTest runs each test in its own process: the experiment lives in the build tree and the later
    // tests resume it (which only re-measures). CTest's probe_science_clean removes it first, so a
    // test run never sees results of an older build.
    static void SetUpTestSuite() {
        fs::create_directories(directory());
        experiment::writeProbeSpec(scienceSpec(), (directory() / "experiment.json").string());
        ProbeJob run;
        summary_ = new probe::ProbeSummary(probe::runProbe(directory().string(), run.context));
    }
    static void TearDownTestSuite() { delete summary_; }
    static fs::path directory() { return fs::path(NETSIGHT_FIXTURE_DIR) / "probe-science"; }

    // Originals and reconstructions by the AE of `row` of the first `count` test images, in [0,1].
    static std::pair<torch::Tensor, torch::Tensor> reconstructions(const std::string& row, int count = 100) {
        const auto dataset = data::openDataset(scienceSpec().data);
        std::vector<torch::Tensor> images;
        for (int i = 0; i < count; ++i) {
            const auto sample = dataset->sample(data::Split::Test, static_cast<std::size_t>(i));
            images.push_back(
                torch::from_blob(const_cast<float*>(sample.image.pixels.data()), {3, 32, 32}).clone());
        }
        const auto originals = torch::stack(images);
        auto autoencoder = probe::loadAutoencoder((directory() / "models" / ("ae-" + row + ".pt")).string());
        autoencoder->eval();
        torch::NoGradGuard noGrad;
        return {originals, autoencoder->forward(originals).clamp(0, 1)};
    }

    static probe::ProbeSummary* summary_;
};

probe::ProbeSummary* ProbeScience::summary_ = nullptr;

// The luminance spectrum of each image, its mean removed; the band above half Nyquist; and the energy
// ratio of that band to the rest, over a batch.
torch::Tensor spectrumOf(const torch::Tensor& images) {
    const auto grey = (images * torch::tensor({0.299f, 0.587f, 0.114f}).view({1, 3, 1, 1})).sum(1);
    return torch::fft::fft2(grey - grey.mean({1, 2}, true));
}
torch::Tensor highBand(int64_t n) {
    auto frequency = torch::fft::fftfreq(n).abs();
    return torch::max(frequency.view({n, 1}), frequency.view({1, n})) > 0.25;
}
double highToLowEnergy(const torch::Tensor& images) {
    const auto energy = spectrumOf(images).abs().pow(2).sum(0);
    const auto high = highBand(energy.size(0));
    return (energy.masked_select(high).sum() / energy.masked_select(~high).sum()).item<double>();
}

// Per image, its mean L*, a* and b* (the colour of its object and background, an identity's colour being
// one of its attributes); then per channel the correlation over images between originals and
// reconstructions: whether the reconstructions' colours follow the originals' (1) or not (0).
std::array<double, 3> imageColourFidelity(const torch::Tensor& originals,
                                          const torch::Tensor& reconstructions) {
    auto means = [](const torch::Tensor& batch) {
        std::vector<torch::Tensor> rows;
        for (int64_t i = 0; i < batch.size(0); ++i) {
            const auto hwc = batch[i].permute({1, 2, 0}).contiguous();
            cv::Mat rgb(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_32FC3,
                        hwc.data_ptr<float>());
            cv::Mat lab;
            cv::cvtColor(rgb, lab, cv::COLOR_RGB2Lab);
            rows.push_back(torch::from_blob(lab.data, {lab.rows * lab.cols, 3}).clone().mean(0));
        }
        return torch::stack(rows);
    };
    const auto a = means(originals), b = means(reconstructions);
    std::array<double, 3> fidelity{};
    for (int c = 0; c < 3; ++c) {
        const auto x = a.select(1, c) - a.select(1, c).mean(), y = b.select(1, c) - b.select(1, c).mean();
        fidelity[c] = ((x * y).sum() / (x.norm() * y.norm() + 1e-12)).item<double>();
    }
    return fidelity;
}

// The AE fine-tuned for a luminance-only classifier keeps luminance but lets colour go: over images, its
// reconstructions' colour (mean a*, b*) no longer follows the originals', while the plain classifier's AE
// keeps it (that classifier uses colour) and both keep each image's luminance. Measured (FactorWorld 32 px,
// 4 pretraining and 2 fine-tuning epochs), colour a*/b*, luminance: pretrained AE 0.70/0.73, 1.00;
// plain 0.91/0.92, 0.97; grey 0.40/0.50, 0.94; lowpass 0.92/0.92, 0.95 (on a faster machine, 2026-12-01:
// plain 0.92/0.92, 0.97; grey 0.45/0.59, 0.93). On a second draw (data seed 9, experiment seed 5): plain
// 0.96/0.78, 0.98; grey 0.44/0.30, 0.90. Per-pixel correlations do not show it (plain 0.48/0.39, grey
// 0.38/0.25; L* 0.82 vs 0.71): every fine-tuned decoder redraws edges and texture for its classifier, which
// swamps the colour of regions at pixel level.
TEST_F(ProbeScience, LuminanceOnlyClassifierLetsColourGoButKeepsLuminance) {
    const auto [originals, plain] = reconstructions("plain");
    const auto grey = reconstructions("grey").second;
    const auto plainFidelity = imageColourFidelity(originals, plain),
               greyFidelity = imageColourFidelity(originals, grey);
    const double plainColour = (plainFidelity[1] + plainFidelity[2]) / 2,
                 greyColour = (greyFidelity[1] + greyFidelity[2]) / 2;
    std::cout << "[ science  ] image colour fidelity L* a* b*: plain " << plainFidelity[0] << " "
              << plainFidelity[1] << " " << plainFidelity[2] << ", grey " << greyFidelity[0] << " "
              << greyFidelity[1] << " " << greyFidelity[2] << "\n";
    EXPECT_GT(plainColour, 0.7) << "the plain classifier's AE should keep colour";
    EXPECT_LT(greyColour, plainColour - 0.25)
        << "colour fidelity grey " << greyColour << " vs plain " << plainColour;
    EXPECT_GT(greyFidelity[0], 0.8) << "the grey classifier's AE should keep luminance";
    EXPECT_LT(plainFidelity[0] - greyFidelity[0], 0.25 * (plainColour - greyColour))
        << "luminance should drop far less than colour";
}

// What fine-tuning changes for a classifier that cannot see high spatial frequencies is itself low in
// frequency: the change it makes to the pretrained AE's reconstructions (fine-tuned minus pretrained) has
// a high/low energy ratio well below that of the change made for the ordinary classifier, which uses
// edges and texture. Measured (high band above half Nyquist, FactorWorld 32 px, 4 pretraining and 2
// fine-tuning epochs): change ratio plain 0.33, grey 0.16, lowpass 0.13; second draw (data seed 9,
// experiment seed 5) 0.19, 0.22, 0.12. It held in every variant tried (lowpass / plain 0.38-0.71: 6
// fine-tuning epochs, lr 1e-4 or 5e-5 for 4 epochs, decoder BatchNorm frozen, SGD).
// The stronger claim, that the low-pass AE's reconstructions carry less high-frequency energy than the
// originals, is NOT what the probe does and is not asserted: nothing in the classifier's loss removes
// what it cannot see, so high frequencies stay as the pretrained AE left them, plus the ~11% of the
// fine-tuning's change that leaks into the unseen band (max-unpooling's grid). Reconstruction ratios,
// originals / pretrained / plain / lowpass: 0.094 / 0.060 / 0.157 / 0.111 here, 0.121 / 0.057 / 0.165 /
// 0.068 on the second draw — below the originals only where the pretrained AE was already blurrier, and
// above them in all six variants of the first draw (12 pretraining epochs: 0.093 / - / 0.133 / 0.086).
TEST_F(ProbeScience, LowPassClassifiersFineTuningChangesLowFrequenciesOnly) {
    const auto [originals, pretrained] = reconstructions("pretrained");
    const auto plain = reconstructions("plain").second, lowpass = reconstructions("lowpass").second;
    const double plainChange = highToLowEnergy(plain - pretrained),
                 lowpassChange = highToLowEnergy(lowpass - pretrained);
    std::cout << "[ science  ] high/low energy of the fine-tuning's change: plain " << plainChange
              << ", lowpass " << lowpassChange << "; of the reconstructions: originals "
              << highToLowEnergy(originals) << ", pretrained " << highToLowEnergy(pretrained) << ", plain "
              << highToLowEnergy(plain) << ", lowpass " << highToLowEnergy(lowpass) << "\n";
    EXPECT_LT(lowpassChange, 0.75 * plainChange)
        << "fine-tuning for the low-pass classifier should change low frequencies, not high ones";
    // The change is real: the low-pass AE is not the pretrained one left as it was.
    EXPECT_GT((lowpass - pretrained).abs().mean().item<double>(), 0.02);
}

TEST_F(ProbeScience, FineTuningServesTheClassifierBetterThanPretraining) {
    // Row 0: originals, row 1: pretrained AE, row 2 + i: the AE fine-tuned for classifier i.
    double gain = 0;
    for (std::size_t i = 0; i < summary_->classifiers.size(); ++i) {
        EXPECT_GE(summary_->accuracy[2 + i][i], summary_->accuracy[1][i]) << summary_->classifiers[i];
        EXPECT_GT(summary_->accuracy[2 + i][i], 0.9) << summary_->classifiers[i];
        gain += summary_->accuracy[2 + i][i] - summary_->accuracy[1][i];
    }
    EXPECT_GT(gain / summary_->classifiers.size(), 0.05);
}

TEST_F(ProbeScience, WritesEveryResultFile) {
    const fs::path root = directory();
    for (const char* file :
         {"results/transfer.csv", "results/relative.csv", "results/order.json", "results/nmi.csv",
          "results/nmi_summary.csv", "results/summary.json", "results/reconstructions/grid.png",
          "results/reconstructions/grey/0.png", "report.html", "models/ae-pretrained.pt"})
        EXPECT_TRUE(fs::exists(root / file)) << file;
    std::ifstream transfer(root / "results" / "transfer.csv");
    std::string header;
    std::getline(transfer, header);
    EXPECT_EQ(header, "reconstructions\\classifier,plain,grey,lowpass");
    EXPECT_EQ(summary_->rows.size(), 5u);
    EXPECT_EQ(summary_->order.ranking.size(), 3u);
    for (std::size_t j = 0; j < 3; ++j)
        EXPECT_DOUBLE_EQ(summary_->relative[0][j], 1.0);
    std::ifstream report(root / "report.html");
    const std::string html((std::istreambuf_iterator<char>(report)), std::istreambuf_iterator<char>());
    EXPECT_NE(html.find("data:image/png;base64,"), std::string::npos);
    EXPECT_NE(html.find("Transfer matrix"), std::string::npos);
    // The settings travel with the page: the experiment's experiment.json, escaped.
    EXPECT_NE(html.find("<h2>Settings</h2>"), std::string::npos);
    EXPECT_NE(html.find("&quot;finetune_learning_rate&quot;"), std::string::npos);
}

// A tiny experiment for the tests that run the pipeline more than once.
experiment::ProbeSpec tinySpec() {
    experiment::ProbeSpec spec;
    spec.data = "factorworld:classes=3,size=16,train=300,val=60,test=60";
    spec.classifiers = {{"a", "resnet-s", ""}, {"b", "grey+resnet-s", ""}};
    spec.classifierEpochs = 1;
    spec.autoencoder = "segnet-tiny";
    spec.pretrainEpochs = 2;
    spec.finetuneEpochs = 2;
    spec.testImages = 60;
    return spec;
}

std::string readAll(const fs::path& file) {
    std::ifstream stream(file);
    return std::string((std::istreambuf_iterator<char>(stream)), std::istreambuf_iterator<char>());
}

TEST(ProbeRun, AnInterruptedRunResumesToTheSameResults) {
    test::TempDir whole, interrupted;
    experiment::writeProbeSpec(tinySpec(), (whole.path() / "experiment.json").string());
    experiment::writeProbeSpec(tinySpec(), (interrupted.path() / "experiment.json").string());
    ProbeJob first;
    const auto summary = probe::runProbe(whole.path().string(), first.context);

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
            probe::runProbe(interrupted.path().string(), context);
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
    probe::runProbe(interrupted.path().string(), second.context);
    EXPECT_EQ(readAll(whole.path() / "results" / "transfer.csv"),
              readAll(interrupted.path() / "results" / "transfer.csv"));
    EXPECT_EQ(readAll(whole.path() / "results" / "nmi.csv"),
              readAll(interrupted.path() / "results" / "nmi.csv"));
}

// autoencoder.pretrained: an experiment starts from another's pretrained AE (copied, not retrained), and a
// missing, unreadable or wrong-channel file is refused before any work, naming the field or the file.
TEST(ProbeRun, StartsFromAGivenPretrainedAutoencoder) {
    test::TempDir first, second;
    experiment::writeProbeSpec(tinySpec(), (first.path() / "experiment.json").string());
    ProbeJob run;
    probe::runProbe(first.path().string(), run.context);
    const fs::path given = first.path() / "models" / "ae-pretrained.pt";

    auto spec = tinySpec();
    spec.pretrainedAutoencoder = given.string();
    experiment::writeProbeSpec(spec, (second.path() / "experiment.json").string());
    EXPECT_EQ(experiment::readProbeSpec((second.path() / "experiment.json").string()).pretrainedAutoencoder,
              given.string());
    ProbeJob reuse;
    const auto summary = probe::runProbe(second.path().string(), reuse.context);
    {
        auto original = probe::loadAutoencoder(given.string()),
             copy = probe::loadAutoencoder((second.path() / "models" / "ae-pretrained.pt").string());
        const auto a = original->parameters(), b = copy->parameters();
        ASSERT_EQ(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
    }
    bool pretrained = false, said = false;
    for (const auto& event : reuse.sink.drain()) {
        if (const auto* metric = std::get_if<runtime::MetricEvent>(&event))
            pretrained |= metric->series.rfind("pretrain", 0) == 0;
        if (const auto* log = std::get_if<runtime::LogEvent>(&event))
            said |= log->text.find("starting from " + given.string()) != std::string::npos;
    }
    EXPECT_FALSE(pretrained) << "the given autoencoder should not be pretrained again";
    EXPECT_TRUE(said);
    EXPECT_EQ(summary.rows.size(), 4u);
    // Once copied, the experiment no longer needs the file it came from.
    fs::remove_all(first.path() / "models");
    ProbeJob again;
    EXPECT_NO_THROW(probe::runProbe(second.path().string(), again.context));

    auto errorWith = [&](const experiment::ProbeSpec& bad) {
        test::TempDir dir;
        experiment::writeProbeSpec(bad, (dir.path() / "experiment.json").string());
        ProbeJob failing;
        const auto message =
            test::errorOf<std::runtime_error>([&] { probe::runProbe(dir.path().string(), failing.context); });
        EXPECT_FALSE(fs::exists(dir.path() / "models" / "a.nsm")) << "no work before the check";
        return message;
    };
    spec.pretrainedAutoencoder = "no-such-ae.pt";
    EXPECT_NE(errorWith(spec).find("field 'autoencoder.pretrained' names"), std::string::npos);
    spec.pretrainedAutoencoder = (first.path() / "experiment.json").string();
    EXPECT_NE(errorWith(spec).find("experiment.json: not a readable autoencoder file"), std::string::npos);
    spec.pretrainedAutoencoder = (second.path() / "models" / "ae-pretrained.pt").string();
    spec.data = "factorworld:classes=3,size=16,train=300,val=60,test=60,grey=1";
    EXPECT_NE(errorWith(spec).find("reconstructs 3-channel images but"), std::string::npos);
}

// A stage done with other settings than experiment.json gives now is refused before any work, naming the
// files, the fields that changed and what to do; nothing is lost, set back the run goes on, and discarding
// the stale stages redoes just those.
TEST(ProbeRun, RefusesStagesMadeWithOtherSettings) {
    test::TempDir dir;
    const auto folder = dir.path().string();
    const auto specFile = (dir.path() / "experiment.json").string();
    experiment::writeProbeSpec(tinySpec(), specFile);
    ProbeJob first;
    probe::runProbe(folder, first.context);
    const auto pretrained = readAll(dir.path() / "models" / "ae-pretrained.pt");
    const auto finetuned = readAll(dir.path() / "models" / "ae-b.pt");
    EXPECT_TRUE(probe::staleStages(folder).empty());

    auto errorWith = [&](const experiment::ProbeSpec& changed) {
        experiment::writeProbeSpec(changed, specFile);
        ProbeJob run;
        return test::errorOf<std::runtime_error>([&] { probe::runProbe(folder, run.context); });
    };
    auto contains = [](const std::string& text, const std::string& part) {
        return text.find(part) != std::string::npos;
    };
    auto spec = tinySpec();
    spec.pretrainEpochs = 3;
    auto message = errorWith(spec);
    EXPECT_TRUE(contains(message, "experiment.json has changed since these were made:")) << message;
    EXPECT_TRUE(contains(message, "models/ae-pretrained.pt:\n    autoencoder.pretrain_epochs: was 2, now 3"))
        << message;
    EXPECT_TRUE(contains(message, "models/ae-b.pt:")) << "fine-tuned from the stale one: " << message;
    EXPECT_TRUE(contains(message, "--discard-stale")) << message;
    EXPECT_EQ(probe::staleStages(folder).size(), 3u);

    spec = tinySpec();
    spec.classifiers[1].architecture = "grey+vgg-s";
    message = errorWith(spec);
    EXPECT_TRUE(
        contains(message, "models/b.nsm:\n    architecture: was \"grey+resnet-s\", now \"grey+vgg-s\""))
        << message;
    EXPECT_TRUE(contains(message, "models/ae-b.pt:\n    its classifier b is to be trained again")) << message;
    EXPECT_FALSE(contains(message, "ae-a.pt")) << message;

    // Nothing was touched; set back, the run only measures again.
    EXPECT_EQ(readAll(dir.path() / "models" / "ae-pretrained.pt"), pretrained);
    EXPECT_EQ(readAll(dir.path() / "models" / "ae-b.pt"), finetuned);
    experiment::writeProbeSpec(tinySpec(), specFile);
    ProbeJob again;
    EXPECT_NO_THROW(probe::runProbe(folder, again.context));

    // A new fine-tuning rate makes both fine-tuned AEs stale, not the pretrained one; discarding them and
    // running again redoes those two only.
    spec = tinySpec();
    spec.finetuneLearningRate = 1e-3;
    message = errorWith(spec);
    EXPECT_TRUE(
        contains(message, "models/ae-a.pt:\n    autoencoder.finetune_learning_rate: was 0.0002, now 0.001"))
        << message;
    EXPECT_FALSE(contains(message, "ae-pretrained.pt")) << message;
    const auto discarded = probe::discardStaleStages(folder);
    ASSERT_EQ(discarded.size(), 2u);
    EXPECT_FALSE(fs::exists(dir.path() / "models" / "ae-a.pt"));
    ProbeJob redo;
    EXPECT_NO_THROW(probe::runProbe(folder, redo.context));
    EXPECT_EQ(readAll(dir.path() / "models" / "ae-pretrained.pt"), pretrained);
    EXPECT_NE(readAll(dir.path() / "models" / "ae-b.pt"), finetuned);
    EXPECT_TRUE(probe::staleStages(folder).empty());

    // A classifier's model file replaced makes its fine-tuned autoencoder stale.
    fs::copy_file(dir.path() / "models" / "a.nsm", dir.path() / "models" / "b.nsm",
                  fs::copy_options::overwrite_existing);
    spec.classifiers[1].architecture = "resnet-s";
    message = errorWith(spec);
    EXPECT_TRUE(contains(message, "models/ae-b.pt:\n    model file of classifier b: was")) << message;
}

TEST(ProbeRun, SpecErrorsNameTheFieldBeforeAnyWork) {
    test::TempDir dir;
    const auto file = dir.path() / "experiment.json";
    auto errorFor = [&](const std::string& json) {
        std::ofstream(file) << json;
        ProbeJob run;
        return test::errorOf<std::runtime_error>([&] { probe::runProbe(dir.path().string(), run.context); });
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
            probe::finetuneExperimentAutoencoder(folder.path().string(), "a", jobA.context, "cpu");
        } catch (...) {
            errorA = std::current_exception();
        }
    });
    std::thread b([&] {
        try {
            probe::finetuneExperimentAutoencoder(folder.path().string(), "b", jobB.context, "cpu");
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
    const auto summary = probe::runProbe(folder.path().string(), probeJob.context);
    const auto series = seriesOf(probeJob.sink);
    for (const auto& name : series)
        EXPECT_EQ(name.find("/loss"), std::string::npos) << "the probe trained again: " << name;
    EXPECT_EQ(summary.rows.size(), 4u);

    // Done is done; an unknown name says which there are.
    ProbeJob again;
    probe::finetuneExperimentAutoencoder(folder.path().string(), "a", again.context);
    EXPECT_TRUE(seriesOf(again.sink).empty());
    EXPECT_NE(test::errorOf<std::runtime_error>([&] {
                  probe::finetuneExperimentAutoencoder(folder.path().string(), "c", again.context);
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
        test::errorOf<std::runtime_error>([&] { probe::runProbe(dir.path().string(), run.context); });
    EXPECT_NE(message.find("has 2 classes but"), std::string::npos) << message;
    EXPECT_FALSE(fs::exists(dir.path() / "models" / "a.nsm")) << "trained before checking the model files";
}

TEST(ProbeRun, RunsOnTheGpu_CUDA) {
    test::TempDir dir;
    auto spec = tinySpec();
    spec.device = "cuda";
    experiment::writeProbeSpec(spec, (dir.path() / "experiment.json").string());
    ProbeJob run;
    const auto summary = probe::runProbe(dir.path().string(), run.context);
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
