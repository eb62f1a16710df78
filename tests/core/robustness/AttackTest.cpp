// The robustness bench's attacks: each stays in its ball and the image range, PGD fools a trained
// classifier and is at least as strong as FGSM, the minimal perturbations are adversarial (checked here
// again, independently) and no larger than PGD's successful radii, the scale ablation perturbs one scale
// alone, and comparisons of groups say what their numbers say.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>

#include "ErrorOf.h"
#include "TempDir.h"
#include "TestJob.h"
#include "netsight/experiment/Experiment.h"
#include "netsight/robustness/Attacks.h"
#include "netsight/robustness/ExperimentRobustness.h"
#include "netsight/robustness/RobustnessReport.h"
#include "netsight/train/Training.h"
#include "robustness/Attack.h"

using namespace netsight;
using robustness::AttackNorm;
using robustness::AttackSpec;
namespace fs = std::filesystem;

namespace {

const std::string kData = "factorworld:classes=3,size=16,train=600,val=60,test=120";

// One trained classifier per architecture for the whole file (a few seconds each).
std::string trained(const std::string& architecture) {
    static test::TempDir dir;
    const std::string path = (dir / (architecture + ".nsm")).string();
    if (!fs::exists(path)) {
        train::TrainOptions training;
        training.architecture = architecture;
        training.dataSource = kData;
        training.outputPath = path;
        training.epochs = 3;
        training.learningRate = 2e-3;
        test::TestJob run;
        train::trainClassifier(training, run.context);
    }
    return path;
}

torch::Tensor pixels(const data::Image& image) {
    return torch::from_blob(const_cast<float*>(image.pixels.data()),
                            {1, image.shape.channels, image.shape.height, image.shape.width}, torch::kFloat)
        .clone();
}

}  // namespace

TEST(Attacks, NamesRoundTripAndUnknownOnesAreRefused) {
    for (const std::string name :
         {"pgd-linf-10", "pgd-l2-40", "fgsm-linf", "fgsm-l2", "pgd-l2-20-targeted", "fgsm-linf-targeted"}) {
        const auto attack = robustness::attackNamed(name);
        ASSERT_TRUE(attack.has_value()) << name;
        EXPECT_EQ(robustness::attackName(*attack), name);
    }
    EXPECT_EQ(robustness::attackNamed("pgd-l2")->steps, 10);
    for (const std::string bad :
         {"pgd", "pgd-l3", "cw-l2", "pgd-linf-0", "pgd-linf-10-sideways", "fgsm-l2-5"})
        EXPECT_FALSE(robustness::attackNamed(bad).has_value()) << bad;
}

// The distribution-free interval of the median: the textbook ranks, and its 95% coverage.
TEST(Attacks, MedianIntervalsCoverTheMedian) {
    std::vector<double> ten = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const auto interval = robustness::medianInterval(ten);
    EXPECT_EQ(interval.estimate, 5.5);
    EXPECT_EQ(interval.low, 2);  // P(B(10, 1/2) <= 1) = 1.1% <= 2.5% < P(B <= 2) = 5.5%
    EXPECT_EQ(interval.high, 9);
    const auto infinite = robustness::medianInterval({1, 2, INFINITY, INFINITY, INFINITY});
    EXPECT_TRUE(std::isinf(infinite.estimate));
    std::mt19937 random(3);
    std::exponential_distribution<double> draw(1.0);
    const double median = std::log(2.0);
    int covered = 0;
    for (int trial = 0; trial < 2000; ++trial) {
        std::vector<double> values(60);
        for (auto& value : values)
            value = draw(random);
        const auto i = robustness::medianInterval(values);
        covered += i.low <= median && median <= i.high;
    }
    EXPECT_GE(covered / 2000.0, 0.94);
    EXPECT_LE(covered / 2000.0, 0.99);
}

