#pragma once

// Robustness bench, adversarial part: FGSM and PGD (L-infinity and L2, random start, a stated number of
// steps, untargeted or targeted), accuracy against the attack radius, and each image's minimal L2
// perturbation (search over the radius, seeded from the successful PGD runs) with checked adversarial
// examples. Perturbing one scale of the coarse-to-fine pair's pyramid alone is the top-down ablation.
// Plain types: the CLI and the UI include this header.
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "netsight/data/Image.h"
#include "netsight/probe/Uncertainty.h"
#include "netsight/runtime/Job.h"

namespace netsight::robustness {

enum class AttackNorm { LInf, L2 };

struct AttackSpec {
    bool iterative = true;  ///< PGD; false: FGSM (one step of the full radius, no random start)
    AttackNorm norm = AttackNorm::LInf;
    int steps = 10;           ///< PGD's steps
    double stepFactor = 2.5;  ///< PGD's step: stepFactor * radius / steps (Madry et al.)
    bool randomStart = true;  ///< PGD starts from a uniform draw in the ball
    bool targeted = false;    ///< aims at class (label + 1) mod classes instead of any wrong class
};

/// "pgd-linf-10", "fgsm-l2", "pgd-l2-20-targeted": how files, plots and the CLI name an attack.
std::string attackName(const AttackSpec& attack);
/// The attack of that name ("fgsm-linf", "pgd-l2", "pgd-linf-40-targeted", ...; PGD's steps default to
/// 10); nothing for a name that is none.
std::optional<AttackSpec> attackNamed(const std::string& name);
/// The radii a curve is measured at by default, 0 (the clean images) first. L-infinity: 0 to 16/255; L2:
/// 0 to 2 (images in [0, 1]).
std::vector<double> defaultRadii(AttackNorm norm);
/// "L-infinity radius, images in [0, 1]" / "L2 radius, images in [0, 1]".
const char* radiusMeaning(AttackNorm norm);
/// "full", "half", "quarter" for scales 0, 1, 2; "input" for -1 (the whole input, no pyramid).
std::string scaleName(int scale);

struct AttackCurve {
    std::string classifier;
    std::string attack;  ///< attackName
    AttackNorm norm = AttackNorm::LInf;
    int scale = -1;  ///< -1: the input; 0, 1, 2: that scale of the pyramid alone
    std::vector<double> radii;
    /// Accuracy under the attack at each radius, 95% Wilson interval over the images.
    std::vector<probe::Interval> accuracy;
    /// Targeted attacks: the share of images brought to their target class; empty otherwise.
    std::vector<probe::Interval> targetReached;
    std::size_t images = 0;
};

/// An adversarial example, checked: the classifier's prediction on `image` (the stored example) is not
/// its label (targeted: is its target).
struct AdversarialExample {
    std::string classifier;
    std::size_t index = 0;  ///< in the test split
    int label = 0, cleanPrediction = 0, adversarialPrediction = 0;
    double radius = 0;  ///< the example's own distance from the image (L2 or L-infinity per the attack)
    std::string attack;
    std::string labelName, cleanName, adversarialName;  ///< the class names of the three above
    data::Image original, adversarial;                  ///< as the classifier sees them, before normalization
};

/// Each image's smallest L2 perturbation found that changes the classifier's prediction.
struct MinimalPerturbations {
    std::string classifier;
    int scale = -1;
    /// Per image: the L2 norm of its smallest adversarial example found; 0 for an image misclassified
    /// clean; +infinity when no attack up to maxRadius succeeded.
    std::vector<double> radii;
    double maxRadius = 0;
    /// Median of radii with its distribution-free 95% interval (order statistics); +infinity where more than
    /// half (or the interval's rank) was not fooled within maxRadius.
    probe::Interval median;
    /// The share of images fooled with a perturbation no larger than each of `grid` (a curve from 0 to
    /// maxRadius), with 95% Wilson intervals.
    std::vector<double> grid;
    std::vector<probe::Interval> fooled;
};

struct AttackOptions {
    std::vector<AttackSpec> attacks = {AttackSpec{true, AttackNorm::LInf}, AttackSpec{true, AttackNorm::L2}};
    /// Radii per attack norm; empty: defaultRadii.
    std::vector<double> linfRadii, l2Radii;
    bool minimal = true;         ///< search each image's minimal L2 perturbation (needs an L2 attack's radii)
    int searchSteps = 7;         ///< bisections of the minimal search (its precision: max radius / 2^steps)
    int searchAttackSteps = 10;  ///< PGD steps at each radius the search tries
    /// Scales perturbed alone (topdown, bottomup: 0 full, 1 half, 2 quarter); -1 is the whole input.
    std::vector<int> scales = {-1};
    std::size_t testImages = 200;
    std::size_t batchSize = 64;
    std::size_t examples = 4;  ///< adversarial examples kept per classifier (whole input only)
    std::uint64_t seed = 0;
    std::string device = "auto";
    std::string
        dataCacheDirectory;  ///< where a folder's index is kept (an experiment's cache/); empty: the user's
};

struct AttackResults {
    std::vector<AttackCurve> curves;
    std::vector<MinimalPerturbations> minimal;
    /// A few checked adversarial examples of the whole input: the minimal search's when it ran, else the
    /// attacks' at their largest radius.
    std::vector<AdversarialExample> examples;
};

/// The attack curves (and minimal perturbations) of one model file on a data source's test split. Reports
/// progress ("pgd-linf-10, radius 0.031, images 64/200") and metrics (series CLASSIFIER/ATTACK[@SCALE]),
/// honours cancellation; throws std::runtime_error naming the file or source for unusable input and
/// std::invalid_argument for a scale the classifier does not have.
AttackResults attackCurves(const std::string& modelPath, const std::string& dataSource,
                           const AttackOptions& options, const runtime::JobContext& job);

/// The median of `values` (+infinity allowed) with its distribution-free 95% interval: the order statistics
/// whose ranks a Binomial(n, 1/2) puts 2.5% of its mass beyond.
probe::Interval medianInterval(std::vector<double> values);

}  // namespace netsight::robustness
