// The science of the signal probe, on one small experiment shared by the tests: what the autoencoders
// fine-tuned for classifiers of known input use keep and let go.
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

// Three classifiers of one architecture: ordinary, luminance-only, low-pass.
experiment::ProbeSpec scienceSpec() {
    experiment::ProbeSpec spec;
    spec.data = "factorworld:classes=5,size=32,train=2000,val=200,test=200";
    spec.classifiers = {
        {"plain", "resnet-s", ""}, {"grey", "grey+resnet-s", ""}, {"lowpass", "lowpass+resnet-s", ""}};
    spec.classifierEpochs = 2;
    spec.pretrainEpochs = 4;
    // The pretraining these signatures were established with: 4 epochs at a fixed rate and batch 32, no
    // target (about 24 dB). From a converged base (27.7 dB, 2026-12-03) they do not hold: over three
    // fine-tuning replicas at 2e-4 the grey AE's image colour fidelity is 0.84-0.86 against plain's
    // 0.86-0.89, and the low-pass AE's change has a high/low ratio of 0.25-0.31 against plain's 0.21-0.22 (at
    // 5e-5: 0.86-0.88 vs 0.91-0.93, and 0.39-0.43 vs 0.25-0.29; at 1e-3 no pattern). Every fine-tuned decoder
    // redraws the image for its classifier instance (PSNR 18-24 dB against the originals), and what it
    // drops is not what the classifier cannot see: see README, "What the intervals do not cover".
    spec.autoencoderLearningRate = 1e-3;
    spec.pretrainBatchSize = 32;
    spec.pretrainTargetPsnr = 0;
    spec.pretrainPatience = 0;
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
        summary_ = new probe::ProbeSummary(experiment::runProbe(directory().string(), run.context));
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

// The pretrained AE's quality gate, end to end on trained classifiers: the fixture's AE (4 epochs at a fixed
// rate, the pretraining these signatures were found with) loses much of what they use and is flagged, naming
// each; the default pretraining of the same data (cosine to the 28 dB target, batch 16, best epoch), probing
// the same classifier files, keeps enough of every classifier's accuracy and is not flagged. Measured
// (2026-12-03): under-trained 24.1 dB, keeps 0.59 / 0.63 / 0.52 (plain, grey, lowpass); converged 28.2 dB,
// keeps 0.99 / 0.94 / 0.99.
TEST_F(ProbeScience, TheQualityGateFlagsAnUnderTrainedAutoencoderAndNotAConvergedOne) {
    const auto& under = summary_->pretrainedQuality;
    ASSERT_TRUE(under.measured);
    const fs::path folder = directory() / "converged";
    fs::create_directories(folder);
    auto spec = scienceSpec();
    const experiment::ProbeSpec defaults;
    spec.pretrainEpochs = defaults.pretrainEpochs;
    spec.autoencoderLearningRate = defaults.autoencoderLearningRate;
    spec.pretrainTargetPsnr = defaults.pretrainTargetPsnr;
    spec.pretrainPatience = defaults.pretrainPatience;
    spec.pretrainBatchSize = defaults.pretrainBatchSize;
    spec.finetuneEpochs = 1;  // the fine-tunings do not matter here: what the base keeps does
    for (auto& entry : spec.classifiers) {
        entry.model = (directory() / "models" / (entry.name + ".nsm")).string();
        entry.architecture.clear();
    }
    experiment::writeProbeSpec(spec, (folder / "experiment.json").string());
    ProbeJob run;
    const auto converged = experiment::runProbe(folder.string(), run.context);
    const auto& good = converged.pretrainedQuality;
    ASSERT_TRUE(good.measured);
    std::cout << "[ science  ] pretrained AE: under-trained " << under.psnr << " dB, kept";
    for (double ratio : under.accuracyRatio)
        std::cout << " " << ratio;
    std::cout << "; converged " << good.psnr << " dB, kept";
    for (double ratio : good.accuracyRatio)
        std::cout << " " << ratio;
    std::cout << "\n";
    const std::string underWarning = probe::pretrainedQualityWarning(*summary_),
                      goodWarning = probe::pretrainedQualityWarning(converged);
    EXPECT_NE(underWarning, "") << "the under-trained AE must be flagged";
    EXPECT_GT(good.psnr, under.psnr + 2);
    ASSERT_EQ(good.accuracyRatio.size(), under.accuracyRatio.size());
    for (std::size_t j = 0; j < good.accuracyRatio.size(); ++j)
        EXPECT_GT(good.accuracyRatio[j], under.accuracyRatio[j]) << summary_->classifiers[j];
    for (const auto& name : summary_->classifiers)
        EXPECT_NE(underWarning.find(name + " "), std::string::npos) << underWarning;
    EXPECT_EQ(goodWarning, "") << "the converged AE keeps enough of every classifier's accuracy";
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

}  // namespace
