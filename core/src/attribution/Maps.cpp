// The attribution methods on a batch: gradients at the input (saliency, input x gradient, SmoothGrad,
// VarGrad, integrated gradients), gradients at a tapped layer (the Grad-CAM family), and occlusion. Every
// method goes through the classifier's own forward pass and its layer taps, so nothing (no hook) is
// attached to the model, and TorchScript models work like zoo ones.
#include "attribution/Maps.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "tensor/GaussianBlur.h"
#include "tensor/ImageTensors.h"

namespace netsight::attribution {
namespace {

using torch::indexing::Slice;

torch::Tensor scoresOf(models::Classifier& classifier, const torch::Tensor& images, const Target& target,
                       const torch::Tensor& classes) {
    return targetScores(classifier.forward(classifier.normalize(images)), target, classes);
}

// A chunk of the explained classes; undefined (the prediction of the pass itself) stays undefined.
torch::Tensor chunkOf(const torch::Tensor& classes, int64_t start, int64_t count) {
    return classes.defined() ? classes.narrow(0, start, count) : torch::Tensor();
}

// d score / d input for a batch (images in [0, 1]). Without classes, the pass's own predictions are
// explained and appended to `used`.
torch::Tensor inputGradient(models::Classifier& classifier, const torch::Tensor& images, const Target& target,
                            const torch::Tensor& classes, std::vector<torch::Tensor>* used = nullptr) {
    auto input = images.detach().clone().set_requires_grad(true);
    const auto logits = classifier.forward(classifier.normalize(input));
    const auto chosen = classes.defined() ? classes : logits.detach().argmax(1);
    if (used) used->push_back(chosen);
    return torch::autograd::grad({targetScores(logits, target, chosen).sum()}, {input})[0].detach();
}

// Gradients of noisy copies of each image (SmoothGrad, VarGrad): their mean and variance per value.
std::pair<torch::Tensor, torch::Tensor> noisyGradients(models::Classifier& classifier,
                                                       const torch::Tensor& images, const Target& target,
                                                       const torch::Tensor& classes,
                                                       const MethodOptions& options,
                                                       const runtime::JobContext* job) {
    auto generator = at::detail::createCPUGenerator(options.seed);
    const int samples = std::max(1, options.samples);
    auto sum = torch::zeros_like(images);
    auto squares = torch::zeros_like(images);
    const int64_t copiesPerChunk = std::max<int64_t>(1, std::min<int64_t>(samples, options.maxBatch));
    for (int64_t i = 0; i < images.size(0); ++i) {
        const auto image = images.narrow(0, i, 1);
        for (int64_t done = 0; done < samples; done += copiesPerChunk) {
            checkCancelled(job);
            const auto copies = std::min<int64_t>(copiesPerChunk, samples - done);
            auto shape = image.sizes().vec();
            shape[0] = copies;
            const auto noise =
                at::normal(0.0, options.noise, shape, generator, torch::TensorOptions(torch::kFloat))
                    .to(images.device());
            const auto grad = inputGradient(classifier, image.expand(shape) + noise, target,
                                            classes.narrow(0, i, 1).expand({copies}));
            sum.narrow(0, i, 1) += grad.sum(0, true);
            squares.narrow(0, i, 1) += (grad * grad).sum(0, true);
        }
    }
    const auto mean = sum / samples;
    return {mean, torch::clamp_min(squares / samples - mean * mean, 0.0)};
}

// Integrated gradients with the midpoint rule, `steps` points evaluated maxBatch rows at a time.
std::pair<torch::Tensor, torch::Tensor> integratedGradients(
    models::Classifier& classifier, const torch::Tensor& images, const torch::Tensor& baselines,
    const Target& target, const torch::Tensor& classes, const MethodOptions& options,
    const runtime::JobContext* job) {
    const int steps = std::max(1, options.steps);
    const int64_t pointsPerChunk = std::max<int64_t>(1, std::min<int64_t>(steps, options.maxBatch));
    auto gradientSum = torch::zeros_like(images);
    for (int64_t i = 0; i < images.size(0); ++i) {
        const auto image = images.narrow(0, i, 1);
        const auto base = baselines.narrow(0, i, 1);
        for (int64_t done = 0; done < steps; done += pointsPerChunk) {
            checkCancelled(job);
            const auto points = std::min<int64_t>(pointsPerChunk, steps - done);
            const auto alphas =
                (torch::arange(done, done + points, torch::TensorOptions(torch::kFloat)) + 0.5) / steps;
            const auto path = base + alphas.to(images.device()).view({-1, 1, 1, 1}) * (image - base);
            const auto grad =
                inputGradient(classifier, path, target, classes.narrow(0, i, 1).expand({points}));
            gradientSum.narrow(0, i, 1) += grad.sum(0, true);
        }
    }
    const auto attributions = (images - baselines) * gradientSum / steps;
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> gaps;
    for (int64_t start = 0; start < images.size(0); start += options.maxBatch) {
        const auto count = std::min<int64_t>(options.maxBatch, images.size(0) - start);
        const auto cls = classes.narrow(0, start, count);
        const auto difference = scoresOf(classifier, images.narrow(0, start, count), target, cls) -
                                scoresOf(classifier, baselines.narrow(0, start, count), target, cls);
        gaps.push_back(attributions.narrow(0, start, count).flatten(1).sum(1) - difference);
    }
    return {attributions, torch::cat(gaps)};
}

// The Grad-CAM family at `layer`, upsampled (bilinear) to the input's size.
torch::Tensor layerMaps(models::Classifier& classifier, const torch::Tensor& images, Method method,
                        const Target& target, const torch::Tensor& classes, const std::string& layer,
                        const MethodOptions& options, std::vector<torch::Tensor>& used,
                        const runtime::JobContext* job) {
    std::vector<torch::Tensor> maps;
    for (int64_t start = 0; start < images.size(0); start += options.maxBatch) {
        checkCancelled(job);
        const auto count = std::min<int64_t>(options.maxBatch, images.size(0) - start);
        // The input asks for a gradient so that a frozen network still builds the graph to the layer.
        auto input = images.narrow(0, start, count).detach().clone().set_requires_grad(true);
        auto tapped = classifier.forwardWithTaps(classifier.normalize(input), {layer});
        const auto activation = tapped.layers.at(layer);
        if (activation.dim() != 4)
            throw std::invalid_argument("layer '" + layer + "' has no spatial output (its output has " +
                                        std::to_string(activation.dim()) +
                                        " dimensions); pick a convolutional layer for " + methodName(method));
        const auto chosen =
            classes.defined() ? classes.narrow(0, start, count) : tapped.logits.detach().argmax(1);
        used.push_back(chosen);
        const auto scores = targetScores(tapped.logits, target, chosen);
        const auto g = torch::autograd::grad({scores.sum()}, {activation})[0].detach();
        const auto a = activation.detach();
        torch::Tensor cam;
        if (method == Method::GradCam) {
            cam = (g.mean({2, 3}, true) * a).sum(1, true);
        } else if (method == Method::GradCamPlusPlus) {
            const auto g2 = g * g;
            const auto denominator = 2 * g2 + a.sum({2, 3}, true) * g2 * g;
            const auto alpha =
                g2 / torch::where(denominator != 0, denominator, torch::ones_like(denominator));
            cam = ((alpha * torch::relu(g)).sum({2, 3}, true) * a).sum(1, true);
        } else {
            cam = (torch::relu(g) * a).sum(1, true);
        }
        maps.push_back(torch::upsample_bilinear2d(torch::relu(cam), {images.size(2), images.size(3)}, false));
    }
    return torch::cat(maps);
}

// The score's drop when a patch is replaced by the baseline, averaged over the patches covering a pixel.
torch::Tensor occlusionMaps(models::Classifier& classifier, const torch::Tensor& images,
                            const torch::Tensor& baselines, const Target& target,
                            const torch::Tensor& classes, const MethodOptions& options,
                            const runtime::JobContext* job) {
    const int64_t height = images.size(2), width = images.size(3);
    const int64_t side = std::min<int64_t>(
        std::min(height, width),
        options.patch > 0 ? options.patch : std::max<int64_t>(2, std::min(height, width) / 8));
    const int64_t stride = options.stride > 0 ? options.stride : std::max<int64_t>(1, side / 2);
    auto starts = [&](int64_t extent) {
        std::vector<int64_t> at;
        for (int64_t s = 0; s + side <= extent; s += stride)
            at.push_back(s);
        if (at.back() + side < extent) at.push_back(extent - side);  // the last patch reaches the edge
        return at;
    };
    std::vector<std::pair<int64_t, int64_t>> patches;
    for (auto y : starts(height))
        for (auto x : starts(width))
            patches.emplace_back(y, x);

    torch::NoGradGuard noGrad;
    auto maps = torch::zeros({images.size(0), 1, height, width}, images.options());
    auto coverage = torch::zeros({1, 1, height, width}, images.options());
    for (const auto& [y, x] : patches)
        coverage.index({Slice(), Slice(), Slice(y, y + side), Slice(x, x + side)}) += 1;
    for (int64_t i = 0; i < images.size(0); ++i) {
        const auto image = images.narrow(0, i, 1);
        const auto cls = classes.narrow(0, i, 1);
        const auto clean = scoresOf(classifier, image, target, cls);
        for (std::size_t done = 0; done < patches.size();
             done += static_cast<std::size_t>(options.maxBatch)) {
            checkCancelled(job);
            const auto count =
                std::min<std::size_t>(static_cast<std::size_t>(options.maxBatch), patches.size() - done);
            auto occluded = image.repeat({static_cast<int64_t>(count), 1, 1, 1});
            for (std::size_t p = 0; p < count; ++p) {
                const auto [y, x] = patches[done + p];
                const auto region = std::vector<at::indexing::TensorIndex>{
                    static_cast<int64_t>(p), Slice(), Slice(y, y + side), Slice(x, x + side)};
                occluded.index_put_(region,
                                    baselines.index({i, Slice(), Slice(y, y + side), Slice(x, x + side)}));
            }
            const auto drops =
                clean - scoresOf(classifier, occluded, target, cls.expand({static_cast<int64_t>(count)}));
            for (std::size_t p = 0; p < count; ++p) {
                const auto [y, x] = patches[done + p];
                maps.index({i, Slice(), Slice(y, y + side), Slice(x, x + side)}) +=
                    drops[static_cast<int64_t>(p)];
            }
        }
    }
    return maps / coverage;
}

// Average ranks (1-based), ties sharing their mean rank.
std::vector<double> ranks(const std::vector<double>& values) {
    std::vector<std::size_t> order(values.size());
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return values[a] < values[b]; });
    std::vector<double> rank(values.size());
    for (std::size_t start = 0; start < order.size();) {
        std::size_t end = start + 1;
        while (end < order.size() && values[order[end]] == values[order[start]])
            ++end;
        const double mean = (static_cast<double>(start + end - 1)) / 2.0 + 1.0;
        for (std::size_t k = start; k < end; ++k)
            rank[order[k]] = mean;
        start = end;
    }
    return rank;
}

}  // namespace

