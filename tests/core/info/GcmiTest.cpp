// Gaussian-copula MI against closed forms (issue 7, "Done when").
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "info/RadixRank.h"
#include "netsight/info/Gcmi.h"
#include "netsight/info/Special.h"

using namespace netsight::info;

namespace {

double closedFormMi(double rho) {
    return -0.5 * std::log2(1 - rho * rho);
}

// N samples of (x, y) standard bivariate normal with correlation rho.
std::pair<Variables, Variables> bivariate(std::size_t n, double rho, unsigned seed) {
    std::mt19937 random(seed);
    std::normal_distribution<double> normal;
    Variables x(n, 1, "x"), y(n, 1, "y");
    for (std::size_t i = 0; i < n; ++i) {
        const double a = normal(random), b = normal(random);
        x.values[i] = a;
        y.values[i] = rho * a + std::sqrt(1 - rho * rho) * b;
    }
    return {x, y};
}

std::string errorOf(const std::function<void()>& call) {
    try {
        call();
    } catch (const InfoError& error) {
        return error.what();
    }
    return "(no error)";
}

}  // namespace

TEST(SpecialTest, NormalQuantileAndDigammaMatchReferenceValues) {
    EXPECT_NEAR(normalQuantile(0.5), 0.0, 1e-15);
    EXPECT_NEAR(normalQuantile(0.975), 1.959963984540054, 1e-13);
    EXPECT_NEAR(normalQuantile(0.025), -1.959963984540054, 1e-13);
    EXPECT_NEAR(normalQuantile(1e-10), -6.361340902404056, 1e-11);
    EXPECT_NEAR(normalQuantile(0.9999), 3.719016485455709, 1e-12);
    EXPECT_NEAR(digamma(1.0), -0.5772156649015329, 1e-13);
    EXPECT_NEAR(digamma(0.5), -1.9635100260214235, 1e-13);
    EXPECT_NEAR(digamma(100.0), 4.600161852738087, 1e-13);
    for (double x : {0.3, 2.7, 9.5, 31.0})
        EXPECT_NEAR(digamma(x + 1), digamma(x) + 1 / x, 1e-12) << x;
}

TEST(GcmiTest, BivariateGaussianMatchesClosedForm) {
    for (double rho : {0.2, 0.5, 0.8, 0.95}) {
        const auto [x, y] = bivariate(20000, rho, 7);
        EXPECT_NEAR(gcmi(x, y), closedFormMi(rho), 0.015) << "rho " << rho;
        EXPECT_NEAR(gaussianMi(x, y), closedFormMi(rho), 0.015) << "rho " << rho;
    }
}

TEST(GcmiTest, IndependenceIsZeroWithinItsBias) {
    // Bias-corrected: over many independent draws the estimate averages to 0, each stays small.
    double total = 0;
    const int trials = 40;
    for (int t = 0; t < trials; ++t) {
        const auto [x, y] = bivariate(1000, 0.0, 100 + static_cast<unsigned>(t));
        const double mi = gcmi(x, y);
        EXPECT_LT(std::abs(mi), 0.01) << "trial " << t;
        total += mi;
    }
    EXPECT_LT(std::abs(total / trials), 0.002);
    // Without the correction the estimate is biased upwards: the correction is doing something.
    const auto [x, y] = bivariate(50, 0.0, 3);
    const auto cx = copulaNormalize(x), cy = copulaNormalize(y);
    EXPECT_GT(gaussianMi(cx, cy, false), gaussianMi(cx, cy, true));
}

TEST(GcmiTest, InvariantUnderMonotoneTransformsOfEitherVariable) {
    const auto [x, y] = bivariate(3000, 0.6, 11);
    Variables fx = x, gy = y;
    for (auto& v : fx.values)
        v = std::exp(3 * v);
    for (auto& v : gy.values)
        v = -std::pow(v, 3) - v;  // decreasing
    const double reference = gcmi(x, y);
    EXPECT_NEAR(gcmi(fx, y), reference, 1e-12);
    EXPECT_NEAR(gcmi(x, gy), reference, 1e-12);
    // The plain Gaussian estimate is not invariant: the copula step is what makes GCMI so.
    EXPECT_GT(std::abs(gaussianMi(fx, y) - gaussianMi(x, y)), 0.05);
}

