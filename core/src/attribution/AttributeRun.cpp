// The attribution instrument on one classifier: its test images (or image files), every method asked for,
// and each map's checks, summarized with 95% intervals over the images.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "attribution/Checks.h"
#include "netsight/data/FactorWorldDataset.h"
#include "netsight/experiment/Experiment.h"
#include "netsight/probe/Uncertainty.h"
#include "netsight/robustness/PerturbationCurves.h"
#include "netsight/runtime/Device.h"
#include "robustness/TestImages.h"
#include "train/DataBridge.h"

namespace netsight::attribution {
namespace {

// A classifier and what it is asked to explain.
struct Subject {
    std::unique_ptr<models::Classifier> classifier;
    std::string name;
    torch::Tensor images;  ///< NCHW in [0, 1] as the classifier sees them, on the CPU
    std::vector<int> labels;
    std::vector<std::string> sources;
    torch::Tensor objectMasks, cueMasks;  ///< [N, H, W] on FactorWorld; undefined otherwise
    bool hasCue = false;
};

// The FactorWorld truth of the subject's test images, at the classifier's input size.
void addTruth(Subject& subject, const AttributeOptions& options, const std::vector<std::size_t>& indices,
              const runtime::JobContext& job) {
    const auto& dataSource = options.dataSource;
    const auto dataset =
        data::openDataset(dataSource, runtime::dataOpenOptions(job, options.dataCacheDirectory));
    const auto* world = dynamic_cast<const data::FactorWorldDataset*>(dataset.get());
    if (!world) return;
    const int side = world->options().size;
    std::vector<torch::Tensor> objects, cues;
    for (std::size_t i = 0; i < subject.sources.size(); ++i) {
        const auto truth = world->truth(data::Split::Test, indices.empty() ? i : indices[i]);
        objects.push_back(torch::tensor(truth.objectMask).view({1, side, side}));
        cues.push_back(torch::tensor(truth.cueMask).view({1, side, side}));
    }
    const std::vector<int64_t> size{subject.images.size(2), subject.images.size(3)};
    auto resized = [&](const std::vector<torch::Tensor>& masks) {
        auto stacked = torch::stack(masks);  // [N, 1, side, side]
        if (stacked.size(2) != size[0] || stacked.size(3) != size[1])
            stacked = torch::upsample_bilinear2d(stacked, size, false);
        return stacked.squeeze(1);
    };
    subject.objectMasks = resized(objects);
    subject.cueMasks = resized(cues);
    subject.hasCue = world->options().cue.enabled;
}

// Chosen test images of a source, adapted to the classifier's input.
void loadTestImages(Subject& subject, const AttributeOptions& options, const runtime::JobContext& job) {
    const auto& dataSource = options.dataSource;
    const auto& indices = options.testIndices;
    const auto dataset =
        data::openDataset(dataSource, runtime::dataOpenOptions(job, options.dataCacheDirectory));
    for (const auto& note : train::checkCompatible(subject.classifier->meta(), dataset->info(), subject.name))
        job.log(note);
    data::InputSpec input;
    input.shape = subject.classifier->meta().input.shape;
    std::vector<torch::Tensor> images;
    for (auto index : indices) {
        if (index >= dataset->size(data::Split::Test))
            throw std::runtime_error(dataSource + " has " + std::to_string(dataset->size(data::Split::Test)) +
                                     " test images; there is no test image " + std::to_string(index));
        const auto sample = dataset->sample(data::Split::Test, index);
        images.push_back(tensor::imageToTensor(data::adaptToInput(sample.image, input)));
        subject.labels.push_back(static_cast<int>(sample.label));
        subject.sources.push_back("test " + std::to_string(index));
    }
    subject.images = torch::stack(images);
}

Subject openSubject(const std::string& modelPath, const AttributeOptions& options,
                    const runtime::JobContext& job) {
    Subject subject;
    if (!options.testIndices.empty()) {
        subject.classifier = models::loadFrozenClassifier(modelPath, options.device);
        subject.name = std::filesystem::path(modelPath).stem().string();
        loadTestImages(subject, options, job);
        addTruth(subject, options, options.testIndices, job);
        return subject;
    }
    if (options.imageFiles.empty()) {
        auto bench = robustness::openBench(modelPath, options.dataSource, options.count, options.device, job,
                                           options.dataCacheDirectory);
        subject.classifier = std::move(bench.classifier);
        subject.name = bench.name;
        subject.images = bench.images;
        const auto labels = bench.labels.to(torch::kLong);
        for (int64_t i = 0; i < labels.size(0); ++i) {
            subject.labels.push_back(static_cast<int>(labels[i].item<int64_t>()));
            subject.sources.push_back("test " + std::to_string(i));
        }
        addTruth(subject, options, {}, job);
        return subject;
    }
    subject.classifier = models::loadFrozenClassifier(modelPath, options.device);
    subject.name = std::filesystem::path(modelPath).stem().string();
    data::InputSpec input;
    input.shape = subject.classifier->meta().input.shape;
    std::vector<torch::Tensor> images;
    for (const auto& file : options.imageFiles) {
        const auto image = data::readImageFile(file);
        images.push_back(tensor::imageToTensor(data::adaptToInput(image, input)));
        subject.labels.push_back(-1);
        subject.sources.push_back(std::filesystem::path(file).filename().string());
    }
    subject.images = torch::stack(images);
    return subject;
}

// The mean with its 95% t-interval, the interval kept inside the values' range [low, high] (energies, areas
// and drops lie in [0, 1]; a t-interval on few images would otherwise reach past it).
probe::Interval meanInterval(const torch::Tensor& values, double low = -INFINITY, double high = INFINITY) {
    const auto v = values.to(torch::kCPU, torch::kDouble).flatten();
    const auto n = v.numel();
    const double mean = v.mean().item<double>();
    if (n < 2) return {mean, mean, mean};
    const double half = probe::studentTQuantile(0.975, static_cast<double>(n - 1)) * v.std().item<double>() /
                        std::sqrt(static_cast<double>(n));
    return {mean, std::max(low, mean - half), std::min(high, mean + half)};
}

probe::Interval shareInterval(const torch::Tensor& hits) {
    return robustness::wilsonInterval(static_cast<std::size_t>(hits.to(torch::kLong).sum().item<int64_t>()),
                                      static_cast<std::size_t>(hits.numel()));
}

probe::Interval notMeasured() {
    return {NAN, NAN, NAN};
}

std::vector<double> averageCurve(const torch::Tensor& curves) {
    const auto mean = curves.mean(0).contiguous();
    return {mean.data_ptr<double>(), mean.data_ptr<double>() + mean.numel()};
}

// Per class (by label): accuracy, and the means of the per-image checks given (undefined: not measured).
std::vector<ClassBreakdown> breakdown(const Subject& subject, const std::vector<int>& predicted,
                                      const torch::Tensor& deletionAreas, const torch::Tensor& maskEnergies) {
    const auto& names = subject.classifier->meta().classNames;
    std::vector<ClassBreakdown> classes(names.size());
    std::vector<double> deletionSum(names.size(), 0), energySum(names.size(), 0);
    std::vector<std::size_t> correct(names.size(), 0);
    for (std::size_t i = 0; i < subject.labels.size(); ++i) {
        const int label = subject.labels[i];
        if (label < 0 || label >= static_cast<int>(names.size())) continue;
        const auto c = static_cast<std::size_t>(label);
        ++classes[c].images;
        correct[c] += predicted[i] == label;
        if (deletionAreas.defined()) deletionSum[c] += deletionAreas[static_cast<int64_t>(i)].item<double>();
        if (maskEnergies.defined()) energySum[c] += maskEnergies[static_cast<int64_t>(i)].item<double>();
    }
    std::vector<ClassBreakdown> present;
    for (std::size_t c = 0; c < names.size(); ++c) {
        if (classes[c].images == 0) continue;
        const auto n = static_cast<double>(classes[c].images);
        classes[c].name = names[c];
        classes[c].accuracy = static_cast<double>(correct[c]) / n;
        if (deletionAreas.defined()) classes[c].deletionArea = deletionSum[c] / n;
        if (maskEnergies.defined()) classes[c].maskEnergy = energySum[c] / n;
        present.push_back(classes[c]);
    }
    return present;
}

void addChecks(MethodSummary& summary, const Subject& subject, const Maps& maps,
               const AttributeOptions& options, const std::vector<int>& predicted,
               const runtime::JobContext& job) {
    auto& classifier = *subject.classifier;
    torch::Tensor deletionAreas, maskEnergies;
    if (options.curves) {
        CurveOptions curve;
        curve.steps = options.curveSteps;
        curve.maxBatch = options.method.maxBatch;
        const auto curves =
            deletionInsertion(classifier, subject.images, maps.pixels, maps.targets, curve, &job);
        summary.deletionArea = meanInterval(curves.deletionArea, 0, 1);
        deletionAreas = curves.deletionArea;
        summary.insertionArea = meanInterval(curves.insertionArea, 0, 1);
        summary.fractions = curves.fractions;
        summary.deletion = averageCurve(curves.deletion);
        summary.insertion = averageCurve(curves.insertion);
        const auto change =
            confidenceChange(classifier, subject.images, maps.pixels, maps.targets, options.method.maxBatch);
        summary.averageDrop = meanInterval(change.drop, 0, 1);
        summary.increase = shareInterval(change.increased);
    }
    if (subject.objectMasks.defined()) {
        const auto object = againstMask(maps.pixels, subject.objectMasks);
        summary.maskEnergy = meanInterval(object.energyInside, 0, 1);
        maskEnergies = object.energyInside;
        summary.pointing = shareInterval(object.pointingHit);
        summary.maskShare = object.maskShare.mean().item<double>();
        if (subject.hasCue) {
            const auto cue = againstMask(maps.pixels, subject.cueMasks);
            summary.cueEnergy = meanInterval(cue.energyInside, 0, 1);
            summary.cueShare = cue.maskShare.mean().item<double>();
        }
    }
    if (maps.completenessGap.defined()) summary.completenessGap = meanInterval(maps.completenessGap.abs(), 0);
    summary.perClass = breakdown(subject, predicted, deletionAreas, maskEnergies);
}

void addRandomization(MethodSummary& summary, const Subject& subject, Method method,
                      const AttributeOptions& options, const runtime::JobContext& job) {
    const auto count =
        std::min<int64_t>(static_cast<int64_t>(options.randomizationImages), subject.images.size(0));
    const auto steps =
        randomizationCheck(*subject.classifier, subject.images.narrow(0, 0, count), method, options.target,
                           options.method, options.randomizationSteps, options.method.seed + 17, &job);
    for (const auto& step : steps) {
        summary.randomizedLayers.push_back(step.layer);
        summary.randomizedCounts.push_back(step.layersRandomized);
        summary.randomizationRank.push_back(
            meanInterval(torch::tensor(step.correlations, torch::kDouble), -1, 1));
    }
}

}  // namespace

AttributionResults attributeModel(const std::string& modelPath, const AttributeOptions& options,
                                  const runtime::JobContext& job) {
    if (options.methods.empty()) throw std::runtime_error("no attribution method asked for");
    job.log("explaining " + modelPath);
    Subject subject = openSubject(modelPath, options, job);
    auto& classifier = *subject.classifier;
    const auto& classNames = classifier.meta().classNames;

    AttributionResults results;
    results.methods = options.methods;
    results.targetName = targetName(options.target);
    results.dataSource = options.imageFiles.empty() ? options.dataSource : "image files";
    // One pass (in batches) for the answers; the predicted classes are what the maps explain by default.
    torch::Tensor probabilities;
    {
        torch::NoGradGuard noGrad;
        std::vector<torch::Tensor> parts;
        const int64_t batch = std::max(1, options.method.maxBatch);
        for (int64_t start = 0; start < subject.images.size(0); start += batch) {
            job.checkCancelled();
            const auto chunk =
                subject.images.narrow(0, start, std::min(batch, subject.images.size(0) - start));
            parts.push_back(
                torch::softmax(classifier.forward(classifier.normalize(chunk.to(classifier.device()))), 1)
                    .to(torch::kCPU));
        }
        probabilities = torch::cat(parts);
    }
    const auto classes =
        options.target.kind == Target::Kind::Predicted
            ? probabilities.argmax(1)
            : explainedClasses(classifier, subject.images, options.target, options.method.maxBatch);
    std::vector<int> predicted;
    for (int64_t i = 0; i < subject.images.size(0); ++i) {
        ExplainedImage explained;
        explained.classifier = subject.name;
        explained.source = subject.sources[static_cast<std::size_t>(i)];
        explained.label = subject.labels[static_cast<std::size_t>(i)];
        explained.predicted = static_cast<int>(probabilities[i].argmax().item<int64_t>());
        explained.confidence = probabilities[i][explained.predicted].item<double>();
        explained.explainedClass = static_cast<int>(classes[i].item<int64_t>());
        auto name = [&](int c) {
            return c >= 0 && c < static_cast<int>(classNames.size()) ? classNames[c] : "";
        };
        explained.labelName = name(explained.label);
        explained.predictedName = name(explained.predicted);
        explained.explainedName = name(explained.explainedClass);
        explained.image = tensor::tensorToImage(subject.images[i]);
        predicted.push_back(explained.predicted);
        results.images.push_back(std::move(explained));
    }

    runtime::RateMeter meter(static_cast<std::int64_t>(options.methods.size()));
    for (std::size_t m = 0; m < options.methods.size(); ++m) {
        const Method method = options.methods[m];
        job.progress("attribution: " + methodName(method), static_cast<std::int64_t>(m),
                     static_cast<std::int64_t>(options.methods.size()), meter.ratePerSecond(),
                     meter.etaSeconds());
        const auto start = std::chrono::steady_clock::now();
        const auto maps =
            computeMapsFor(classifier, subject.images, method, options.target, classes, options.method, &job);
        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        MethodSummary summary;
        summary.classifier = subject.name;
        summary.method = method;
        summary.layer = maps.layer;
        summary.images = static_cast<std::size_t>(subject.images.size(0));
        summary.imagesPerSecond = seconds > 0 ? static_cast<double>(summary.images) / seconds : 0;
        for (auto* interval :
             {&summary.deletionArea, &summary.insertionArea, &summary.averageDrop, &summary.increase,
              &summary.maskEnergy, &summary.pointing, &summary.cueEnergy, &summary.completenessGap})
            *interval = notMeasured();
        addChecks(summary, subject, maps, options, predicted, job);
        if (options.randomization) addRandomization(summary, subject, method, options, job);
        const auto pixels = maps.pixels.contiguous();
        for (int64_t i = 0; i < pixels.size(0); ++i) {
            const float* begin = pixels[i].data_ptr<float>();
            results.images[static_cast<std::size_t>(i)].maps.emplace_back(begin, begin + pixels[i].numel());
        }
        job.metric(subject.name + ": deletion area", static_cast<double>(m), summary.deletionArea.estimate);
        results.summaries.push_back(std::move(summary));
        meter.update(static_cast<std::int64_t>(m + 1));
    }
    job.progress("attribution", static_cast<std::int64_t>(options.methods.size()),
                 static_cast<std::int64_t>(options.methods.size()), meter.ratePerSecond(), 0);
    return results;
}

std::vector<TestImageAnswer> answerTestImages(const std::string& modelPath, const std::string& dataSource,
                                              std::size_t count, const std::string& device,
                                              const runtime::JobContext& job) {
    auto bench = robustness::openBench(modelPath, dataSource, count, device, job);
    auto& classifier = *bench.classifier;
    const auto& names = classifier.meta().classNames;
    std::vector<TestImageAnswer> answers;
    torch::NoGradGuard noGrad;
    for (int64_t start = 0; start < bench.images.size(0); start += 128) {
        job.checkCancelled();
        const auto batch =
            bench.images.narrow(0, start, std::min<int64_t>(128, bench.images.size(0) - start));
        const auto probabilities =
            torch::softmax(classifier.forward(classifier.normalize(batch.to(classifier.device()))), 1)
                .to(torch::kCPU);
        for (int64_t i = 0; i < batch.size(0); ++i) {
            TestImageAnswer answer;
            answer.index = static_cast<std::size_t>(start + i);
            answer.label = static_cast<int>(bench.labels[start + i].item<int64_t>());
            answer.predicted = static_cast<int>(probabilities[i].argmax().item<int64_t>());
            answer.confidence = probabilities[i][answer.predicted].item<double>();
            answer.labelName = answer.label < static_cast<int>(names.size()) ? names[answer.label] : "";
            answer.predictedName = names[answer.predicted];
            answer.image = tensor::tensorToImage(batch[i]);
            answers.push_back(std::move(answer));
        }
    }
    return answers;
}

std::vector<AttributionResults> attributeExperiment(const std::string& directory,
                                                    const std::vector<std::string>& classifiers,
                                                    const AttributeOptions& options,
                                                    const runtime::JobContext& job) {
    const auto experiment = experiment::Experiment::open(directory);
    std::vector<const experiment::ClassifierEntry*> entries;
    for (const auto& entry : experiment.spec().classifiers)
        if (classifiers.empty() ||
            std::find(classifiers.begin(), classifiers.end(), entry.name) != classifiers.end())
            entries.push_back(&entry);
    std::vector<AttributionResults> runs;
    AttributeOptions run = options;
    run.dataSource = experiment.spec().data;
    run.device = experiment.spec().device;
    run.dataCacheDirectory = experiment.cacheDirectory();
    for (const auto* entry : entries) {
        if (!experiment.classifierReady(*entry)) {
            job.log(entry->name + " is not trained yet: skipped (train it in the Classifiers view)");
            continue;
        }
        auto results = attributeModel(experiment.modelPath(*entry), run, job);
        for (auto& summary : results.summaries)
            summary.classifier = entry->name;
        for (auto& image : results.images)
            image.classifier = entry->name;
        writeAttributionResults(results, experiment.attributionDirectory(entry->name));
        runs.push_back(std::move(results));
    }
    if (runs.empty()) throw std::runtime_error("no trained classifier to explain: train one first");
    return runs;
}

}  // namespace netsight::attribution
