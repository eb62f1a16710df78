#include "probe/AutoencoderTraining.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/Random.h"
#include "netsight/data/DataLoader.h"
#include "netsight/runtime/AtomicFile.h"
#include "train/Checkpoint.h"
#include "train/DataBridge.h"

namespace netsight::probe {
namespace {

using nlohmann::json;
constexpr const char* kAutoencoderKey = "netsight.autoencoder";

std::string serialize(torch::serialize::OutputArchive& archive) {
    std::ostringstream bytes;
    archive.save_to(bytes);
    return bytes.str();
}

struct StepLoss {
    torch::Tensor loss;
    double accuracy = -1;  ///< of the classifier on this batch, when there is one
};
using LossFunction =
    std::function<StepLoss(SegNet&, const torch::Tensor& images, const torch::Tensor& labels)>;

// Pictures for the live view: the autoencoder's current reconstructions of the fixed grid images.
class PreviewPoster {
  public:
    PreviewPoster(const torch::Tensor& images, std::string key, const runtime::JobContext& job)
        : images_(images), key_(std::move(key)), job_(job) {}
    /// Posts when `force` or when the last post is older than the interval; leaves the AE in eval mode.
    bool post(SegNet& autoencoder, bool force) {
        const auto now = std::chrono::steady_clock::now();
        if (!images_.defined() || images_.size(0) == 0 || (!force && now - last_ < kInterval)) return false;
        last_ = now;
        torch::NoGradGuard noGrad;
        autoencoder->eval();
        job_.preview(key_, tensor::tensorToRgb(autoencoder->forward(images_)));
        return true;
    }

