#include "netsight/info/Gcmi.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <thread>

#include "netsight/info/Special.h"

namespace netsight::info {
namespace {

const double kLn2 = std::log(2.0);

std::string str(std::size_t n) {
    return std::to_string(n);
}

// The analytic bias correction of a d-dimensional Gaussian entropy from n samples, in nats (added).
double entropyBias(std::size_t d, std::size_t n) {
    const double dterm = (kLn2 - std::log(static_cast<double>(n) - 1.0)) / 2.0;
    double psi = 0;
    for (std::size_t i = 1; i <= d; ++i)
        psi += digamma((static_cast<double>(n) - static_cast<double>(i)) / 2.0) / 2.0;
    return -static_cast<double>(d) * dterm - psi;
}

void requireSamples(std::size_t n, std::size_t dims, const std::string& what) {
    if (n < dims + 2)
        throw InfoError(what + " has " + str(n) + " samples for " + str(dims) +
                        " dimension(s); Gaussian-copula MI needs at least dimensions + 2 (and many more for "
                        "a useful estimate): use more samples or fewer dimensions");
}

void requireSameSamples(const Variables& a, const Variables& b) {
    if (a.samples != b.samples)
        throw InfoError(a.name + " has " + str(a.samples) + " samples but " + b.name + " has " +
                        str(b.samples) + "; both must be observed on the same samples");
    if (a.dims == 0) throw InfoError(a.name + " has no variables");
    if (b.dims == 0) throw InfoError(b.name + " has no variables");
}

// Runs body(begin, end) over [0, n) on every core.
template <typename Body>
void parallelFor(std::size_t n, std::size_t grain, const Body& body) {
    const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
    const std::size_t chunks = std::min(cores, (n + grain - 1) / std::max<std::size_t>(grain, 1));
    if (chunks <= 1) {
        body(std::size_t{0}, n);
        return;
    }
    std::vector<std::thread> threads;
    const std::size_t step = (n + chunks - 1) / chunks;
    for (std::size_t c = 1; c < chunks; ++c) {
        const std::size_t begin = c * step;
        const std::size_t end = std::min(n, begin + step);
        if (begin < end) threads.emplace_back([&body, begin, end] { body(begin, end); });
    }
    body(std::size_t{0}, std::min(n, step));
    for (auto& thread : threads)
        thread.join();
}

// Φ⁻¹((r + 1) / (n + 1)) for r = 0..n-1: the values every copula-normalised variable takes.
// Kept for the last sample count asked for: a layer analysis asks for the same N many times.
std::shared_ptr<const std::vector<double>> copulaTable(std::size_t n) {
    static std::mutex mutex;
    static std::shared_ptr<const std::vector<double>> last;
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (last && last->size() == n) return last;
    }
    auto table = std::make_shared<std::vector<double>>(n);
    for (std::size_t r = 0; r < n; ++r)
        (*table)[r] = normalQuantile(static_cast<double>(r + 1) / static_cast<double>(n + 1));
    std::lock_guard<std::mutex> lock(mutex);
    last = table;
    return table;
}

// A fixed pseudo-random order of the samples: ties are broken by position in it.
std::vector<std::uint32_t> tieOrder(std::size_t n, std::uint64_t seed) {
    std::vector<std::uint32_t> order(n);
    std::iota(order.begin(), order.end(), 0u);
    std::mt19937_64 random(seed ^ 0x9E3779B97F4A7C15ull);
    std::shuffle(order.begin(), order.end(), random);
    return order;
}

// Samples of each class; throws for labels out of range or classes too small for `dims`.
std::vector<std::vector<std::size_t>> classMembers(const std::vector<int>& labels, std::size_t samples,
                                                   std::size_t dims, const std::string& what) {
    if (labels.size() != samples)
        throw InfoError("the labels have " + str(labels.size()) + " entries but " + what + " has " +
                        str(samples) + " samples");
    int classes = 0;
    for (std::size_t i = 0; i < labels.size(); ++i) {
        if (labels[i] < 0)
            throw InfoError("label " + std::to_string(labels[i]) + " of sample " + str(i) +
                            " is negative; labels must be 0..classes-1");
        classes = std::max(classes, labels[i] + 1);
    }
    std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(classes));
    for (std::size_t i = 0; i < labels.size(); ++i)
        members[static_cast<std::size_t>(labels[i])].push_back(i);
    if (classes < 2)
        throw InfoError("the labels hold a single class; MI with a constant is 0 — nothing to measure");
    for (std::size_t c = 0; c < members.size(); ++c) {
        if (members[c].empty())
            throw InfoError("class " + str(c) + " has no samples; labels must run over 0.." +
                            std::to_string(classes - 1) + " with every class present (renumber them)");
        if (members[c].size() < dims + 2)
            throw InfoError("class " + str(c) + " has " + str(members[c].size()) + " samples for " +
                            str(dims) + " dimension(s) of " + what +
                            "; each class needs at least dimensions + 2");
    }
    return members;
}

