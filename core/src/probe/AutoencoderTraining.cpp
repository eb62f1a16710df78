#include "probe/AutoencoderTraining.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/Random.h"
#include "netsight/data/DataLoader.h"
#include "netsight/runtime/AtomicFile.h"
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
void trainLoop(const experiment::ProbeSpec& spec, const data::Dataset& dataset, SegNet& autoencoder,
               const std::string& preset, const Recipe& recipe, std::vector<torch::Tensor> parameters,
               int epochs, double learningRate, const std::string& path, const std::string& phaseName,
               const std::function<void()>& setModes, const LossFunction& lossOf, const torch::Device& device,
               PreviewPoster& preview, const runtime::JobContext& job) {
    torch::optim::Adam optimizer(parameters, torch::optim::AdamOptions(learningRate));
    const std::string checkpoint = path + ".ckpt";
    int startEpoch = 0;
    if (std::filesystem::exists(checkpoint)) {
        torch::serialize::InputArchive archive, model, optimizerState;
        c10::IValue epochValue, recipeValue;
        try {
            archive.load_from(checkpoint);
            archive.read("model", model);
            archive.read("optimizer", optimizerState);
            archive.read("epoch", epochValue);
        } catch (const c10::Error& error) {
            throw std::runtime_error(checkpoint +
                                     ": the checkpoint is damaged; delete it to start this stage afresh (" +
                                     std::string(error.what_without_backtrace()).substr(0, 200) + ")");
        }
        if (archive.try_read("recipe", recipeValue) && recipeValue.isString())
            experiment::requireSameRecipe(
                checkpoint, json::parse(recipeValue.toStringRef()), recipe,
                "Delete it to start this stage afresh with the new settings, or set them back "
                "to finish it.");
        autoencoder->load(model);
        optimizer.load(optimizerState);
        startEpoch = static_cast<int>(epochValue.toInt());
        job.log(phaseName + ": resuming after epoch " + std::to_string(startEpoch));
    }
    const std::size_t samples = spec.maxTrainSamples
                                    ? std::min(spec.maxTrainSamples, dataset.size(data::Split::Train))
                                    : dataset.size(data::Split::Train);
    const std::int64_t stepsPerEpoch =
        static_cast<std::int64_t>((samples + spec.batchSize - 1) / spec.batchSize);
    const std::int64_t totalSteps = stepsPerEpoch * epochs;
    runtime::RateMeter meter((totalSteps - startEpoch * stepsPerEpoch) *
                             static_cast<std::int64_t>(spec.batchSize));
    std::int64_t images = 0;
    preview.post(autoencoder, true);
    for (int epoch = startEpoch; epoch < epochs; ++epoch) {
        torch::manual_seed(data::mixSeed(spec.seed, 0xAE, static_cast<std::uint64_t>(epoch)));
        data::LoaderOptions loaderOptions;
        loaderOptions.batchSize = spec.batchSize;
        loaderOptions.seed = spec.seed + 17;
        data::DataLoader loader(dataset, data::Split::Train, loaderOptions);
        loader.startEpoch(epoch);
        setModes();
        double lossSum = 0;
        std::int64_t step = 0;
        while (step < stepsPerEpoch) {
            auto batch = loader.next();
            if (!batch) break;
            job.checkCancelled();
            const auto x = tensor::imagesToTensor(*batch, device);
            const auto labels = tensor::labelsToTensor(*batch, device);
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
            job.progress(phaseName + ", epoch " + std::to_string(epoch + 1) + "/" + std::to_string(epochs),
                         globalStep, totalSteps, meter.ratePerSecond(), meter.etaSeconds());
        }
        job.log(phaseName + ": epoch " + std::to_string(epoch + 1) + "/" + std::to_string(epochs) +
                ", mean loss " + std::to_string(step ? lossSum / step : 0.0));
        torch::serialize::OutputArchive archive, model, optimizerState;
        autoencoder->save(model);
        optimizer.save(optimizerState);
        archive.write("model", model);
        archive.write("optimizer", optimizerState);
        archive.write("epoch", c10::IValue(static_cast<int64_t>(epoch + 1)));
        archive.write("recipe", c10::IValue(recipe.dump()));
        runtime::writeFileAtomically(checkpoint, serialize(archive));
        preview.post(autoencoder, true);
    }
    saveAutoencoder(autoencoder, preset, path, recipe);
    std::filesystem::remove(checkpoint);
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
    torch::serialize::InputArchive archive;
    c10::IValue recipeValue;
    try {
        archive.load_from(path);
        if (archive.try_read("recipe", recipeValue) && recipeValue.isString())
            return json::parse(recipeValue.toStringRef());
    } catch (const std::exception&) {
    }
    return Recipe();
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

void pretrainAutoencoder(const experiment::ProbeSpec& spec, const data::Dataset& dataset,
                         const std::string& path, const Recipe& recipe, const torch::Device& device,
                         const torch::Tensor& previewImages, const runtime::JobContext& job) {
    PreviewPoster preview(previewImages, "pretrained", job);
    torch::manual_seed(data::mixSeed(spec.seed, 0xAE0));
    SegNet autoencoder(segNetPreset(spec.autoencoder, dataset.info().shape.channels));
    autoencoder->to(device);
    trainLoop(
        spec, dataset, autoencoder, spec.autoencoder, recipe, autoencoder->parameters(), spec.pretrainEpochs,
        spec.autoencoderLearningRate, path, "pretrain autoencoder", [&] { autoencoder->train(); },
        [](SegNet& ae, const torch::Tensor& images, const torch::Tensor&) {
            return StepLoss{torch::mse_loss(ae->forward(images), images)};
        },
        device, preview, job);
}

void finetuneAutoencoder(const experiment::ProbeSpec& spec, const data::Dataset& dataset,
                         const std::string& pretrainedPath, models::Classifier& classifier,
                         const std::string& name, const std::string& path, const Recipe& recipe,
                         const torch::Device& device, const torch::Tensor& previewImages,
                         const runtime::JobContext& job) {
    PreviewPoster preview(previewImages, name, job);
    SegNet autoencoder = loadAutoencoder(pretrainedPath);
    autoencoder->to(device);
    classifier.freeze();
    const double weight = spec.reconstructionWeight;
    trainLoop(
        spec, dataset, autoencoder, spec.autoencoder, recipe, autoencoder->decoderParameters(),
        spec.finetuneEpochs, spec.finetuneLearningRate, path, "fine-tune for " + name,
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
        device, preview, job);
}

}  // namespace netsight::probe
