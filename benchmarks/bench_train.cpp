// Training throughput of resnet-s: one optimisation step (forward, cross-entropy, backward, Adam) on a
// batch of 64 RGB images, as the trainer runs it. benchmarks/compare_train.sh runs this beside the
// same step written in Python PyTorch (peers/train_resnet_s.py) and prints the ratio.
#include <benchmark/benchmark.h>

#include "netsight/models/Classifier.h"
#include "netsight/runtime/Device.h"

namespace {

void BM_TrainStepResNetS(benchmark::State& state) {
    const int size = static_cast<int>(state.range(0));
    const int batch = 64;
    netsight::runtime::configureThreads(static_cast<int>(state.range(1)));
    torch::manual_seed(0);
    std::vector<std::string> classes;
    for (int c = 0; c < 10; ++c)
        classes.push_back(std::to_string(c));
    auto classifier = netsight::models::createClassifier("resnet-s", {3, size, size}, classes);
    classifier->setTraining(true);
    torch::optim::Adam optimizer(classifier->parameters(),
                                 torch::optim::AdamOptions(1e-3).weight_decay(5e-4));
    const auto images = torch::rand({batch, 3, size, size});
    const auto labels = torch::randint(0, 10, {batch}, torch::kLong);
    for (auto _ : state) {
        const auto logits = classifier->forward(classifier->normalize(images));
        const auto loss = torch::nn::functional::cross_entropy(logits, labels);
        benchmark::DoNotOptimize(loss.item<double>());
        for (auto& parameter : classifier->parameters())
            parameter.mutable_grad().reset();  // as set_to_none
        loss.backward();
        optimizer.step();
        benchmark::DoNotOptimize(logits.argmax(1).eq(labels).sum().item<int64_t>());
    }
    state.counters["images/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * batch, benchmark::Counter::kIsRate);
}

}  // namespace

// Args: image size, threads (0: one per core).
BENCHMARK(BM_TrainStepResNetS)
    ->Args({32, 0})
    ->Args({64, 0})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime()
    ->MinTime(3.0);

BENCHMARK_MAIN();