// Ranks of floats by LSD radix sort (stable, 3 passes of 11 bits), starting from the tie order.
struct RadixRanker {
    std::vector<std::uint32_t> keys[2], index[2];
    explicit RadixRanker(std::size_t n) {
        for (int b = 0; b < 2; ++b) {
            keys[b].resize(n);
            index[b].resize(n);
        }
    }
    static std::uint32_t key(float value) {
        std::uint32_t bits;
        std::memcpy(&bits, &value, sizeof bits);
        return (bits & 0x80000000u) ? ~bits : (bits | 0x80000000u);
    }
    // Writes table[rank of sample i] to out[i]; returns false if every value is equal.
    bool rank(const float* x, std::size_t n, const std::uint32_t* order, const double* table, float* out) {
        std::uint32_t lowest = 0xFFFFFFFFu, highest = 0;
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint32_t s = order[k];
            const std::uint32_t kv = key(x[s] == 0.0f ? 0.0f : x[s]);  // -0 and +0 are one value
            keys[0][k] = kv;
            index[0][k] = s;
            lowest = std::min(lowest, kv);
            highest = std::max(highest, kv);
        }
        if (lowest == highest) return false;
        int from = 0;
        for (int shift = 0; shift < 32; shift += 11) {
            if (((lowest ^ highest) >> shift) == 0 && shift > 0) break;  // higher digits all equal
            std::uint32_t count[2048] = {};
            for (std::size_t k = 0; k < n; ++k)
                ++count[(keys[from][k] >> shift) & 2047u];
            std::uint32_t total = 0;
            for (auto& c : count) {
                const std::uint32_t here = c;
                c = total;
                total += here;
            }
            const int to = 1 - from;
            for (std::size_t k = 0; k < n; ++k) {
                const std::uint32_t slot = count[(keys[from][k] >> shift) & 2047u]++;
                keys[to][slot] = keys[from][k];
                index[to][slot] = index[from][k];
            }
            from = to;
        }
        for (std::size_t r = 0; r < n; ++r)
            out[index[from][r]] = static_cast<float>(table[r]);
        return true;
    }
};

// Lower Cholesky factor of the covariance of copula-normalised variables (demeaned), row-major d×d.
std::vector<double> choleskyOf(const std::vector<double>& covariance, std::size_t d,
                               const std::string& what) {
    std::vector<double> l(covariance);
    for (std::size_t j = 0; j < d; ++j) {
        double diagonal = l[j * d + j];
        for (std::size_t k = 0; k < j; ++k)
            diagonal -= l[j * d + k] * l[j * d + k];
        if (!(diagonal > 1e-300))
            throw InfoError("the covariance of " + what +
                            " is singular: a variable is constant or a combination of the others; drop it");
        l[j * d + j] = std::sqrt(diagonal);
        for (std::size_t i = j + 1; i < d; ++i) {
            double sum = l[i * d + j];
            for (std::size_t k = 0; k < j; ++k)
                sum -= l[i * d + k] * l[j * d + k];
            l[i * d + j] = sum / l[j * d + j];
        }
        for (std::size_t i = 0; i < j; ++i)
            l[i * d + j] = 0;
    }
    return l;
}

