// Checks of attribution maps: how fast the class's probability falls as the most relevant pixels go
// (deletion) and rises as they come back (insertion), the drop in confidence, where the map's mass lies
// against the object's mask, and whether the maps change when the model's weights are randomized.
#include "attribution/Checks.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace netsight::attribution {
namespace {

torch::Tensor probabilities(models::Classifier& classifier, const torch::Tensor& images,
                            const torch::Tensor& classes) {
    const auto logits = classifier.forward(classifier.normalize(images));
    return torch::softmax(logits, 1).gather(1, classes.view({-1, 1})).squeeze(1);
}

// Per image: the rank of each pixel in its map, 0 for the most relevant ([N, H, W], int64).
torch::Tensor relevanceRanks(const torch::Tensor& pixelMaps) {
    const auto flat = pixelMaps.flatten(1);
    const auto order = flat.argsort(1, true);
    auto ranks = torch::empty_like(order);
    ranks.scatter_(1, order, torch::arange(flat.size(1), order.options()).expand_as(order).contiguous());
    return ranks.view_as(pixelMaps);
}

// Probability of each image's class along the path from `from` to `to`, the most relevant pixels switched
// first: row k switches the first round(k / steps * pixels) of them.
torch::Tensor curve(models::Classifier& classifier, const torch::Tensor& from, const torch::Tensor& to,
                    const torch::Tensor& ranks, const torch::Tensor& classes, const CurveOptions& options,
                    const runtime::JobContext* job) {
    const int64_t pixels = ranks.size(1) * ranks.size(2);
    const auto counts =
        (torch::arange(options.steps + 1, torch::TensorOptions(torch::kDouble)) * pixels / options.steps)
            .round()
            .to(torch::kLong);
    std::vector<torch::Tensor> rows;
    for (int64_t i = 0; i < from.size(0); ++i) {
        checkCancelled(job);
        const auto switched =
            (ranks[i].unsqueeze(0) < counts.to(ranks.device()).view({-1, 1, 1})).unsqueeze(1);
        const auto variants = torch::where(switched, to.narrow(0, i, 1), from.narrow(0, i, 1));
        std::vector<torch::Tensor> parts;
        for (int64_t start = 0; start < variants.size(0); start += options.maxBatch) {
            const auto count = std::min<int64_t>(options.maxBatch, variants.size(0) - start);
            parts.push_back(probabilities(classifier, variants.narrow(0, start, count),
                                          classes.narrow(0, i, 1).expand({count})));
        }
        rows.push_back(torch::cat(parts));
    }
    return torch::stack(rows).to(torch::kCPU, torch::kDouble);
}

torch::Tensor trapezoidArea(const torch::Tensor& curves) {
    const auto steps = curves.size(1) - 1;
    return (curves.narrow(1, 0, steps) + curves.narrow(1, 1, steps)).sum(1) /
           (2.0 * static_cast<double>(steps));
}

// The module a parameter belongs to: its path without the last part ("layer1.0.conv1.weight" ->
// "layer1.0.conv1").
std::string moduleOf(const std::string& parameter) {
    const auto dot = parameter.rfind('.');
    return dot == std::string::npos ? std::string() : parameter.substr(0, dot);
}

// Puts the classifier's parameters back as they were when it was made, whatever happens in between.
class WeightsRestorer {
  public:
    explicit WeightsRestorer(models::Classifier& classifier) {
        torch::NoGradGuard noGrad;
        for (auto& [name, value] : classifier.namedParameters())
            saved_.emplace_back(value, value.detach().clone());
    }
    ~WeightsRestorer() {
        torch::NoGradGuard noGrad;
        for (auto& [live, copy] : saved_)
            live.copy_(copy);
    }
    WeightsRestorer(const WeightsRestorer&) = delete;
    WeightsRestorer& operator=(const WeightsRestorer&) = delete;

  private:
    std::vector<std::pair<torch::Tensor, torch::Tensor>> saved_;
};

void reinitialize(const std::string& name, torch::Tensor& value, at::Generator& generator) {
    torch::NoGradGuard noGrad;
    const auto options = torch::TensorOptions(torch::kFloat);
    torch::Tensor fresh;
    if (value.dim() >= 2) {
        const double fanIn = static_cast<double>(value.numel() / value.size(0));
        fresh = at::normal(0.0, std::sqrt(2.0 / fanIn), value.sizes().vec(), generator, options);
    } else if (name.size() >= 6 && name.compare(name.size() - 6, 6, "weight") == 0) {
        fresh = 1.0 + at::normal(0.0, 0.1, value.sizes().vec(), generator, options);
    } else {
        fresh = at::normal(0.0, 0.01, value.sizes().vec(), generator, options);
    }
    value.copy_(fresh.to(value.device(), value.scalar_type()));
}

}  // namespace