  private:
    static constexpr std::chrono::milliseconds kInterval{1500};
    torch::Tensor images_;
    std::string key_;
    const runtime::JobContext& job_;
    std::chrono::steady_clock::time_point last_{};
};

// The shared loop: epochs over the training split, Adam on `parameters`, a checkpoint per epoch.
void trainLoop(const AutoencoderTrainOptions& options, const data::Dataset& dataset, SegNet& autoencoder,
               std::vector<torch::Tensor> parameters, const std::string& phaseName,
               const std::function<void()>& setModes, const LossFunction& lossOf, PreviewPoster& preview,
               const runtime::JobContext& job) {
    torch::optim::Adam optimizer(parameters, torch::optim::AdamOptions(options.learningRate));
    const std::string checkpointPath = options.outputPath + ".ckpt";
    int startEpoch = 0;
    if (auto checkpoint = train::readCheckpoint(checkpointPath, "delete it to start this stage afresh")) {
        if (checkpoint->state.contains("recipe"))
            experiment::requireSameRecipe(checkpointPath, checkpoint->state.at("recipe"), options.recipe,
                                          "Delete it to start this stage afresh with the new settings, or "
                                          "set them back to finish it.");
        autoencoder->load(checkpoint->model);
        optimizer.load(checkpoint->optimizer);
        startEpoch = checkpoint->epoch();
        job.log(phaseName + ": resuming after epoch " + std::to_string(startEpoch));
    }
    const std::size_t trainSplit = dataset.size(data::Split::Train);
    const std::size_t samples =
        options.maxTrainSamples ? std::min(options.maxTrainSamples, trainSplit) : trainSplit;
    const std::int64_t stepsPerEpoch =
        static_cast<std::int64_t>((samples + options.batchSize - 1) / options.batchSize);
    const std::int64_t totalSteps = stepsPerEpoch * options.epochs;
    runtime::RateMeter meter((totalSteps - startEpoch * stepsPerEpoch) *
                             static_cast<std::int64_t>(options.batchSize));
    std::int64_t images = 0;
    preview.post(autoencoder, true);
    for (int epoch = startEpoch; epoch < options.epochs; ++epoch) {
        torch::manual_seed(data::mixSeed(options.seed, 0xAE, static_cast<std::uint64_t>(epoch)));
        data::LoaderOptions loaderOptions;
        loaderOptions.batchSize = options.batchSize;
        loaderOptions.seed = options.seed + 17;
        data::DataLoader loader(dataset, data::Split::Train, loaderOptions);
        loader.startEpoch(epoch);
        setModes();
        double lossSum = 0;
        std::int64_t step = 0;
        while (step < stepsPerEpoch) {
            auto batch = loader.next();
            if (!batch) break;
            job.checkCancelled();
            const auto x = tensor::imagesToTensor(*batch, options.device);
            const auto labels = tensor::labelsToTensor(*batch, options.device);
            const StepLoss stepLoss = lossOf(autoencoder, x, labels);
            const auto& loss = stepLoss.loss;
            const double value = loss.item<double>();
            if (!std::isfinite(value))
                throw std::runtime_error(phaseName + " diverged: the loss became " + std::to_string(value) +
                                         " in epoch " + std::to_string(epoch + 1) +
                                         "; the last checkpoint is kept; lower "
                                         "the autoencoder learning rates in experiment.json and run again");
            for (auto& parameter : parameters)
                parameter.mutable_grad().reset();
            loss.backward();
            optimizer.step();
            ++step;
            lossSum += value;
            images += static_cast<std::int64_t>(batch->count());
            meter.update(images);
            const std::int64_t globalStep = epoch * stepsPerEpoch + step;
            job.metric(phaseName + "/loss", static_cast<double>(globalStep), value);
            if (stepLoss.accuracy >= 0)
                job.metric(phaseName + "/accuracy", static_cast<double>(globalStep), stepLoss.accuracy);
            if (preview.post(autoencoder, false)) setModes();
            job.progress(
                phaseName + ", epoch " + std::to_string(epoch + 1) + "/" + std::to_string(options.epochs),
                globalStep, totalSteps, meter.ratePerSecond(), meter.etaSeconds());
        }
        job.log(phaseName + ": epoch " + std::to_string(epoch + 1) + "/" + std::to_string(options.epochs) +
                ", mean loss " + std::to_string(step ? lossSum / step : 0.0));
        train::writeCheckpoint(checkpointPath, *autoencoder, optimizer,
                               {{"epoch", epoch + 1}, {"recipe", options.recipe}});
        preview.post(autoencoder, true);
    }
    saveAutoencoder(autoencoder, options.preset, options.outputPath, options.recipe);
    std::filesystem::remove(checkpointPath);
}

}  // namespace

void saveAutoencoder(SegNet& autoencoder, const std::string& preset, const std::string& path,
                     const Recipe& recipe) {
    torch::serialize::OutputArchive archive;
    autoencoder->save(archive);
    const json meta = {{"preset", preset},
                       {"channels", autoencoder->options().channels},
                       {"stages", autoencoder->options().stages},
                       {"recipe", recipe}};
    archive.write(kAutoencoderKey, c10::IValue(meta.dump()));
    runtime::writeFileAtomically(path, serialize(archive));
}

namespace {

json readMeta(torch::serialize::InputArchive& archive, const std::string& path) {
    c10::IValue metaValue;
    try {
        archive.load_from(path);
    } catch (const c10::Error& error) {
        throw std::runtime_error(path + ": not a readable autoencoder file (" +
                                 std::string(error.what_without_backtrace()).substr(0, 200) + ")");
    }
    if (!archive.try_read(kAutoencoderKey, metaValue) || !metaValue.isString())
        throw std::runtime_error(path + ": not a NetSight autoencoder (no autoencoder metadata)");
    return json::parse(metaValue.toStringRef());
}

}  // namespace

Recipe autoencoderRecipe(const std::string& path) {
    torch::serialize::InputArchive archive;
    return readMeta(archive, path).value("recipe", Recipe());
}

Recipe autoencoderCheckpointRecipe(const std::string& path) {
    const auto state = train::checkpointState(path);
    return state.is_object() ? state.value("recipe", Recipe()) : Recipe();
}

SegNet loadAutoencoder(const std::string& path, std::string* preset) {
    torch::serialize::InputArchive archive;
    const json meta = readMeta(archive, path);
    SegNetOptions options;
    options.channels = meta.at("channels").get<int64_t>();
    options.stages = meta.at("stages").get<std::vector<std::vector<int64_t>>>();
    SegNet autoencoder(options);
    autoencoder->load(archive);
    if (preset) *preset = meta.value("preset", std::string());
    return autoencoder;
}

namespace {

AutoencoderTrainOptions commonOptions(const experiment::ProbeSpec& spec, const std::string& path,
                                      const Recipe& recipe, const torch::Device& device) {
    AutoencoderTrainOptions options;
    options.preset = spec.autoencoder;
    options.outputPath = path;
    options.recipe = recipe;
    options.batchSize = spec.batchSize;
    options.maxTrainSamples = spec.maxTrainSamples;
    options.seed = spec.seed;
    options.device = device;
    return options;
}

}  // namespace

AutoencoderTrainOptions pretrainOptions(const experiment::ProbeSpec& spec, const std::string& path,
                                        const Recipe& recipe, const torch::Device& device) {
    auto options = commonOptions(spec, path, recipe, device);
    options.epochs = spec.pretrainEpochs;
    options.learningRate = spec.autoencoderLearningRate;
    return options;
}

AutoencoderTrainOptions finetuneOptions(const experiment::ProbeSpec& spec, const std::string& path,
                                        const Recipe& recipe, const torch::Device& device) {
    auto options = commonOptions(spec, path, recipe, device);
    options.epochs = spec.finetuneEpochs;
    options.learningRate = spec.finetuneLearningRate;
    options.reconstructionWeight = spec.reconstructionWeight;
    return options;
}

void pretrainAutoencoder(const AutoencoderTrainOptions& options, const data::Dataset& dataset,
                         const torch::Tensor& previewImages, const runtime::JobContext& job) {
    PreviewPoster preview(previewImages, "pretrained", job);
    torch::manual_seed(data::mixSeed(options.seed, 0xAE0));
    SegNet autoencoder(segNetPreset(options.preset, dataset.info().shape.channels));
    autoencoder->to(options.device);
    trainLoop(
        options, dataset, autoencoder, autoencoder->parameters(), "pretrain autoencoder",
        [&] { autoencoder->train(); },
        [](SegNet& ae, const torch::Tensor& images, const torch::Tensor&) {
            return StepLoss{torch::mse_loss(ae->forward(images), images)};
        },
        preview, job);
}

void finetuneAutoencoder(const AutoencoderTrainOptions& options, const data::Dataset& dataset,
                         const std::string& pretrainedPath, models::Classifier& classifier,
                         const std::string& name, const torch::Tensor& previewImages,
                         const runtime::JobContext& job) {
    PreviewPoster preview(previewImages, name, job);
    std::string preset;
    SegNet autoencoder = loadAutoencoder(pretrainedPath, &preset);
    autoencoder->to(options.device);
    classifier.freeze();
    AutoencoderTrainOptions finetuning = options;
    if (!preset.empty()) finetuning.preset = preset;  // the fine-tuned copy is of the pretrained one's kind
    const double weight = options.reconstructionWeight;
    trainLoop(
        finetuning, dataset, autoencoder, autoencoder->decoderParameters(), "fine-tune for " + name,
        [&] {
            autoencoder->train();
            autoencoder->freezeEncoder();
        },
        [&classifier, weight](SegNet& ae, const torch::Tensor& images, const torch::Tensor& labels) {
            SegNetCode code;
            {
                torch::NoGradGuard frozen;  // the encoder is detached: no graph through it
                code = ae->encode(images);
            }
            const auto reconstruction = ae->decode(code);
            const auto logits = classifier.forward(classifier.normalize(reconstruction));
            auto loss = torch::nn::functional::cross_entropy(logits, labels);
            if (weight > 0) loss = loss + weight * torch::mse_loss(reconstruction, images);
            const double accuracy = logits.argmax(1).eq(labels).to(torch::kDouble).mean().item<double>();
            return StepLoss{loss, accuracy};
        },
        preview, job);
}

}  // namespace netsight::probe
