// One FGSM or PGD attack on a batch: the engine every curve, search and benchmark of the bench runs.
#include "robustness/Attack.h"

#include <vector>

namespace netsight::robustness {
namespace {

// Per-image values shaped to broadcast over NCHW.
torch::Tensor perImage(const torch::Tensor& values) {
    return values.view({-1, 1, 1, 1});
}

// Into the ball of each image's radius.
torch::Tensor project(const torch::Tensor& delta, const torch::Tensor& radius, AttackNorm norm) {
    const auto r = perImage(radius);
    if (norm == AttackNorm::LInf) return torch::max(torch::min(delta, r), -r);
    const auto length = perImage(perturbationNorms(delta, AttackNorm::L2));
    return delta * torch::clamp_max(r / (length + 1e-12), 1.0);
}

// A random point of each image's ball: uniform per value (L-infinity), a uniform direction at a uniform
// share of the radius (L2). Drawn on the CPU from `seed`.
torch::Tensor randomStart(const std::vector<int64_t>& shape, const torch::Tensor& radius, AttackNorm norm,
                          std::uint64_t seed) {
    auto generator = at::detail::createCPUGenerator(seed);
    const auto options = torch::TensorOptions(torch::kFloat);
    const auto r = perImage(radius.to(torch::kCPU));
    torch::Tensor start;
    if (norm == AttackNorm::LInf) {
        start = (at::rand(shape, generator, options) * 2 - 1) * r;
    } else {
        const auto direction = at::normal(0.0, 1.0, shape, generator, options);
        const auto length = perImage(perturbationNorms(direction, AttackNorm::L2)) + 1e-12;
        const auto share = perImage(at::rand({shape[0]}, generator, options));
        start = direction / length * share * r;
    }
    return start.to(radius.device());
}

std::vector<int64_t> scaleShape(const torch::Tensor& images, int scale) {
    std::vector<int64_t> shape(images.sizes().begin(), images.sizes().end());
    for (int level = 0; level < scale; ++level) {
        shape[2] /= 2;
        shape[3] /= 2;
    }
    return shape;
}

}  // namespace

torch::Tensor targetsOf(const torch::Tensor& labels, std::int64_t classes) {
    return (labels + 1).remainder(classes);
}

torch::Tensor perturbationNorms(const torch::Tensor& delta, AttackNorm norm) {
    const auto flat = delta.flatten(1);
    return norm == AttackNorm::LInf ? flat.abs().amax(1) : flat.norm(2, 1);
}

torch::Tensor logitsWith(models::Classifier& classifier, const torch::Tensor& images,
                         const torch::Tensor& delta, int scale) {
    if (scale < 0) return classifier.forward(classifier.normalize(images + delta));
    // Normalization is affine per channel, so an offset of d in image units is d / std once normalized.
    const auto zero = torch::zeros({1, images.size(1), 1, 1}, images.options());
    const auto perUnit = classifier.normalize(zero + 1) - classifier.normalize(zero);
    return classifier.forwardWithScaleOffset(classifier.normalize(images), scale, delta * perUnit);
}

AttackOutcome runAttack(models::Classifier& classifier, const torch::Tensor& images,
                        const torch::Tensor& labels, const torch::Tensor& radius, const AttackSpec& attack,
                        int scale, std::uint64_t seed) {
    const auto classes = static_cast<std::int64_t>(classifier.meta().classNames.size());
    const auto targets = targetsOf(labels, classes);
    const auto r = radius.to(images.device(), torch::kFloat);
    auto logitsOf = [&](const torch::Tensor& delta) { return logitsWith(classifier, images, delta, scale); };
    auto success = [&](const torch::Tensor& prediction) {
        return attack.targeted ? prediction.eq(targets) : prediction.ne(labels);
    };
    auto feasible = [&](const torch::Tensor& delta) {
        const auto inBall = project(delta, r, attack.norm);
        return scale < 0 ? (images + inBall).clamp(0.0, 1.0) - images : inBall;
    };

    const auto shape = scale < 0 ? images.sizes().vec() : scaleShape(images, scale);
    const bool random = attack.iterative && attack.randomStart;
    torch::Tensor delta =
        random ? feasible(randomStart(shape, r, attack.norm, seed)) : torch::zeros(shape, images.options());
    // Radius 0 everywhere: the clean images, nothing to attack.
    const int steps = r.max().item<float>() <= 0 ? 0 : attack.iterative ? std::max(1, attack.steps) : 1;
    const auto step = perImage(attack.iterative ? r * (attack.stepFactor / steps) : r);
    torch::Tensor best = delta.clone();
    torch::Tensor found =
        torch::zeros({images.size(0)}, torch::TensorOptions(torch::kBool).device(images.device()));
    for (int s = 0; s < steps; ++s) {
        const auto variable = delta.detach().requires_grad_(true);
        const auto logits = logitsOf(variable);
        // Ascend the loss of the true class, or descend that of the target.
        const auto loss = attack.targeted
                              ? -torch::nn::functional::cross_entropy(
                                    logits, targets,
                                    torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                              : torch::nn::functional::cross_entropy(
                                    logits, labels,
                                    torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum));
        const auto gradient = torch::autograd::grad({loss}, {variable})[0].detach();
        torch::NoGradGuard noGrad;
        // Keep the first perturbation that succeeds (the attack is at least as strong as its best step).
        const auto now = success(logits.detach().argmax(1)) & ~found;
        best = torch::where(perImage(now), delta, best);
        found = found | now;
        const auto direction =
            attack.norm == AttackNorm::LInf
                ? gradient.sign()
                : gradient / (perImage(perturbationNorms(gradient, AttackNorm::L2)) + 1e-12);
        delta = feasible(delta + step * direction);
    }
    torch::NoGradGuard noGrad;
    const auto chosen = torch::where(perImage(found), best, delta);
    AttackOutcome outcome;
    outcome.delta = chosen;
    outcome.prediction = logitsOf(chosen).argmax(1);
    outcome.succeeded = success(outcome.prediction);
    return outcome;
}

}  // namespace netsight::robustness