TEST(Attacks, StayInTheirBallAndTheImageRange) {
    auto classifier = models::loadClassifier(trained("resnet-s"));
    classifier->freeze();
    torch::manual_seed(2);
    const auto x = torch::rand({12, 3, 16, 16});
    const auto y = torch::randint(0, 3, {12}, torch::kLong);
    const auto radius = torch::linspace(0.01, 0.2, 12);
    for (auto norm : {AttackNorm::LInf, AttackNorm::L2})
        for (bool iterative : {false, true}) {
            const AttackSpec attack{iterative, norm, 5};
            const auto outcome = robustness::runAttack(*classifier, x, y, radius, attack, -1, 1);
            const auto size = robustness::perturbationNorms(outcome.delta, norm);
            EXPECT_TRUE((size <= radius + 1e-5).all().item<bool>()) << robustness::attackName(attack);
            const auto adversarial = x + outcome.delta;
            EXPECT_GE(adversarial.min().item<double>(), -1e-6);
            EXPECT_LE(adversarial.max().item<double>(), 1 + 1e-6);
            // The reported prediction is the classifier's on the example.
            torch::NoGradGuard noGrad;
            const auto again = classifier->forward(classifier->normalize(adversarial)).argmax(1);
            EXPECT_TRUE(again.eq(outcome.prediction).all().item<bool>());
            EXPECT_TRUE(outcome.succeeded.eq(again.ne(y)).all().item<bool>());
        }
    // FGSM-L-infinity moves each value by the whole radius unless the range stops it; seeded PGD repeats.
    const AttackSpec fgsm{false, AttackNorm::LInf};
    const auto grey = torch::full({4, 3, 16, 16}, 0.5f);
    torch::Tensor
        seen;  // labelled as the classifier sees them, so that the clean image is no success already
    {
        torch::NoGradGuard noGrad;
        seen = classifier->forward(classifier->normalize(grey)).argmax(1);
    }
    const auto step = robustness::runAttack(*classifier, grey, seen, torch::full({4}, 0.1f), fgsm, -1, 0);
    EXPECT_LE(step.delta.abs().max().item<double>(), 0.1 + 1e-6);
    EXPECT_GT(((step.delta.abs() - 0.1).abs() < 1e-6).to(torch::kDouble).mean().item<double>(), 0.9);
    const AttackSpec pgd{true, AttackNorm::L2, 4};
    EXPECT_TRUE(torch::equal(robustness::runAttack(*classifier, x, y, radius, pgd, -1, 9).delta,
                             robustness::runAttack(*classifier, x, y, radius, pgd, -1, 9).delta));
}

