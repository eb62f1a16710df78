// The probe's stages, each on its own (the per-stage commands a scheduler runs) and as runProbe uses them:
// opening the data, the classifiers (trained when missing), the pretraining and each fine-tuning, with
// the lock and recipe checks that let several processes share an experiment folder.
#include "experiment/ProbeStages.h"

#include <algorithm>
#include <filesystem>

#include "experiment/StageLock.h"
#include "netsight/experiment/ProbePipeline.h"
#include "netsight/runtime/AtomicFile.h"
#include "netsight/runtime/Device.h"
#include "netsight/train/Training.h"
#include "probe/AutoencoderTraining.h"
#include "report/Html.h"
#include "train/DataBridge.h"

namespace fs = std::filesystem;

namespace netsight::experiment {
using namespace netsight::probe;  // SegNet and its training

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

namespace {

constexpr const char* kRedoHint =
    "Delete it to redo it with the new settings (netsight-cli probe DIR --discard-stale, or Run > Discard "
    "stale stages in the app), or set the fields back.";

}  // namespace

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

}  // namespace netsight::experiment