TEST(GcmiTest, MultivariateMatchesClosedForm) {
    // y = a + b + noise: I(y; (a, b)) = ½ log2(var y / var noise) = ½ log2(3).
    std::mt19937 random(5);
    std::normal_distribution<double> normal;
    const std::size_t n = 20000;
    Variables ab(n, 2, "ab"), y(n, 1, "y");
    for (std::size_t i = 0; i < n; ++i) {
        ab.values[i] = normal(random);
        ab.values[n + i] = normal(random);
        y.values[i] = ab.values[i] + ab.values[n + i] + normal(random);
    }
    EXPECT_NEAR(gcmi(ab, y), 0.5 * std::log2(3.0), 0.02);
    EXPECT_NEAR(gcmi(y, ab), gcmi(ab, y), 1e-12);
}

TEST(GcmiTest, ClassConditionalMatchesKnownSeparation) {
    // x | c ~ N(±δ, 1), classes equally likely. For δ = 0.5 the mixture is nearly Gaussian and the true MI
    // (numerical integration: 0.1607 bits) is what GCMI should find; well separated classes approach the
    // 1 bit of the label from below (a lower bound: the copula of a bimodal mixture is not Gaussian).
    std::mt19937 random(9);
    std::normal_distribution<double> normal;
    const std::size_t n = 20000;
    for (double delta : {0.0, 0.5, 1.0, 6.0}) {
        Variables x(n, 1, "x");
        std::vector<int> labels(n);
        for (std::size_t i = 0; i < n; ++i) {
            labels[i] = static_cast<int>(i % 2);
            x.values[i] = (labels[i] ? delta : -delta) + normal(random);
        }
        const double mi = gcmiDiscrete(x, labels);
        if (delta == 0.0) {
            EXPECT_NEAR(mi, 0.0, 0.005);
        } else if (delta == 0.5) {
            EXPECT_NEAR(mi, 0.1607, 0.015);
        } else if (delta == 1.0) {
            EXPECT_NEAR(mi, 0.486, 0.04);
        } else {
            EXPECT_GT(mi, 0.7);
            EXPECT_LE(mi, 1.0);
        }
    }
}

TEST(GcmiTest, ConditioningRemovesSharedCause) {
    // x and y both follow z: dependent, but independent given z.
    std::mt19937 random(21);
    std::normal_distribution<double> normal;
    const std::size_t n = 10000;
    Variables x(n, 1, "x"), y(n, 1, "y"), z(n, 1, "z");
    std::vector<int> sign(n);
    for (std::size_t i = 0; i < n; ++i) {
        z.values[i] = normal(random);
        x.values[i] = z.values[i] + normal(random);
        y.values[i] = z.values[i] + normal(random);
        sign[i] = z.values[i] > 0 ? 1 : 0;
    }
    EXPECT_GT(gcmi(x, y), 0.2);
    EXPECT_NEAR(gccmi(x, y, z), 0.0, 0.01);
    // Closed form of the Gaussian case: I(x; y) = -½ log2(1 - ρ²), ρ = ½.
    EXPECT_NEAR(gcmi(x, y), closedFormMi(0.5), 0.02);
    // Discrete: the label is a function of z, x follows z: I(x; label) > 0, I(x; label | z) ≈ 0.
    EXPECT_GT(gcmiDiscrete(x, sign), 0.2);
    EXPECT_NEAR(gccmiDiscrete(x, sign, z), 0.0, 0.01);
    // ... and when x follows a label that z does not determine, conditioning on z leaves it.
    Variables w = z;
    std::vector<int> coin(n);
    for (std::size_t i = 0; i < n; ++i) {
        coin[i] = static_cast<int>(random() % 2);
        w.values[i] = z.values[i] + coin[i] + 0.5 * normal(random);
    }
    EXPECT_GT(gccmiDiscrete(w, coin, z), gcmiDiscrete(w, coin) + 0.1);
}

TEST(GcmiTest, DiscreteMiOfCopiesIsTheEntropy) {
    std::vector<int> a(4000), b(4000);
    for (std::size_t i = 0; i < a.size(); ++i)
        a[i] = b[i] = static_cast<int>(i % 4);
    EXPECT_NEAR(discreteMi(a, b), 2.0, 0.01);
    std::mt19937 random(1);
    for (auto& v : b)
        v = static_cast<int>(random() % 4);
    EXPECT_NEAR(discreteMi(a, b), 0.0, 0.01);
}

