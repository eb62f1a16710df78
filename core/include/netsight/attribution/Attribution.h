#pragma once

// Attribution maps ("where does it look") and the checks that tell a faithful map from a pretty one:
// gradient saliency, input x gradient, SmoothGrad, VarGrad, integrated gradients, Grad-CAM, Grad-CAM++,
// LayerCAM and occlusion, each checked by deletion and insertion curves, the drop in confidence, the
// model-randomization sanity check and, on FactorWorld, the object's mask.
// Plain types: the CLI and the UI include this header.
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

}  // namespace netsight::attribution
