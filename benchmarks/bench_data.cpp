// Loader throughput in images/s: a full pass of batches through DataLoader, as training would draw them.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <memory>

#include "netsight/data/DataLoader.h"
#include "netsight/data/Dataset.h"
#include "netsight/data/FileSources.h"

using namespace netsight::data;

namespace {

void runLoader(benchmark::State& state, const Dataset& dataset, std::size_t imagesPerIteration) {
    LoaderOptions options;
    options.batchSize = 64;
    options.workers = static_cast<int>(state.range(0));
    std::size_t images = 0;
    int epoch = 0;
    for (auto _ : state) {
        DataLoader loader(dataset, Split::Train, options);
        loader.startEpoch(epoch++);
        std::size_t seen = 0;
        while (seen < imagesPerIteration) {
            auto batch = loader.next();
            if (!batch) break;
            seen += batch->count();
            benchmark::DoNotOptimize(batch->images.data());
        }
        images += seen;
    }
    state.counters["images/s"] = benchmark::Counter(static_cast<double>(images), benchmark::Counter::kIsRate);
}

void BM_LoaderFashionMnist(benchmark::State& state) {
    if (!std::filesystem::exists(kFashionMnistDir)) {
        state.SkipWithError("dataset-fashion-mnist is not installed");
        return;
    }
    static const auto dataset = openDataset("fashion-mnist");
    runLoader(state, *dataset, 20000);
}

void BM_LoaderFactorWorld64(benchmark::State& state) {
    static const auto dataset = openDataset("factorworld:size=64,train=2048");
    runLoader(state, *dataset, 2048);
}

void BM_LoaderFactorWorld128(benchmark::State& state) {
    static const auto dataset = openDataset("factorworld:size=128,train=512");
    runLoader(state, *dataset, 512);
}

void BM_FashionMnistOpen(benchmark::State& state) {
    if (!std::filesystem::exists(kFashionMnistDir)) {
        state.SkipWithError("dataset-fashion-mnist is not installed");
        return;
    }
    for (auto _ : state)
        benchmark::DoNotOptimize(openDataset("fashion-mnist"));
}

}  // namespace

BENCHMARK(BM_LoaderFashionMnist)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LoaderFactorWorld64)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_LoaderFactorWorld128)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_FashionMnistOpen)->Unit(benchmark::kMillisecond)->Iterations(3);

BENCHMARK_MAIN();