TEST(GcmiUnitsTest, VectorizedEqualsOneUnitAtATime) {
    std::mt19937 random(3);
    std::normal_distribution<float> normal;
    const std::size_t n = 3000, units = 37;
    // Sample-major, as activations come out of a batch; units follow the factor / labels to various degrees.
    std::vector<float> data(n * units);
    Variables factor(n, 2, "factor");
    std::vector<int> labels(n);
    for (std::size_t i = 0; i < n; ++i) {
        labels[i] = static_cast<int>(random() % 3);
        factor.values[i] = normal(random);
        factor.values[n + i] = normal(random) + 0.5 * labels[i];
        for (std::size_t u = 0; u < units; ++u) {
            const float w = static_cast<float>(u) / units;
            data[i * units + u] = w * static_cast<float>(factor.values[i]) + (1 - w) * normal(random) +
                                  0.3f * w * static_cast<float>(labels[i]);
            if (u % 5 == 0) data[i * units + u] = std::max(0.0f, data[i * units + u]);  // ReLU: ties at 0
        }
    }
    const CopulaUnits copula = copulaNormalizeUnits(data.data(), n, units, false, 0);
    const Variables factorCopula = copulaNormalize(factor);
    const auto perUnit = gcmiPerUnit(copula, factorCopula);
    const auto perUnitDiscrete = gcmiPerUnitDiscrete(copula, labels);
    const auto perUnitConditional = gccmiPerUnitDiscrete(copula, labels, factorCopula);
    const DiscreteUnitMi fused = gcmiAndGccmiPerUnitDiscrete(copula, labels, factorCopula);
    for (std::size_t u = 0; u < units; ++u) {
        Variables unit(n, 1, "unit");
        for (std::size_t i = 0; i < n; ++i)
            unit.values[i] = data[i * units + u];
        const Variables unitCopula = copulaNormalize(unit, 0);
        for (std::size_t i = 0; i < n; ++i)
            ASSERT_NEAR(copula.unit(u)[i], unitCopula.values[i], 1e-6) << "unit " << u << " sample " << i;
        EXPECT_NEAR(perUnit[u], gaussianMi(unitCopula, factorCopula), 1e-4) << u;
        EXPECT_NEAR(perUnitDiscrete[u], gcmiDiscrete(unit, labels), 1e-4) << u;
        EXPECT_NEAR(perUnitConditional[u], gccmiDiscrete(unit, labels, factor), 1e-4) << u;
        EXPECT_NEAR(fused.mi[u], perUnitDiscrete[u], 1e-9) << u;
        EXPECT_EQ(fused.conditional[u], perUnitConditional[u]) << u;
    }
    EXPECT_GT(perUnit[units - 1], perUnit[1] + 0.5);  // the units do differ
}

// The radix ranker against a stable sort by (value, position in the tie order), on data that takes its
// quick path (spread values, ties) and data that defeats it (thousands of distinct values in one bin).
template <typename Value>
void expectRanksOfAStableSort(const std::vector<Value>& x, bool expectFullSort, const std::string& what) {
    const std::size_t n = x.size();
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::shuffle(order.begin(), order.end(), std::mt19937(5));
    std::vector<std::uint32_t> expected = order;
    std::stable_sort(expected.begin(), expected.end(),
                     [&](std::uint32_t a, std::uint32_t b) { return x[a] < x[b]; });
    std::vector<double> table(n);
    std::iota(table.begin(), table.end(), 0.0);  // rank r -> r
    std::vector<double> ranks(n, -1.0);
    netsight::info::detail::RadixRanker<Value> ranker(n);
    ASSERT_TRUE(ranker.rank(x.data(), n, order.data(), table.data(), ranks.data())) << what;
    EXPECT_EQ(ranker.usedFullSort(), expectFullSort) << what;
    for (std::size_t r = 0; r < n; ++r)
        ASSERT_EQ(ranks[expected[r]], static_cast<double>(r)) << what << ": rank " << r;
}

template <typename Value>
void checkRadixRanker(const std::string& type) {
    const std::size_t n = 5000;
    std::mt19937 random(11);
    std::normal_distribution<Value> normal;
    std::vector<Value> spread(n), dense(n), nearlySorted(n);
    for (std::size_t i = 0; i < n; ++i) {
        spread[i] = i % 3 == 0 ? Value(0) : normal(random) * Value(100);  // ReLU-like ties, both signs
        if (i % 7 == 0) spread[i] = -spread[i];
        if (i % 11 == 0) spread[i] = Value(-0.0);  // -0 is +0
        dense[i] = Value(1);
        for (std::size_t step = random() % 2000; step > 0; --step)  // 2000 values in one bin
            dense[i] = std::nextafter(dense[i], Value(2));
    }
    expectRanksOfAStableSort(spread, false, type + " spread values with ties");
    expectRanksOfAStableSort(dense, true, type + " distinct values within one bin");
    std::vector<Value> constant(n, Value(3));
    std::vector<double> table(n), out(n);
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    netsight::info::detail::RadixRanker<Value> ranker(n);
    EXPECT_FALSE(ranker.rank(constant.data(), n, order.data(), table.data(), out.data())) << type;
}

