#include "netsight/info/Gcmi.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>

#include "info/GcmiDetail.h"
#include "info/RadixRank.h"
#include "netsight/info/Special.h"

namespace netsight::info {
namespace detail {

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

namespace {
// The value make() returns for the last key asked for: a layer analysis asks for the same N many times.
template <typename Key, typename Value, typename Make>
std::shared_ptr<const Value> lastOf(const Key& key, const Make& make) {
    static std::mutex mutex;
    static std::shared_ptr<const Value> last;
    static Key lastKey{};
    {
        std::lock_guard<std::mutex> lock(mutex);
        if (last && lastKey == key) return last;
    }
    auto value = std::make_shared<const Value>(make());
    std::lock_guard<std::mutex> lock(mutex);
    last = value;
    lastKey = key;
    return value;
}
}  // namespace

// Φ⁻¹((r + 1) / (n + 1)) for r = 0..n-1: the values every copula-normalised variable takes.
std::shared_ptr<const std::vector<double>> copulaTable(std::size_t n) {
    return lastOf<std::size_t, std::vector<double>>(n, [n] {
        std::vector<double> table(n);
        for (std::size_t r = 0; r < n; ++r)
            table[r] = normalQuantile(static_cast<double>(r + 1) / static_cast<double>(n + 1));
        return table;
    });
}

// A fixed pseudo-random order of the samples: ties are broken by position in it.
std::shared_ptr<const std::vector<std::uint32_t>> tieOrder(std::size_t n, std::uint64_t seed) {
    using Key = std::pair<std::size_t, std::uint64_t>;
    return lastOf<Key, std::vector<std::uint32_t>>(Key{n, seed}, [n, seed] {
        std::vector<std::uint32_t> order(n);
        std::iota(order.begin(), order.end(), 0u);
        std::mt19937_64 random(seed ^ 0x9E3779B97F4A7C15ull);
        std::shuffle(order.begin(), order.end(), random);
        return order;
    });
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

Centred centre(const Variables& v, const std::vector<std::size_t>* subset) {
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

}  // namespace detail

using namespace detail;

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
    const auto orderPointer = tieOrder(n, tieSeed);
    const std::vector<std::uint32_t>& order = *orderPointer;
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
    // Each variable ranked on its own core.
    parallelFor(x.dims, 1, [&](std::size_t begin, std::size_t end) {
        RadixRanker<double> ranker(n);
        for (std::size_t j = begin; j < end; ++j)
            ranker.rank(x.variable(j), n, order.data(), table.data(), out.variable(j));
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

}  // namespace netsight::info
