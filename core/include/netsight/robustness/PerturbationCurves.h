#pragma once

// Robustness bench, first part: a classifier's accuracy as a function of the strength of a corruption of
// its input (noise, salt and pepper, blur, contrast, JPEG, shifts, rotations), seeded and batched, each
// point with a 95% interval over the test images. Plain types: the CLI and the UI include this header.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "netsight/data/Image.h"
#include "netsight/probe/Uncertainty.h"
#include "netsight/runtime/Job.h"

namespace netsight::robustness {

enum class Perturbation { GaussianNoise, SaltAndPepper, GaussianBlur, Contrast, Jpeg, Shift, Rotation };

/// Every perturbation, in the order the CLI and the files list them.
std::vector<Perturbation> allPerturbations();
/// "gaussian-noise", "salt-and-pepper", "blur", "contrast", "jpeg", "shift", "rotation".
const char* perturbationName(Perturbation perturbation);
/// The perturbation of that name; nothing for an unknown one.
std::optional<Perturbation> perturbationNamed(const std::string& name);
/// What a strength means: "standard deviation of the noise (image in [0, 1])", ...
const char* strengthMeaning(Perturbation perturbation);
/// The strengths a curve is measured at by default, the unperturbed image first (JPEG: quality, 100 first
/// being still a JPEG round trip; the others: 0 first, the identity).
std::vector<double> defaultStrengths(Perturbation perturbation);

struct PerturbationCurve {
    std::string classifier;  ///< the model's name (its file name without the extension)
    Perturbation perturbation = Perturbation::GaussianNoise;
    std::vector<double> strengths;
    /// Accuracy at each strength with its 95% interval over the test images (Wilson's score interval).
    std::vector<probe::Interval> accuracy;
    std::size_t images = 0;
};

struct PerturbationOptions {
    std::vector<Perturbation> perturbations = allPerturbations();
    std::size_t testImages = 500;  ///< the first of the test split (fewer if it has fewer)
    std::size_t batchSize = 64;
    std::uint64_t seed = 0;  ///< the same seed draws the same noise, shifts and angles for every classifier
    std::string device = "auto";
    std::string
        dataCacheDirectory;  ///< where a folder's index is kept (an experiment's cache/); empty: the user's
};

/// The curves of one model file on a data source's test split, one per perturbation. Images are adapted to
/// the classifier's input (grey/colour, size) first, then perturbed, then normalized. Reports progress,
/// honours cancellation; throws std::runtime_error naming the file or source for unusable input.
std::vector<PerturbationCurve> perturbationCurves(const std::string& modelPath, const std::string& dataSource,
                                                  const PerturbationOptions& options,
                                                  const runtime::JobContext& job);

/// Writes curves as CSV (atomically): classifier, perturbation, strength, accuracy, low, high, images;
/// 12 significant digits.
void writePerturbationCsv(const std::vector<PerturbationCurve>& curves, const std::string& path);

/// One test image as a perturbation curve measured it, with the classifier's answer.
struct PerturbedExample {
    std::size_t index = 0;  ///< in the test split
    data::RgbBuffer image;  ///< as the classifier saw it (adapted, perturbed), 8-bit
    std::string label, prediction;
    double confidence = 0;  ///< the predicted class's softmax probability
    bool correct() const { return label == prediction; }
};

/// The first `count` (at most `batchSize`) test images of `dataSource` perturbed by `perturbation` at its
/// default strength number `strengthIndex`, drawn exactly as perturbationCurves draws its first batch with
/// the same seed and batch size, and the model's predictions on them. Throws std::invalid_argument for a
/// strength index out of range, std::runtime_error naming the file or source for unusable input.
std::vector<PerturbedExample> perturbedExamples(const std::string& modelPath, const std::string& dataSource,
                                                Perturbation perturbation, std::size_t strengthIndex,
                                                std::size_t count, const PerturbationOptions& options,
                                                const runtime::JobContext& job);

/// The 95% Wilson score interval of `correct` successes in `total` trials (total > 0).
probe::Interval wilsonInterval(std::size_t correct, std::size_t total);

}  // namespace netsight::robustness