TEST(GcmiUnitsTest, RadixRanksEqualAStableSort) {
    checkRadixRanker<float>("float");
    checkRadixRanker<double>("double");
}

TEST(GcmiUnitsTest, TiesDoNotBorrowStructureFromSampleOrder) {
    // A ReLU unit that is zero on 70% of samples, independent of the label, with samples sorted by label:
    // breaking ties by index would hand the label to the zeros.
    const std::size_t n = 4000;
    std::mt19937 random(8);
    std::vector<float> unit(n);
    std::vector<int> labels(n);
    for (std::size_t i = 0; i < n; ++i) {
        labels[i] = i < n / 2 ? 0 : 1;
        unit[i] = random() % 10 < 7 ? 0.0f : static_cast<float>(random() % 1000) / 100.0f;
    }
    const auto copula = copulaNormalizeUnits(unit.data(), n, 1, true);
    EXPECT_LT(gcmiPerUnitDiscrete(copula, labels)[0], 0.01);
}

TEST(GcmiUnitsTest, ConstantUnitsAreFlaggedAndCarryNothing) {
    const std::size_t n = 100;
    std::vector<float> data(n * 2);
    for (std::size_t i = 0; i < n; ++i) {
        data[i * 2] = 0.0f;  // dead unit
        data[i * 2 + 1] = static_cast<float>(i);
    }
    const auto copula = copulaNormalizeUnits(data.data(), n, 2);
    EXPECT_EQ(copula.constantCount(), 1u);
    EXPECT_EQ(copula.constant[0], 1);
    std::vector<int> labels(n);
    for (std::size_t i = 0; i < n; ++i)
        labels[i] = i < 50 ? 0 : 1;
    const auto mi = gcmiPerUnitDiscrete(copula, labels);
    EXPECT_EQ(mi[0], 0.0);
    EXPECT_GT(mi[1], 0.5);
}

TEST(GcmiErrorsTest, BadInputNamesTheProblem) {
    Variables tiny(3, 2, "pose");
    tiny.values = {1, 2, 3, 4, 6, 5};
    EXPECT_NE(errorOf([&] { gaussianEntropy(tiny); }).find("pose has 3 samples for 2 dimension"),
              std::string::npos);
    const Variables constant = Variables::column(std::vector<double>(50, 1.0), "background");
    const Variables ramp = [] {
        std::vector<double> v(50);
        std::iota(v.begin(), v.end(), 0.0);
        return Variables::column(v, "unit");
    }();
    EXPECT_NE(errorOf([&] { gcmi(constant, ramp); }).find("background (variable 0) is constant"),
              std::string::npos);
    std::vector<int> labels(50, 0);
    for (std::size_t i = 25; i < 50; ++i)
        labels[i] = 2;  // class 1 is missing
    EXPECT_NE(errorOf([&] { gcmiDiscrete(ramp, labels); }).find("class 1 has no samples"), std::string::npos);
    labels.assign(50, 0);
    labels[49] = 1;  // one sample in class 1
    EXPECT_NE(errorOf([&] { gcmiDiscrete(ramp, labels); }).find("class 1 has 1 samples"), std::string::npos);
    EXPECT_NE(errorOf([&] { gcmiDiscrete(ramp, std::vector<int>(10, 0)); }).find("10 entries"),
              std::string::npos);
    Variables withNan = ramp;
    withNan.values[7] = std::nan("");
    EXPECT_NE(errorOf([&] { gcmi(withNan, ramp); }).find("not finite at sample 7"), std::string::npos);
    std::vector<float> bad(20, 1.0f);
    bad[13] = std::numeric_limits<float>::infinity();
    EXPECT_NE(
        errorOf([&] { copulaNormalizeUnits(bad.data(), 10, 2); }).find("unit 1 is not finite at sample 6"),
        std::string::npos);
    const Variables other = Variables::column(std::vector<double>(40, 0.0), "other");
    EXPECT_NE(errorOf([&] { gcmi(ramp, other); }).find("unit has 50 samples but other has 40"),
              std::string::npos);
}