// |L⁻¹ c|² by forward substitution.
double mahalanobis(const std::vector<double>& l, const double* c, std::size_t d) {
    double total = 0;
    double w[64];
    for (std::size_t i = 0; i < d; ++i) {
        double sum = c[i];
        for (std::size_t k = 0; k < i; ++k)
            sum -= l[i * d + k] * w[k];
        w[i] = sum / l[i * d + i];
        total += w[i] * w[i];
    }
    return total;
}

// The conditioning/target variable prepared for the per-unit loops: centred, with its covariance.
struct Centred {
    std::size_t d = 0, n = 0;
    std::vector<double> values;  // by variable
    std::vector<double> covariance;
};

Centred centre(const Variables& v, const std::vector<std::size_t>* subset = nullptr) {
    Centred c;
    c.d = v.dims;
    c.n = subset ? subset->size() : v.samples;
    c.values.resize(c.d * c.n);
    for (std::size_t j = 0; j < c.d; ++j) {
        double mean = 0;
        for (std::size_t i = 0; i < c.n; ++i)
            mean += v.variable(j)[subset ? (*subset)[i] : i];
        mean /= static_cast<double>(c.n);
        for (std::size_t i = 0; i < c.n; ++i)
            c.values[j * c.n + i] = v.variable(j)[subset ? (*subset)[i] : i] - mean;
    }
    c.covariance.assign(c.d * c.d, 0);
    for (std::size_t a = 0; a < c.d; ++a)
        for (std::size_t b = 0; b <= a; ++b) {
            double sum = 0;
            for (std::size_t i = 0; i < c.n; ++i)
                sum += c.values[a * c.n + i] * c.values[b * c.n + i];
            c.covariance[a * c.d + b] = c.covariance[b * c.d + a] = sum / static_cast<double>(c.n - 1);
        }
    return c;
}

// Σx and Σx² over n floats, four independent accumulators (the compiler may not reorder FP sums).
void sumAndSquares(const float* x, std::size_t n, double& sum, double& squares) {
    double s[4] = {0, 0, 0, 0}, q[4] = {0, 0, 0, 0};
    std::size_t i = 0;
    for (; i + 4 <= n; i += 4)
        for (std::size_t l = 0; l < 4; ++l) {
            const double v = x[i + l];
            s[l] += v;
            q[l] += v * v;
        }
    for (; i < n; ++i) {
        s[0] += x[i];
        q[0] += static_cast<double>(x[i]) * x[i];
    }
    sum = (s[0] + s[1]) + (s[2] + s[3]);
    squares = (q[0] + q[1]) + (q[2] + q[3]);
}

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
    void gather(const float* x, float* out) const {
        for (std::size_t k = 0; k < index.size(); ++k)
            out[k] = x[index[k]];
    }
};

// Half the log-determinant of the sample covariance of the variables of `x` (demeaned over the samples
// in `subset`, or all); throws when the covariance is not positive definite.
double halfLogDet(const Variables& x, const std::vector<std::size_t>* subset = nullptr) {
    const Centred c = centre(x, subset);
    const auto l = choleskyOf(c.covariance, c.d, x.name);
    double half = 0;
    for (std::size_t j = 0; j < c.d; ++j)
        half += std::log(l[j * c.d + j]);
    return half;
}

void checkUnitsAgainst(const CopulaUnits& units, std::size_t samples, const std::string& what) {
    if (units.samples != samples)
        throw InfoError("the units have " + str(units.samples) + " samples but " + what + " has " +
                        str(samples));
    requireSamples(units.samples, 1, "each unit");
}

}  // namespace

Variables::Variables(std::size_t n, std::size_t d, std::string label)
    : samples(n), dims(d), values(n * d, 0.0), name(std::move(label)) {}

