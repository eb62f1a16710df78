#pragma once

// One adversarial attack on a batch (internal to core; tests call it directly).
#include <torch/torch.h>

#include <cstdint>

#include "netsight/models/Classifier.h"
#include "netsight/robustness/Attacks.h"

namespace netsight::robustness {

struct AttackOutcome {
    /// The perturbation per image, in image units ([0, 1]): of the input (x + delta stays in [0, 1]) or of
    /// one scale of the pyramid. Where the attack succeeded, the first successful one it met.
    torch::Tensor delta;
    torch::Tensor prediction;  ///< the classifier's prediction with delta, checked by a last forward pass
    torch::Tensor succeeded;   ///< bool per image: untargeted, prediction != label; targeted, == target
};

/// The target class of a targeted attack: (label + 1) mod classes.
torch::Tensor targetsOf(const torch::Tensor& labels, std::int64_t classes);

/// Attacks `images` (NCHW in [0, 1], on the classifier's device) with a radius per image (`radius`, float
/// [N]) under `attack`'s norm, perturbing the whole input (scale -1) or one scale of the pyramid alone.
/// FGSM: one step of the full radius. PGD: `steps` steps of stepFactor * radius / steps from a random
/// start, each projected back into the ball (and, for the input, into [0, 1]). Random draws come from
/// `seed` alone.
AttackOutcome runAttack(models::Classifier& classifier, const torch::Tensor& images,
                        const torch::Tensor& labels, const torch::Tensor& radius, const AttackSpec& attack,
                        int scale, std::uint64_t seed);

/// The classifier's logits for `images` (NCHW in [0, 1]) with `delta` (image units) added to the input itself
/// (scale -1; the caller keeps images + delta in [0, 1]) or to one scale of its pyramid alone.
torch::Tensor logitsWith(models::Classifier& classifier, const torch::Tensor& images,
                         const torch::Tensor& delta, int scale);

/// Per image: the norm of each perturbation (L2 or L-infinity over all its values).
torch::Tensor perturbationNorms(const torch::Tensor& delta, AttackNorm norm);

}  // namespace netsight::robustness