torch::Tensor explainedClasses(models::Classifier& classifier, const torch::Tensor& images,
                               const Target& target, int maxBatch) {
    const auto n = images.size(0);
    const auto device = classifier.device();
    if (target.kind != Target::Kind::Predicted)
        return torch::full({n}, target.classIndex, torch::TensorOptions(torch::kLong).device(device));
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> predicted;
    for (int64_t start = 0; start < n; start += std::max(1, maxBatch)) {
        const auto chunk = images.narrow(0, start, std::min<int64_t>(std::max(1, maxBatch), n - start));
        predicted.push_back(
            classifier.forward(classifier.normalize(chunk.to(device, torch::kFloat))).argmax(1));
    }
    return torch::cat(predicted);
}

torch::Tensor targetScores(const torch::Tensor& logits, const Target& target, const torch::Tensor& classes) {
    const auto chosen = logits.gather(1, classes.to(logits.device()).view({-1, 1})).squeeze(1);
    if (target.kind != Target::Kind::Difference) return chosen;
    return chosen - logits.select(1, target.otherClass);
}

torch::Tensor baselineImages(const torch::Tensor& images, const MethodOptions& options) {
    switch (options.baseline) {
        case BaselineKind::Black:
            return torch::zeros_like(images);
        case BaselineKind::Blurred: {
            const double sigma =
                std::max(1.0, static_cast<double>(std::min(images.size(2), images.size(3))) / 8.0);
            return tensor::gaussianBlur(images, sigma, 3.0, tensor::BlurBorder::Reflect);
        }
        case BaselineKind::Image: {
            const auto& image = options.baselineImage;
            if (image.shape.channels != images.size(1) || image.shape.height != images.size(2) ||
                image.shape.width != images.size(3))
                throw std::invalid_argument(
                    "the baseline image is " + data::toString(image.shape) + " but the classifier sees " +
                    std::to_string(images.size(1)) + "x" + std::to_string(images.size(2)) + "x" +
                    std::to_string(images.size(3)) + "; give a baseline of the classifier's input shape");
            return tensor::imageToTensor(image).to(images.device()).expand_as(images).contiguous();
        }
    }
    return torch::zeros_like(images);
}

