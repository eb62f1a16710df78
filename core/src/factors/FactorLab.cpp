// The factor lab's analyses: stimuli with known factors, activations, GCMI per layer; then the morphs and
// the reverse correlation of FactorMorphs.cpp (DESIGN.md, "Factor lab").
#include "netsight/factors/FactorLab.h"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <thread>

#include "factors/FactorMorphs.h"
#include "factors/FactorStimuli.h"
#include "netsight/data/FactorWorldDataset.h"
#include "netsight/data/SourceSpec.h"
#include "netsight/info/Gcmi.h"
#include "netsight/models/Classifier.h"
#include "netsight/runtime/Device.h"
#include "report/Statistics.h"
#include "train/DataBridge.h"

namespace netsight::factors {
using namespace netsight::info;  // the GCMI estimators
namespace {

using namespace detail;
using Clock = std::chrono::steady_clock;

void summarise(LayerInfo& layer, const std::string& factor, const std::vector<double>& mi,
               const std::vector<double>& null, const CopulaUnits& units, double q) {
    const double threshold = std::max(report::quantile(null, q), 0.0);
    double sum = 0, top = 0;
    std::size_t informative = 0, live = 0;
    for (std::size_t u = 0; u < mi.size(); ++u) {
        if (units.constant[u]) continue;
        ++live;
        sum += mi[u];
        top = std::max(top, mi[u]);
        if (mi[u] > threshold) ++informative;
    }
    layer.factors.push_back(factor);
    layer.meanBits.push_back(live ? sum / static_cast<double>(live) : 0.0);
    layer.maxBits.push_back(top);
    layer.informativeShare.push_back(
        mi.empty() ? 0.0 : static_cast<double>(informative) / static_cast<double>(mi.size()));
    layer.threshold.push_back(threshold);
}

double mean(const std::vector<double>& values, const CopulaUnits& units) {
    double sum = 0;
    std::size_t live = 0;
    for (std::size_t u = 0; u < values.size(); ++u)
        if (!units.constant[u]) {
            sum += values[u];
            ++live;
        }
    return live ? sum / static_cast<double>(live) : 0.0;
}

// Per-unit analysis of one layer: units are the activations (sample-major, N × U).
LayerInfo analyseLayer(const std::string& name, const std::vector<std::int64_t>& shape,
                       const std::vector<float>& data, std::size_t units, const std::vector<int>& identity,
                       const std::vector<int>& shuffledIdentity, const std::vector<Group>& groups,
                       const Group* pose, const FactorOptions& options) {
    const std::size_t n = identity.size();
    LayerInfo layer;
    layer.layer = name;
    layer.shape = shape;
    layer.units = units;
    const CopulaUnits copula = copulaNormalizeUnits(data.data(), n, units, false, options.seed);
    layer.constantUnits = copula.constantCount();
    // Nulls over enough units: repeat the shuffle (rotated) for small layers.
    const std::size_t repeats = std::clamp<std::size_t>(1000 / std::max<std::size_t>(units, 1), 1, 20);
    auto nullOf = [&](const auto& compute) {
        std::vector<double> null;  // of live units only: dead ones (MI 0) would pull the threshold down
        for (std::size_t r = 0; r < repeats; ++r) {
            const auto part = compute(r);
            for (std::size_t u = 0; u < part.size(); ++u)
                if (!copula.constant[u]) null.push_back(part[u]);
        }
        return null;
    };
    auto rotate = [n](const std::vector<int>& labels, std::size_t by) {
        std::vector<int> out(n);
        for (std::size_t i = 0; i < n; ++i)
            out[i] = labels[(i + by * 7919) % n];
        return out;
    };
    auto rotateVariables = [n](const Variables& v, std::size_t by) {
        Variables out = v;
        for (std::size_t j = 0; j < v.dims; ++j)
            for (std::size_t i = 0; i < n; ++i)
                out.variable(j)[i] = v.variable(j)[(i + by * 7919) % n];
        return out;
    };
    // With a pose, I(unit; identity) comes with I(unit; identity | pose) from one read of the units.
    DiscreteUnitMi withIdentity;
    if (pose)
        withIdentity = gcmiAndGccmiPerUnitDiscrete(copula, identity, pose->copula);
    else
        withIdentity.mi = gcmiPerUnitDiscrete(copula, identity);
    summarise(layer, "identity", withIdentity.mi,
              nullOf([&](std::size_t r) { return gcmiPerUnitDiscrete(copula, rotate(shuffledIdentity, r)); }),
              copula, options.nullQuantile);
    for (const auto& group : groups) {
        const auto mi = gcmiPerUnit(copula, group.copula);
        summarise(layer, group.name, mi, nullOf([&](std::size_t r) {
                      return gcmiPerUnit(copula, rotateVariables(group.shuffled, r));
                  }),
                  copula, options.nullQuantile);
        if (&group == pose) layer.poseBits = mean(mi, copula);
    }
    if (pose) layer.identityGivenPoseBits = mean(withIdentity.conditional, copula);
    return layer;
}

std::vector<std::int64_t> evenSubset(std::int64_t total, std::size_t wanted) {
    std::vector<std::int64_t> index(wanted);
    for (std::size_t i = 0; i < wanted; ++i)
        index[i] = static_cast<std::int64_t>(static_cast<double>(i) * static_cast<double>(total) /
                                             static_cast<double>(wanted));
    return index;
}

// Flattens one batch of a layer's activations into units: average-pooled to at most poolTo², subsetted.
torch::Tensor unitsOf(const torch::Tensor& activation, const FactorOptions& options) {
    torch::Tensor a = activation.to(torch::kCPU, torch::kFloat);
    if (a.dim() == 4 && options.poolTo > 0 && (a.size(2) > options.poolTo || a.size(3) > options.poolTo))
        a = torch::adaptive_avg_pool2d(a, {std::min<std::int64_t>(a.size(2), options.poolTo),
                                           std::min<std::int64_t>(a.size(3), options.poolTo)});
    a = a.reshape({a.size(0), -1});
    if (static_cast<std::size_t>(a.size(1)) > options.maxUnitsPerLayer) {
        const auto index = evenSubset(a.size(1), options.maxUnitsPerLayer);
        a = a.index_select(1, torch::tensor(index, torch::kLong));
    }
    return a.contiguous();
}

}  // namespace

const std::vector<std::string>& factorGroupNames() {
    static const std::vector<std::string> names{"shape", "texture",     "colour",       "rotation",   "tilt",
                                                "scale", "translation", "illumination", "background", "pose"};
    return names;
}

namespace {

void validateOptions(const FactorOptions& options) {
    if (options.samples < 200)
        throw std::invalid_argument(
            "samples is " + std::to_string(options.samples) +
            "; the factor lab needs at least 200 stimuli (2,000 or more for stable estimates)");
    if (options.morphSteps < 2) throw std::invalid_argument("morph steps must be at least 2");
    if (!(options.nullQuantile > 0 && options.nullQuantile < 1))
        throw std::invalid_argument("the null quantile must lie between 0 and 1 (0.99 is usual)");
    if (!(options.reverseCorrelationNoise > 0))
        throw std::invalid_argument("the reverse-correlation noise must be above 0 (0.2 is usual)");
    if (!(options.intrinsicJitter >= 0 && options.intrinsicJitter <= 1))
        throw std::invalid_argument("jitter must lie between 0 and 1");
    if (options.batchSize == 0) throw std::invalid_argument("the batch size must be at least 1");
}

// The layers analysed (every tappable one unless named) with the shape of each one's output.
struct Layers {
    std::vector<std::string> names;
    std::vector<std::vector<std::int64_t>> shapes;
};

Layers chooseLayers(models::Classifier& model, const FactorOptions& options) {
    Layers layers;
    std::vector<std::string>& layerNames = layers.names;
    layerNames = options.layers;
    std::vector<std::vector<std::int64_t>>& shapes = layers.shapes;
    if (layerNames.empty())
        for (const auto& info : model.layers())
            layerNames.push_back(info.name);
    for (const auto& name : layerNames) {
        const auto& all = model.layers();
        const auto found =
            std::find_if(all.begin(), all.end(), [&](const auto& info) { return info.name == name; });
        shapes.push_back(found == all.end() ? std::vector<std::int64_t>{} : found->shape);
    }
    return layers;
}

// Every layer's units of every stimulus are held at once: say so before the long work if that is more
// memory than a desktop has to spare.
void requireActivationsFit(const Layers& layers, const World& w, std::size_t n,
                           const FactorOptions& options) {
    const auto& shapes = layers.shapes;
    {
        double units = 0;
        for (const auto& shape : shapes) {
            double perSample = 1;
            for (std::size_t d = 0; d < shape.size(); ++d)
                perSample *= d == 0 || options.poolTo <= 0
                                 ? static_cast<double>(shape[d])
                                 : std::min<double>(static_cast<double>(shape[d]), options.poolTo);
            units += std::min(perSample, static_cast<double>(options.maxUnitsPerLayer));
        }
        const double pixels = static_cast<double>(w.world->channels()) * w.world->size() * w.world->size();
        const double gigabytes = (units + pixels) * static_cast<double>(n) * 4 / 1e9;
        if (gigabytes > 6)
            throw std::invalid_argument(
                std::to_string(n) + " stimuli x " + std::to_string(static_cast<long>(units)) +
                " units would hold " + std::to_string(static_cast<int>(gigabytes)) +
                " GB of stimuli and activations: use fewer stimuli (samples), fewer layers, a smaller "
                "max-units or pool");
    }
}

// The stimuli: identity i mod K, its intrinsic factors jittered towards other identities, a view drawn from
// the source's ranges; rendered on every core.
Stimuli drawStimuli(const World& w, std::size_t n, const FactorOptions& options, torch::Tensor& images,
                    const runtime::JobContext& job) {
    const int classes = w.options.classes;
    job.progress("stimuli", 0, static_cast<std::int64_t>(n), 0, 0);
    Stimuli stimuli;
    stimuli.identity.resize(n);
    stimuli.intrinsic.resize(n);
    stimuli.views.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        std::mt19937_64 random(mix(options.seed, i));
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        const int c = static_cast<int>(i % static_cast<std::size_t>(classes));
        data::Identity identity = w.identities[static_cast<std::size_t>(c)];
        for (auto kind : {data::MorphKind::Shape, data::MorphKind::Texture, data::MorphKind::Colour}) {
            const auto other = static_cast<std::size_t>(
                (c + 1 + static_cast<int>(random() % static_cast<unsigned>(classes - 1))) % classes);
            identity = data::FactorWorld::morph(identity, w.identities[other], kind,
                                                options.intrinsicJitter * unit(random));
        }
        stimuli.identity[i] = c;
        stimuli.intrinsic[i] = identity;
        stimuli.views[i] = data::FactorWorld::drawExtrinsics(w.options.ranges, mix(options.seed + 1, i));
    }
    images = renderAll(*w.world, n,
                       [&](std::size_t i) { return std::make_pair(stimuli.intrinsic[i], stimuli.views[i]); });
    if (w.options.cue.enabled) {
        // The source's spurious cue, naming a class drawn independently of the identity (as in its test
        // split), so that the decision's information about the cue can be told from its information about the
        // object.
        stimuli.cue.resize(n);
        const auto [left, top, side] = data::spuriousCueSquare(w.world->size());
        for (std::size_t i = 0; i < n; ++i) {
            stimuli.cue[i] = static_cast<int>(mix(options.seed + 2, i) % static_cast<std::uint64_t>(classes));
            const auto colour = data::spuriousCueColour(stimuli.cue[i], classes, w.world->channels());
            for (int c = 0; c < w.world->channels(); ++c)
                images
                    .index({static_cast<std::int64_t>(i), c, torch::indexing::Slice(top, top + side),
                            torch::indexing::Slice(left, left + side)})
                    .fill_(colour[static_cast<std::size_t>(c)]);
        }
    }
    job.preview("stimuli",
                tensor::tensorToRgb(images.slice(0, 0, std::min<std::int64_t>(16, images.size(0)))));
    job.checkCancelled();
    return stimuli;
}

// The activations of every layer for every stimulus (pooled, flattened, one vector per layer) and the logits.
struct Activations {
    std::vector<std::vector<float>> values;
    std::vector<std::size_t> unitCounts;
    torch::Tensor logits;
};

Activations tapActivations(models::Classifier& model, const Layers& layers, const torch::Tensor& images,
                           std::size_t n, const FactorOptions& options, const runtime::JobContext& job) {
    const auto& layerNames = layers.names;
    Activations tapped;
    auto& activations = tapped.values;
    auto& unitCounts = tapped.unitCounts;
    activations.resize(layerNames.size());
    unitCounts.assign(layerNames.size(), 0);
    std::vector<torch::Tensor> logitParts;
    {
        torch::NoGradGuard noGrad;
        const auto device = model.device();
        runtime::RateMeter meter(static_cast<std::int64_t>(n));
        for (std::int64_t start = 0; start < static_cast<std::int64_t>(n);
             start += static_cast<std::int64_t>(options.batchSize)) {
            job.checkCancelled();
            const auto end = std::min<std::int64_t>(static_cast<std::int64_t>(n),
                                                    start + static_cast<std::int64_t>(options.batchSize));
            const auto taps =
                model.forwardWithTaps(model.normalize(images.slice(0, start, end).to(device)), layerNames);
            logitParts.push_back(taps.logits.to(torch::kCPU, torch::kFloat));
            for (std::size_t l = 0; l < layerNames.size(); ++l) {
                const torch::Tensor units = unitsOf(taps.layers.at(layerNames[l]), options);
                unitCounts[l] = static_cast<std::size_t>(units.size(1));
                const float* p = units.data_ptr<float>();
                activations[l].insert(activations[l].end(), p, p + units.numel());
            }
            meter.update(end);
            job.progress("activations", end, static_cast<std::int64_t>(n), meter.ratePerSecond(),
                         meter.etaSeconds());
        }
    }
    tapped.logits = torch::cat(logitParts);
    return tapped;
}

// The stimulus accuracy, and a note for each layer analysed through a subset of its units.
void noteCoverage(const Layers& layers, const Activations& tapped, const Stimuli& stimuli, std::size_t n,
                  const FactorOptions& options, FactorReport& report) {
    const auto& logits = tapped.logits;
    const auto& layerNames = layers.names;
    const auto& shapes = layers.shapes;
    const auto& unitCounts = tapped.unitCounts;
    {
        const torch::Tensor predicted = logits.argmax(1);
        const auto argmax = predicted.accessor<std::int64_t, 1>();
        std::int64_t correct = 0;
        for (std::size_t i = 0; i < n; ++i)
            correct += argmax[static_cast<std::int64_t>(i)] == stimuli.identity[i];
        report.stimulusAccuracy = static_cast<double>(correct) / static_cast<double>(n);
    }
    for (std::size_t l = 0; l < layerNames.size(); ++l)
        if (!shapes[l].empty()) {
            std::int64_t total = 1;
            for (auto s : shapes[l])
                total *= s;
            if (static_cast<std::size_t>(total) > unitCounts[l])
                report.notes.push_back(layerNames[l] + ": " + std::to_string(unitCounts[l]) + " of " +
                                       std::to_string(total) + " units (pooled to " +
                                       std::to_string(options.poolTo) + "x" + std::to_string(options.poolTo) +
                                       " and/or an even subset)");
        }
}

// MI of every factor group (and of the identity) with the decision, then with every layer in turn (the
// logits last, unless the last tapped layer already is them); each layer's activations are freed once
// analysed.
void analyseDecisionAndLayers(const Layers& layers, Activations& tapped, const Stimuli& stimuli, int classes,
                              std::size_t n, const FactorOptions& options, FactorReport& report,
                              const runtime::JobContext& job) {
    const auto& logits = tapped.logits;
    const auto& layerNames = layers.names;
    const auto& shapes = layers.shapes;
    const auto& unitCounts = tapped.unitCounts;
    auto& activations = tapped.values;
    std::vector<Group> groups = buildGroups(stimuli, report.notes);
    const Group* pose = nullptr;
    for (const auto& g : groups)
        if (g.name == "pose") pose = &g;
    std::vector<int> shuffledIdentity = stimuli.identity;
    std::shuffle(shuffledIdentity.begin(), shuffledIdentity.end(), std::mt19937_64(mix(options.seed, 99)));
    Variables logitVariables(n, static_cast<std::size_t>(classes), "logits");
    const auto logitValues = logits.accessor<float, 2>();
    for (std::size_t k = 0; k < static_cast<std::size_t>(classes); ++k)
        for (std::size_t i = 0; i < n; ++i)
            logitVariables.variable(k)[i] =
                logitValues[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(k)];
    const Variables logitCopula = copulaNormalize(logitVariables, options.seed);
    // Identity against the predicted class: plug-in MI of two discrete variables, bounded by log2(classes).
    // (A class-conditional Gaussian model of the logits is not bounded: well separated classes would give
    // more bits than the identity has.)
    {
        std::vector<int> predicted(n);
        const auto argmax = logits.argmax(1).contiguous();
        for (std::size_t i = 0; i < n; ++i)
            predicted[i] = static_cast<int>(argmax.data_ptr<std::int64_t>()[i]);
        report.decision.push_back({"identity", discreteMi(stimuli.identity, predicted)});
        if (!stimuli.cue.empty()) report.decision.push_back({"cue", discreteMi(stimuli.cue, predicted)});
    }
    for (const auto& g : groups)
        report.decision.push_back({g.name, gaussianMi(g.copula, logitCopula)});

    // The logits as a last layer, unless the last tapped layer already is the logits.
    bool lastIsLogits = false;
    if (!layerNames.empty() && unitCounts.back() == static_cast<std::size_t>(classes)) {
        const auto flat = logits.contiguous();
        lastIsLogits =
            std::equal(activations.back().begin(), activations.back().end(), flat.data_ptr<float>());
    }
    const std::size_t totalLayers = layerNames.size() + (lastIsLogits ? 0 : 1);
    for (std::size_t l = 0; l < totalLayers; ++l) {
        job.checkCancelled();
        job.progress("layers", static_cast<std::int64_t>(l), static_cast<std::int64_t>(totalLayers), 0, 0);
        const bool isLogits = l == layerNames.size();
        std::vector<float> logitData;
        if (isLogits) {
            const auto flat = logits.contiguous();
            logitData.assign(flat.data_ptr<float>(), flat.data_ptr<float>() + flat.numel());
        }
        LayerInfo layer = analyseLayer(isLogits ? "logits" : layerNames[l],
                                       isLogits ? std::vector<std::int64_t>{classes} : shapes[l],
                                       isLogits ? logitData : activations[l],
                                       isLogits ? static_cast<std::size_t>(classes) : unitCounts[l],
                                       stimuli.identity, shuffledIdentity, groups, pose, options);
        if (!isLogits) std::vector<float>().swap(activations[l]);
        job.metric("identity bits", static_cast<double>(l), layer.meanBits.front());
        job.metric("pose bits", static_cast<double>(l), layer.poseBits);
        report.layers.push_back(std::move(layer));
    }
    job.log("factor lab: decision carries " + std::to_string(report.decision.front().bits) +
            " bits of identity; stimulus accuracy " + std::to_string(report.stimulusAccuracy));
}

}  // namespace

