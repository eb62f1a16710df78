// The probe's intervals and relation tests against cases where the truth is known: Student's t against
// tabulated values, and on synthetic measurements with a known variance, the stated 95% intervals cover the
// true value in about 95% of draws and twins are called undecided about as often as they should be.
#include "netsight/probe/Uncertainty.h"

#include <gtest/gtest.h>
#include <algorithm>

#include <cmath>
#include <random>

namespace netsight::probe {
namespace {

TEST(StudentT, MatchesTabulatedQuantiles) {
    EXPECT_NEAR(studentTQuantile(0.975, 1), 12.7062047, 1e-6);
    EXPECT_NEAR(studentTQuantile(0.975, 2), 4.30265273, 1e-7);
    EXPECT_NEAR(studentTQuantile(0.975, 10), 2.22813885, 1e-7);
    EXPECT_NEAR(studentTQuantile(0.975, 1e9), 1.95996398, 1e-7);
    EXPECT_NEAR(studentTQuantile(0.025, 10), -2.22813885, 1e-7);
    EXPECT_NEAR(studentTCdf(0, 5), 0.5, 1e-12);
    EXPECT_NEAR(studentTCdf(2.01504837, 5), 0.95, 1e-7);
    EXPECT_NEAR(studentTCdf(-1.37218364, 10), 0.1, 1e-7);
    EXPECT_THROW(studentTQuantile(1.0, 3), std::invalid_argument);
}

TEST(Holm, AdjustsStepDownAndKeepsTheOrder) {
    const auto adjusted = holmAdjusted({0.01, 0.04, 0.03});
    ASSERT_EQ(adjusted.size(), 3u);
    EXPECT_NEAR(adjusted[0], 0.03, 1e-12);
    EXPECT_NEAR(adjusted[1], 0.06, 1e-12);
    EXPECT_NEAR(adjusted[2], 0.06, 1e-12);
    EXPECT_NEAR(holmAdjusted({0.5, 0.9})[0], 1.0, 1e-12);  // 2 x 0.5, capped
    EXPECT_NEAR(holmAdjusted({0.5, 0.9})[1], 1.0, 1e-12);  // never below an earlier step
}

// A synthetic probe of two classifiers: the originals are right with probability 0.9 for both, the
// pretrained AE with 0.8; the AE for classifier i serves classifier j != i with probability
// cross[i] + u (u: the fine-tuning run's own effect, N(0, runSd) per replica) and its own classifier with
// 0.85.
ProbeMeasurements synthetic(std::mt19937_64& random, std::size_t images, int replicas, const double cross[2],
                            double runSd) {
    std::normal_distribution<double> run(0.0, runSd);
    auto outcomes = [&](double p) {
        std::bernoulli_distribution right(std::clamp(p, 0.0, 1.0));
        std::vector<std::uint8_t> values(images);
        for (auto& v : values)
            v = right(random) ? 1 : 0;
        return values;
    };
    ProbeMeasurements m;
    m.correct.resize(4);
    m.correct[0] = {{outcomes(0.9), outcomes(0.9)}};
    m.correct[1] = {{outcomes(0.8), outcomes(0.8)}};
    for (int i = 0; i < 2; ++i)
        for (int k = 0; k < replicas; ++k) {
            const double effect = run(random);
            std::vector<std::vector<std::uint8_t>> row(2);
            row[static_cast<std::size_t>(i)] = outcomes(0.85);
            row[static_cast<std::size_t>(1 - i)] = outcomes(cross[i] + effect);
            m.correct[static_cast<std::size_t>(2 + i)].push_back(row);
        }
    std::normal_distribution<double> nmi(1.3, 0.05);
    m.intra.resize(3);
    m.inter.resize(3);
    for (std::size_t a = 0; a < 3; ++a)
        for (int k = 0; k < (a == 0 ? 1 : replicas); ++k) {
            std::vector<double> intra(images), inter(images);
            for (std::size_t n = 0; n < images; ++n) {
                intra[n] = nmi(random);
                inter[n] = nmi(random) - 0.2;
            }
            m.intra[a].push_back(intra);
            m.inter[a].push_back(inter);
        }
    return m;
}

struct CoverageCount {
    int draws = 0, accuracyCovered = 0, differenceCovered = 0, significant = 0;
};

CoverageCount coverage(int draws, std::size_t images, int replicas, const double cross[2], double runSd) {
    std::mt19937_64 random(42);
    CoverageCount count;
    UncertaintyOptions options;
    options.bootstrap = 200;
    // The truth: A[2][1] = cross[0] (mean over runs); d = R[0][1] - R[1][0] = (cross[0] - cross[1]) / 0.9.
    const double trueDifference = (cross[0] - cross[1]) / 0.9;
    for (int d = 0; d < draws; ++d) {
        options.seed = static_cast<std::uint64_t>(d);
        const auto result =
            estimateUncertainty(synthetic(random, images, replicas, cross, runSd), {1, 2}, options);
        ++count.draws;
        const auto& cell = result.accuracy[2][1];
        if (cell.low <= cross[0] && cross[0] <= cell.high) ++count.accuracyCovered;
        const auto& relation = result.relations.at(0);
        if (relation.difference.low <= trueDifference && trueDifference <= relation.difference.high)
            ++count.differenceCovered;
        if (relation.significant) ++count.significant;
    }
    ::testing::Test::RecordProperty("accuracy_covered", count.accuracyCovered);
    ::testing::Test::RecordProperty("difference_covered", count.differenceCovered);
    ::testing::Test::RecordProperty("significant", count.significant);
    return count;
}

// 300 draws: a true 95% coverage gives 285 +- 3.8; the band allows 3.5 standard errors each way.
constexpr int kDraws = 300;
constexpr double kLow = 0.92, kHigh = 0.995;

TEST(ProbeUncertainty, IntervalsCoverTheTruthWhenOnlyTheImagesVary) {
    const double cross[2] = {0.7, 0.7};
    const auto count = coverage(kDraws, 200, 1, cross, 0.0);
    EXPECT_GE(count.accuracyCovered, kLow * kDraws) << count.accuracyCovered;
    EXPECT_LE(count.accuracyCovered, kHigh * kDraws) << count.accuracyCovered;
    EXPECT_GE(count.differenceCovered, kLow * kDraws) << count.differenceCovered;
    EXPECT_LE(count.differenceCovered, kHigh * kDraws) << count.differenceCovered;
    EXPECT_LE(count.significant, 0.09 * kDraws) << "twins called ordered too often";
}

TEST(ProbeUncertainty, IntervalsCoverTheTruthWhenFineTuningRunsVaryToo) {
    const double cross[2] = {0.7, 0.7};
    const auto count = coverage(kDraws, 200, 3, cross, 0.05);
    EXPECT_GE(count.accuracyCovered, 0.90 * kDraws) << count.accuracyCovered;
    EXPECT_LE(count.accuracyCovered, kHigh * kDraws) << count.accuracyCovered;
    EXPECT_GE(count.differenceCovered, 0.90 * kDraws) << count.differenceCovered;
    EXPECT_LE(count.significant, 0.10 * kDraws) << "twins called ordered too often";
}

TEST(ProbeUncertainty, IgnoringTheFineTuningRunsWouldCallTwinsOrdered) {
    // The same twins measured with one replica each: the run-to-run effect is invisible to an
    // image-only interval, which then calls far more of them ordered than 5 %: why replicas matter.
    const double cross[2] = {0.7, 0.7};
    const auto count = coverage(kDraws, 200, 1, cross, 0.05);
    EXPECT_GT(count.significant, 0.2 * kDraws) << count.significant;
}

TEST(ProbeUncertainty, AClearDifferenceIsSignificantAndTheOrderTotal) {
    std::mt19937_64 random(7);
    const double cross[2] = {0.75, 0.45};
    const auto result = estimateUncertainty(synthetic(random, 300, 3, cross, 0.02), {1, 2}, {});
    ASSERT_EQ(result.relations.size(), 1u);
    const auto& relation = result.relations[0];
    EXPECT_TRUE(relation.significant) << relation.adjustedP;
    EXPECT_EQ(relation.above(), 0);
    EXPECT_EQ(relation.replicasAgreeing, 3);
    EXPECT_TRUE(result.total);
    EXPECT_TRUE(result.undecided({"a", "b"}).empty());
    EXPECT_EQ(result.nmiIntraMedian.size(), 3u);
    EXPECT_LT(result.nmiIntraMedian[1].low, result.nmiIntraMedian[1].estimate);
    EXPECT_GT(result.nmiIntraMedian[1].high, result.nmiIntraMedian[1].estimate);
    EXPECT_LE(result.tauAccuracy.low, result.tauAccuracy.high);
}

TEST(ProbeUncertainty, RaggedMeasurementsAreRefused) {
    std::mt19937_64 random(1);
    const double cross[2] = {0.7, 0.7};
    auto m = synthetic(random, 50, 2, cross, 0.0);
    m.correct[3].pop_back();
    EXPECT_THROW(estimateUncertainty(m, {1, 2}), std::invalid_argument);
}

}  // namespace
}  // namespace netsight::probe
