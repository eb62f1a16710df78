#include "netsight/probe/Uncertainty.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iomanip>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>

#include "netsight/probe/Order.h"
#include "report/Statistics.h"

namespace netsight::probe {
namespace {

// The regularized incomplete beta function I_x(a, b), by its continued fraction (modified Lentz).
double betaContinuedFraction(double a, double b, double x) {
    constexpr double kTiny = 1e-300, kEpsilon = 1e-15;
    double c = 1, d = 1 - (a + b) * x / (a + 1);
    if (std::fabs(d) < kTiny) d = kTiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 10000; ++m) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
        d = 1 + aa * d;
        if (std::fabs(d) < kTiny) d = kTiny;
        c = 1 + aa / c;
        if (std::fabs(c) < kTiny) c = kTiny;
        d = 1 / d;
        h *= d * c;
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
        d = 1 + aa * d;
        if (std::fabs(d) < kTiny) d = kTiny;
        c = 1 + aa / c;
        if (std::fabs(c) < kTiny) c = kTiny;
        d = 1 / d;
        const double step = d * c;
        h *= step;
        if (std::fabs(step - 1) < kEpsilon) break;
    }
    return h;
}

double incompleteBeta(double a, double b, double x) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    const double front =
        std::exp(std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x));
    if (x < (a + 1) / (a + b + 2)) return front * betaContinuedFraction(a, b, x) / a;
    return 1 - front * betaContinuedFraction(b, a, 1 - x) / b;
}

double normalCdf(double z) {
    return 0.5 * std::erfc(-z / std::sqrt(2.0));
}

double sampleVariance(const std::vector<double>& values) {
    if (values.size() < 2) return 0;
    const double mean =
        std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
    double sum = 0;
    for (double v : values)
        sum += (v - mean) * (v - mean);
    return sum / static_cast<double>(values.size() - 1);
}

// A variance component and the degrees of freedom of its estimate.
struct Component {
    double variance;
    double degreesOfFreedom;
};

// estimate +- t * sqrt(sum of the components), df by Welch-Satterthwaite.
Interval combine(double estimate, const std::vector<Component>& components, double* degreesOfFreedom) {
    double total = 0, denominator = 0;
    for (const auto& c : components) {
        total += c.variance;
        if (c.variance > 0) denominator += c.variance * c.variance / c.degreesOfFreedom;
    }
    const double df = denominator > 0 ? total * total / denominator : 1e9;
    if (degreesOfFreedom) *degreesOfFreedom = df;
    const double half = studentTQuantile(0.975, std::max(df, 1.0)) * std::sqrt(total);
    return {estimate, estimate - half, estimate + half};
}

// Running sums for a bootstrap variance.
struct Moments {
    double sum = 0, sumSquares = 0;
    int count = 0;
    void add(double v) {
        sum += v;
        sumSquares += v * v;
        ++count;
    }
    double variance() const {
        if (count < 2) return 0;
        const double mean = sum / count;
        return std::max(0.0, (sumSquares - count * mean * mean) / (count - 1));
    }
};

// The weighted median of values (sorted order given) under integer weights summing to `total`.
double weightedMedian(const std::vector<double>& values, const std::vector<std::size_t>& sortedOrder,
                      const std::vector<int>& weights, std::size_t total) {
    const double half = static_cast<double>(total) / 2;
    double cumulative = 0;
    for (std::size_t index : sortedOrder) {
        cumulative += weights[index];
        if (cumulative >= half) return values[index];
    }
    return values[sortedOrder.back()];
}

std::string formatP(double p) {
    std::ostringstream text;
    text << std::setprecision(2) << p;
    return text.str();
}

}  // namespace

std::size_t ProbeMeasurements::images() const {
    return correct.empty() || correct[0].empty() || correct[0][0].empty() ? 0 : correct[0][0][0].size();
}

std::size_t ProbeMeasurements::classifiers() const {
    return correct.empty() || correct[0].empty() ? 0 : correct[0][0].size();
}

