// The probe's fine-tuning step at the paper's scale: a SegNet autoencoder (segnet-vgg16 at 224 px, or
// segnet-small at 128 px) trained through a frozen torchvision classifier loaded from TorchScript (ResNet-50,
// exported with tools/export_torchvision.py), the encoder under no_grad, Adam on the decoder, as
// probe::finetuneAutoencoder runs it. Prints JSON: images/s, seconds per step, peak resident memory.
//   bench_paper CLASSIFIER.pt [--preset segnet-vgg16] [--size 224] [--batch 16] [--steps 3] [--threads N]
// benchmarks/compare_paper.sh runs it beside the same step in Python PyTorch.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "netsight/models/Classifier.h"
#include "netsight/probe/SegNet.h"
#include "netsight/runtime/Device.h"

namespace {

double peakResidentMegabytes() {
    std::ifstream status("/proc/self/status");
    std::string line;
    while (std::getline(status, line))
        if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr,
                     "usage: bench_paper CLASSIFIER.pt [--preset P] [--size N] [--batch N] [--steps N] "
                     "[--threads N]\n");
        return 2;
    }
    const std::string classifierPath = argv[1];
    std::string preset = "segnet-vgg16";
    int size = 224, batch = 16, steps = 3, threads = 0;
    for (int i = 2; i + 1 < argc; i += 2) {
        const std::string key = argv[i], value = argv[i + 1];
        if (key == "--preset")
            preset = value;
        else if (key == "--size")
            size = std::stoi(value);
        else if (key == "--batch")
            batch = std::stoi(value);
        else if (key == "--steps")
            steps = std::stoi(value);
        else if (key == "--threads")
            threads = std::stoi(value);
        else {
            std::fprintf(stderr, "unknown option %s\n", key.c_str());
            return 2;
        }
    }
    const int used = netsight::runtime::configureThreads(threads);
    torch::manual_seed(0);
    auto loaded = netsight::models::loadClassifier(classifierPath);
    loaded->freeze();
    const int classes = static_cast<int>(loaded->meta().classNames.size());
    netsight::probe::SegNet autoencoder(netsight::probe::segNetPreset(preset, 3));
    autoencoder->train();
    autoencoder->freezeEncoder();
    auto parameters = autoencoder->decoderParameters();
    torch::optim::Adam optimizer(parameters, torch::optim::AdamOptions(2e-4));
    const auto images = torch::rand({batch, 3, size, size});
    const auto labels = torch::randint(0, classes, {batch}, torch::kLong);
    auto step = [&] {
        netsight::probe::SegNetCode code;
        {
            torch::NoGradGuard frozen;
            code = autoencoder->encode(images);
        }
        const auto reconstruction = autoencoder->decode(code);
        const auto loss =
            torch::nn::functional::cross_entropy(loaded->forward(loaded->prepare(reconstruction)), labels);
        (void)loss.item<double>();
        for (auto& parameter : parameters)
            parameter.mutable_grad().reset();
        loss.backward();
        optimizer.step();
    };
    step();  // warm-up: allocations, TorchScript's profiling run
    const auto start = std::chrono::steady_clock::now();
    for (int s = 0; s < steps; ++s)
        step();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf(
        "{\"threads\": %d, \"preset\": \"%s\", \"size\": %d, \"batch\": %d, \"steps\": %d, "
        "\"seconds_per_step\": %.3f, \"images_per_second\": %.3f, \"peak_rss_mb\": %.0f}\n",
        used, preset.c_str(), size, batch, steps, seconds / steps, steps * batch / seconds,
        peakResidentMegabytes());
    return 0;
}
