#include "factors/FactorStimuli.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <stdexcept>

#include "netsight/data/SourceSpec.h"
#include "netsight/runtime/Device.h"

namespace netsight::factors::detail {

World worldFor(const models::ClassifierMeta& meta, const std::string& modelPath,
               const std::string& requested) {
    World w;
    w.source = requested.empty() ? meta.training.dataSource : requested;
    if (w.source.empty()) w.source = "factorworld";
    const data::SourceSpec spec = data::parseSource(w.source);
    if (spec.kind != "factorworld")
        throw std::runtime_error(
            modelPath + " was trained on '" + w.source +
            "', not on FactorWorld: the factor lab needs stimuli whose factors are known. Train "
            "a classifier on factorworld, or pass the FactorWorld source it knows (--data "
            "factorworld:classes=N,...)");
    w.options = data::factorWorldOptions(spec);
    const auto classes = meta.classNames.size();
    if (static_cast<std::size_t>(w.options.classes) != classes)
        throw std::runtime_error(modelPath + " tells " + std::to_string(classes) + " classes apart but '" +
                                 w.source + "' has " + std::to_string(w.options.classes) +
                                 " identities: pass the FactorWorld source the model was trained on");
    const auto& shape = meta.input.shape;
    if (shape.height != shape.width)
        throw std::runtime_error(modelPath + " takes " + data::toString(shape) +
                                 " images; FactorWorld renders square ones");
    w.world = std::make_unique<data::FactorWorld>(shape.height, shape.channels == 1 ? 1 : 3);
    w.identities = data::FactorWorld::drawIdentities(w.options.classes, w.options.seed);
    return w;
}

// Logits of images in [0,1], in batches, on the classifier's device; returned on the CPU.
torch::Tensor logitsOf(models::Classifier& classifier, const torch::Tensor& images, std::size_t batch,
                       const runtime::JobContext& job) {
    torch::NoGradGuard noGrad;
    std::vector<torch::Tensor> parts;
    const auto device = classifier.device();
    for (std::int64_t start = 0; start < images.size(0); start += static_cast<std::int64_t>(batch)) {
        job.checkCancelled();
        const auto chunk =
            images.slice(0, start, std::min(images.size(0), start + static_cast<std::int64_t>(batch)));
        parts.push_back(
            classifier.forward(classifier.normalize(chunk.to(device))).to(torch::kCPU, torch::kFloat));
    }
    return torch::cat(parts);
}

std::vector<Group> buildGroups(const Stimuli& stimuli, std::vector<std::string>& notes) {
    const std::size_t n = stimuli.identity.size();
    auto column = [&](auto get) {
        std::vector<double> v(n);
        for (std::size_t i = 0; i < n; ++i)
            v[i] = get(i);
        return v;
    };
    std::vector<std::vector<float>> intrinsicValues(n);  // each stimulus's intrinsic factors, computed once
    for (std::size_t i = 0; i < n; ++i)
        intrinsicValues[i] = data::FactorWorld::intrinsicFactors(stimuli.intrinsic[i]);
    auto intrinsic = [&](std::size_t k) {
        return column([&, k](std::size_t i) { return intrinsicValues[i][k]; });
    };
    auto extrinsic = [&](const std::string& name) {
        return column([&](std::size_t i) { return stimuli.views[i].get(name); });
    };
    auto angle = [&](const std::string& name, bool sine) {
        return column([&, sine](std::size_t i) {
            const double radians = stimuli.views[i].get(name) * M_PI / 180.0;
            return sine ? std::sin(radians) : std::cos(radians);
        });
    };
    std::vector<std::pair<std::string, std::vector<std::vector<double>>>> raw;
    {
        std::vector<std::vector<double>> shape, texture, colour;
        for (std::size_t k = 0; k < 2 * data::kShapeHarmonics; ++k)
            shape.push_back(intrinsic(k));
        for (std::size_t k = 0; k < 4; ++k)
            texture.push_back(intrinsic(2 * data::kShapeHarmonics + k));
        for (std::size_t k = 0; k < 6; ++k)
            colour.push_back(intrinsic(2 * data::kShapeHarmonics + 4 + k));
        raw.push_back({"shape", shape});
        raw.push_back({"texture", texture});
        raw.push_back({"colour", colour});
    }
    const auto rotation = std::vector<std::vector<double>>{angle("rotation", false), angle("rotation", true)};
    const auto tilt = std::vector<std::vector<double>>{extrinsic("yaw"), extrinsic("pitch")};
    const auto scale = std::vector<std::vector<double>>{extrinsic("scale")};
    const auto translation = std::vector<std::vector<double>>{extrinsic("tx"), extrinsic("ty")};
    raw.push_back({"rotation", rotation});
    raw.push_back({"tilt", tilt});
    raw.push_back({"scale", scale});
    raw.push_back({"translation", translation});
    raw.push_back(
        {"illumination",
         {angle("light.azimuth", false), angle("light.azimuth", true), extrinsic("light.strength")}});
    raw.push_back({"background", {extrinsic("background")}});
    std::vector<std::vector<double>> pose;
    for (const auto* part : {&rotation, &tilt, &scale, &translation})
        pose.insert(pose.end(), part->begin(), part->end());
    raw.push_back({"pose", pose});

    std::vector<Group> groups;
    std::mt19937_64 random(12345);
    std::vector<std::size_t> permutation(n);
    std::iota(permutation.begin(), permutation.end(), 0);
    std::shuffle(permutation.begin(), permutation.end(), random);
    for (auto& [name, columns] : raw) {
        std::vector<std::vector<double>> kept;
        for (auto& c : columns) {
            const auto [lo, hi] = std::minmax_element(c.begin(), c.end());
            if (*hi - *lo > 1e-9) kept.push_back(std::move(c));
        }
        if (kept.empty()) {
            notes.push_back(name + " is held fixed by the source: not analysed");
            continue;
        }
        Group g;
        g.name = name;
        g.values = Variables(n, kept.size(), name);
        for (std::size_t j = 0; j < kept.size(); ++j)
            std::copy(kept[j].begin(), kept[j].end(), g.values.variable(j));
        g.copula = copulaNormalize(g.values);
        g.shuffled = g.copula;
        for (std::size_t j = 0; j < kept.size(); ++j)
            for (std::size_t i = 0; i < n; ++i)
                g.shuffled.variable(j)[i] = g.copula.variable(j)[permutation[i]];
        groups.push_back(std::move(g));
    }
    return groups;
}

}  // namespace netsight::factors::detail