double studentTCdf(double t, double degreesOfFreedom) {
    if (!(degreesOfFreedom > 0)) throw std::invalid_argument("Student's t needs positive degrees of freedom");
    if (degreesOfFreedom > 1e7) return normalCdf(t);
    const double x = degreesOfFreedom / (degreesOfFreedom + t * t);
    const double tail = 0.5 * incompleteBeta(degreesOfFreedom / 2, 0.5, x);
    return t > 0 ? 1 - tail : tail;
}

double studentTQuantile(double p, double degreesOfFreedom) {
    if (!(p > 0 && p < 1)) throw std::invalid_argument("a quantile needs 0 < p < 1");
    if (p < 0.5) return -studentTQuantile(1 - p, degreesOfFreedom);
    double low = 0, high = 1;
    while (studentTCdf(high, degreesOfFreedom) < p && high < 1e12)
        high *= 2;
    for (int i = 0; i < 200 && high - low > 1e-13 * std::max(1.0, high); ++i) {
        const double middle = (low + high) / 2;
        (studentTCdf(middle, degreesOfFreedom) < p ? low : high) = middle;
    }
    return (low + high) / 2;
}

Interval twoSourceInterval(double estimate, double imageVariance, double replicaVariance, int replicas,
                           std::size_t images, double* degreesOfFreedom) {
    std::vector<Component> components = {
        {imageVariance, static_cast<double>(std::max<std::size_t>(images, 2) - 1)}};
    if (replicas > 1) components.push_back({replicaVariance / replicas, static_cast<double>(replicas - 1)});
    return combine(estimate, components, degreesOfFreedom);
}

std::vector<double> holmAdjusted(const std::vector<double>& pValues) {
    const std::size_t m = pValues.size();
    std::vector<std::size_t> order(m);
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(),
                     [&](std::size_t a, std::size_t b) { return pValues[a] < pValues[b]; });
    std::vector<double> adjusted(m);
    double running = 0;
    for (std::size_t rank = 0; rank < m; ++rank) {
        running = std::max(running, std::min(1.0, static_cast<double>(m - rank) * pValues[order[rank]]));
        adjusted[order[rank]] = running;
    }
    return adjusted;
}

bool ProbeUncertainty::undecidedBetween(int a, int b) const {
    for (const auto& relation : relations)
        if ((relation.i == a && relation.j == b) || (relation.i == b && relation.j == a))
            return !relation.significant;
    return false;
}

std::vector<std::string> ProbeUncertainty::undecided(const std::vector<std::string>& classifiers) const {
    std::vector<std::string> lines;
    for (const auto& relation : relations) {
        if (relation.significant) continue;
        std::string line = classifiers[static_cast<std::size_t>(relation.above())] + " ? " +
                           classifiers[static_cast<std::size_t>(relation.below())] +
                           " (p = " + formatP(relation.adjustedP) + " after Holm";
        if (relation.replicas > 1)
            line += ", " + std::to_string(relation.replicasAgreeing) + " of " +
                    std::to_string(relation.replicas) + " replicas agree";
        lines.push_back(line + ")");
    }
    return lines;
}

