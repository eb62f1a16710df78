// The feature visualizer's inner loop: a 128 px channel visualization with the default (Fourier)
// parameterization and Lucid's transforms, through resnet-s. Compare with benchmarks/compare_viz.sh.
#include <benchmark/benchmark.h>

#include "netsight/models/Classifier.h"
#include "netsight/runtime/Device.h"
#include "netsight/viz/Visualizer.h"

namespace {

void BM_ChannelVisualization(benchmark::State& state) {
    netsight::runtime::configureThreads(static_cast<int>(state.range(0)));
    torch::manual_seed(0);
    auto model = netsight::models::createClassifier("resnet-s", {3, 32, 32},
                                                    {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"});
    model->freeze();
    netsight::viz::VizOptions options;  // the defaults: 128 px, Fourier, pad 12, jitter 8, scale, rotate
    options.steps = 32;
    options.objective = {{netsight::viz::ObjectiveKind::ChannelMean, "layer2.0", 5}};
    netsight::runtime::EventSink sink;
    std::atomic<bool> cancel{false};
    netsight::runtime::JobContext job("bench", sink, cancel);
    netsight::viz::visualize(*model, options, job);  // warm-up
    std::int64_t steps = 0;
    for (auto _ : state) {
        netsight::viz::visualize(*model, options, job);
        sink.drain();
        steps += options.steps;
    }
    state.counters["iterations/s"] =
        benchmark::Counter(static_cast<double>(steps), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ChannelVisualization)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(3.0);

}  // namespace

BENCHMARK_MAIN();