// The science: PGD at a moderate radius fools a trained classifier, more steps are at least as strong as
// FGSM, targeted PGD reaches its target more often as the radius grows, and every minimal perturbation is
// adversarial (checked here on the stored example, independently of the bench) and within the radii at which
// PGD succeeded.
TEST(AttackScience, PgdFoolsATrainedClassifierAndMinimalPerturbationsAreAdversarial) {
    const std::string model = trained("resnet-s");
    test::TestJob run;
    robustness::AttackOptions options;
    options.attacks = {AttackSpec{false, AttackNorm::LInf}, AttackSpec{true, AttackNorm::LInf, 10},
                       AttackSpec{true, AttackNorm::L2, 10},
                       AttackSpec{true, AttackNorm::LInf, 10, 2.5, true, true}};
    options.testImages = 120;
    options.examples = 8;
    const auto results = robustness::attackCurves(model, kData, options, run.context);
    ASSERT_EQ(results.curves.size(), 4u);
    const auto& fgsm = results.curves[0];
    const auto& pgd = results.curves[1];
    const auto& l2 = results.curves[2];
    const auto& targeted = results.curves[3];
    EXPECT_EQ(pgd.attack, "pgd-linf-10");
    const double clean = pgd.accuracy.front().estimate;
    EXPECT_GT(clean, 0.7) << "the classifier should have learnt something";
    EXPECT_EQ(fgsm.accuracy.front().estimate, clean) << "radius 0 is the clean images";
    // 8/255 (index 4 of the default radii): well below clean accuracy.
    ASSERT_NEAR(pgd.radii[4], 8 / 255.0, 1e-12);
    std::cout << "[ attack   ] clean " << clean << ", FGSM 8/255 " << fgsm.accuracy[4].estimate
              << ", PGD-10 8/255 " << pgd.accuracy[4].estimate << ", PGD-L2 0.5 " << l2.accuracy[3].estimate
              << "\n";
    EXPECT_LT(pgd.accuracy[4].high, clean - 0.3);
    for (std::size_t k = 0; k < pgd.radii.size(); ++k)
        EXPECT_LE(pgd.accuracy[k].estimate, fgsm.accuracy[k].estimate + 1e-9) << "radius " << pgd.radii[k];
    for (std::size_t k = 1; k < pgd.radii.size(); ++k)
        EXPECT_LE(pgd.accuracy[k].estimate, pgd.accuracy[k - 1].estimate + 0.02) << "radius " << pgd.radii[k];
    ASSERT_EQ(targeted.targetReached.size(), targeted.radii.size());
    EXPECT_LT(targeted.targetReached.front().estimate, 0.3);
    EXPECT_GT(targeted.targetReached.back().estimate, targeted.targetReached.front().estimate + 0.3);

    ASSERT_EQ(results.minimal.size(), 1u);
    const auto& minimal = results.minimal.front();
    ASSERT_EQ(minimal.radii.size(), 120u);
    // No larger than the radius of a successful PGD run: at each radius of the L2 curve, at least as many
    // images have a minimal perturbation within it as PGD fooled there. The norms are float32's: a
    // perturbation projected onto the sphere of radius r measures r to within a few ulps, so "within" allows
    // float32's relative rounding (on LibTorch 2.6, one image's minimal radius measured a rounding above
    // 0.1, the curve radius it was found at).
    for (std::size_t k = 0; k < l2.radii.size(); ++k) {
        std::size_t within = 0, justAbove = 0, notFound = 0;
        for (double r : minimal.radii) {
            within += r <= l2.radii[k] * (1 + 1e-5);
            justAbove += r > l2.radii[k] && r <= l2.radii[k] * (1 + 1e-5);
            notFound += !std::isfinite(r);
        }
        if (justAbove > 0)
            std::cout << "[ minimal  ] L2 radius " << l2.radii[k] << ": " << justAbove
                      << " minimal radii within float32 rounding above it\n";
        EXPECT_GE(within / 120.0, 1 - l2.accuracy[k].estimate - 1e-9)
            << "L2 radius " << l2.radii[k] << ": " << justAbove << " within float32 rounding above it, "
            << notFound << " with no perturbation found";
    }
    EXPECT_LT(minimal.median.estimate, l2.radii.back());
    EXPECT_LE(minimal.median.low, minimal.median.estimate);
    EXPECT_GE(minimal.median.high, minimal.median.estimate);
    // Every example: the reloaded classifier's prediction on the stored image differs from the label, at the
    // stated distance.
    ASSERT_FALSE(results.examples.empty());
    auto classifier = models::loadClassifier(model);
    classifier->freeze();
    torch::NoGradGuard noGrad;
    for (const auto& example : results.examples) {
        const auto original = pixels(example.original), adversarial = pixels(example.adversarial);
        const auto predicted =
            classifier->forward(classifier->normalize(adversarial)).argmax(1).item<int64_t>();
        EXPECT_NE(predicted, example.label) << "example " << example.index;
        EXPECT_EQ(predicted, example.adversarialPrediction);
        EXPECT_EQ(classifier->forward(classifier->normalize(original)).argmax(1).item<int64_t>(),
                  example.label);
        EXPECT_NEAR((adversarial - original).norm().item<double>(), example.radius, 1e-4);
        EXPECT_NEAR(example.radius, minimal.radii[example.index], 1e-9);
    }
}