ProbeUncertainty estimateUncertainty(const ProbeMeasurements& m, const std::vector<double>& parameterCounts,
                                     const UncertaintyOptions& options) {
    const std::size_t rows = m.correct.size(), classifiers = m.classifiers(), n = m.images();
    if (rows < 2 || classifiers == 0 || n < 2 || rows != classifiers + 2 || m.intra.size() != rows - 1 ||
        m.inter.size() != rows - 1)
        throw std::invalid_argument(
            "probe measurements: expected the originals, the pretrained AE and one AE "
            "per classifier, each with at least two images");
    const int replicas = static_cast<int>(m.correct[2].size());
    for (std::size_t r = 0; r < rows; ++r) {
        if (m.correct[r].empty() || (r >= 2 && static_cast<int>(m.correct[r].size()) != replicas))
            throw std::invalid_argument("probe measurements: every fine-tuned row needs the same replicas");
        for (const auto& replica : m.correct[r]) {
            if (replica.size() != classifiers)
                throw std::invalid_argument("probe measurements: ragged classifiers");
            for (const auto& outcomes : replica)
                if (outcomes.size() != n) throw std::invalid_argument("probe measurements: ragged images");
        }
    }
    ProbeUncertainty result;
    result.replicas = replicas;
    result.images = n;
    result.bootstrap = options.bootstrap;
    result.alpha = options.alpha;

    // Point estimates per replica: A[r][k][j], R[r][k][j], NMI medians[r-1][k].
    auto accuracyOf = [&](std::size_t r, std::size_t k, std::size_t j, const std::vector<int>* weights) {
        const auto& outcomes = m.correct[r][k][j];
        double sum = 0;
        if (weights)
            for (std::size_t i = 0; i < n; ++i)
                sum += (*weights)[i] * outcomes[i];
        else
            for (std::size_t i = 0; i < n; ++i)
                sum += outcomes[i];
        return sum / static_cast<double>(n);
    };
    std::vector<std::vector<std::vector<std::size_t>>> sortedIntra(rows - 1), sortedInter(rows - 1);
    for (std::size_t a = 0; a + 1 < rows; ++a)
        for (std::size_t k = 0; k < m.intra[a].size(); ++k)
            for (auto* target : {&sortedIntra, &sortedInter}) {
                const auto& values = target == &sortedIntra ? m.intra[a][k] : m.inter[a][k];
                std::vector<std::size_t> order(values.size());
                std::iota(order.begin(), order.end(), 0);
                std::sort(order.begin(), order.end(),
                          [&](std::size_t x, std::size_t y) { return values[x] < values[y]; });
                (*target)[a].push_back(order);
            }

    // The replica means of one image resample (weights null: all images once), and the relative matrix.
    struct Means {
        std::vector<std::vector<double>> accuracy, relative;
        std::vector<double> intra, inter;
    };
    auto meansOf = [&](const std::vector<int>* weights, const std::vector<std::vector<int>>* replicaDraw) {
        Means means;
        means.accuracy.assign(rows, std::vector<double>(classifiers, 0));
        for (std::size_t r = 0; r < rows; ++r) {
            const std::size_t count = m.correct[r].size();
            for (std::size_t j = 0; j < classifiers; ++j) {
                double sum = 0;
                for (std::size_t d = 0; d < count; ++d) {
                    const std::size_t k =
                        replicaDraw && r >= 2 ? static_cast<std::size_t>((*replicaDraw)[r][d]) : d;
                    sum += accuracyOf(r, k, j, weights);
                }
                means.accuracy[r][j] = sum / static_cast<double>(count);
            }
        }
        means.relative = means.accuracy;
        for (auto& row : means.relative)
            for (std::size_t j = 0; j < classifiers; ++j)
                row[j] = means.accuracy[0][j] > 0 ? row[j] / means.accuracy[0][j] : 0.0;
        for (std::size_t a = 0; a + 1 < rows; ++a) {
            double intra = 0, inter = 0;
            const std::size_t count = m.intra[a].size();
            for (std::size_t k = 0; k < count; ++k) {
                if (weights) {
                    intra += weightedMedian(m.intra[a][k], sortedIntra[a][k], *weights, n);
                    inter += weightedMedian(m.inter[a][k], sortedInter[a][k], *weights, n);
                } else {
                    intra += report::quantile(m.intra[a][k], 0.5);
                    inter += report::quantile(m.inter[a][k], 0.5);
                }
            }
            means.intra.push_back(intra / static_cast<double>(count));
            means.inter.push_back(inter / static_cast<double>(count));
        }
        return means;
    };
    auto tausOf = [&](const Means& means) {
        std::vector<std::vector<double>> square(means.relative.begin() + 2, means.relative.end());
        const auto order = orderFromTransfer(square);
        const std::vector<double> scores(order.score.begin(), order.score.end());
        return std::make_pair(kendallTau(scores, means.accuracy[0]), kendallTau(scores, parameterCounts));
    };
    auto difference = [&](const std::vector<std::vector<double>>& relative, std::size_t i, std::size_t j) {
        return relative[2 + i][j] - relative[2 + j][i];
    };

    const Means point = meansOf(nullptr, nullptr);
    // Replica-to-replica variances of the point estimates.
    auto replicaValues = [&](std::size_t r, const std::function<double(std::size_t k)>& of) {
        std::vector<double> values;
        for (std::size_t k = 0; k < m.correct[r].size(); ++k)
            values.push_back(of(k));
        return values;
    };
    auto relativeOf = [&](std::size_t r, std::size_t k, std::size_t j) {
        const double original = point.accuracy[0][j];
        return original > 0 ? accuracyOf(r, k, j, nullptr) / original : 0.0;
    };

    // The bootstrap over the images (replicas fixed), and over images and replicas for tau.
    std::mt19937_64 random(options.seed ^ 0xB007ull);
    std::uniform_int_distribution<std::size_t> pickImage(0, n - 1);
    std::uniform_int_distribution<int> pickReplica(0, replicas - 1);
    std::vector<std::vector<Moments>> accuracyMoments(rows, std::vector<Moments>(classifiers)),
        relativeMoments = accuracyMoments;
    std::vector<Moments> intraMoments(rows - 1), interMoments(rows - 1);
    std::vector<std::vector<Moments>> differenceMoments(classifiers, std::vector<Moments>(classifiers));
    std::vector<double> tauAccuracy, tauParameters;
    std::vector<int> weights(n);
    std::vector<std::vector<int>> replicaDraw(rows, std::vector<int>(static_cast<std::size_t>(replicas)));
    for (int b = 0; b < options.bootstrap; ++b) {
        std::fill(weights.begin(), weights.end(), 0);
        for (std::size_t d = 0; d < n; ++d)
            ++weights[pickImage(random)];
        const Means means = meansOf(&weights, nullptr);
        for (std::size_t r = 0; r < rows; ++r)
            for (std::size_t j = 0; j < classifiers; ++j) {
                accuracyMoments[r][j].add(means.accuracy[r][j]);
                relativeMoments[r][j].add(means.relative[r][j]);
            }
        for (std::size_t a = 0; a + 1 < rows; ++a) {
            intraMoments[a].add(means.intra[a]);
            interMoments[a].add(means.inter[a]);
        }
        for (std::size_t i = 0; i < classifiers; ++i)
            for (std::size_t j = i + 1; j < classifiers; ++j)
                differenceMoments[i][j].add(difference(means.relative, i, j));
        for (std::size_t r = 2; r < rows; ++r)
            for (auto& k : replicaDraw[r])
                k = pickReplica(random);
        const Means resampled = meansOf(&weights, &replicaDraw);
        const auto [byAccuracy, byParameters] = tausOf(resampled);
        tauAccuracy.push_back(byAccuracy);
        tauParameters.push_back(byParameters);
    }

    const auto images = static_cast<double>(n - 1);
    result.accuracy.assign(rows, std::vector<Interval>(classifiers));
    result.relative = result.accuracy;
    result.accuracySpread.assign(rows, std::vector<double>(classifiers, 0));
    for (std::size_t r = 0; r < rows; ++r) {
        const int count = static_cast<int>(m.correct[r].size());
        for (std::size_t j = 0; j < classifiers; ++j) {
            const auto accuracies =
                replicaValues(r, [&](std::size_t k) { return accuracyOf(r, k, j, nullptr); });
            const auto relatives = replicaValues(r, [&](std::size_t k) { return relativeOf(r, k, j); });
            result.accuracySpread[r][j] = std::sqrt(sampleVariance(accuracies));
            result.accuracy[r][j] = twoSourceInterval(point.accuracy[r][j], accuracyMoments[r][j].variance(),
                                                      sampleVariance(accuracies), count, n);
            result.relative[r][j] = twoSourceInterval(point.relative[r][j], relativeMoments[r][j].variance(),
                                                      sampleVariance(relatives), count, n);
        }
    }
    for (std::size_t a = 0; a + 1 < rows; ++a) {
        const int count = static_cast<int>(m.intra[a].size());
        std::vector<double> intra, inter;
        for (std::size_t k = 0; k < m.intra[a].size(); ++k) {
            intra.push_back(report::quantile(m.intra[a][k], 0.5));
            inter.push_back(report::quantile(m.inter[a][k], 0.5));
        }
        result.nmiIntraSpread.push_back(std::sqrt(sampleVariance(intra)));
        result.nmiInterSpread.push_back(std::sqrt(sampleVariance(inter)));
        result.nmiIntraMedian.push_back(
            twoSourceInterval(point.intra[a], intraMoments[a].variance(), sampleVariance(intra), count, n));
        result.nmiInterMedian.push_back(
            twoSourceInterval(point.inter[a], interMoments[a].variance(), sampleVariance(inter), count, n));
    }
    const auto [tauA, tauP] = tausOf(point);
    auto percentile = [](std::vector<double> values, double estimate) {
        return Interval{estimate, report::quantile(values, 0.025), report::quantile(values, 0.975)};
    };
    result.tauAccuracy = percentile(tauAccuracy, tauA);
    result.tauParameters = percentile(tauParameters, tauP);

    // The relations: d with both sources of variation, a t test, Holm over the pairs.
    std::vector<double> pValues;
    for (std::size_t i = 0; i < classifiers; ++i)
        for (std::size_t j = i + 1; j < classifiers; ++j) {
            RelationTest relation;
            relation.i = static_cast<int>(i);
            relation.j = static_cast<int>(j);
            relation.replicas = replicas;
            const double d = difference(point.relative, i, j);
            std::vector<Component> components = {{differenceMoments[i][j].variance(), images}};
            if (replicas > 1) {
                const auto aboveI =
                    replicaValues(2 + i, [&](std::size_t k) { return relativeOf(2 + i, k, j); });
                const auto aboveJ =
                    replicaValues(2 + j, [&](std::size_t k) { return relativeOf(2 + j, k, i); });
                components.push_back({sampleVariance(aboveI) / replicas, static_cast<double>(replicas - 1)});
                components.push_back({sampleVariance(aboveJ) / replicas, static_cast<double>(replicas - 1)});
                for (int k = 0; k < replicas; ++k) {
                    const double dk =
                        aboveI[static_cast<std::size_t>(k)] - aboveJ[static_cast<std::size_t>(k)];
                    if ((dk > 0) == (d > 0) && dk != 0) ++relation.replicasAgreeing;
                }
            } else {
                relation.replicasAgreeing = d != 0 ? 1 : 0;
            }
            relation.difference = combine(d, components, &relation.degreesOfFreedom);
            double se = 0;
            for (const auto& c : components)
                se += c.variance;
            se = std::sqrt(se);
            relation.pValue =
                se > 0 ? 2 * (1 - studentTCdf(std::fabs(d) / se, std::max(relation.degreesOfFreedom, 1.0)))
                       : (d != 0 ? 0.0 : 1.0);
            pValues.push_back(relation.pValue);
            result.relations.push_back(relation);
        }
    const auto adjusted = holmAdjusted(pValues);
    bool allSignificant = true;
    for (std::size_t p = 0; p < result.relations.size(); ++p) {
        result.relations[p].adjustedP = adjusted[p];
        result.relations[p].significant = adjusted[p] < options.alpha;
        allSignificant = allSignificant && result.relations[p].significant;
    }
    std::vector<std::vector<double>> square(point.relative.begin() + 2, point.relative.end());
    result.total = allSignificant && orderFromTransfer(square).total;
    return result;
}

}  // namespace netsight::probe