Variables Variables::column(const std::vector<double>& v, std::string label) {
    Variables x(v.size(), 1, std::move(label));
    x.values = v;
    return x;
}

Variables Variables::join(const Variables& a, const Variables& b) {
    requireSameSamples(a, b);
    Variables joined(a.samples, a.dims + b.dims, a.name + "," + b.name);
    std::copy(a.values.begin(), a.values.end(), joined.values.begin());
    std::copy(b.values.begin(), b.values.end(),
              joined.values.begin() + static_cast<std::ptrdiff_t>(a.values.size()));
    return joined;
}

Variables copulaNormalize(const Variables& x, std::uint64_t tieSeed) {
    if (x.dims == 0 || x.samples == 0) throw InfoError(x.name + " is empty");
    const std::size_t n = x.samples;
    const auto tablePointer = copulaTable(n);
    const std::vector<double>& table = *tablePointer;
    const auto order = tieOrder(n, tieSeed);
    std::vector<std::uint32_t> position(n);
    for (std::size_t k = 0; k < n; ++k)
        position[order[k]] = static_cast<std::uint32_t>(k);
    Variables out(n, x.dims, x.name);
    for (std::size_t j = 0; j < x.dims; ++j) {
        const double* v = x.variable(j);
        for (std::size_t i = 0; i < n; ++i)
            if (!std::isfinite(v[i]))
                throw InfoError(x.name + " (variable " + str(j) + ") is not finite at sample " + str(i));
        if (std::all_of(v, v + n, [&](double value) { return value == v[0]; }))
            throw InfoError(x.name + " (variable " + str(j) +
                            ") is constant: it carries no information; leave it out of the analysis");
    }
    // Each variable sorted on its own core; (value, tie position, sample) sorts in place, no indirection.
    struct Entry {
        double value;
        std::uint32_t position, sample;
        bool operator<(const Entry& other) const {
            return value < other.value || (value == other.value && position < other.position);
        }
    };
    parallelFor(x.dims, 1, [&](std::size_t begin, std::size_t end) {
        std::vector<Entry> entries(n);
        for (std::size_t j = begin; j < end; ++j) {
            const double* v = x.variable(j);
            for (std::size_t i = 0; i < n; ++i)
                entries[i] = {v[i], position[i], static_cast<std::uint32_t>(i)};
            std::sort(entries.begin(), entries.end());
            double* o = out.variable(j);
            for (std::size_t r = 0; r < n; ++r)
                o[entries[r].sample] = table[r];
        }
    });
    return out;
}

double gaussianEntropy(const Variables& x, bool biasCorrect) {
    requireSamples(x.samples, x.dims, x.name);
    double h = halfLogDet(x) + 0.5 * static_cast<double>(x.dims) * (std::log(2 * M_PI) + 1.0);
    if (biasCorrect) h += entropyBias(x.dims, x.samples);
    return h / kLn2;
}

double gaussianMi(const Variables& x, const Variables& y, bool biasCorrect) {
    requireSameSamples(x, y);
    const Variables xy = Variables::join(x, y);
    requireSamples(x.samples, xy.dims, xy.name);
    const std::size_t n = x.samples;
    double hx = halfLogDet(x), hy = halfLogDet(y), hxy = halfLogDet(xy);
    if (biasCorrect) {
        hx += entropyBias(x.dims, n);
        hy += entropyBias(y.dims, n);
        hxy += entropyBias(xy.dims, n);
    }
    return (hx + hy - hxy) / kLn2;
}

double gaussianCmi(const Variables& x, const Variables& y, const Variables& z, bool biasCorrect) {
    requireSameSamples(x, y);
    requireSameSamples(x, z);
    const Variables xz = Variables::join(x, z), yz = Variables::join(y, z);
    const Variables xyz = Variables::join(xz, y);
    requireSamples(x.samples, xyz.dims, xyz.name);
    const std::size_t n = x.samples;
    double hxz = halfLogDet(xz), hyz = halfLogDet(yz), hxyz = halfLogDet(xyz), hz = halfLogDet(z);
    if (biasCorrect) {
        hxz += entropyBias(xz.dims, n);
        hyz += entropyBias(yz.dims, n);
        hxyz += entropyBias(xyz.dims, n);
        hz += entropyBias(z.dims, n);
    }
    return (hxz + hyz - hxyz - hz) / kLn2;
}