FactorReport analyzeFactors(const std::string& modelPath, const FactorOptions& options,
                            const runtime::JobContext& job) {
    const auto started = Clock::now();
    validateOptions(options);
    auto classifier = models::loadFrozenClassifier(modelPath, options.device);
    const World w = worldFor(classifier->meta(), modelPath, options.dataSource);
    const int classes = w.options.classes;
    FactorReport report;
    report.model = modelPath;
    report.architecture = classifier->meta().architecture;
    report.dataSource = w.source;
    report.classNames = classifier->meta().classNames;
    report.samples = options.samples;
    const std::size_t n = options.samples;
    if (n / static_cast<std::size_t>(classes) < 30)
        throw std::invalid_argument(std::to_string(n) + " samples give " + std::to_string(n / classes) +
                                    " per identity; use at least " + std::to_string(30 * classes) +
                                    " samples");
    const Layers layers = chooseLayers(*classifier, options);
    requireActivationsFit(layers, w, n, options);  // before any long work

    torch::Tensor images;
    const Stimuli stimuli = drawStimuli(w, n, options, images, job);
    Activations tapped = tapActivations(*classifier, layers, images, n, options, job);
    noteCoverage(layers, tapped, stimuli, n, options, report);
    analyseDecisionAndLayers(layers, tapped, stimuli, classes, n, options, report, job);
    generalizationGradients(*classifier, w, classes, options, report, job);
    reverseCorrelation(*classifier, w, classes, options, report, job);
    report.seconds = std::chrono::duration<double>(Clock::now() - started).count();
    job.progress("done", 1, 1, 0, 0);
    return report;
}

}  // namespace netsight::factors
