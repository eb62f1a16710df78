// The robustness bench's inner loop: PGD (10 steps, L-infinity, radius 8/255, random start, each step's
// success tracked, a last checking forward pass) on resnet-s at 32 px (batch 64) and, when the compare
// script exported one (NETSIGHT_BENCH_R18=FILE), torchvision's ResNet-18 at 224 px (batch 16) as
// TorchScript. Compare with benchmarks/compare_robustness.sh.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "netsight/models/Classifier.h"
#include "netsight/runtime/Device.h"
#include "robustness/Attack.h"

namespace {

void runPgd(benchmark::State& state, netsight::models::Classifier& model, int64_t batch, int64_t size) {
    model.freeze();
    torch::manual_seed(0);
    const auto images = torch::rand({batch, 3, size, size});
    const auto labels = torch::randint(0, 10, {batch}, torch::kLong);
    const auto radius = torch::full({batch}, 8 / 255.0f);
    const netsight::robustness::AttackSpec pgd{true, netsight::robustness::AttackNorm::LInf, 10};
    netsight::robustness::runAttack(model, images, labels, radius, pgd, -1, 1);  // warm-up
    std::int64_t done = 0;
    for (auto _ : state) {
        auto outcome = netsight::robustness::runAttack(model, images, labels, radius, pgd, -1, 1);
        benchmark::DoNotOptimize(outcome.succeeded.sum().item<int64_t>());
        done += batch;
    }
    state.counters["images/s"] = benchmark::Counter(static_cast<double>(done), benchmark::Counter::kIsRate);
}

void BM_PgdResnetS(benchmark::State& state) {
    netsight::runtime::configureThreads(static_cast<int>(state.range(0)));
    torch::manual_seed(0);
    auto model = netsight::models::createClassifier("resnet-s", {3, 32, 32},
                                                    {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
    runPgd(state, *model, 64, 32);
}
BENCHMARK(BM_PgdResnetS)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

void BM_PgdResnet18(benchmark::State& state) {
    netsight::runtime::configureThreads(static_cast<int>(state.range(0)));
    const char* file = std::getenv("NETSIGHT_BENCH_R18");
    if (!file) {
        state.SkipWithError("set NETSIGHT_BENCH_R18 to a TorchScript ResNet-18 (the compare script does)");
        for (auto _ : state) {
        }
        return;
    }
    auto model = netsight::models::loadClassifier(file);
    runPgd(state, *model, 16, 224);
}
BENCHMARK(BM_PgdResnet18)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(5.0);

}  // namespace

BENCHMARK_MAIN();
