#include "netsight/robustness/PerturbationCurves.h"

#include <cmath>
#include <filesystem>
#include <iomanip>
#include <sstream>

#include "data/Random.h"
#include "netsight/data/DataLoader.h"
#include "netsight/data/Dataset.h"
#include "netsight/models/Classifier.h"
#include "netsight/runtime/AtomicFile.h"
#include "netsight/runtime/Device.h"
#include "report/Html.h"
#include "report/SvgChart.h"
#include "robustness/Perturb.h"
#include "tensor/ImageTensors.h"
#include "train/DataBridge.h"

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

std::vector<PerturbationCurve> perturbationCurves(const std::string& modelPath, const std::string& dataSource,
                                                  const PerturbationOptions& options,
                                                  const runtime::JobContext& job) {
    runtime::configureThreads();
    torch::NoGradGuard noGrad;
    auto classifier = models::loadClassifier(modelPath);
    const auto dataset = data::openDataset(dataSource);
    for (const auto& note : train::checkCompatible(classifier->meta(), dataset->info(), modelPath))
        job.log(note);
    const std::size_t images = std::min(options.testImages, dataset->size(data::Split::Test));
    if (images == 0) throw std::runtime_error(dataSource + " has no test images to measure robustness on");
    classifier->to(torch::Device(runtime::resolveDeviceName(options.device)));
    classifier->setTraining(false);
    const torch::Device device = classifier->device();

    std::vector<PerturbationCurve> curves;
    std::vector<std::vector<std::size_t>> correct;  // [curve][strength]
    for (auto perturbation : options.perturbations) {
        PerturbationCurve curve;
        curve.classifier = std::filesystem::path(modelPath).stem().string();
        curve.perturbation = perturbation;
        curve.strengths = defaultStrengths(perturbation);
        correct.emplace_back(curve.strengths.size(), 0);
        curves.push_back(std::move(curve));
    }
    std::int64_t evaluations = 0, done = 0;
    for (const auto& curve : curves)
        evaluations += static_cast<std::int64_t>(curve.strengths.size());
    const std::int64_t batches =
        static_cast<std::int64_t>((images + options.batchSize - 1) / options.batchSize);
    runtime::RateMeter meter(evaluations * static_cast<std::int64_t>(images));

    data::LoaderOptions loaderOptions;
    loaderOptions.batchSize = options.batchSize;
    loaderOptions.shuffle = false;
    data::DataLoader loader(*dataset, data::Split::Test, loaderOptions,
                            train::shapeAdapter(dataset->info().shape, classifier->meta().input.shape));
    std::size_t seen = 0;
    for (std::int64_t batchIndex = 0; batchIndex < batches; ++batchIndex) {
        auto batch = loader.next();
        if (!batch) break;
        const std::size_t count = std::min(batch->count(), images - seen);
        const auto x = tensor::imagesToTensor(*batch, device).narrow(0, 0, static_cast<int64_t>(count));
        const auto labels = tensor::labelsToTensor(*batch, device).narrow(0, 0, static_cast<int64_t>(count));
        for (std::size_t c = 0; c < curves.size(); ++c) {
            for (std::size_t s = 0; s < curves[c].strengths.size(); ++s) {
                job.checkCancelled();
                // One seed per batch, perturbation and strength: the same draws for every classifier.
                const std::uint64_t seed =
                    data::mixSeed(options.seed, static_cast<std::uint64_t>(curves[c].perturbation),
                                  static_cast<std::uint64_t>(batchIndex) * 1000 + s);
                const auto perturbed = perturb(curves[c].perturbation, curves[c].strengths[s], x, seed);
                const auto predicted = classifier->forward(classifier->normalize(perturbed)).argmax(1);
                correct[c][s] += static_cast<std::size_t>(predicted.eq(labels).sum().item<int64_t>());
                done += static_cast<std::int64_t>(count);
                meter.update(done);
                job.progress(std::string(perturbationName(curves[c].perturbation)) + ", images " +
                                 std::to_string(seen + count) + "/" + std::to_string(images),
                             done, evaluations * static_cast<std::int64_t>(images), meter.ratePerSecond(),
                             meter.etaSeconds());
            }
        }
        seen += count;
        if (seen >= images) break;
    }
    for (std::size_t c = 0; c < curves.size(); ++c) {
        curves[c].images = seen;
        for (std::size_t s = 0; s < curves[c].strengths.size(); ++s) {
            curves[c].accuracy.push_back(wilsonInterval(correct[c][s], seen));
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

std::string writeRobustnessResults(const std::vector<PerturbationCurve>& curves,
                                   const std::string& directory) {
    namespace fs = std::filesystem;
    fs::create_directories(directory);
    writePerturbationCsv(curves, (fs::path(directory) / "perturbations.csv").string());
    std::ostringstream html;
    html << "<!DOCTYPE html><html><head><meta charset='utf-8'><title>NetSight robustness</title>"
            "<style>body{font-family:sans-serif;max-width:900px;margin:2em "
            "auto}table{border-collapse:collapse}"
            "td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}</style></head><body>"
            "<h1>Accuracy under perturbations</h1><p>Each point: accuracy on the same perturbed test images "
            "(the same draws for every classifier), with its 95% interval over the images (Wilson; the band "
            "shows half its width on each side).</p>";
    for (auto perturbation : allPerturbations()) {
        std::vector<report::ChartSeries> series;
        for (const auto& curve : curves) {
            if (curve.perturbation != perturbation) continue;
            report::ChartSeries line;
            line.name = curve.classifier;
            line.x = curve.strengths;
            for (const auto& point : curve.accuracy) {
                line.y.push_back(point.estimate);
                line.error.push_back(point.halfWidth());
            }
            series.push_back(std::move(line));
        }
        if (series.empty()) continue;
        report::ChartOptions chart;
        chart.title = std::string("Accuracy under ") + perturbationName(perturbation);
        chart.xLabel = strengthMeaning(perturbation);
        chart.yLabel = "accuracy";
        const std::string svg = report::svgLineChart(series, chart);
        runtime::writeFileAtomically(
            (fs::path(directory) / (std::string("robustness-") + perturbationName(perturbation) + ".svg"))
                .string(),
            svg);
        html << "<h2>" << perturbationName(perturbation) << "</h2>" << svg << "<table><tr><th>"
             << report::escapeXml(strengthMeaning(perturbation)) << "</th>";
        for (const auto& line : series)
            html << "<th>" << report::escapeXml(line.name) << "</th>";
        html << "</tr>";
        for (std::size_t s = 0; s < series.front().x.size(); ++s) {
            html << "<tr><td>" << series.front().x[s] << "</td>";
            for (const auto& curve : curves)
                if (curve.perturbation == perturbation && s < curve.accuracy.size())
                    html << "<td>" << std::fixed << std::setprecision(3) << curve.accuracy[s].estimate << " ["
                         << curve.accuracy[s].low << ", " << curve.accuracy[s].high << "]</td>"
                         << std::defaultfloat;
            html << "</tr>";
        }
        html << "</table>";
    }
    html << "</body></html>\n";
    const std::string report = (fs::path(directory) / "report.html").string();
    runtime::writeFileAtomically(report, html.str());
    return report;
}

}  // namespace netsight::robustness
