// The per-unit estimators: copula normalisation of thousands of units at once (a radix sort per unit),
// then MI of every unit with a factor, with labels, and conditional on a factor.
#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>

#include "info/GcmiDetail.h"
#include "info/RadixRank.h"
#include "netsight/info/Gcmi.h"

namespace netsight::info {
namespace {

using namespace detail;

// Σ x·y, four independent accumulators (the compiler may not reorder FP sums).
double dot(const float* x, const double* y, std::size_t n) {
    double a[4] = {0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (std::size_t l = 0; l < 4; ++l)
            a[l] += x[i + l] * y[i + l];
    for (; i < n; ++i)
        a[0] += x[i] * y[i];
    return (a[0] + a[1]) + (a[2] + a[3]);
}

// Σx, Σx² and Σ x·z_j for the D variables of z (none for D = 0) over x[index[0..n)], z stored sample by
// sample (z[i * D + j], in the order of index), in one read of x; two independent accumulators each.
template <std::size_t D>
void gatheredMoments(const float* x, const std::uint32_t* index, std::size_t n, const double* z, double& sum,
                     double& squares, double* cross) {
    double s[2] = {0, 0}, q[2] = {0, 0};
    std::array<double, D> c[2] = {};
    std::size_t i = 0;
    for (; i + 2 <= n; i += 2)
        for (std::size_t l = 0; l < 2; ++l) {
            const double v = x[index[i + l]];
            s[l] += v;
            q[l] += v * v;
            for (std::size_t j = 0; j < D; ++j)
                c[l][j] += v * z[(i + l) * D + j];
        }
    for (; i < n; ++i) {
        const double v = x[index[i]];
        s[0] += v;
        q[0] += v * v;
        for (std::size_t j = 0; j < D; ++j)
            c[0][j] += v * z[i * D + j];
    }
    sum = s[0] + s[1];
    squares = q[0] + q[1];
    for (std::size_t j = 0; j < D; ++j)
        cross[j] = c[0][j] + c[1][j];
}

// gatheredMoments for any d: unrolled for the common small d, plain loops beyond.
void gatheredMoments(const float* x, const std::uint32_t* index, std::size_t n, const double* z,
                     std::size_t d, double& sum, double& squares, double* cross) {
    switch (d) {
        case 1:
            return gatheredMoments<1>(x, index, n, z, sum, squares, cross);
        case 2:
            return gatheredMoments<2>(x, index, n, z, sum, squares, cross);
        case 3:
            return gatheredMoments<3>(x, index, n, z, sum, squares, cross);
        case 4:
            return gatheredMoments<4>(x, index, n, z, sum, squares, cross);
        default:
            break;
    }
    gatheredMoments<0>(x, index, n, nullptr, sum, squares, nullptr);
    std::fill(cross, cross + d, 0.0);
    for (std::size_t i = 0; i < n; ++i) {
        const double v = x[index[i]];
        for (std::size_t j = 0; j < d; ++j)
            cross[j] += v * z[i * d + j];
    }
}

// Samples grouped by class: the concatenated members and where each class starts.
struct ClassOrder {
    std::vector<std::uint32_t> index;
    std::vector<std::size_t> start;  // k + 1 entries
    explicit ClassOrder(const std::vector<std::vector<std::size_t>>& members) {
        start.push_back(0);
        for (const auto& m : members) {
            for (std::size_t i : m)
                index.push_back(static_cast<std::uint32_t>(i));
            start.push_back(index.size());
        }
    }
};

// out[u * samples + s] = data[s * units + u], in tiles of 64 × 64 on every core.
void transposeInto(const float* data, std::size_t samples, std::size_t units, float* out) {
    constexpr std::size_t kTile = 64;
    const std::size_t rowTiles = (samples + kTile - 1) / kTile;
    parallelFor(rowTiles, 4, [&](std::size_t firstTile, std::size_t endTile) {
        for (std::size_t tile = firstTile; tile < endTile; ++tile) {
            const std::size_t s0 = tile * kTile, s1 = std::min(samples, s0 + kTile);
            for (std::size_t u0 = 0; u0 < units; u0 += kTile) {
                const std::size_t u1 = std::min(units, u0 + kTile);
                for (std::size_t s = s0; s < s1; ++s) {
                    const float* row = data + s * units;
                    for (std::size_t u = u0; u < u1; ++u)
                        out[u * samples + s] = row[u];
                }
            }
        }
    });
}

// I(x; labels) in bits from per-class Σx and Σx² (class-conditional Gaussians, bias-corrected).
struct DiscreteTerms {
    std::size_t n = 0;
    std::vector<double> count, weight, classBias;
    double bias = 0;
    explicit DiscreteTerms(const std::vector<std::vector<std::size_t>>& members, std::size_t samples)
        : n(samples), bias(entropyBias(1, samples)) {
        for (const auto& m : members) {
            count.push_back(static_cast<double>(m.size()));
            weight.push_back(static_cast<double>(m.size()) / static_cast<double>(samples));
            classBias.push_back(entropyBias(1, m.size()));
        }
    }
    double mi(const double* sum, const double* squares) const {
        double total = 0, totalSquares = 0, conditional = 0;
        for (std::size_t c = 0; c < count.size(); ++c) {
            total += sum[c];
            totalSquares += squares[c];
            const double variance =
                std::max((squares[c] - sum[c] * sum[c] / count[c]) / (count[c] - 1), 1e-30);
            conditional += weight[c] * (0.5 * std::log(variance) + classBias[c]);
        }
        const double dn = static_cast<double>(n);
        const double variance = (totalSquares - total * total / dn) / (dn - 1);
        return (0.5 * std::log(variance) + bias - conditional) / kLn2;
    }
};

void checkUnitsAgainst(const CopulaUnits& units, std::size_t samples, const std::string& what) {
    if (units.samples != samples)
        throw InfoError("the units have " + str(units.samples) + " samples but " + what + " has " +
                        str(samples));
    requireSamples(units.samples, 1, "each unit");
}

}  // namespace

// ---- Vectorized ---------------------------------------------------------------------------------------

std::size_t CopulaUnits::constantCount() const {
    return static_cast<std::size_t>(std::count(constant.begin(), constant.end(), 1));
}

CopulaUnits copulaNormalizeUnits(const float* data, std::size_t samples, std::size_t units, bool unitMajor,
                                 std::uint64_t tieSeed) {
    if (samples < 3) throw InfoError("the units have " + str(samples) + " samples; need at least 3");
    if (samples > 0xFFFFFFFFu) throw InfoError("too many samples (" + str(samples) + ")");
    CopulaUnits out;
    out.samples = samples;
    out.units = units;
    out.values.resize(samples * units);
    out.constant.assign(units, 0);
    const auto tablePointer = copulaTable(samples);
    const std::vector<float> table(tablePointer->begin(), tablePointer->end());  // the values as stored
    const auto orderPointer = tieOrder(samples, tieSeed);
    const std::vector<std::uint32_t>& order = *orderPointer;
    std::vector<std::string> errors(units);
    // Sample-major data is first transposed into the output in tiles (rows read whole, not a float per
    // row per unit), then every unit is ranked in place.
    if (!unitMajor) transposeInto(data, samples, units, out.values.data());
    const float* source = unitMajor ? data : out.values.data();
    parallelFor(units, 8, [&](std::size_t begin, std::size_t end) {
        RadixRanker<float> ranker(samples);
        for (std::size_t u = begin; u < end; ++u) {
            const float* x = source + u * samples;
            // Exponent bits all set: infinity or NaN. Checked without a branch per value.
            std::uint32_t special = 0;
            for (std::size_t s = 0; s < samples; ++s) {
                std::uint32_t bits;
                std::memcpy(&bits, x + s, sizeof bits);
                special |= static_cast<std::uint32_t>((bits & 0x7F800000u) == 0x7F800000u);
            }
            if (special) {
                std::size_t s = 0;
                while (std::isfinite(x[s]))
                    ++s;
                errors[u] = "unit " + str(u) + " is not finite at sample " + str(s) +
                            " (the network produced NaN or infinity: check the model and its input)";
                continue;
            }
            float* o = out.values.data() + u * samples;  // may be x itself: rank reads x before writing
            if (!ranker.rank(x, samples, order.data(), table.data(), o)) {
                out.constant[u] = 1;
                std::fill(o, o + samples, 0.0f);
            }
        }
    });
    for (const auto& error : errors)
        if (!error.empty()) throw InfoError(error);
    for (std::size_t r = 0; r < samples; ++r) {
        const double v = table[r];
        out.valueSum += v;
        out.valueSquares += v * v;
    }
    return out;
}

std::vector<double> gcmiPerUnit(const CopulaUnits& units, const Variables& yCopula) {
    checkUnitsAgainst(units, yCopula.samples, yCopula.name);
    if (yCopula.dims == 0 || yCopula.dims > 60)
        throw InfoError(yCopula.name + " must have 1 to 60 dimensions");
    requireSamples(units.samples, 1 + yCopula.dims, "each unit with " + yCopula.name);
    const std::size_t n = units.samples, d = yCopula.dims;
    const Centred y = centre(yCopula);
    const auto l = choleskyOf(y.covariance, d, yCopula.name);
    const double bias = entropyBias(1, n) + entropyBias(d, n) - entropyBias(1 + d, n);
    const double variance = (units.valueSquares - units.valueSum * units.valueSum / static_cast<double>(n)) /
                            static_cast<double>(n - 1);
    std::vector<double> mi(units.units, 0.0);
    parallelFor(units.units, 16, [&](std::size_t begin, std::size_t end) {
        std::vector<double> c(d);
        for (std::size_t u = begin; u < end; ++u) {
            if (units.constant[u]) continue;
            const float* x = units.unit(u);
            for (std::size_t j = 0; j < d; ++j)
                c[j] = dot(x, y.values.data() + j * n, n) / static_cast<double>(n - 1);
            const double residual = std::max(variance - mahalanobis(l, c.data(), d), variance * 1e-12);
            mi[u] = (0.5 * std::log(variance / residual) + bias) / kLn2;
        }
    });
    return mi;
}

std::vector<double> gcmiPerUnitDiscrete(const CopulaUnits& units, const std::vector<int>& labels) {
    checkUnitsAgainst(units, labels.size(), "the labels");
    const auto members = classMembers(labels, units.samples, 1, "each unit");
    const std::size_t k = members.size();
    const DiscreteTerms terms(members, units.samples);
    std::vector<double> mi(units.units, 0.0);
    const ClassOrder grouped(members);
    parallelFor(units.units, 16, [&](std::size_t begin, std::size_t end) {
        std::vector<double> sum(k), squares(k);
        for (std::size_t u = begin; u < end; ++u) {
            if (units.constant[u]) continue;
            for (std::size_t c = 0; c < k; ++c)
                gatheredMoments<0>(units.unit(u), grouped.index.data() + grouped.start[c],
                                   grouped.start[c + 1] - grouped.start[c], nullptr, sum[c], squares[c],
                                   nullptr);
            mi[u] = terms.mi(sum.data(), squares.data());
        }
    });
    return mi;
}

std::vector<double> gccmiPerUnitDiscrete(const CopulaUnits& units, const std::vector<int>& labels,
                                         const Variables& zCopula) {
    return gcmiAndGccmiPerUnitDiscrete(units, labels, zCopula).conditional;
}

DiscreteUnitMi gcmiAndGccmiPerUnitDiscrete(const CopulaUnits& units, const std::vector<int>& labels,
                                           const Variables& zCopula) {
    checkUnitsAgainst(units, labels.size(), "the labels");
    checkUnitsAgainst(units, zCopula.samples, zCopula.name);
    const std::size_t n = units.samples, d = zCopula.dims;
    if (d == 0 || d > 60) throw InfoError(zCopula.name + " must have 1 to 60 dimensions");
    requireSamples(n, 1 + d, "each unit with " + zCopula.name);
    const auto members = classMembers(labels, n, 1 + d, "each unit with " + zCopula.name);
    const std::size_t k = members.size();
    // Per class: z centred within the class and its Cholesky factor; the same for all samples.
    const Centred all = centre(zCopula);
    const auto lAll = choleskyOf(all.covariance, d, zCopula.name);
    std::vector<std::vector<double>> lClass(k), zMean(k);
    std::vector<double> weight(k), classBias(k);
    for (std::size_t c = 0; c < k; ++c) {
        const Centred within = centre(zCopula, &members[c]);
        lClass[c] = choleskyOf(within.covariance, d, zCopula.name + " within class " + str(c));
        zMean[c].assign(d, 0);
        for (std::size_t j = 0; j < d; ++j) {
            for (std::size_t i : members[c])
                zMean[c][j] += zCopula.variable(j)[i];
            zMean[c][j] /= static_cast<double>(members[c].size());
        }
        weight[c] = static_cast<double>(members[c].size()) / static_cast<double>(n);
        classBias[c] = entropyBias(1 + d, members[c].size()) - entropyBias(d, members[c].size());
    }
    std::vector<double> zMeanAll(d, 0);
    for (std::size_t j = 0; j < d; ++j) {
        for (std::size_t i = 0; i < n; ++i)
            zMeanAll[j] += zCopula.variable(j)[i];
        zMeanAll[j] /= static_cast<double>(n);
    }
    const double bias = entropyBias(1 + d, n) - entropyBias(d, n);
    const DiscreteTerms terms(members, n);
    DiscreteUnitMi out;
    out.mi.assign(units.units, 0.0);
    out.conditional.assign(units.units, 0.0);
    // z in class order, so that every per-class sum is a contiguous loop.
    const ClassOrder grouped(members);
    std::vector<double> zGrouped(n * d);  // sample by sample
    for (std::size_t i = 0; i < n; ++i)
        for (std::size_t j = 0; j < d; ++j)
            zGrouped[i * d + j] = zCopula.variable(j)[grouped.index[i]];
    parallelFor(units.units, 16, [&](std::size_t begin, std::size_t end) {
        // Per class: Σx, Σx², Σ x·z_j.
        std::vector<double> sum(k), squares(k), cross(k * d), c(d);
        for (std::size_t u = begin; u < end; ++u) {
            if (units.constant[u]) continue;
            for (std::size_t cls = 0; cls < k; ++cls) {
                const std::size_t from = grouped.start[cls], count = grouped.start[cls + 1] - from;
                gatheredMoments(units.unit(u), grouped.index.data() + from, count, zGrouped.data() + from * d,
                                d, sum[cls], squares[cls], cross.data() + cls * d);
            }
            out.mi[u] = terms.mi(sum.data(), squares.data());
            double total = 0, totalSquares = 0, withClass = 0;
            std::vector<double> totalCross(d, 0.0);
            for (std::size_t cls = 0; cls < k; ++cls) {
                const double nc = static_cast<double>(members[cls].size());
                const double mean = sum[cls] / nc;
                const double variance = (squares[cls] - sum[cls] * mean) / (nc - 1);
                for (std::size_t j = 0; j < d; ++j) {
                    c[j] = (cross[cls * d + j] - nc * mean * zMean[cls][j]) / (nc - 1);
                    totalCross[j] += cross[cls * d + j];
                }
                const double residual =
                    std::max(variance - mahalanobis(lClass[cls], c.data(), d), variance * 1e-12);
                withClass += weight[cls] * (0.5 * std::log(residual) + classBias[cls]);
                total += sum[cls];
                totalSquares += squares[cls];
            }
            const double dn = static_cast<double>(n);
            const double mean = total / dn;
            const double variance = (totalSquares - total * mean) / (dn - 1);
            for (std::size_t j = 0; j < d; ++j)
                c[j] = (totalCross[j] - dn * mean * zMeanAll[j]) / (dn - 1);
            const double residual = std::max(variance - mahalanobis(lAll, c.data(), d), variance * 1e-12);
            out.conditional[u] = (0.5 * std::log(residual) + bias - withClass) / kLn2;
        }
    });
    return out;
}

}  // namespace netsight::info