double gcmi(const Variables& x, const Variables& y) {
    requireSameSamples(x, y);
    return gaussianMi(copulaNormalize(x), copulaNormalize(y));
}

double gcmiDiscrete(const Variables& x, const std::vector<int>& labels) {
    requireSamples(x.samples, x.dims, x.name);
    const auto members = classMembers(labels, x.samples, x.dims, x.name);
    const Variables cx = copulaNormalize(x);
    const double n = static_cast<double>(x.samples);
    double conditional = 0;
    for (const auto& m : members)
        conditional +=
            static_cast<double>(m.size()) / n * (halfLogDet(cx, &m) + entropyBias(x.dims, m.size()));
    const double unconditional = halfLogDet(cx) + entropyBias(x.dims, x.samples);
    return (unconditional - conditional) / kLn2;
}

double gccmi(const Variables& x, const Variables& y, const Variables& z) {
    requireSameSamples(x, y);
    requireSameSamples(x, z);
    return gaussianCmi(copulaNormalize(x), copulaNormalize(y), copulaNormalize(z));
}

double gccmiDiscrete(const Variables& x, const std::vector<int>& labels, const Variables& z) {
    requireSameSamples(x, z);
    const std::size_t dxz = x.dims + z.dims;
    requireSamples(x.samples, dxz, x.name + " with " + z.name);
    const auto members = classMembers(labels, x.samples, dxz, x.name + " with " + z.name);
    const Variables cz = copulaNormalize(z);
    const Variables cxz = Variables::join(copulaNormalize(x), cz);
    auto conditionalEntropy = [&](const std::vector<std::size_t>* subset) {  // H(x | z) in nats
        const std::size_t n = subset ? subset->size() : x.samples;
        return halfLogDet(cxz, subset) + entropyBias(dxz, n) - halfLogDet(cz, subset) -
               entropyBias(z.dims, n);
    };
    const double n = static_cast<double>(x.samples);
    double withClass = 0;
    for (const auto& m : members)
        withClass += static_cast<double>(m.size()) / n * conditionalEntropy(&m);
    return (conditionalEntropy(nullptr) - withClass) / kLn2;
}

