#pragma once

// The factor lab (Xu et al. 2018, "Deeper Interpretability of Deep Networks"): FactorWorld stimuli with
// known factors, and Gaussian-copula MI between the factors and a classifier's decision and layers.
// Plain-typed: the CLI and the UI call it; LibTorch stays behind the .cpp files.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "netsight/data/FactorWorld.h"
#include "netsight/data/Image.h"
#include "netsight/runtime/Job.h"

namespace netsight::factors {

struct FactorOptions {
    /// FactorWorld source the model was trained on; empty: the one in the model's training record.
    std::string dataSource;
    std::size_t samples = 2000;       ///< stimuli for the decision, layer and invariance analyses
    double intrinsicJitter = 0.25;    ///< each stimulus moves up to this far towards another identity, per
                                      ///< intrinsic group, so shape, texture and colour vary within a class
    std::vector<std::string> layers;  ///< empty: every layer the classifier can tap
    int poolTo = 4;                   ///< channels are average-pooled to at most poolTo × poolTo positions
    std::size_t maxUnitsPerLayer = 2048;  ///< beyond this, an even subset of a layer's units
    double nullQuantile = 0.99;           ///< a unit is informative above this quantile of shuffled MI
    int morphSteps = 9;                   ///< distances 0..1 of the generalization gradients
    std::size_t morphViews = 12;          ///< views per identity and distance
    std::size_t reverseCorrelationSamples = 2000;  ///< noisy renders per identity
    double reverseCorrelationNoise = 0.2;          ///< noise standard deviation (per cell and channel)
    int reverseCorrelationCell = 0;  ///< noise cells of N×N pixels (0: the image side / 16, at least 1)
    int reverseCorrelationIdentities = 4;  ///< first identities mapped (0: all)
    std::size_t batchSize = 100;
    std::uint64_t seed = 0;
    std::string device = "auto";
};

/// The factor groups analysed, each a (multivariate) continuous variable: shape, texture, colour,
/// rotation (cos, sin), tilt (yaw, pitch), scale, translation, illumination (cos, sin of the azimuth,
/// strength), background; then "pose" (rotation, tilt, scale, translation together). The discrete
/// "identity" is analysed beside them.
const std::vector<std::string>& factorGroupNames();

struct DecisionInfo {
    std::string factor;  ///< a factor group, or "identity"
    double bits = 0;     ///< identity: MI with the predicted class; a factor group: GCMI with the logits
};

/// One layer's units against each factor: per-unit MI summarised.
struct LayerInfo {
    std::string layer;
    std::vector<std::int64_t> shape;   ///< of one sample's activation
    std::size_t units = 0;             ///< analysed (after pooling and subsetting)
    std::size_t constantUnits = 0;     ///< dead on every stimulus
    std::vector<std::string> factors;  ///< "identity", then the factor groups
    std::vector<double> meanBits, maxBits, informativeShare, threshold;
    double identityGivenPoseBits = 0;  ///< mean over units of I(unit; identity | pose)
    double poseBits = 0;               ///< mean over units of I(unit; pose)
};

/// Probability of the original identity as the identity is morphed away in one intrinsic group.
struct MorphCurve {
    std::string kind;  ///< shape | texture | colour
    std::vector<double> distance, probability, standardError;
};

/// Reverse correlation: the correlation of the noise in each cell of pixels and each channel with the
/// identity's logit margin (its logit minus the largest other).
struct ClassificationImage {
    int identity = 0;
    std::string className;
    int width = 0, height = 0, channels = 0;
    std::vector<float> correlation;  ///< channels × height × width (constant over each noise cell)
    double noiseFloor = 0;       ///< the correlation's standard deviation under no effect, 1/sqrt(samples)
    data::RgbBuffer base;        ///< the clean render the noise was added to
    double meanProbability = 0;  ///< of the identity on the noisy renders
};

struct FactorReport {
    std::string model, architecture, dataSource;
    std::vector<std::string> classNames;
    std::size_t samples = 0;
    double stimulusAccuracy = 0;  ///< on the jittered stimuli
    std::vector<DecisionInfo> decision;
    std::vector<LayerInfo> layers;  ///< in forward order; the last is "logits"
    std::vector<MorphCurve> morphs;
    std::vector<ClassificationImage> classificationImages;
    std::vector<std::string> notes;  ///< factors held fixed by the source, units subsetted, ...
    double seconds = 0;
};

/// Runs every analysis on the model file at `modelPath`. Progress per phase, metrics
/// "identity bits"/"pose bits" per layer, log lines. Throws std::runtime_error / InfoError with a message
/// naming the model, source or setting that does not fit (a model not trained on FactorWorld, classes
/// that do not match, too few samples).
FactorReport analyzeFactors(const std::string& modelPath, const FactorOptions& options,
                            const runtime::JobContext& job);

/// The classification image as a picture: mid-grey plus the correlations scaled to the largest magnitude,
/// per channel, so it shows the colours and places that push towards the identity (brighter/coloured)
/// and away from it.
data::RgbBuffer correlationPicture(const ClassificationImage& image);
/// The largest correlation magnitude over the noise floor: about 4 or more means a real map.
double signalToNoise(const ClassificationImage& image);

/// The report's tables as CSV text, as written to decision.csv, layers.csv, invariance.csv, morphs.csv.
enum class FactorTable { Decision, Layers, Invariance, Morphs };
std::string factorCsv(const FactorReport& report, FactorTable table);

/// Writes decision.csv, layers.csv, invariance.csv, morphs.csv, classification_images/*.png, figures
/// (PNG and SVG), factors.json and report.html into `directory`, every file atomically.
void writeFactorReport(const FactorReport& report, const std::string& directory);
/// Reads factors.json back (the GUI opens earlier runs). Throws std::runtime_error naming the file.
FactorReport readFactorReport(const std::string& directory);

/// Sets intrinsic factor `index` (in data::intrinsicFactorNames() order) of `identity`: what the live
/// sliders move. Setting a texture factor ends a texture blend (the identity keeps its own texture).
void setIntrinsicFactor(data::Identity& identity, std::size_t index, double value);

/// One render and the classifier's answer, for the live sliders.
struct LivePrediction {
    data::RgbBuffer image;
    std::vector<double> probabilities;
    std::vector<std::string> classNames;
};

/// A loaded classifier with its FactorWorld, for rendering and classifying one stimulus at a time.
/// Thread-compatible: use it from one thread (the GUI runs it on a worker).
class FactorProbe {
  public:
    /// Loads the model (and finds its FactorWorld source as analyzeFactors does).
    FactorProbe(const std::string& modelPath, const std::string& dataSource = "",
                const std::string& device = "cpu");
    ~FactorProbe();
    FactorProbe(const FactorProbe&) = delete;
    FactorProbe& operator=(const FactorProbe&) = delete;

    const std::vector<data::Identity>& identities() const;
    const std::vector<std::string>& classNames() const;
    const std::string& dataSource() const;
    LivePrediction predict(const data::Identity& identity, const data::Extrinsics& view) const;

  private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace netsight::factors