Curves deletionInsertion(models::Classifier& classifier, const torch::Tensor& images,
                         const torch::Tensor& pixelMaps, const torch::Tensor& classes,
                         const CurveOptions& options, const runtime::JobContext* job) {
    if (pixelMaps.dim() != 3 || pixelMaps.size(0) != images.size(0) || pixelMaps.size(1) != images.size(2) ||
        pixelMaps.size(2) != images.size(3))
        throw std::invalid_argument(
            "deletion curves need one map per image, of the image's height and width");
    CurveOptions bounded = options;
    bounded.steps = std::max(1, options.steps);
    bounded.maxBatch = std::max(1, options.maxBatch);
    torch::NoGradGuard noGrad;
    const auto device = classifier.device();
    const auto x = images.to(device, torch::kFloat);
    const auto cls = classes.to(device, torch::kLong);
    const auto ranks = relevanceRanks(pixelMaps.to(device, torch::kFloat));
    MethodOptions baseline;
    Curves curves;
    for (int k = 0; k <= bounded.steps; ++k)
        curves.fractions.push_back(static_cast<double>(k) / bounded.steps);
    baseline.baseline = bounded.deletionBaseline;
    curves.deletion = curve(classifier, x, baselineImages(x, baseline), ranks, cls, bounded, job);
    baseline.baseline = bounded.insertionBaseline;
    curves.insertion = curve(classifier, baselineImages(x, baseline), x, ranks, cls, bounded, job);
    curves.deletionArea = trapezoidArea(curves.deletion);
    curves.insertionArea = trapezoidArea(curves.insertion);
    return curves;
}

ConfidenceChange confidenceChange(models::Classifier& classifier, const torch::Tensor& images,
                                  const torch::Tensor& pixelMaps, const torch::Tensor& classes,
                                  int maxBatch) {
    torch::NoGradGuard noGrad;
    const auto device = classifier.device();
    const auto positive = torch::relu(pixelMaps.to(device, torch::kFloat));
    const auto peak = positive.flatten(1).amax(1).clamp_min(1e-12).view({-1, 1, 1});
    const auto explanation = (positive / peak).unsqueeze(1);
    const auto x = images.to(device, torch::kFloat);
    const auto cls = classes.to(device, torch::kLong);
    std::vector<torch::Tensor> clean, masked;
    const int64_t batch = std::max(1, maxBatch);
    for (int64_t start = 0; start < x.size(0); start += batch) {
        const auto count = std::min<int64_t>(batch, x.size(0) - start);
        clean.push_back(probabilities(classifier, x.narrow(0, start, count), cls.narrow(0, start, count)));
        masked.push_back(probabilities(classifier,
                                       x.narrow(0, start, count) * explanation.narrow(0, start, count),
                                       cls.narrow(0, start, count)));
    }
    const auto y = torch::cat(clean).to(torch::kCPU, torch::kDouble);
    const auto o = torch::cat(masked).to(torch::kCPU, torch::kDouble);
    return {torch::clamp_min(y - o, 0.0) / y.clamp_min(1e-12), o > y};
}

MaskScores againstMask(const torch::Tensor& pixelMaps, const torch::Tensor& masks) {
    if (!pixelMaps.sizes().equals(masks.sizes()))
        throw std::invalid_argument("a mask per map, of the map's size, is needed");
    const auto maps = pixelMaps.to(torch::kCPU, torch::kDouble).flatten(1);
    const auto m = masks.to(torch::kCPU, torch::kDouble).flatten(1);
    const auto positive = torch::relu(maps);
    MaskScores scores;
    scores.energyInside = (positive * m).sum(1) / positive.sum(1).clamp_min(1e-300);
    scores.pointingHit = m.gather(1, maps.argmax(1, true)).squeeze(1) >= 0.5;
    scores.maskShare = m.mean(1);
    return scores;
}

std::vector<RandomizationStep> randomizationCheck(models::Classifier& classifier, const torch::Tensor& images,
                                                  Method method, const Target& target,
                                                  const MethodOptions& options, int maxSteps,
                                                  std::uint64_t seed, const runtime::JobContext* job) {
    // Modules in definition order, each with its parameters.
    std::vector<std::string> modules;
    std::map<std::string, std::vector<std::pair<std::string, torch::Tensor>>> parametersOf;
    for (auto& [name, value] : classifier.namedParameters()) {
        const auto module = moduleOf(name);
        if (!parametersOf.count(module)) modules.push_back(module);
        parametersOf[module].emplace_back(name, value);
    }
    if (modules.empty()) throw std::invalid_argument("the classifier has no parameters to randomize");
    const auto classes = explainedClasses(classifier, images, target, options.maxBatch);
    const auto trained =
        computeMapsFor(classifier, images, method, target, classes, options, job).pixels.abs();

    // Depths (modules randomized from the top) to measure at: spread evenly, the top one first, all last.
    const int total = static_cast<int>(modules.size());
    const int steps = std::max(1, std::min(maxSteps, total));
    std::vector<int> depths;
    for (int s = 1; s <= steps; ++s) {
        const int depth = steps == 1 ? total : 1 + (s - 1) * (total - 1) / (steps - 1);
        if (depths.empty() || depth != depths.back()) depths.push_back(depth);
    }

    WeightsRestorer restore(classifier);
    auto generator = at::detail::createCPUGenerator(seed);
    std::vector<RandomizationStep> result;
    int randomized = 0;
    for (int depth : depths) {
        for (; randomized < depth; ++randomized)
            for (auto& [name, value] :
                 parametersOf[modules[static_cast<std::size_t>(total - 1 - randomized)]])
                reinitialize(name, value, generator);
        checkCancelled(job);
        const auto maps =
            computeMapsFor(classifier, images, method, target, classes, options, job).pixels.abs();
        RandomizationStep step;
        step.layer = modules[static_cast<std::size_t>(total - depth)];
        step.layersRandomized = depth;
        for (int64_t i = 0; i < images.size(0); ++i)
            step.correlations.push_back(rankCorrelation(trained[i], maps[i]));
        result.push_back(std::move(step));
    }
    return result;
}

}  // namespace netsight::attribution