std::string defaultCamLayer(models::Classifier& classifier) {
    const auto& layers = classifier.layers();
    const models::LayerInfo* spatial = nullptr;
    const models::LayerInfo* anyRank4 = nullptr;
    for (const auto& layer : layers) {
        if (layer.shape.size() != 3) continue;
        anyRank4 = &layer;
        if (layer.shape[1] * layer.shape[2] > 1) spatial = &layer;
    }
    if (!spatial) spatial = anyRank4;
    if (!spatial)
        throw std::invalid_argument(
            "the classifier has no layer with a spatial output for the Grad-CAM family; "
            "use a gradient method (saliency, integrated-gradients) or occlusion");
    // The last layer may sit inside a block (torchvision's layer4.1.bn2, before the residual sum and the
    // ReLU): the outermost enclosing module of the same shape is the block's output (layer4), as Grad-CAM
    // uses it.
    std::string chosen = spatial->name;
    for (const auto& layer : layers) {
        const bool encloses = spatial->name.rfind(layer.name + ".", 0) == 0;
        if (encloses && layer.shape == spatial->shape && layer.name.size() < chosen.size())
            chosen = layer.name;
    }
    return chosen;
}

Maps computeMaps(models::Classifier& classifier, const torch::Tensor& images, Method method,
                 const Target& target, const MethodOptions& options, const runtime::JobContext* job) {
    if (images.dim() != 4) throw std::invalid_argument("attribution needs a batch of images (NCHW)");
    // Saliency, input x gradient and the Grad-CAM family explain the prediction of their own forward pass;
    // the others need the clean image's prediction before they start.
    const bool ownPass =
        target.kind == Target::Kind::Predicted &&
        (method == Method::Saliency || method == Method::InputXGradient || isLayerMethod(method));
    return computeMapsFor(
        classifier, images, method, target,
        ownPass ? torch::Tensor() : explainedClasses(classifier, images, target, options.maxBatch), options,
        job);
}

