#include "netsight/robustness/PerturbationCurves.h"

#include <cmath>
#include <sstream>

#include "data/Random.h"
#include "netsight/runtime/AtomicFile.h"
#include "robustness/Perturb.h"
#include "robustness/TestImages.h"
#include "tensor/ImageTensors.h"

namespace netsight::robustness {

std::vector<Perturbation> allPerturbations() {
    return {Perturbation::GaussianNoise, Perturbation::SaltAndPepper, Perturbation::GaussianBlur,
            Perturbation::Contrast,      Perturbation::Jpeg,          Perturbation::Shift,
            Perturbation::Rotation};
}

const char* perturbationName(Perturbation perturbation) {
    switch (perturbation) {
        case Perturbation::GaussianNoise:
            return "gaussian-noise";
        case Perturbation::SaltAndPepper:
            return "salt-and-pepper";
        case Perturbation::GaussianBlur:
            return "blur";
        case Perturbation::Contrast:
            return "contrast";
        case Perturbation::Jpeg:
            return "jpeg";
        case Perturbation::Shift:
            return "shift";
        case Perturbation::Rotation:
            return "rotation";
    }
    return "?";
}

std::optional<Perturbation> perturbationNamed(const std::string& name) {
    for (auto perturbation : allPerturbations())
        if (name == perturbationName(perturbation)) return perturbation;
    return std::nullopt;
}

const char* strengthMeaning(Perturbation perturbation) {
    switch (perturbation) {
        case Perturbation::GaussianNoise:
            return "standard deviation of the noise, images in [0, 1]";
        case Perturbation::SaltAndPepper:
            return "share of pixels set to black or white";
        case Perturbation::GaussianBlur:
            return "standard deviation of the Gaussian, in pixels";
        case Perturbation::Contrast:
            return "reduction towards the image's mean: 0 none, 1 a flat image";
        case Perturbation::Jpeg:
            return "JPEG quality, 100 best";
        case Perturbation::Shift:
            return "translation as a share of the image's extent";
        case Perturbation::Rotation:
            return "rotation in degrees";
    }
    return "";
}

std::vector<double> defaultStrengths(Perturbation perturbation) {
    switch (perturbation) {
        case Perturbation::GaussianNoise:
            return {0, 0.05, 0.1, 0.2, 0.3, 0.5};
        case Perturbation::SaltAndPepper:
            return {0, 0.02, 0.05, 0.1, 0.2, 0.3};
        case Perturbation::GaussianBlur:
            return {0, 0.5, 1, 1.5, 2, 3};
        case Perturbation::Contrast:
            return {0, 0.3, 0.5, 0.7, 0.85, 0.95};
        case Perturbation::Jpeg:
            return {100, 75, 50, 30, 15, 5};
        case Perturbation::Shift:
            return {0, 0.05, 0.1, 0.15, 0.2, 0.3};
        case Perturbation::Rotation:
            return {0, 5, 10, 20, 30, 45};
    }
    return {};
}

probe::Interval wilsonInterval(std::size_t correct, std::size_t total) {
    if (total == 0) throw std::invalid_argument("wilsonInterval: no trials");
    constexpr double z = 1.959963984540054;
    const double n = static_cast<double>(total), p = static_cast<double>(correct) / n;
    const double centre = (p + z * z / (2 * n)) / (1 + z * z / n);
    const double half = z / (1 + z * z / n) * std::sqrt(p * (1 - p) / n + z * z / (4 * n * n));
    return {p, std::max(0.0, centre - half), std::min(1.0, centre + half)};
}

namespace {

// One seed per batch, perturbation and strength: the same draws for every classifier.
std::uint64_t batchSeed(std::uint64_t seed, Perturbation perturbation, std::uint64_t batch,
                        std::size_t strength) {
    return data::mixSeed(seed, static_cast<std::uint64_t>(perturbation), batch * 1000 + strength);
}

}  // namespace

std::vector<PerturbedExample> perturbedExamples(const std::string& modelPath, const std::string& dataSource,
                                                Perturbation perturbation, std::size_t strengthIndex,
                                                std::size_t count, const PerturbationOptions& options,
                                                const runtime::JobContext& job) {
    const auto strengths = defaultStrengths(perturbation);
    if (strengthIndex >= strengths.size())
        throw std::invalid_argument(std::string(perturbationName(perturbation)) + " has " +
                                    std::to_string(strengths.size()) + " strengths, not a number " +
                                    std::to_string(strengthIndex));
    // The curves' first batch, drawn as they draw it, then the first `count` of it.
    auto bench = openBench(modelPath, dataSource,
                           std::max<std::size_t>(1, std::min(options.batchSize, options.testImages)),
                           options.device, job, options.dataCacheDirectory);
    torch::NoGradGuard noGrad;
    auto& classifier = *bench.classifier;
    const auto x = bench.images.to(classifier.device());
    const auto perturbed = perturb(perturbation, strengths[strengthIndex], x,
                                   batchSeed(options.seed, perturbation, 0, strengthIndex));
    const auto probabilities =
        torch::softmax(classifier.forward(classifier.normalize(perturbed)), 1).to(torch::kCPU);
    const auto [confidence, predicted] = probabilities.max(1);
    const auto& names = classifier.meta().classNames;
    auto nameOf = [&](int64_t index) {
        return index >= 0 && static_cast<std::size_t>(index) < names.size()
                   ? names[static_cast<std::size_t>(index)]
                   : std::to_string(index);
    };
    const auto images = tensor::tensorToRgb(
        perturbed.narrow(0, 0, std::min<int64_t>(static_cast<int64_t>(count), x.size(0))));
    std::vector<PerturbedExample> examples;
    for (std::size_t i = 0; i < images.size(); ++i) {
        PerturbedExample example;
        example.index = i;
        example.image = images[i];
        example.label = nameOf(bench.labels[static_cast<int64_t>(i)].item<int64_t>());
        example.prediction = nameOf(predicted[static_cast<int64_t>(i)].item<int64_t>());
        example.confidence = confidence[static_cast<int64_t>(i)].item<double>();
        examples.push_back(std::move(example));
    }
    return examples;
}

std::vector<PerturbationCurve> perturbationCurves(const std::string& modelPath, const std::string& dataSource,
                                                  const PerturbationOptions& options,
                                                  const runtime::JobContext& job) {
    auto bench =
        openBench(modelPath, dataSource, options.testImages, options.device, job, options.dataCacheDirectory);
    torch::NoGradGuard noGrad;
    auto& classifier = *bench.classifier;
    const torch::Device device = classifier.device();
    const auto images = static_cast<std::size_t>(bench.images.size(0));

    std::vector<PerturbationCurve> curves;
    std::vector<std::vector<std::size_t>> correct;  // [curve][strength]
    for (auto perturbation : options.perturbations) {
        PerturbationCurve curve;
        curve.classifier = bench.name;
        curve.perturbation = perturbation;
        curve.strengths = defaultStrengths(perturbation);
        curve.images = images;
        correct.emplace_back(curve.strengths.size(), 0);
        curves.push_back(std::move(curve));
    }
    std::int64_t evaluations = 0, done = 0;
    for (const auto& curve : curves)
        evaluations += static_cast<std::int64_t>(curve.strengths.size());
    const auto total = evaluations * static_cast<std::int64_t>(images);
    runtime::RateMeter meter(total);
    const auto batchSize = static_cast<int64_t>(std::max<std::size_t>(1, options.batchSize));
    for (int64_t start = 0, batchIndex = 0; start < static_cast<int64_t>(images);
         start += batchSize, ++batchIndex) {
        const auto count = std::min<int64_t>(batchSize, static_cast<int64_t>(images) - start);
        const auto x = bench.images.narrow(0, start, count).to(device);
        const auto labels = bench.labels.narrow(0, start, count).to(device);
        for (std::size_t c = 0; c < curves.size(); ++c) {
            for (std::size_t s = 0; s < curves[c].strengths.size(); ++s) {
                job.checkCancelled();
                const auto perturbed = perturb(curves[c].perturbation, curves[c].strengths[s], x,
                                               batchSeed(options.seed, curves[c].perturbation,
                                                         static_cast<std::uint64_t>(batchIndex), s));
                const auto predicted = classifier.forward(classifier.normalize(perturbed)).argmax(1);
                correct[c][s] += static_cast<std::size_t>(predicted.eq(labels).sum().item<int64_t>());
                done += count;
                meter.update(done);
                job.progress(std::string(perturbationName(curves[c].perturbation)) + ", images " +
                                 std::to_string(start + count) + "/" + std::to_string(images),
                             done, total, meter.ratePerSecond(), meter.etaSeconds());
            }
        }
    }
    for (std::size_t c = 0; c < curves.size(); ++c) {
        for (std::size_t s = 0; s < curves[c].strengths.size(); ++s) {
            curves[c].accuracy.push_back(wilsonInterval(correct[c][s], images));
            job.metric(curves[c].classifier + "/" + perturbationName(curves[c].perturbation),
                       curves[c].strengths[s], curves[c].accuracy.back().estimate);
        }
    }
    return curves;
}

void writePerturbationCsv(const std::vector<PerturbationCurve>& curves, const std::string& path) {
    std::ostringstream csv;
    csv.precision(12);
    csv << "classifier,perturbation,strength,accuracy,low,high,images\n";
    for (const auto& curve : curves)
        for (std::size_t s = 0; s < curve.strengths.size(); ++s)
            csv << curve.classifier << "," << perturbationName(curve.perturbation) << ","
                << curve.strengths[s] << "," << curve.accuracy[s].estimate << "," << curve.accuracy[s].low
                << "," << curve.accuracy[s].high << "," << curve.images << "\n";
    runtime::writeFileAtomically(path, csv.str());
}

}  // namespace netsight::robustness
