#include "netsight/experiment/ProbePipeline.h"

#include <algorithm>
#include <filesystem>
#include <mutex>
#include <sstream>
#include <tuple>

#include "experiment/ProbeStages.h"
#include "netsight/data/ContactSheet.h"
#include "netsight/experiment/Experiment.h"
#include "netsight/probe/Nmi.h"
#include "netsight/runtime/Device.h"
#include "probe/AutoencoderTraining.h"
#include "probe/ProbeReport.h"
#include "train/DataBridge.h"

namespace fs = std::filesystem;

namespace netsight::experiment {
using namespace netsight::probe;  // the science: SegNet, NMI, order, report
namespace {

// 1 for each image the classifier gets right, 0 otherwise.
std::vector<std::uint8_t> correctnessOf(models::Classifier& classifier, const torch::Tensor& images,
                                        const torch::Tensor& labels) {
    torch::NoGradGuard noGrad;
    classifier.setTraining(false);
    std::vector<std::uint8_t> correct;
    correct.reserve(static_cast<std::size_t>(images.size(0)));
    for (int64_t start = 0; start < images.size(0); start += 128) {
        const auto batch = images.narrow(0, start, std::min<int64_t>(128, images.size(0) - start));
        const auto predicted = classifier.forward(classifier.prepare(batch)).argmax(1);
        const auto right = predicted.eq(labels.narrow(0, start, batch.size(0)))
                               .to(torch::kUInt8)
                               .contiguous()
                               .to(torch::kCPU);
        correct.insert(correct.end(), right.data_ptr<std::uint8_t>(),
                       right.data_ptr<std::uint8_t>() + right.numel());
    }
    return correct;
}

std::vector<std::uint8_t> toBytes(const torch::Tensor& image) {
    const auto bytes = (image * 255.0).round().clamp(0, 255).to(torch::kUInt8).contiguous().to(torch::kCPU);
    return std::vector<std::uint8_t>(bytes.data_ptr<std::uint8_t>(),
                                     bytes.data_ptr<std::uint8_t>() + bytes.numel());
}

}  // namespace

namespace {

// The fixed test images of a run: all of them measure, the first `grid` are the rows of the live view and
// of the reconstruction grid.
struct TestImages {
    torch::Tensor originals, labels, grid;
    std::size_t count = 0;
};

TestImages fixedTestImages(const data::Dataset& dataset, const ProbeSpec& spec, const torch::Device& device) {
    TestImages images;
    images.count = std::min(spec.testImages, dataset.size(data::Split::Test));
    std::tie(images.originals, images.labels) =
        tensor::firstImages(dataset, data::Split::Test, images.count, device);
    images.grid =
        images.originals.narrow(0, 0, static_cast<int64_t>(std::min(spec.gridImages, images.count)));
    return images;
}

// Step 1: model files are loaded and checked first, so that a wrong one stops the run before any training;
// then the zoo entries that are missing are trained (resuming) and loaded.
std::vector<LoadedClassifier> loadClassifiers(const fs::path& directory, const ProbeSpec& spec,
                                              const data::Dataset& dataset, const torch::Device& device,
                                              const runtime::JobContext& job) {
    std::vector<LoadedClassifier> classifiers(spec.classifiers.size());
    for (int zoo = 0; zoo < 2; ++zoo)
        for (std::size_t i = 0; i < spec.classifiers.size(); ++i)
            if (spec.classifiers[i].architecture.empty() == (zoo == 0))
                classifiers[i] =
                    loadExperimentClassifier(directory, spec, dataset, spec.classifiers[i], device, job);
    return classifiers;
}

// Steps 2 and 3: pretraining, then one fine-tuning per classifier; each skipped when its file exists
// (another process may be doing one: `netsight-cli probe DIR --finetune NAME --device ...`; then this one
// waits for it). A stage done earlier still shows its reconstructions in the live view.
void ensureAutoencoders(const fs::path& directory, const ProbeSpec& spec, const data::Dataset& dataset,
                        std::vector<LoadedClassifier>& classifiers, const torch::Device& device,
                        const torch::Tensor& grid, const runtime::JobContext& job) {
    auto previewSaved = [&](const fs::path& path, const std::string& key) {
        SegNet autoencoder = loadAutoencoder(path.string());
        autoencoder->to(device);
        job.preview(key, tensor::tensorToRgb(reconstructImages(autoencoder, grid)));
    };
    if (!ensurePretrained(directory, spec, dataset, device, grid, job))
        previewSaved(pretrainedPath(directory), "pretrained");
    // The fine-tunings (replica-major), spread over the devices: one worker each, a classifier copy per task
    // on its worker's device. One device: in order, on this thread.
    const auto devices = runtime::spreadDevices(spec.device);
    if (devices.size() > 1) {
        std::string list;
        for (const auto& name : devices)
            list += (list.empty() ? "" : ", ") + name;
        job.log("fine-tunings spread over " + list);
    }
    const std::size_t perReplica = classifiers.size();
    std::mutex previewMutex;
    runtime::spreadOverLanes(
        devices, perReplica * static_cast<std::size_t>(spec.replicas),
        [&](std::size_t task, const std::string& lane) {
            const int replica = static_cast<int>(task / perReplica);
            LoadedClassifier& shared = classifiers[task % perReplica];
            const torch::Device here(lane);
            bool trained = false;
            if (devices.size() == 1 && here == device) {
                trained = ensureFinetuned(directory, spec, dataset, shared, replica, here, grid, job);
            } else {
                LoadedClassifier own{shared.name, models::loadClassifier(shared.file), shared.file};
                own.model->to(here);
                own.model->freeze();
                trained = ensureFinetuned(directory, spec, dataset, own, replica, here, grid.to(here), job);
            }
            if (!trained && replica == 0) {
                const std::lock_guard lock(previewMutex);
                previewSaved(finetunedPath(directory, shared.name), shared.name);
            }
        });
}

std::string joined(const std::vector<float>& values) {
    std::ostringstream text;
    for (std::size_t i = 0; i < values.size(); ++i)
        text << (i ? "," : "") << values[i];
    return text.str();
}

// The summary's columns (classifiers, their sizes and inputs) and rows (original, pretrained, one AE per
// classifier).
ProbeSummary emptySummary(const std::vector<LoadedClassifier>& classifiers,
                          const data::ImageShape& dataShape) {
    ProbeSummary summary;
    summary.dataShape = data::toString(dataShape);
    for (const auto& classifier : classifiers) {
        summary.classifiers.push_back(classifier.name);
        summary.parameterCounts.push_back(static_cast<double>(classifier.model->parameterCount()));
        const data::InputSpec& input = classifier.model->meta().input;
        summary.inputs.push_back(data::toString(input.shape) + " mean " + joined(input.mean) + " std " +
                                 joined(input.stdDev));
    }
    summary.rows = {"original", "pretrained"};
    for (const auto& classifier : classifiers)
        summary.rows.push_back(classifier.name);
    return summary;
}

// Step 4: every row's images (the originals, or each replica of an autoencoder's reconstructions of them)
// through every classifier (image by image, into `measurements`), their NMI with the originals, the
// pretrained AE's quality and the first replica's grid images (PNG); returns the grid's cells, a row per
// image.
std::vector<std::vector<data::Image>> measureRows(const fs::path& directory, const ProbeSpec& spec,
                                                  std::vector<LoadedClassifier>& classifiers,
                                                  const TestImages& images, const torch::Device& device,
                                                  ProbeSummary& summary, NmiTable& nmiTable,
                                                  ProbeMeasurements& measurements,
                                                  const runtime::JobContext& job) {
    const NmiVariant variant =
        spec.nmiVariant == "arithmetic" ? NmiVariant::Arithmetic : NmiVariant::Studholme;
    NmiCalculator nmi(spec.nmiBins, variant);
    const std::size_t count = images.count;
    std::vector<std::vector<std::uint8_t>> originalBytes;
    for (std::size_t i = 0; i < count; ++i)
        originalBytes.push_back(toBytes(images.originals[static_cast<int64_t>(i)]));

    std::vector<std::vector<data::Image>> gridRows(static_cast<std::size_t>(images.grid.size(0)));
    summary.gridImages = gridRows.size();
    const fs::path reconstructions = directory / "results" / "reconstructions";
    auto addToGrid = [&](const std::string& row, const torch::Tensor& rowImages) {
        const fs::path folder = reconstructions / row;
        fs::create_directories(folder);
        for (std::size_t i = 0; i < gridRows.size(); ++i) {
            gridRows[i].push_back(tensor::tensorToImage(rowImages[static_cast<int64_t>(i)]));
            data::writePng(data::toRgbBuffer(gridRows[i].back()),
                           (folder / (std::to_string(i) + ".png")).string());
        }
    };
    addToGrid("original", images.originals);
    auto outcomesOf = [&](const torch::Tensor& inputs) {
        std::vector<std::vector<std::uint8_t>> outcomes;
        for (auto& classifier : classifiers)
            outcomes.push_back(correctnessOf(*classifier.model, inputs, images.labels));
        return outcomes;
    };
    measurements.correct.assign(summary.rows.size(), {});
    measurements.intra.assign(summary.rows.size() - 1, {});
    measurements.inter.assign(summary.rows.size() - 1, {});
    measurements.correct[0].push_back(outcomesOf(images.originals));
    const std::size_t steps = 1 + (summary.rows.size() - 2) * static_cast<std::size_t>(spec.replicas) + 1;
    std::size_t done = 1;
    for (std::size_t row = 1; row < summary.rows.size(); ++row) {
        const std::string name = summary.rows[row];
        const int replicas = row == 1 ? 1 : spec.replicas;
        nmiTable.rows.push_back(name);
        nmiTable.intra.emplace_back();
        nmiTable.inter.emplace_back();
        nmiTable.replica.emplace_back();
        for (int replica = 0; replica < replicas; ++replica) {
            job.checkCancelled();
            const fs::path file =
                row == 1 ? pretrainedPath(directory) : finetunedPath(directory, name, replica);
            SegNet autoencoder = loadAutoencoder(file.string());
            autoencoder->to(device);
            const torch::Tensor inputs = reconstructImages(autoencoder, images.originals);
            std::vector<double> intra, inter;
            std::vector<std::vector<std::uint8_t>> bytes;
            for (std::size_t i = 0; i < count; ++i)
                bytes.push_back(toBytes(inputs[static_cast<int64_t>(i)]));
            for (std::size_t i = 0; i < count; ++i) {
                intra.push_back(nmi(originalBytes[i].data(), bytes[i].data(), bytes[i].size()));
                inter.push_back(nmi(bytes[i].data(), bytes[(i + 1) % count].data(), bytes[i].size()));
            }
            auto& table = nmiTable;
            table.intra.back().insert(table.intra.back().end(), intra.begin(), intra.end());
            table.inter.back().insert(table.inter.back().end(), inter.begin(), inter.end());
            table.replica.back().insert(table.replica.back().end(), count, replica);
            measurements.intra[row - 1].push_back(std::move(intra));
            measurements.inter[row - 1].push_back(std::move(inter));
            measurements.correct[row].push_back(outcomesOf(inputs));
            if (replica == 0) {
                job.preview(name, tensor::tensorToRgb(inputs.narrow(0, 0, images.grid.size(0))));
                addToGrid(name, inputs);
            }
            if (row == 1) {  // the base of every fine-tuning: how much it keeps
                auto& quality = summary.pretrainedQuality;
                quality.measured = true;
                quality.psnr = psnr(inputs, images.originals);
                quality.ssim = ssim(inputs, images.originals);
                const auto recorded = autoencoderQuality(file.string());
                if (recorded.is_object()) {
                    quality.validationPsnr = recorded.value("validation_psnr", -1.0);
                    quality.epochs = recorded.value("epochs", 0);
                    quality.stopped = recorded.value("stopped", std::string());
                }
            }
            job.progress("measuring", static_cast<std::int64_t>(++done), static_cast<std::int64_t>(steps), 0,
                         -1);
        }
    }
    return gridRows;
}

// Step 5: the relative matrix, the order of the classifiers over the fine-tuned rows (square: classifier
// i's AE x classifier j) and its rank correlations with accuracy and size.
void orderClassifiers(ProbeSummary& summary) {
    for (const auto& row : summary.accuracy) {
        std::vector<double> relative;
        for (std::size_t j = 0; j < row.size(); ++j)
            relative.push_back(summary.accuracy[0][j] > 0 ? row[j] / summary.accuracy[0][j] : 0.0);
        summary.relative.push_back(relative);
    }
    std::vector<std::vector<double>> square(summary.relative.begin() + 2, summary.relative.end());
    summary.order = orderFromTransfer(square);
    summary.pretrainedQuality.accuracyRatio = summary.relative[1];
    std::vector<double> scores(summary.order.score.begin(), summary.order.score.end());
    summary.tauAccuracy = kendallTau(scores, summary.accuracy[0]);
    summary.tauParameters = kendallTau(scores, summary.parameterCounts);
}

}  // namespace

ProbeSummary runProbe(const std::string& directoryText, const runtime::JobContext& job) {
    const Opened opened(directoryText);
    const fs::path& directory = opened.directory;
    const ProbeSpec& spec = opened.spec;
    runtime::configureThreads();
    const torch::Device device(runtime::resolveDeviceName(spec.device));
    const auto dataset = openExperimentData(directory, spec, job);
    checkBeforeWork(directory, spec, *dataset, opened.specPath);
    requireNoStaleStages(directory, spec, job);
    fs::create_directories(directory / "models");
    fs::create_directories(directory / "results" / "reconstructions");

    const TestImages images = fixedTestImages(*dataset, spec, device);
    job.preview("original", tensor::tensorToRgb(images.grid));
    auto classifiers = loadClassifiers(directory, spec, *dataset, device, job);
    ensureAutoencoders(directory, spec, *dataset, classifiers, device, images.grid, job);

    job.log("measuring: transfer matrix, order, NMI");
    ProbeSummary summary = emptySummary(classifiers, dataset->info().shape);
    NmiTable nmiTable;
    ProbeMeasurements measurements;
    const auto gridRows =
        measureRows(directory, spec, classifiers, images, device, summary, nmiTable, measurements, job);
    job.log("measuring: intervals over " + std::to_string(images.count) + " test images and " +
            std::to_string(spec.replicas) + (spec.replicas == 1 ? " replica" : " replicas"));
    UncertaintyOptions uncertaintyOptions;
    uncertaintyOptions.seed = spec.seed;
    summary.uncertainty = estimateUncertainty(measurements, summary.parameterCounts, uncertaintyOptions);
    // The matrix is the mean over replicas, the NMI summaries the mean of each replica's median: the
    // intervals' estimates.
    for (const auto& row : summary.uncertainty.accuracy) {
        summary.accuracy.emplace_back();
        for (const auto& cell : row)
            summary.accuracy.back().push_back(cell.estimate);
    }
    for (std::size_t a = 0; a < summary.uncertainty.nmiIntraMedian.size(); ++a) {
        summary.nmiIntraMedian.push_back(summary.uncertainty.nmiIntraMedian[a].estimate);
        summary.nmiInterMedian.push_back(summary.uncertainty.nmiInterMedian[a].estimate);
    }
    orderClassifiers(summary);
    if (const auto line = pretrainedQualityLine(summary); !line.empty()) job.log(line);
    if (const auto warning = pretrainedQualityWarning(summary); !warning.empty())
        job.log(warning, runtime::LogLevel::Warning);

    std::vector<std::string> titles;
    for (const auto& row : summary.rows)
        titles.push_back(rowTitle(row));
    const std::string gridPath = (directory / "results" / "reconstructions" / "grid.png").string();
    data::writePng(data::imageGrid(gridRows, titles), gridPath);
    summary.reportPath = writeProbeResults(directory.string(), spec, summary, nmiTable, gridPath);
    return summary;
}

}  // namespace netsight::experiment