double discreteMi(const std::vector<int>& a, const std::vector<int>& b) {
    if (a.size() != b.size())
        throw InfoError("the two label vectors have " + str(a.size()) + " and " + str(b.size()) + " entries");
    if (a.empty()) throw InfoError("no samples");
    std::map<int, double> pa, pb;
    std::map<std::pair<int, int>, double> pab;
    for (std::size_t i = 0; i < a.size(); ++i) {
        pa[a[i]] += 1;
        pb[b[i]] += 1;
        pab[{a[i], b[i]}] += 1;
    }
    const double n = static_cast<double>(a.size());
    auto entropy = [n](const auto& counts) {
        double h = 0;
        for (const auto& [key, count] : counts)
            h -= count / n * std::log(count / n);
        return h + (static_cast<double>(counts.size()) - 1) / (2 * n);  // Miller–Madow
    };
    return std::max(0.0, (entropy(pa) + entropy(pb) - entropy(pab)) / kLn2);
}

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
    const std::vector<double>& table = *tablePointer;
    const auto order = tieOrder(samples, tieSeed);
    std::vector<std::string> errors(units);
    parallelFor(units, 8, [&](std::size_t begin, std::size_t end) {
        RadixRanker ranker(samples);
        std::vector<float> column(samples);
        for (std::size_t u = begin; u < end; ++u) {
            const float* x = data + u * samples;
            if (!unitMajor) {
                for (std::size_t s = 0; s < samples; ++s)
                    column[s] = data[s * units + u];
                x = column.data();
            }
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
            float* o = out.values.data() + u * samples;
            if (!ranker.rank(x, samples, order.data(), table.data(), o)) {
                out.constant[u] = 1;
                std::fill(o, o + samples, 0.0f);
            }
        }
    });
    for (const auto& error : errors)
        if (!error.empty()) throw InfoError(error);
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
    std::vector<double> mi(units.units, 0.0);
    parallelFor(units.units, 16, [&](std::size_t begin, std::size_t end) {
        std::vector<double> c(d);
        for (std::size_t u = begin; u < end; ++u) {
            if (units.constant[u]) continue;
            const float* x = units.unit(u);
            double sum = 0, squares = 0;
            sumAndSquares(x, n, sum, squares);
            const double variance =
                (squares - sum * sum / static_cast<double>(n)) / static_cast<double>(n - 1);
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
    const std::size_t n = units.samples, k = members.size();
    std::vector<double> weight(k), classBias(k);
    for (std::size_t c = 0; c < k; ++c) {
        weight[c] = static_cast<double>(members[c].size()) / static_cast<double>(n);
        classBias[c] = entropyBias(1, members[c].size());
    }
    const double bias = entropyBias(1, n);
    std::vector<double> mi(units.units, 0.0);
    const ClassOrder grouped(members);
    parallelFor(units.units, 16, [&](std::size_t begin, std::size_t end) {
        std::vector<double> sum(k), squares(k);
        std::vector<float> xs(n);
        for (std::size_t u = begin; u < end; ++u) {
            if (units.constant[u]) continue;
            grouped.gather(units.unit(u), xs.data());
            for (std::size_t c = 0; c < k; ++c)
                sumAndSquares(xs.data() + grouped.start[c], grouped.start[c + 1] - grouped.start[c], sum[c],
                              squares[c]);
            double total = 0, totalSquares = 0, conditional = 0;
            for (std::size_t c = 0; c < k; ++c) {
                total += sum[c];
                totalSquares += squares[c];
                const double nc = static_cast<double>(members[c].size());
                const double variance = std::max((squares[c] - sum[c] * sum[c] / nc) / (nc - 1), 1e-30);
                conditional += weight[c] * (0.5 * std::log(variance) + classBias[c]);
            }
            const double variance =
                (totalSquares - total * total / static_cast<double>(n)) / static_cast<double>(n - 1);
            mi[u] = (0.5 * std::log(variance) + bias - conditional) / kLn2;
        }
    });
    return mi;
}

std::vector<double> gccmiPerUnitDiscrete(const CopulaUnits& units, const std::vector<int>& labels,
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
    std::vector<double> mi(units.units, 0.0);
    // z in class order, so that every per-class sum is a contiguous loop.
    const ClassOrder grouped(members);
    std::vector<double> zGrouped(d * n);
    for (std::size_t j = 0; j < d; ++j)
        for (std::size_t i = 0; i < n; ++i)
            zGrouped[j * n + i] = zCopula.variable(j)[grouped.index[i]];
    parallelFor(units.units, 16, [&](std::size_t begin, std::size_t end) {
        // Per class: Σx, Σx², Σ x·z_j.
        std::vector<double> sum(k), squares(k), cross(k * d), c(d);
        std::vector<float> xs(n);
        for (std::size_t u = begin; u < end; ++u) {
            if (units.constant[u]) continue;
            grouped.gather(units.unit(u), xs.data());
            for (std::size_t cls = 0; cls < k; ++cls) {
                const std::size_t from = grouped.start[cls], count = grouped.start[cls + 1] - from;
                sumAndSquares(xs.data() + from, count, sum[cls], squares[cls]);
                for (std::size_t j = 0; j < d; ++j)
                    cross[cls * d + j] = dot(xs.data() + from, zGrouped.data() + j * n + from, count);
            }
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
            mi[u] = (0.5 * std::log(residual) + bias - withClass) / kLn2;
        }
    });
    return mi;
}

}  // namespace netsight::info
