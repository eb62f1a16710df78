// Channels explained by data: how each channel of a layer responds to the test images (silent ones
// included), and the test images that drive a channel, a layer or a class most, with where they do.
#include <algorithm>
#include <numeric>

#include "attribution/Maps.h"
#include "netsight/viz/Visualize.h"
#include "robustness/TestImages.h"
#include "tensor/ImageTensors.h"

namespace netsight::viz {
namespace {

constexpr int64_t kBatch = 64;

// For a batch: the term's value per image, its map ([N, H, W] at the image size) and the predictions, all on
// the CPU, from the one forward pass the term needs.
struct Measured {
    torch::Tensor value, map, predicted;
};

Measured measure(models::Classifier& classifier, const torch::Tensor& images, const ObjectiveTerm& term) {
    const std::vector<int64_t> size{images.size(2), images.size(3)};
    if (term.kind == ObjectiveKind::ClassLogit || term.kind == ObjectiveKind::ClassLogProbability) {
        attribution::Target target;
        target.kind = attribution::Target::Kind::Class;
        target.classIndex = term.channel;
        const auto classes = torch::full({images.size(0)}, term.channel, torch::kLong);
        const auto maps = attribution::computeMapsFor(classifier, images, attribution::Method::GradCam,
                                                      target, classes, {});
        torch::NoGradGuard noGrad;
        auto logits = classifier.forward(classifier.normalize(images));
        const auto predicted = logits.argmax(1).to(torch::kCPU);
        if (term.kind == ObjectiveKind::ClassLogProbability) logits = torch::log_softmax(logits, 1);
        return {logits.select(1, term.channel).to(torch::kCPU), maps.pixels, predicted};
    }
    torch::NoGradGuard noGrad;
    const auto tapped = classifier.forwardWithTaps(classifier.normalize(images), {term.layer});
    const auto& activation = tapped.layers.at(term.layer);
    torch::Tensor response;  // [N, h, w] or [N]
    if (term.kind == ObjectiveKind::Layer) {
        response = activation.dim() == 4 ? activation.pow(2).mean(1) : activation.pow(2).mean(1, true);
    } else {
        response = activation.select(1, term.channel);
    }
    torch::Tensor value;
    if (term.kind == ObjectiveKind::Neuron && response.dim() == 3) {
        const int64_t y = term.y >= 0 ? term.y : response.size(1) / 2,
                      x = term.x >= 0 ? term.x : response.size(2) / 2;
        value = response.select(1, std::min(y, response.size(1) - 1))
                    .select(1, std::min(x, response.size(2) - 1));
    } else {
        value = response.dim() == 3 ? response.mean({1, 2}) : response.flatten(1).mean(1);
    }
    torch::Tensor map = response.dim() == 3 ? response.unsqueeze(1) : response.view({-1, 1, 1, 1});
    map = torch::upsample_bilinear2d(torch::relu(map), size, false).squeeze(1);
    return {value.to(torch::kCPU), map.to(torch::kCPU), tapped.logits.argmax(1).to(torch::kCPU)};
}

}  // namespace

std::vector<ChannelActivity> channelActivity(const std::string& modelPath, const std::string& dataSource,
                                             const std::string& layer, std::size_t count,
                                             const std::string& device, const runtime::JobContext& job) {
    auto bench = robustness::openBench(modelPath, dataSource, count, device, job);
    auto& classifier = *bench.classifier;
    torch::NoGradGuard noGrad;
    torch::Tensor sum, peak, active;
    int64_t positions = 0;
    for (int64_t start = 0; start < bench.images.size(0); start += kBatch) {
        job.checkCancelled();
        const auto batch = bench.images.narrow(0, start, std::min(kBatch, bench.images.size(0) - start));
        const auto activation =
            classifier.forwardWithTaps(classifier.normalize(batch.to(classifier.device())), {layer})
                .layers.at(layer)
                .to(torch::kCPU, torch::kDouble);
        const auto flat = activation.flatten(2);  // [N, C, positions] (1 for a vector)
        const auto imagePeak = activation.dim() >= 3 ? flat.amax(2) : activation;
        const auto batchSum = (activation.dim() >= 3 ? flat.sum(2) : activation).sum(0);
        positions += flat.size(0) * (activation.dim() >= 3 ? flat.size(2) : 1);
        sum = sum.defined() ? sum + batchSum : batchSum;
        peak = peak.defined() ? torch::maximum(peak, imagePeak.amax(0)) : imagePeak.amax(0);
        const auto batchActive = (imagePeak > 0).sum(0).to(torch::kDouble);
        active = active.defined() ? active + batchActive : batchActive;
    }
    std::vector<ChannelActivity> channels;
    const auto images = static_cast<double>(bench.images.size(0));
    for (int64_t c = 0; c < sum.size(0); ++c) {
        ChannelActivity channel;
        channel.channel = static_cast<int>(c);
        channel.mean = sum[c].item<double>() / static_cast<double>(positions);
        channel.peak = peak[c].item<double>();
        channel.activeShare = active[c].item<double>() / images;
        channels.push_back(channel);
    }
    return channels;
}

int mostActiveChannel(const std::vector<ChannelActivity>& activity) {
    if (activity.empty()) return 0;
    return std::max_element(activity.begin(), activity.end(),
                            [](const auto& a, const auto& b) { return a.mean < b.mean; })
        ->channel;
}

std::vector<DataExample> topImages(const std::string& modelPath, const std::string& dataSource,
                                   const ObjectiveTerm& term, std::size_t k, std::size_t count,
                                   const std::string& device, const runtime::JobContext& job) {
    auto bench = robustness::openBench(modelPath, dataSource, count, device, job);
    auto& classifier = *bench.classifier;
    const auto& names = classifier.meta().classNames;
    if (term.kind != ObjectiveKind::ClassLogit && term.kind != ObjectiveKind::ClassLogProbability)
        classifier.forwardWithTaps(classifier.normalize(bench.images.narrow(0, 0, 1).to(classifier.device())),
                                   {term.layer});  // names an unknown layer before any work
    std::vector<torch::Tensor> values, maps, predictions;
    for (int64_t start = 0; start < bench.images.size(0); start += kBatch) {
        job.checkCancelled();
        const auto batch = bench.images.narrow(0, start, std::min(kBatch, bench.images.size(0) - start))
                               .to(classifier.device());
        auto measured = measure(classifier, batch, term);
        values.push_back(measured.value);
        maps.push_back(measured.map);
        predictions.push_back(measured.predicted);
        job.progress("data examples", start + batch.size(0), bench.images.size(0), 0, 0);
    }
    const auto value = torch::cat(values).to(torch::kDouble);
    const auto map = torch::cat(maps).to(torch::kFloat).contiguous();
    const auto predicted = torch::cat(predictions);
    const auto order = value.argsort(0, true);
    std::vector<DataExample> examples;
    for (int64_t r = 0; r < std::min<int64_t>(static_cast<int64_t>(k), order.size(0)); ++r) {
        const auto i = order[r].item<int64_t>();
        DataExample example;
        example.index = static_cast<std::size_t>(i);
        example.value = value[i].item<double>();
        const auto label = bench.labels[i].item<int64_t>();
        const auto guess = predicted[i].item<int64_t>();
        example.labelName =
            label < static_cast<int64_t>(names.size()) ? names[static_cast<std::size_t>(label)] : "";
        example.predictedName =
            guess < static_cast<int64_t>(names.size()) ? names[static_cast<std::size_t>(guess)] : "";
        example.image = tensor::tensorToImage(bench.images[i]);
        const float* begin = map[i].data_ptr<float>();
        example.map.assign(begin, begin + map[i].numel());
        examples.push_back(std::move(example));
    }
    return examples;
}

}  // namespace netsight::viz
