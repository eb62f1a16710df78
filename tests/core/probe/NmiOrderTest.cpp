#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "netsight/probe/Nmi.h"
#include "netsight/probe/Order.h"
#include "netsight/probe/ProbeSummary.h"

using namespace netsight::probe;

namespace {

std::vector<std::uint8_t> noise(std::size_t n, unsigned seed) {
    std::mt19937 random(seed);
    std::vector<std::uint8_t> values(n);
    for (auto& v : values)
        v = static_cast<std::uint8_t>(random() % 256);
    return values;
}

// The textbook formula with probabilities, written independently of the implementation.
double referenceNmi(const std::vector<std::uint8_t>& a, const std::vector<std::uint8_t>& b, int bins) {
    std::vector<double> joint(bins * bins, 0), pa(bins, 0), pb(bins, 0);
    const double n = a.size();
    for (std::size_t i = 0; i < a.size(); ++i) {
        const int x = a[i] * bins / 256, y = b[i] * bins / 256;
        joint[x * bins + y] += 1 / n;
        pa[x] += 1 / n;
        pb[y] += 1 / n;
    }
    auto entropy = [](const std::vector<double>& p) {
        double h = 0;
        for (double q : p)
            if (q > 0) h -= q * std::log(q);
        return h;
    };
    return (entropy(pa) + entropy(pb)) / entropy(joint);
}

TEST(Nmi, IdenticalImagesScoreTwoAndOneInTheArithmeticVariant) {
    const auto image = noise(4096, 1);
    EXPECT_NEAR(normalizedMutualInformation(image, image), 2.0, 1e-12);
    EXPECT_NEAR(normalizedMutualInformation(image, image, 256, NmiVariant::Arithmetic), 1.0, 1e-12);
    const std::vector<std::uint8_t> flat(100, 7);
    EXPECT_DOUBLE_EQ(normalizedMutualInformation(flat, flat), 2.0);
}

TEST(Nmi, APermutedHistogramIsStillFullyInformative) {
    // y = perm(x): a bijection of intensities, so each determines the other.
    const auto image = noise(20000, 2);
    std::vector<std::uint8_t> permutation(256);
    for (int v = 0; v < 256; ++v)
        permutation[v] = static_cast<std::uint8_t>((v * 97 + 13) % 256);
    std::vector<std::uint8_t> permuted(image.size());
    for (std::size_t i = 0; i < image.size(); ++i)
        permuted[i] = permutation[image[i]];
    EXPECT_NEAR(normalizedMutualInformation(image, permuted), 2.0, 1e-12);
}

TEST(Nmi, IndependentNoiseIsNearOneWithinItsBias) {
    // With 16 bins and 100k samples the plug-in bias of MI is about (15*15)/(2N) nats: tiny.
    const auto a = noise(100000, 3), b = noise(100000, 4);
    const double value = normalizedMutualInformation(a, b, 16);
    EXPECT_GT(value, 1.0);
    EXPECT_LT(value, 1.0 + 0.002);
    EXPECT_NEAR(normalizedMutualInformation(a, b, 16, NmiVariant::Arithmetic), 2.0 - 2.0 / value, 1e-12);
}

TEST(Nmi, MatchesTheTextbookFormulaOnPartlyDependentImages) {
    auto a = noise(5000, 5);
    auto b = noise(5000, 6);
    for (std::size_t i = 0; i < a.size(); i += 3)
        b[i] = a[i];  // a third shared
    for (int bins : {8, 100, 256})
        EXPECT_NEAR(normalizedMutualInformation(a, b, bins), referenceNmi(a, b, bins), 1e-9);
    EXPECT_THROW(normalizedMutualInformation(a, std::vector<std::uint8_t>(10)), std::invalid_argument);
    EXPECT_THROW(normalizedMutualInformation(a, b, 0), std::invalid_argument);
}

TEST(Nmi, OneCalculatorServesImagesOfEverySize) {
    // Its scratch (a table of c ln c, capped at 2^20 counts) grows with the largest image and stays right
    // for smaller ones, with every cell read (few bins) or only the cells touched (many); the last image has
    // a flat region of 1.3 M values, one cell counted beyond the table.
    NmiCalculator calculator(256);
    for (std::size_t n : {std::size_t{100}, std::size_t{70000}, std::size_t{300}, std::size_t{2200000}}) {
        auto a = noise(n, 7), b = noise(n, 8);
        for (std::size_t i = 0; i < n; i += 2)
            b[i] = a[i];
        if (n > (std::size_t{1} << 21))
            for (std::size_t i = 0; i < n * 6 / 10; ++i)
                a[i] = b[i] = 7;
        EXPECT_NEAR(calculator(a.data(), b.data(), n), referenceNmi(a, b, 256), 1e-9) << n << " values";
    }
}

TEST(Order, TotalOrderRankingAndCycles) {
    // Classifier 0 serves everyone best, 2 worst.
    const std::vector<std::vector<double>> total = {{1.0, 0.9, 0.95}, {0.6, 1.0, 0.8}, {0.5, 0.7, 1.0}};
    const ClassifierOrder order = orderFromTransfer(total);
    EXPECT_TRUE(order.total);
    EXPECT_EQ(order.ranking, (std::vector<int>{0, 1, 2}));
    EXPECT_EQ(order.score, (std::vector<int>{2, 1, 0}));
    EXPECT_TRUE(order.cycles.empty());

    // 0 > 1, 1 > 2, 2 > 0: rock, paper, scissors.
    const std::vector<std::vector<double>> cyclic = {{1.0, 0.9, 0.5}, {0.6, 1.0, 0.9}, {0.9, 0.5, 1.0}};
    const ClassifierOrder loop = orderFromTransfer(cyclic);
    EXPECT_FALSE(loop.total);
    ASSERT_EQ(loop.cycles.size(), 1u);
    EXPECT_EQ(loop.cycles[0], (std::vector<int>{0, 1, 2}));
}

TEST(Order, KendallTau) {
    EXPECT_DOUBLE_EQ(kendallTau({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
    EXPECT_DOUBLE_EQ(kendallTau({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
    EXPECT_NEAR(kendallTau({1, 2, 3, 4}, {1, 3, 2, 4}), 4.0 / 6.0, 1e-12);
    // tau-b with a tie: scipy.stats.kendalltau([1,2,2,3],[1,2,3,4]) = 0.9128709291752769
    EXPECT_NEAR(kendallTau({1, 2, 2, 3}, {1, 2, 3, 4}), 0.9128709291752769, 1e-12);
    EXPECT_DOUBLE_EQ(kendallTau({1, 1, 1}, {1, 2, 3}), 0.0);
}

}  // namespace

namespace {

// Three classifiers ranked a > b > c by their estimates, with one relation test per pair.
netsight::probe::ProbeSummary rankedSummary(bool allSignificant) {
    ProbeSummary summary;
    summary.classifiers = {"a", "b", "c"};
    summary.order = orderFromTransfer({{1.0, 0.9, 0.9}, {0.8, 1.0, 0.9}, {0.8, 0.8, 1.0}});
    auto& u = summary.uncertainty;
    u.images = 400;
    u.replicas = 3;
    for (auto [i, j] : {std::pair{0, 1}, std::pair{0, 2}, std::pair{1, 2}}) {
        RelationTest relation;
        relation.i = i;
        relation.j = j;
        relation.difference = {0.1, 0.05, 0.15};
        relation.significant = allSignificant || i == 0;
        relation.adjustedP = relation.significant ? 0.001 : 0.3;
        relation.replicas = 9;
        relation.replicasAgreeing = 7;
        u.relations.push_back(relation);
    }
    u.total = allSignificant;
    return summary;
}

}  // namespace

// The verdict the CLI, the report and the Order view share: "established" only when every relation is
// significant; the estimates' order is never called established otherwise; cycles are named.
TEST(OrderVerdict, CallsAnOrderEstablishedOnlyWhenEveryRelationIsSignificant) {
    ASSERT_TRUE(rankedSummary(true).order.total);
    EXPECT_EQ(orderVerdict(rankedSummary(true)).rfind("Established order: a > b > c", 0), 0u)
        << orderVerdict(rankedSummary(true));
    const std::string undecided = orderVerdict(rankedSummary(false));
    EXPECT_EQ(undecided.find("Established"), std::string::npos) << undecided;
    EXPECT_NE(undecided.find("No established order: the estimates rank a > b > c, but 1 of 3 relations is "
                             "undecided"),
              std::string::npos)
        << undecided;
    ProbeSummary cyclic = rankedSummary(false);
    cyclic.order = orderFromTransfer({{1.0, 0.9, 0.8}, {0.8, 1.0, 0.9}, {0.9, 0.8, 1.0}});
    ASSERT_FALSE(cyclic.order.total);
    EXPECT_NE(orderVerdict(cyclic).find("cycles"), std::string::npos) << orderVerdict(cyclic);
    ProbeSummary old = rankedSummary(true);
    old.uncertainty = {};
    EXPECT_NE(orderVerdict(old).find("no intervals"), std::string::npos) << orderVerdict(old);
}
