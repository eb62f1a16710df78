// The probe's hot loops. BM_FinetuneStep: one fine-tuning step as the probe runs it — 64x64 RGB, batch 64,
// segnet-small with its encoder frozen under no_grad, a frozen resnet10 classifier (stem 32; one basic
// block per stage at 32, 64, 128, 256 channels, strides 1, 2, 2, 2), cross-entropy, Adam on the decoder.
// BM_Conv3x3: a large 3x3 convolution, the practical ceiling of this CPU. BM_Nmi: NMI pairs per second.
// benchmarks/compare_probe.sh runs these beside Python peers and prints ratios.
#include <benchmark/benchmark.h>

#include <random>

#include "netsight/models/Classifier.h"
#include "netsight/probe/Nmi.h"
#include "netsight/probe/SegNet.h"
#include "netsight/runtime/Device.h"

namespace {

void BM_FinetuneStep(benchmark::State& state) {
    netsight::runtime::configureThreads(static_cast<int>(state.range(0)));
    torch::manual_seed(0);
    const int batch = 64, size = 64;
    std::vector<std::string> classes;
    for (int c = 0; c < 10; ++c)
        classes.push_back(std::to_string(c));
    auto classifier = netsight::models::createClassifier("resnet10", {3, size, size}, classes);
    classifier->freeze();
    netsight::probe::SegNet autoencoder(netsight::probe::segNetPreset("segnet-small", 3));
    autoencoder->train();
    autoencoder->freezeEncoder();
    auto parameters = autoencoder->decoderParameters();
    torch::optim::Adam optimizer(parameters, torch::optim::AdamOptions(2e-4));
    const auto images = torch::rand({batch, 3, size, size});
    const auto labels = torch::randint(0, 10, {batch}, torch::kLong);
    for (auto _ : state) {
        netsight::probe::SegNetCode code;
        {
            torch::NoGradGuard frozen;
            code = autoencoder->encode(images);
        }
        const auto reconstruction = autoencoder->decode(code);
        const auto loss = torch::nn::functional::cross_entropy(
            classifier->forward(classifier->normalize(reconstruction)), labels);
        benchmark::DoNotOptimize(loss.item<double>());
        for (auto& parameter : parameters)
            parameter.mutable_grad().reset();
        loss.backward();
        optimizer.step();
    }
    state.counters["images/s"] =
        benchmark::Counter(static_cast<double>(state.iterations()) * batch, benchmark::Counter::kIsRate);
}

void BM_Conv3x3(benchmark::State& state) {
    netsight::runtime::configureThreads(static_cast<int>(state.range(0)));
    torch::NoGradGuard noGrad;
    const auto input = torch::rand({16, 128, 64, 64});
    const auto weight = torch::rand({128, 128, 3, 3});
    for (auto _ : state)
        benchmark::DoNotOptimize(torch::conv2d(input, weight, {}, 1, 1).data_ptr());
    const double flops = 2.0 * 16 * 128 * 64 * 64 * 128 * 9;
    state.counters["GFLOP/s"] =
        benchmark::Counter(flops * state.iterations() / 1e9, benchmark::Counter::kIsRate);
}

void BM_Nmi(benchmark::State& state) {
    const std::size_t values = 64 * 64 * 3;
    std::mt19937 random(1);
    std::vector<std::vector<std::uint8_t>> images(16, std::vector<std::uint8_t>(values));
    for (auto& image : images)
        for (auto& v : image)
            v = static_cast<std::uint8_t>(random() % 256);
    for (std::size_t i = 1; i < images.size(); ++i)  // partly related pairs
        for (std::size_t p = 0; p < values; p += 2)
            images[i][p] = images[i - 1][p];
    netsight::probe::NmiCalculator nmi(static_cast<int>(state.range(0)));
    std::size_t pairs = 0;
    for (auto _ : state) {
        for (std::size_t i = 0; i + 1 < images.size(); ++i)
            benchmark::DoNotOptimize(nmi(images[i].data(), images[i + 1].data(), values));
        pairs += images.size() - 1;
    }
    state.counters["pairs/s"] = benchmark::Counter(static_cast<double>(pairs), benchmark::Counter::kIsRate);
}

}  // namespace

BENCHMARK(BM_FinetuneStep)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(5.0);
BENCHMARK(BM_Conv3x3)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime()->MinTime(2.0);
BENCHMARK(BM_Nmi)->Arg(256)->Arg(100)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
