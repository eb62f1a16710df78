#include "netsight/experiment/ProbePipeline.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <mutex>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>
#include <tuple>

#include "experiment/StageLock.h"
#include "experiment/StageRecipes.h"
#include "netsight/data/ContactSheet.h"
#include "netsight/experiment/Experiment.h"
#include "netsight/probe/Nmi.h"
#include "netsight/runtime/AtomicFile.h"
#include "netsight/runtime/Device.h"
#include "netsight/train/Training.h"
#include "probe/AutoencoderTraining.h"
#include "probe/ProbeReport.h"
#include "report/Html.h"
#include "train/DataBridge.h"

namespace fs = std::filesystem;

namespace netsight::experiment {
using namespace netsight::probe;  // the science: SegNet, NMI, order, report
namespace {

using nlohmann::json;

struct LoadedClassifier {
    std::string name;
    std::unique_ptr<models::Classifier> model;
    std::string file;  ///< its model file
};

// Errors that need no long work: the spec, the data, the autoencoder (a preset, or the file of
// autoencoder.pretrained) against the images.
void checkBeforeWork(const fs::path& directory, const experiment::ProbeSpec& spec,
                     const data::Dataset& dataset, const std::string& where) {
    const auto& shape = dataset.info().shape;
    SegNetOptions options;
    std::string named = "autoencoder preset '" + spec.autoencoder + "'";
    if (spec.pretrainedAutoencoder.empty()) {
        options = segNetPreset(spec.autoencoder, shape.channels);
    } else if (fs::exists(pretrainedPath(directory))) {
        // Copied in an earlier run: the copy is what is used (the file it came from may be gone).
        options = loadAutoencoder(pretrainedPath(directory).string())->options();
        named = "the autoencoder in " + pretrainedPath(directory).string();
    } else {
        const std::string file = resolvePath(directory, spec.pretrainedAutoencoder);
        if (!fs::exists(file))
            throw std::runtime_error(where + ": field 'autoencoder.pretrained' names " + file +
                                     ", which does not exist; give an autoencoder file (such as another "
                                     "experiment's models/ae-pretrained.pt) or remove the field to pretrain");
        options = loadAutoencoder(file)->options();  // its errors name the file
        named = "the autoencoder in " + file;
        if (options.channels != shape.channels)
            throw std::runtime_error(where + ": field 'autoencoder.pretrained': " + file + " reconstructs " +
                                     std::to_string(options.channels) + "-channel images but " + spec.data +
                                     " has " + std::to_string(shape.channels) +
                                     "; give an autoencoder trained on images like these");
    }
    const int factor = 1 << options.stages.size();
    if (shape.height % factor != 0 || shape.width % factor != 0)
        throw std::runtime_error(where + ": " + named + " pools " + std::to_string(options.stages.size()) +
                                 " times, so image sides must be multiples of " + std::to_string(factor) +
                                 "; the data are " + std::to_string(shape.width) + "x" +
                                 std::to_string(shape.height) + " (choose another preset or image size)");
    if (dataset.size(data::Split::Test) < 20)
        throw std::runtime_error(where + ": " + spec.data + " has " +
                                 std::to_string(dataset.size(data::Split::Test)) +
                                 " test images; the statistics need at least 20");
    if (dataset.size(data::Split::Train) == 0)
        throw std::runtime_error(where + ": " + spec.data + " has no training images");
}

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

// The experiment's cache/ folder (Experiment::cacheDirectory) without reading experiment.json again.
std::string dataCacheDirectory(const fs::path& directory) {
    return (directory / "cache").string();
}

// The experiment's data, opened inside `job` (a folder's one-time indexing reports progress and can stop).
std::unique_ptr<data::Dataset> openExperimentData(const fs::path& directory,
                                                  const experiment::ProbeSpec& spec,
                                                  const runtime::JobContext& job) {
    return data::openDataset(spec.data, runtime::dataOpenOptions(job, dataCacheDirectory(directory)));
}

// Trains a zoo entry of the experiment into models/NAME.nsm unless it is there and complete.
// `device`: the job's device, resolved once (a fine-tuning on cuda:1 trains its missing classifier there).
std::string trainZooEntry(const fs::path& directory, const experiment::ProbeSpec& spec,
                          const experiment::ClassifierEntry& entry, const torch::Device& device,
                          const runtime::JobContext& job) {
    const std::string path = zooModelPath(directory, entry.name).string();
    if (fs::exists(path) && !fs::exists(path + ".ckpt")) return path;
    const StageLock lock(directory / "models", "classifier-" + entry.name, job);
    if (!fs::exists(path) || fs::exists(path + ".ckpt")) {
        train::TrainOptions options;
        options.architecture = entry.architecture;
        options.dataSource = spec.data;
        options.dataCacheDirectory = dataCacheDirectory(directory);
        options.outputPath = path;
        options.epochs = spec.classifierEpochs;
        options.learningRate = spec.classifierLearningRate;
        options.seed = classifierSeed(spec, entry);
        options.device = device.str();
        options.mixedPrecision = spec.mixedPrecision;
        options.metricPrefix = "classifier " + entry.name + ": ";
        job.log("training classifier " + entry.name + " (" + entry.architecture + ")");
        train::trainClassifier(options, job);
        fs::remove(path + ".ckpt");
    }
    return path;
}

// The classifier of `entry` on `device`, frozen: a model file loaded and checked against the data, or a
// zoo entry trained first if missing.
LoadedClassifier loadExperimentClassifier(const fs::path& directory, const experiment::ProbeSpec& spec,
                                          const data::Dataset& dataset,
                                          const experiment::ClassifierEntry& entry,
                                          const torch::Device& device, const runtime::JobContext& job) {
    const std::string path = entry.architecture.empty() ? resolvePath(directory, entry.model)
                                                        : trainZooEntry(directory, spec, entry, device, job);
    LoadedClassifier loaded{entry.name, models::loadClassifier(path), path};
    if (loaded.model->meta().classNames.size() != dataset.info().classNames.size())
        throw std::runtime_error(path + ": classifier " + entry.name + " has " +
                                 std::to_string(loaded.model->meta().classNames.size()) + " classes but " +
                                 spec.data + " has " + std::to_string(dataset.info().classNames.size()));
    const data::ImageShape& input = loaded.model->meta().input.shape;
    if (input != dataset.info().shape)
        job.log("classifier " + entry.name + " takes " + data::toString(input) + " images; the data's " +
                data::toString(dataset.info().shape) +
                " images and their reconstructions are brought to that (" +
                (input.channels != dataset.info().shape.channels ? "channels converted, " : "") +
                "resized to cover it, centre-cropped) and normalized its way");
    loaded.model->to(device);
    loaded.model->freeze();
    return loaded;
}

constexpr const char* kRedoHint =
    "Delete it to redo it with the new settings (netsight-cli probe DIR --discard-stale, or Run > Discard "
    "stale stages in the app), or set the fields back.";

// Pretrains the autoencoder unless done (waiting for another process doing it). Returns whether it trained.
bool ensurePretrained(const fs::path& directory, const experiment::ProbeSpec& spec,
                      const data::Dataset& dataset, const torch::Device& device,
                      const torch::Tensor& previewImages, const runtime::JobContext& job) {
    const fs::path path = pretrainedPath(directory);
    if (fs::exists(path)) return false;
    const StageLock lock(directory / "models", "ae-pretrained", job);
    const Recipe recipe = pretrainRecipe(spec);
    if (fs::exists(path)) {  // another process made it while this one waited: made as asked?
        requireSameRecipe(path.string(), autoencoderRecipe(path.string()), recipe, kRedoHint);
        return false;
    }
    const std::string given = givenPretrainedFile(directory, spec);
    if (!given.empty()) {
        std::string preset;
        SegNet autoencoder = loadAutoencoder(given, &preset);
        saveAutoencoder(autoencoder, preset, path.string(), recipe);
        job.log("autoencoder: starting from " + given + " (autoencoder.pretrained), no pretraining");
        return false;
    }
    // Trained once per data, preset and recipe: an earlier experiment's (or demo's) is reused as it is.
    const fs::path cached = cachedPretrainedPath(spec);
    if (!cached.empty() && fs::exists(cached)) {
        try {
            if (recipeChanges(autoencoderRecipe(cached.string()), recipe).empty()) {
                runtime::writeFileAtomically(path.string(), report::readFileBytes(cached.string()));
                job.log("autoencoder: reusing the pretrained autoencoder " + cached.string() +
                        " (same data and pretraining settings; delete it to pretrain afresh)");
                return false;
            }
        } catch (const std::exception& error) {
            job.log(cached.string() + " cannot be reused (" + error.what() + "); pretraining afresh",
                    runtime::LogLevel::Warning);
        }
    }
    pretrainAutoencoder(pretrainOptions(spec, path.string(), recipe, device), dataset, previewImages, job);
    if (!cached.empty()) {
        try {
            fs::create_directories(cached.parent_path());
            runtime::writeFileAtomically(cached.string(), report::readFileBytes(path.string()));
            job.log("autoencoder: kept for reuse by experiments on the same data as " + cached.string());
        } catch (const std::exception& error) {
            job.log("the pretrained autoencoder could not be kept for reuse in " +
                        cached.parent_path().string() + " (" + error.what() + ")",
                    runtime::LogLevel::Warning);
        }
    }
    return true;
}

// Fine-tunes replica `replica` of the autoencoder for `classifier` unless done. Returns whether it trained.
bool ensureFinetuned(const fs::path& directory, const experiment::ProbeSpec& spec,
                     const data::Dataset& dataset, LoadedClassifier& classifier, int replica,
                     const torch::Device& device, const torch::Tensor& previewImages,
                     const runtime::JobContext& job) {
    const fs::path path = finetunedPath(directory, classifier.name, replica);
    if (fs::exists(path)) return false;
    const StageLock lock(directory / "models", finetunedStageName(classifier.name, replica), job);
    const Recipe recipe = finetuneRecipe(spec, fileDigest(pretrainedPath(directory).string()),
                                         classifier.name, classifier.file, replica);
    if (fs::exists(path)) {  // another process made it while this one waited: made as asked?
        requireSameRecipe(path.string(), autoencoderRecipe(path.string()), recipe, kRedoHint);
        return false;
    }
    auto options = finetuneOptions(spec, path.string(), recipe, device);
    options.seed = replicaSeed(spec, replica);
    // The live view follows the first replica; the others train without pictures.
    const std::string name =
        replica == 0 ? classifier.name : classifier.name + " (replica " + std::to_string(replica + 1) + ")";
    finetuneAutoencoder(options, dataset, pretrainedPath(directory).string(), *classifier.model, name,
                        replica == 0 ? previewImages : torch::Tensor(), job);
    return true;
}

// The experiment in `directory`: its folder, its experiment.json and what that says.
struct Opened {
    experiment::Experiment experiment;
    fs::path directory;
    std::string specPath;
    const experiment::ProbeSpec& spec;
    explicit Opened(const std::string& directoryText)
        : experiment(experiment::Experiment::open(directoryText)),
          directory(experiment.directory()),
          specPath(experiment.specPath()),
          spec(experiment.spec()) {}
};

}  // namespace

std::string finetuneJobName(const std::string& name, int replica) {
    return "fine-tune " + name + (replica > 0 ? " (replica " + std::to_string(replica + 1) + ")" : "");
}

void finetuneExperimentAutoencoder(const std::string& directoryText, const std::string& name,
                                   const runtime::JobContext& job, const std::string& deviceName, int replica,
                                   bool trainPrerequisites) {
    const Opened opened(directoryText);
    const fs::path& directory = opened.directory;
    const std::string& specPath = opened.specPath;
    const experiment::ProbeSpec& spec = opened.spec;
    const auto& entry = opened.experiment.classifier(name);
    if (!trainPrerequisites) {
        // Under a scheduler those stages are jobs of their own that this one depends on: never train them
        // here.
        if (!opened.experiment.classifierReady(entry))
            throw std::runtime_error(
                "classifier " + name + " is not ready (" + opened.experiment.classifierStatus(entry) +
                "); its own job trains it: see netsight-cli probe " + directoryText + " --status");
        if (!fs::exists(pretrainedPath(directory)))
            throw std::runtime_error(
                "the pretrained autoencoder is not there; its own job makes it: see "
                "netsight-cli probe " +
                directoryText + " --status");
    }
    if (replica >= spec.replicas)
        throw std::runtime_error(specPath + ": replica " + std::to_string(replica + 1) + " of " + name +
                                 " asked for, but evaluation.replicas is " + std::to_string(spec.replicas));
    runtime::configureThreads();
    const torch::Device device(runtime::resolveDeviceName(deviceName.empty() ? spec.device : deviceName));
    const auto dataset = openExperimentData(directory, spec, job);
    checkBeforeWork(directory, spec, *dataset, specPath);
    requireNoStaleStages(directory, spec, job);
    fs::create_directories(directory / "models");
    const std::size_t gridCount =
        std::min({spec.gridImages, spec.testImages, dataset->size(data::Split::Test)});
    const auto previewImages = tensor::firstImages(*dataset, data::Split::Test, gridCount, device).first;
    job.preview("original", tensor::tensorToRgb(previewImages));
    LoadedClassifier classifier = loadExperimentClassifier(directory, spec, *dataset, entry, device, job);
    ensurePretrained(directory, spec, *dataset, device, previewImages, job);
    for (int k = replica < 0 ? 0 : replica; k < (replica < 0 ? spec.replicas : replica + 1); ++k)
        if (!ensureFinetuned(directory, spec, *dataset, classifier, k, device, previewImages, job))
            job.log("the autoencoder for " + name +
                    " is already fine-tuned: " + finetunedPath(directory, name, k).string());
}

void pretrainExperimentAutoencoder(const std::string& directoryText, const runtime::JobContext& job,
                                   const std::string& deviceName) {
    const Opened opened(directoryText);
    const fs::path& directory = opened.directory;
    const experiment::ProbeSpec& spec = opened.spec;
    runtime::configureThreads();
    const torch::Device device(runtime::resolveDeviceName(deviceName.empty() ? spec.device : deviceName));
    const auto dataset = openExperimentData(directory, spec, job);
    checkBeforeWork(directory, spec, *dataset, opened.specPath);
    requireNoStaleStages(directory, spec, job);
    fs::create_directories(directory / "models");
    const std::size_t gridCount =
        std::min({spec.gridImages, spec.testImages, dataset->size(data::Split::Test)});
    const auto previewImages = tensor::firstImages(*dataset, data::Split::Test, gridCount, device).first;
    if (!ensurePretrained(directory, spec, *dataset, device, previewImages, job))
        job.log("the autoencoder is already pretrained: " + pretrainedPath(directory).string());
}

void trainExperimentClassifier(const std::string& directoryText, const std::string& name,
                               const runtime::JobContext& job, const std::string& deviceName) {
    const Opened opened(directoryText);
    const fs::path& directory = opened.directory;
    const std::string& specPath = opened.specPath;
    const experiment::ProbeSpec& spec = opened.spec;
    const auto& entry = opened.experiment.classifier(name);
    if (entry.architecture.empty())
        throw std::runtime_error(specPath + ": classifier " + name +
                                 " is a model file, not a zoo architecture; there is nothing to train");
    requireNoStaleStages(directory, spec, job);
    runtime::configureThreads();
    const torch::Device device(runtime::resolveDeviceName(deviceName.empty() ? spec.device : deviceName));
    fs::create_directories(directory / "models");
    trainZooEntry(directory, spec, entry, device, job);
}

void requireClassifier(const std::string& directory, const std::string& name) {
    experiment::Experiment::open(directory).classifier(name);
}

std::vector<StaleStage> staleStages(const std::string& directory) {
    const Opened opened(directory);
    return findStaleStages(opened.directory, opened.spec);
}

std::vector<StaleStage> staleStagesUnder(const std::string& directory, const ProbeSpec& spec) {
    validateProbeSpec(spec, (fs::path(directory) / "experiment.json").string());
    return findStaleStages(fs::path(directory), spec);
}

std::string describeStaleStage(const StaleStage& stage, const std::string& directory) {
    std::string text = fs::path(stage.file).lexically_relative(fs::absolute(directory)).string() + ":";
    for (std::size_t i = 0; i < stage.changes.size(); ++i)
        text += (i ? "; " : " ") + stage.changes[i];
    return text;
}

std::vector<StaleStage> discardStaleStages(const std::string& directory) {
    const auto stale = staleStages(directory);
    for (const auto& stage : stale) {
        fs::remove(stage.file);
        fs::remove(stage.file + ".ckpt");  // a stage's checkpoint goes with its file
    }
    return stale;
}

void createDemoExperiment(const std::string& directory) {
    experiment::Experiment::openOrCreateDemo(directory);
}

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
