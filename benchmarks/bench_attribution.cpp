// Attribution's two workhorses on torchvision's ResNet-18 at 224 px (batch 16, TorchScript, the file the
// compare script exports with random weights, NETSIGHT_BENCH_R18=FILE): Grad-CAM at layer4.1 and integrated
// gradients with 32 steps (black baseline, 32 path points of one image per pass). The classes explained are
// the predictions. Compare with benchmarks/compare_attribution.sh.
#include <benchmark/benchmark.h>

#include <cstdlib>

#include "attribution/Maps.h"
#include "netsight/runtime/Device.h"

namespace {

using netsight::attribution::Method;

void runMaps(benchmark::State& state, Method method) {
    netsight::runtime::configureThreads(static_cast<int>(state.range(0)));
    const char* file = std::getenv("NETSIGHT_BENCH_R18");
    if (!file) {
        state.SkipWithError("set NETSIGHT_BENCH_R18 to a TorchScript ResNet-18 (the compare script does)");
        for (auto _ : state) {
        }
        return;
    }
    auto model = netsight::models::loadClassifier(file);
    model->freeze();
    torch::manual_seed(0);
    const auto images = torch::rand({16, 3, 224, 224});
    netsight::attribution::MethodOptions options;
    options.layer = "layer4.1";
    options.steps = 32;
    options.maxBatch = 32;
    netsight::attribution::computeMaps(*model, images.narrow(0, 0, 2), method, {}, options);  // warm-up
    std::int64_t done = 0;
    for (auto _ : state) {
        const auto maps = netsight::attribution::computeMaps(*model, images, method, {}, options);
        benchmark::DoNotOptimize(maps.pixels.sum().item<float>());
        done += images.size(0);
    }
    state.counters["images/s"] = benchmark::Counter(static_cast<double>(done), benchmark::Counter::kIsRate);
}

void BM_GradCamResnet18(benchmark::State& state) {
    runMaps(state, Method::GradCam);
}
BENCHMARK(BM_GradCamResnet18)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(5.0);

void BM_IntegratedGradientsResnet18(benchmark::State& state) {
    runMaps(state, Method::IntegratedGradients);
}
BENCHMARK(BM_IntegratedGradientsResnet18)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(5.0);

}  // namespace

BENCHMARK_MAIN();