// The scale ablation: an offset of zero changes nothing, an offset on one scale reaches the logits, the
// attack of the full scale alone fools the classifier, and a network without a pyramid refuses by name.
TEST(AttackScience, TheCoarseToFinePairCanBeAttackedOneScaleAtATime) {
    const std::string model = trained("topdown");
    auto classifier = models::loadClassifier(model);
    classifier->freeze();
    ASSERT_EQ(classifier->inputScales(), 3);
    torch::manual_seed(5);
    const auto x = classifier->normalize(torch::rand({3, 3, 16, 16}));
    {
        torch::NoGradGuard noGrad;
        const auto plain = classifier->forward(x);
        EXPECT_LT((classifier->forwardWithScaleOffset(x, 2, torch::zeros({3, 3, 4, 4})) - plain)
                      .abs()
                      .max()
                      .item<double>(),
                  1e-5);
        EXPECT_GT((classifier->forwardWithScaleOffset(x, 2, torch::ones({3, 3, 4, 4})) - plain)
                      .abs()
                      .max()
                      .item<double>(),
                  1e-3);
        EXPECT_LT((classifier->forward(x) - plain).abs().max().item<double>(), 1e-6)
            << "the offset is cleared";
    }
    test::TestJob run;
    robustness::AttackOptions options;
    options.attacks = {AttackSpec{true, AttackNorm::L2}};
    options.scales = {-1, 0, 2};
    options.testImages = 60;
    const auto results = robustness::attackCurves(model, kData, options, run.context);
    ASSERT_EQ(results.curves.size(), 3u);
    ASSERT_EQ(results.minimal.size(), 3u);
    EXPECT_EQ(results.curves[1].scale, 0);
    for (const auto& curve : results.curves)
        std::cout << "[ scale    ] " << robustness::scaleName(curve.scale) << ": clean "
                  << curve.accuracy.front().estimate << ", L2 2: " << curve.accuracy.back().estimate << "\n";
    EXPECT_LT(results.curves[1].accuracy.back().estimate, results.curves[1].accuracy.front().estimate - 0.2);
    const auto message = test::errorOf<std::invalid_argument>(
        [&] { robustness::attackCurves(trained("resnet-s"), kData, options, run.context); });
    EXPECT_NE(message.find("resnet-s"), std::string::npos) << message;
    EXPECT_NE(message.find("only topdown and bottomup"), std::string::npos) << message;
}

// Comparisons of groups: Welch's interval over the seeds computed by hand, the sentence saying who wins.
TEST(RobustnessComparison, WelchOverSeedsAndAPlainSentence) {
    robustness::RobustnessResults results;
    auto add = [&](const std::string& name, double median) {
        robustness::MinimalPerturbations m;
        m.classifier = name;
        m.median = {median, median - 0.05, median + 0.05};
        m.radii = {median};
        results.minimal.push_back(m);
    };
    add("a1", 1.0);
    add("a2", 1.2);
    add("a3", 1.1);
    add("b1", 0.5);
    add("b2", 0.6);
    add("b3", 0.4);
    const auto comparisons =
        robustness::compareGroups(results, "alpha", {"a1", "a2", "a3"}, "beta", {"b1", "b2", "b3"});
    ASSERT_EQ(comparisons.size(), 1u);
    const auto& c = comparisons.front();
    EXPECT_NEAR(c.difference.estimate, 0.6, 1e-12);
    // Each group's variance 0.01; se = sqrt(0.01/3 * 2) = 0.0816; df = 4; t(0.975, 4) = 2.776.
    EXPECT_NEAR(c.difference.high - c.difference.estimate, 2.7764451 * std::sqrt(0.02 / 3), 1e-5);
    EXPECT_TRUE(c.significant);
    EXPECT_TRUE(c.overSeeds);
    EXPECT_NE(c.sentence.find("alpha is more robust than beta"), std::string::npos) << c.sentence;
    const std::string verdict = robustness::comparisonVerdict(comparisons);
    EXPECT_NE(
        verdict.find("Over 3 seeds each, alpha is more robust than beta to the minimal L2 attack (by 0.60"),
        std::string::npos)
        << verdict;
    // Overlapping groups: no significant difference.
    const auto close = robustness::compareGroups(results, "alpha", {"a1", "b1"}, "beta", {"a2", "b2"});
    ASSERT_EQ(close.size(), 1u);
    EXPECT_FALSE(close.front().significant);
    EXPECT_NE(robustness::comparisonVerdict(close).find("do not differ significantly"), std::string::npos);
}

