// Gaussian-copula MI (netsight/info/Gcmi.h) on one layer: 10,000 samples x 256 units, float, sample-major as
// activations come; unit u = w_u * factor + noise, every 4th unit through a ReLU (ties); a 1-D continuous
// factor, 10 random class labels and a 2-D continuous z. BM_CopulaUnits: copula normalisation of the 256
// units. BM_GcmiLayer (the headline): the whole per-layer analysis — copula-normalise the units, the factor
// and z, then per unit I(unit; factor), and I(unit; labels) with I(unit; labels | z) (one read of the units
// for both, gcmiAndGccmiPerUnitDiscrete, as the factor lab does for identity and pose). The counters *_mean
// hold the mean of each per-unit MI vector (bits) to set beside the peer's checksum.
// benchmarks/compare_gcmi.sh runs this beside NumPy/SciPy peers (peers/gcmi_peer.py) and prints ratios.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "netsight/info/Gcmi.h"

namespace {

namespace info = netsight::info;

constexpr std::size_t kSamples = 10000;
constexpr std::size_t kUnits = 256;
constexpr int kClasses = 10;
constexpr std::size_t kZDims = 2;

struct Workload {
    std::vector<float> activations;  // sample-major: activations[s * kUnits + u]
    info::Variables factor;
    std::vector<int> labels;
    info::Variables z;
};

Workload makeWorkload() {
    Workload data;
    std::mt19937 random(20240611u);
    std::normal_distribution<double> normal(0.0, 1.0);
    std::uniform_int_distribution<int> classOf(0, kClasses - 1);

    data.factor = info::Variables(kSamples, 1, "factor");
    double* factor = data.factor.variable(0);
    for (std::size_t s = 0; s < kSamples; ++s)
        factor[s] = normal(random);

    std::vector<double> weights(kUnits);
    for (double& weight : weights)
        weight = normal(random);
    data.activations.resize(kSamples * kUnits);
    for (std::size_t s = 0; s < kSamples; ++s)
        for (std::size_t u = 0; u < kUnits; ++u) {
            double value = weights[u] * factor[s] + normal(random);
            if (u % 4 == 0) value = std::max(value, 0.0);  // a ReLU unit: about half its samples tie at 0
            data.activations[s * kUnits + u] = static_cast<float>(value);
        }

    // Random labels: label = i % 10 would correlate with sample order.
    data.labels.resize(kSamples);
    for (int& label : data.labels)
        label = classOf(random);

    data.z = info::Variables(kSamples, kZDims, "z");
    double* z0 = data.z.variable(0);
    double* z1 = data.z.variable(1);
    for (std::size_t s = 0; s < kSamples; ++s) {
        z0[s] = 0.5 * factor[s] + normal(random);
        z1[s] = normal(random);
    }
    return data;
}

const Workload& workload() {
    static const Workload data = makeWorkload();
    return data;
}

double mean(const std::vector<double>& values) {
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

void BM_CopulaUnits(benchmark::State& state) {
    const Workload& data = workload();
    std::size_t constantUnits = 0;
    for (auto _ : state) {
        const info::CopulaUnits units = info::copulaNormalizeUnits(data.activations.data(), kSamples, kUnits);
        const float* first = units.values.data();
        benchmark::DoNotOptimize(first);
        benchmark::ClobberMemory();
        constantUnits = units.constantCount();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kUnits));  // units/s
    state.counters["constant_units"] = static_cast<double>(constantUnits);
}
BENCHMARK(BM_CopulaUnits)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

// The same units stored unit by unit: what the copula step costs without reading a batch across.
void BM_CopulaUnitsUnitMajor(benchmark::State& state) {
    const Workload& data = workload();
    std::vector<float> unitMajor(kSamples * kUnits);
    for (std::size_t s = 0; s < kSamples; ++s)
        for (std::size_t u = 0; u < kUnits; ++u)
            unitMajor[u * kSamples + s] = data.activations[s * kUnits + u];
    for (auto _ : state) {
        const info::CopulaUnits units = info::copulaNormalizeUnits(unitMajor.data(), kSamples, kUnits, true);
        const float* first = units.values.data();
        benchmark::DoNotOptimize(first);
        benchmark::ClobberMemory();
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kUnits));
}
BENCHMARK(BM_CopulaUnitsUnitMajor)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

void BM_GcmiLayer(benchmark::State& state) {
    const Workload& data = workload();
    double miFactor = 0, miLabels = 0, cmiLabels = 0;
    for (auto _ : state) {
        const info::CopulaUnits units = info::copulaNormalizeUnits(data.activations.data(), kSamples, kUnits);
        const info::Variables factorCopula = info::copulaNormalize(data.factor);
        const info::Variables zCopula = info::copulaNormalize(data.z);
        const std::vector<double> withFactor = info::gcmiPerUnit(units, factorCopula);
        const info::DiscreteUnitMi withLabels =
            info::gcmiAndGccmiPerUnitDiscrete(units, data.labels, zCopula);
        miFactor = mean(withFactor);
        miLabels = mean(withLabels.mi);
        cmiLabels = mean(withLabels.conditional);
        benchmark::DoNotOptimize(miFactor);
        benchmark::DoNotOptimize(miLabels);
        benchmark::DoNotOptimize(cmiLabels);
    }
    state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kUnits));  // units analysed/s
    state.counters["mi_factor_mean"] = miFactor;
    state.counters["mi_labels_mean"] = miLabels;
    state.counters["cmi_labels_given_z_mean"] = cmiLabels;
}
BENCHMARK(BM_GcmiLayer)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);

// The three per-unit estimators on units copula-normalised once: where the layer analysis spends its time
// after the copula step.
const info::CopulaUnits& copulaOfWorkload() {
    static const info::CopulaUnits units =
        info::copulaNormalizeUnits(workload().activations.data(), kSamples, kUnits);
    return units;
}

void BM_GcmiPerUnit(benchmark::State& state) {
    const info::Variables factorCopula = info::copulaNormalize(workload().factor);
    for (auto _ : state) {
        const std::vector<double> mi = info::gcmiPerUnit(copulaOfWorkload(), factorCopula);
        benchmark::DoNotOptimize(mi.data());
    }
}
BENCHMARK(BM_GcmiPerUnit)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);

void BM_GcmiPerUnitDiscrete(benchmark::State& state) {
    for (auto _ : state) {
        const std::vector<double> mi = info::gcmiPerUnitDiscrete(copulaOfWorkload(), workload().labels);
        benchmark::DoNotOptimize(mi.data());
    }
}
BENCHMARK(BM_GcmiPerUnitDiscrete)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);

void BM_GccmiPerUnitDiscrete(benchmark::State& state) {
    const info::Variables zCopula = info::copulaNormalize(workload().z);
    for (auto _ : state) {
        const std::vector<double> mi =
            info::gccmiPerUnitDiscrete(copulaOfWorkload(), workload().labels, zCopula);
        benchmark::DoNotOptimize(mi.data());
    }
}
BENCHMARK(BM_GccmiPerUnitDiscrete)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);

void BM_CopulaNormalizeFactorAndZ(benchmark::State& state) {
    for (auto _ : state) {
        const info::Variables factorCopula = info::copulaNormalize(workload().factor);
        const info::Variables zCopula = info::copulaNormalize(workload().z);
        benchmark::DoNotOptimize(factorCopula.values.data());
        benchmark::DoNotOptimize(zCopula.values.data());
    }
}
BENCHMARK(BM_CopulaNormalizeFactorAndZ)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(1.0);

}  // namespace

BENCHMARK_MAIN();
