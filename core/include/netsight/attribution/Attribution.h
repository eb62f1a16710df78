#pragma once

// Attribution maps ("where does it look") and the checks that tell a faithful map from a pretty one:
// gradient saliency, input x gradient, SmoothGrad, VarGrad, integrated gradients, Grad-CAM, Grad-CAM++,
// LayerCAM and occlusion, each checked by deletion and insertion curves, the drop in confidence, the
// model-randomization sanity check and, on FactorWorld, the object's mask.
// Plain types: the CLI and the UI include this header.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "netsight/data/Image.h"
#include "netsight/probe/Uncertainty.h"
#include "netsight/runtime/Job.h"

namespace netsight::attribution {

enum class Method {
    Saliency,             ///< |d score / d input| (Simonyan et al. 2014)
    InputXGradient,       ///< input * gradient
    SmoothGrad,           ///< |gradient| averaged over noisy copies (Smilkov et al. 2017)
    VarGrad,              ///< the gradient's variance over noisy copies (Adebayo et al. 2018)
    IntegratedGradients,  ///< (x - baseline) * mean gradient on the straight path (Sundararajan et al. 2017)
    GradCam,              ///< ReLU(sum_k mean(dS/dA_k) A_k) at a layer (Selvaraju et al. 2017)
    GradCamPlusPlus,      ///< Grad-CAM with second-order weights (Chattopadhay et al. 2018)
    LayerCam,             ///< ReLU(sum_k ReLU(dS/dA_k) * A_k) (Jiang et al. 2021)
    Occlusion,  ///< the score's drop when a patch is replaced by the baseline (Zeiler and Fergus 2014)
};

/// "saliency", "input-x-gradient", "smoothgrad", "vargrad", "integrated-gradients", "grad-cam",
/// "grad-cam++", "layer-cam", "occlusion".
std::string methodName(Method method);
/// The method of that name (also short forms "ig", "ixg"); nothing for a name that is none.
std::optional<Method> methodNamed(const std::string& name);
const std::vector<Method>& allMethods();
/// Whether the method works at a layer (the Grad-CAM family).
bool isLayerMethod(Method method);

/// What integrated gradients, occlusion and the deletion curve replace pixels with.
enum class BaselineKind { Black, Blurred, Image };
/// "black", "blurred", a file name for Image.
std::string baselineName(BaselineKind kind, const std::string& file = {});

/// Which score a map explains.
struct Target {
    enum class Kind { Predicted, Class, Difference };
    Kind kind = Kind::Predicted;
    int classIndex = 0;  ///< Class: that class; Difference: the logit of classIndex minus that of otherClass
    int otherClass = 0;
};
/// "predicted", "class:3", "diff:3-5"; nothing otherwise.
std::optional<Target> targetNamed(const std::string& text);
std::string targetName(const Target& target);

struct MethodOptions {
    int samples = 16;     ///< SmoothGrad / VarGrad: noisy copies
    double noise = 0.15;  ///< SmoothGrad / VarGrad: noise sigma, as a share of the image range [0, 1]
    int steps = 32;       ///< integrated gradients: points on the path (midpoint rule)
    int maxBatch = 64;    ///< at most this many images go through the network at once (bounds memory)
    std::string layer;    ///< Grad-CAM family: a tapped layer with a spatial output; empty: the last one
    int patch = 0;        ///< occlusion: patch side in pixels; 0: an eighth of the image side (at least 2)
    int stride = 0;       ///< occlusion: stride; 0: half the patch
    BaselineKind baseline = BaselineKind::Black;
    data::Image baselineImage;  ///< BaselineKind::Image: the image (the classifier's input shape)
    std::uint64_t seed = 1;     ///< SmoothGrad / VarGrad noise
};

/// A run of the attribution instrument on one classifier.
struct AttributeOptions {
    std::vector<Method> methods{Method::GradCam, Method::IntegratedGradients, Method::SmoothGrad,
                                Method::Occlusion};
    Target target;
    MethodOptions method;
    std::string dataSource = "factorworld";  ///< its test split, unless imageFiles are given
    std::vector<std::string> imageFiles;     ///< explain these instead (adapted to the classifier's input)
    std::size_t count = 16;                  ///< test images explained (the first of the split)
    std::vector<std::size_t> testIndices;    ///< explain these test images instead of the first `count`
    bool curves = true;                      ///< deletion and insertion curves, drop in confidence
    bool randomization = true;               ///< the cascading model-randomization check
    int randomizationSteps = 5;              ///< depths it measures at
    std::size_t randomizationImages = 8;     ///< images it uses (the first explained)
    int curveSteps = 20;
    std::string device = "auto";
    std::string
        dataCacheDirectory;  ///< where a folder's index is kept (an experiment's cache/); empty: the user's
};

/// A method's checks for the images of one class (by label).
struct ClassBreakdown {
    std::string name;
    std::size_t images = 0;
    double accuracy = 0;        ///< of the classifier on these images
    double deletionArea = NAN;  ///< mean; NaN without curves
    double maskEnergy = NAN;    ///< mean; NaN without masks
};

/// Mean over images with its 95% t-interval (proportions: Wilson); estimate NaN where not measured.
struct MethodSummary {
    std::string classifier;
    Method method = Method::GradCam;
    std::string layer;  ///< Grad-CAM family
    std::size_t images = 0;
    probe::Interval deletionArea, insertionArea;  ///< lower / higher is better
    probe::Interval averageDrop;                  ///< share of the confidence lost keeping only the map
    probe::Interval increase;                     ///< share of images whose confidence rose
    /// FactorWorld: share of the map's positive part on the object, pointing game, share on the cue.
    probe::Interval maskEnergy, pointing, cueEnergy;
    double maskShare = 0, cueShare = 0;  ///< what a uniform map would score
    probe::Interval completenessGap;     ///< integrated gradients: mean |sum - score change|
    std::vector<double> fractions;       ///< deletion / insertion curves, averaged over the images
    std::vector<double> deletion, insertion;
    std::vector<std::string> randomizedLayers;       ///< the check: the last module randomized at each depth
    std::vector<int> randomizedCounts;               ///< modules randomized at each depth
    std::vector<probe::Interval> randomizationRank;  ///< rank correlation with the trained maps at each depth
    double imagesPerSecond = 0;                      ///< the maps alone
    std::vector<ClassBreakdown> perClass;            ///< images with a label, by class
};

/// One explained image: what the classifier said, and each method's map (height * width, row-major).
struct ExplainedImage {
    std::string classifier;
    std::string source;  ///< "test 12" or the file name
    int label = -1;      ///< -1 for a file
    int predicted = 0, explainedClass = 0;
    double confidence = 0;  ///< the prediction's probability
    std::string labelName, predictedName, explainedName;
    data::Image image;                     ///< as the classifier sees it
    std::vector<std::vector<float>> maps;  ///< per method of the run, in its order
};

struct AttributionResults {
    std::vector<MethodSummary> summaries;
    std::vector<ExplainedImage> images;
    std::vector<Method> methods;
    std::string targetName, deletionBaseline = "blurred", insertionBaseline = "blurred";
    std::string dataSource;
    std::vector<std::string> notes;  ///< adaptations and warnings, for the report
};

/// Explains the classifier in `modelPath` with every method of `options`, with the checks. Reports progress
/// to `job` and stops when it is cancelled. Throws std::runtime_error naming a file or option that is wrong.
AttributionResults attributeModel(const std::string& modelPath, const AttributeOptions& options,
                                  const runtime::JobContext& job);

/// One test image as a classifier sees it, with its answer: what the image browser lists.
struct TestImageAnswer {
    std::size_t index = 0;
    int label = 0, predicted = 0;
    double confidence = 0;  ///< the prediction's probability
    std::string labelName, predictedName;
    data::Image image;
};
/// The first `count` test images of `dataSource` with the answers of the classifier in `modelPath`.
std::vector<TestImageAnswer> answerTestImages(const std::string& modelPath, const std::string& dataSource,
                                              std::size_t count, const std::string& device,
                                              const runtime::JobContext& job);

/// Explains each of the experiment's `classifiers` (names; every trained one when empty) on its data's test
/// split and writes each run into the experiment's results/attribution/NAME. Classifiers not trained yet are
/// skipped with a log line. Returns the runs.
std::vector<AttributionResults> attributeExperiment(const std::string& directory,
                                                    const std::vector<std::string>& classifiers,
                                                    const AttributeOptions& options,
                                                    const runtime::JobContext& job);

/// The map drawn over the image: a colour map (positive warm; signed maps also negative cool) at `opacity`.
/// Absolute: |map|; signed: both signs; positive: the positive part; each scaled by the 99th percentile of
/// the magnitudes (beyond it saturates), zero transparent.
enum class MapScale { Absolute, Signed, Positive };
/// Signed for the methods whose sign means something (input x gradient, integrated gradients, occlusion).
MapScale defaultScale(Method method);
data::Image overlay(const data::Image& image, const std::vector<float>& map, MapScale scale, double opacity);

/// Writes maps.csv (per image and method), summary.csv, curves.csv, randomization.csv, overlays.png (a
/// grid: image, then each method), one PNG per image and method under maps/, SVG charts and report.html
/// into `directory` (created). Returns the report's path.
std::string writeAttributionResults(const AttributionResults& results, const std::string& directory);

/// The method summaries a run wrote into `directory` (summary.csv, per_class.csv, randomization.csv) read
/// back: estimates and intervals, per-class rows and the randomization check (no curves, no images). Empty
/// when the folder holds none; rows that cannot be read are skipped.
std::vector<MethodSummary> readAttributionSummaries(const std::string& directory);

}  // namespace netsight::attribution