// An experiment end to end: missing classifiers trained, results in results/robustness, the comparison of
// topdown with bottomup, and the section spliced into an existing report (and replaced on a second run).
TEST(ExperimentRobustness, WritesItsResultsAndItsSectionOfTheReport) {
    test::TempDir dir;
    experiment::ProbeSpec spec;
    spec.data = kData;
    spec.classifierEpochs = 1;
    spec.classifiers = {{"td-1", "topdown", "", 1}, {"td-2", "topdown", "", 2}, {"bu-1", "bottomup", "", 1}};
    const auto folder = (dir / "exp").string();
    experiment::Experiment::create(folder, spec);
    {
        std::ofstream report(fs::path(folder) / "report.html");
        report << "<html><body><h2>Order</h2>" << robustness::kRobustnessBegin << "old"
               << robustness::kRobustnessEnd << "<h2>NMI</h2></body></html>";
    }
    robustness::BenchOptions options;
    options.perturbation.perturbations = {robustness::Perturbation::GaussianNoise};
    options.perturbation.testImages = 60;
    options.attack.attacks = {AttackSpec{true, AttackNorm::L2, 5}};
    options.attack.testImages = 40;
    options.attack.searchSteps = 3;
    options.attack.searchAttackSteps = 5;
    test::TestJob run;
    const auto results = robustness::runExperimentRobustness(folder, options, run.context);
    EXPECT_EQ(results.classifiers(), (std::vector<std::string>{"td-1", "td-2", "bu-1"}));
    // The scale ablation for the pair: three curves more each (the minimal search for the input only).
    EXPECT_EQ(results.minimal.size(), 3u);
    EXPECT_EQ(results.attacks.size(), 3u * 4u);
    const auto out = fs::path(robustness::robustnessDirectory(folder));
    for (const char* file :
         {"perturbations.csv", "attacks.csv", "minimal.csv", "minimal_summary.csv", "examples.csv",
          "comparisons.csv", "robustness.json", "report.html", "section.html", "attack-pgd-l2-5.svg",
          "attack-pgd-l2-10-full.svg", "minimal-l2.svg"})
        EXPECT_TRUE(fs::exists(out / file)) << file;
    // What the view reads back.
    const auto summary = robustness::readRobustnessSummary(out.string());
    EXPECT_EQ(summary.results.perturbations.size(), results.perturbations.size());
    EXPECT_EQ(summary.results.attacks.size(), results.attacks.size());
    ASSERT_EQ(summary.results.minimal.size(), results.minimal.size());
    EXPECT_EQ(summary.results.attacks.back().scale, results.attacks.back().scale);
    EXPECT_DOUBLE_EQ(summary.results.attacks[0].accuracy[1].estimate,
                     results.attacks[0].accuracy[1].estimate);
    EXPECT_EQ(summary.results.minimal[0].fooled.size(), results.minimal[0].fooled.size());
    EXPECT_FALSE(summary.verdict.empty());
    EXPECT_FALSE(summary.examplesPng.empty());
    const auto comparisons = robustness::architectureComparisons(spec, results);
    ASSERT_FALSE(comparisons.empty());
    EXPECT_EQ(comparisons.front().first, "topdown");
    EXPECT_FALSE(comparisons.front().overSeeds) << "bottomup has one seed";
    std::ifstream in(fs::path(folder) / "report.html");
    const std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(report.find("old"), std::string::npos);
    EXPECT_NE(report.find("<h2>Robustness</h2>"), std::string::npos);
    EXPECT_LT(report.find("<h2>Robustness</h2>"), report.find("<h2>NMI</h2>"));
    EXPECT_NE(report.find("median minimal L2"), std::string::npos);
}

TEST(ExperimentRobustness, AnUnreadableSummaryIsNamed) {
    test::TempDir dir;
    std::ofstream(dir / "robustness.json") << "{\"attacks\": 3}";
    const auto message =
        test::errorOf<std::runtime_error>([&] { robustness::readRobustnessSummary(dir.path().string()); });
    EXPECT_NE(message.find("robustness.json"), std::string::npos) << message;
    EXPECT_NE(message.find("run the robustness bench again"), std::string::npos) << message;
}