Maps computeMapsFor(models::Classifier& classifier, const torch::Tensor& images, Method method,
                    const Target& target, const torch::Tensor& explained, const MethodOptions& options,
                    const runtime::JobContext* job) {
    if (images.dim() != 4) throw std::invalid_argument("attribution needs a batch of images (NCHW)");
    MethodOptions bounded = options;
    bounded.maxBatch = std::max(1, options.maxBatch);
    const auto x = images.to(classifier.device(), torch::kFloat).contiguous();
    auto classes = explained.defined() ? explained.to(classifier.device(), torch::kLong) : torch::Tensor();
    const bool ownPass =
        method == Method::Saliency || method == Method::InputXGradient || isLayerMethod(method);
    if (!classes.defined() && !ownPass) classes = explainedClasses(classifier, x, target, bounded.maxBatch);
    std::vector<torch::Tensor> used;  // the classes the passes explained, when they chose
    if (target.kind != Target::Kind::Predicted) {
        const auto classCount = static_cast<int>(classifier.meta().classNames.size());
        std::vector<int> named{target.classIndex};
        if (target.kind == Target::Kind::Difference) named.push_back(target.otherClass);
        for (int c : named)
            if (c < 0 || c >= classCount)
                throw std::invalid_argument("class " + std::to_string(c) +
                                            " is not one of the classifier's " + std::to_string(classCount) +
                                            " classes");
    }
    Maps maps;
    torch::Tensor values;
    switch (method) {
        case Method::Saliency:
        case Method::InputXGradient: {
            std::vector<torch::Tensor> grads;
            for (int64_t start = 0; start < x.size(0); start += bounded.maxBatch) {
                checkCancelled(job);
                const auto count = std::min<int64_t>(bounded.maxBatch, x.size(0) - start);
                grads.push_back(inputGradient(classifier, x.narrow(0, start, count), target,
                                              chunkOf(classes, start, count), &used));
            }
            const auto grad = torch::cat(grads);
            values = method == Method::Saliency ? grad.abs() : grad * x;
            break;
        }
        case Method::SmoothGrad:
        case Method::VarGrad: {
            auto [mean, variance] = noisyGradients(classifier, x, target, classes, bounded, job);
            values = method == Method::SmoothGrad ? mean : variance;
            break;
        }
        case Method::IntegratedGradients: {
            auto [attributions, gaps] =
                integratedGradients(classifier, x, baselineImages(x, bounded), target, classes, bounded, job);
            values = attributions;
            maps.completenessGap = gaps.to(torch::kCPU);
            break;
        }
        case Method::GradCam:
        case Method::GradCamPlusPlus:
        case Method::LayerCam:
            maps.layer = bounded.layer.empty() ? defaultCamLayer(classifier) : bounded.layer;
            values = layerMaps(classifier, x, method, target, classes, maps.layer, bounded, used, job);
            break;
        case Method::Occlusion:
            values = occlusionMaps(classifier, x, baselineImages(x, bounded), target, classes, bounded, job);
            break;
    }
    maps.targets = (classes.defined() ? classes : torch::cat(used)).to(torch::kCPU);
    maps.values = values.detach().to(torch::kCPU);
    const bool magnitude =
        method == Method::SmoothGrad || method == Method::Saliency || method == Method::VarGrad;
    maps.pixels = (magnitude ? maps.values.abs() : maps.values).sum(1);
    return maps;
}

double rankCorrelation(const torch::Tensor& a, const torch::Tensor& b) {
    const auto flatA = a.detach().to(torch::kCPU, torch::kDouble).contiguous().flatten();
    const auto flatB = b.detach().to(torch::kCPU, torch::kDouble).contiguous().flatten();
    if (flatA.numel() != flatB.numel() || flatA.numel() < 2)
        throw std::invalid_argument("rank correlation needs two maps of the same size");
    const auto* pa = flatA.data_ptr<double>();
    const auto* pb = flatB.data_ptr<double>();
    const auto ra = ranks({pa, pa + flatA.numel()});
    const auto rb = ranks({pb, pb + flatB.numel()});
    const double n = static_cast<double>(ra.size());
    const double mean = (n + 1) / 2;
    double sab = 0, saa = 0, sbb = 0;
    for (std::size_t i = 0; i < ra.size(); ++i) {
        sab += (ra[i] - mean) * (rb[i] - mean);
        saa += (ra[i] - mean) * (ra[i] - mean);
        sbb += (rb[i] - mean) * (rb[i] - mean);
    }
    if (saa == 0 || sbb == 0) return 0;  // a constant map ranks nothing
    return sab / std::sqrt(saa * sbb);
}

}  // namespace netsight::attribution
