// How files, plots and the CLI name the attribution methods, baselines and targets.
#include <array>
#include <cctype>

#include "netsight/attribution/Attribution.h"

namespace netsight::attribution {
namespace {

const std::array<std::pair<Method, const char*>, 9> kNames{{
    {Method::Saliency, "saliency"},
    {Method::InputXGradient, "input-x-gradient"},
    {Method::SmoothGrad, "smoothgrad"},
    {Method::VarGrad, "vargrad"},
    {Method::IntegratedGradients, "integrated-gradients"},
    {Method::GradCam, "grad-cam"},
    {Method::GradCamPlusPlus, "grad-cam++"},
    {Method::LayerCam, "layer-cam"},
    {Method::Occlusion, "occlusion"},
}};

std::optional<int> classNumber(const std::string& text) {
    if (text.empty() || text.size() > 6) return std::nullopt;
    for (char c : text)
        if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    return std::stoi(text);
}

}  // namespace

std::string methodName(Method method) {
    for (const auto& [m, name] : kNames)
        if (m == method) return name;
    return "?";
}

std::optional<Method> methodNamed(const std::string& name) {
    if (name == "ig") return Method::IntegratedGradients;
    if (name == "ixg") return Method::InputXGradient;
    if (name == "gradcam") return Method::GradCam;
    if (name == "gradcam++") return Method::GradCamPlusPlus;
    for (const auto& [m, known] : kNames)
        if (name == known) return m;
    return std::nullopt;
}

const std::vector<Method>& allMethods() {
    static const std::vector<Method> methods = [] {
        std::vector<Method> all;
        for (const auto& item : kNames)
            all.push_back(item.first);
        return all;
    }();
    return methods;
}

bool isLayerMethod(Method method) {
    return method == Method::GradCam || method == Method::GradCamPlusPlus || method == Method::LayerCam;
}

MapScale defaultScale(Method method) {
    switch (method) {
        case Method::InputXGradient:
        case Method::IntegratedGradients:
        case Method::Occlusion:
            return MapScale::Signed;
        default:
            return MapScale::Absolute;
    }
}

std::string baselineName(BaselineKind kind, const std::string& file) {
    switch (kind) {
        case BaselineKind::Black:
            return "black";
        case BaselineKind::Blurred:
            return "blurred";
        case BaselineKind::Image:
            return file.empty() ? "image" : file;
    }
    return "?";
}

std::optional<Target> targetNamed(const std::string& text) {
    Target target;
    if (text == "predicted") return target;
    if (text.rfind("class:", 0) == 0) {
        const auto number = classNumber(text.substr(6));
        if (!number) return std::nullopt;
        target.kind = Target::Kind::Class;
        target.classIndex = *number;
        return target;
    }
    if (text.rfind("diff:", 0) == 0) {
        const auto rest = text.substr(5);
        const auto dash = rest.find('-');
        if (dash == std::string::npos) return std::nullopt;
        const auto a = classNumber(rest.substr(0, dash));
        const auto b = classNumber(rest.substr(dash + 1));
        if (!a || !b || *a == *b) return std::nullopt;
        target.kind = Target::Kind::Difference;
        target.classIndex = *a;
        target.otherClass = *b;
        return target;
    }
    return std::nullopt;
}

std::string targetName(const Target& target) {
    switch (target.kind) {
        case Target::Kind::Predicted:
            return "predicted";
        case Target::Kind::Class:
            return "class:" + std::to_string(target.classIndex);
        case Target::Kind::Difference:
            return "diff:" + std::to_string(target.classIndex) + "-" + std::to_string(target.otherClass);
    }
    return "?";
}

}  // namespace netsight::attribution
