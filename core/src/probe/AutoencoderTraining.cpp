#include "probe/AutoencoderTraining.h"
#include "train/MixedPrecision.h"

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iomanip>
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
constexpr double kMinimumGainDb = 0.05;  // a validation PSNR gain smaller than this is no gain
constexpr std::size_t kValidationImages = 256;
constexpr std::size_t kStatisticsImages = 256;  // training images that BatchNorm's statistics are taken over

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

// Copies the weights and BatchNorm statistics of one autoencoder into another of the same shape.
void copyWeights(SegNet& from, SegNet& to) {
    torch::NoGradGuard noGrad;
    auto source = from->named_parameters(), target = to->named_parameters();
    for (const auto& item : source)
        target[item.key()].copy_(item.value());
    auto sourceBuffers = from->named_buffers(), targetBuffers = to->named_buffers();
    for (const auto& item : sourceBuffers)
        targetBuffers[item.key()].copy_(item.value());
}

// BatchNorm's running statistics, averaged over the last few batches with momentum 0.1, make the
// evaluation-mode autoencoder swing by a decibel or more from one epoch to the next even at a tiny learning
// rate. Before the autoencoder is validated or saved, the layers being trained get their statistics anew:
// an exact average over `images` (training images), in training mode, without gradients. Layers in
// evaluation mode (a fine-tuning's frozen encoder) keep theirs.
void refreshBatchNormStatistics(SegNet& autoencoder, const torch::Tensor& images) {
    if (!images.defined() || images.size(0) == 0) return;
    std::vector<torch::nn::BatchNorm2dImpl*> layers;
    for (const auto& module : autoencoder->modules(false))
        if (auto* layer = module->as<torch::nn::BatchNorm2d>(); layer && layer->is_training())
            layers.push_back(layer);
    if (layers.empty()) return;
    std::vector<c10::optional<double>> momenta;
    for (auto* layer : layers) {
        momenta.push_back(layer->options.momentum());
        layer->reset_running_stats();
        layer->options.momentum(c10::nullopt);  // a cumulative average over every batch below
    }
    {
        torch::NoGradGuard noGrad;
        for (int64_t start = 0; start < images.size(0); start += 64)
            autoencoder->forward(images.narrow(0, start, std::min<int64_t>(64, images.size(0) - start)));
    }
    for (std::size_t k = 0; k < layers.size(); ++k)
        layers[k]->options.momentum(momenta[k]);
}

void setLearningRate(torch::optim::Adam& optimizer, double rate) {
    for (auto& group : optimizer.param_groups())
        static_cast<torch::optim::AdamOptions&>(group.options()).lr(rate);
}

// The shared loop: epochs over the training split, Adam on `parameters`, a checkpoint per epoch.
void trainLoop(const AutoencoderTrainOptions& options, const data::Dataset& dataset, SegNet& autoencoder,
               std::vector<torch::Tensor> parameters, const std::string& phaseName,
               const std::function<void()>& setModes, const LossFunction& lossOf, PreviewPoster& preview,
               const torch::Tensor& validationImages, const torch::Tensor& statisticsImages,
               const runtime::JobContext& job) {
    if (options.channelsLast)  // the layout cuDNN's tensor-core convolutions prefer; parameters keep identity
        for (auto& parameter : autoencoder->parameters())
            if (parameter.dim() == 4)
                parameter.set_data(parameter.data().contiguous(at::MemoryFormat::ChannelsLast));
    torch::optim::Adam optimizer(parameters, torch::optim::AdamOptions(options.learningRate));
    const std::string checkpointPath = options.outputPath + ".ckpt";
    int startEpoch = 0;
    // Training to a target: the validation PSNR after each epoch, the best so far, epochs without a gain.
    const bool validating = validationImages.defined() && (options.targetPsnr > 0 || options.patience > 0);
    double learningRate = options.learningRate, best = -1, last = -1;
    int withoutGain = 0, bestEpoch = 0;
    // The weights of the best validated epoch: the stage ends with them, not with the last epoch's (the
    // validation PSNR of one epoch can swing by a decibel or more).
    SegNet bestWeights{nullptr};
    if (validating) {
        bestWeights = SegNet(autoencoder->options());
        bestWeights->to(options.device);
    }
    std::string stopped = "ceiling";
    if (auto checkpoint = train::readCheckpoint(checkpointPath, "delete it to start this stage afresh")) {
        if (checkpoint->state.contains("recipe"))
            experiment::requireSameRecipe(checkpointPath, checkpoint->state.at("recipe"), options.recipe,
                                          "Delete it to start this stage afresh with the new settings, or "
                                          "set them back to finish it.");
        autoencoder->load(checkpoint->model);
        optimizer.load(checkpoint->optimizer);
        startEpoch = checkpoint->epoch();
        learningRate = checkpoint->state.value("learning_rate", options.learningRate);
        best = checkpoint->state.value("best_psnr", -1.0);
        last = checkpoint->state.value("last_psnr", -1.0);
        withoutGain = checkpoint->state.value("epochs_without_gain", 0);
        bestEpoch = checkpoint->state.value("best_epoch", 0);
        if (validating && checkpoint->best) {
            bestWeights->load(*checkpoint->best);
            bestWeights->to(options.device);
        }
        setLearningRate(optimizer, learningRate);
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
    int epochsRun = startEpoch;
    train::LossScaler scaler(options.mixedPrecision);
    if (options.mixedPrecision)
        job.log(phaseName + ": mixed precision (float16 autocast, dynamic loss scaling)");
    preview.post(autoencoder, true);
    for (int epoch = startEpoch; epoch < options.epochs; ++epoch) {
        torch::manual_seed(data::mixSeed(options.seed, 0xAE, static_cast<std::uint64_t>(epoch)));
        data::LoaderOptions loaderOptions;
        loaderOptions.batchSize = options.batchSize;
        loaderOptions.seed = options.seed + 17;
        data::DataLoader loader(dataset, data::Split::Train, loaderOptions);
        loader.startEpoch(epoch);
        if (validating) {
            // Cosine decay over the epoch ceiling (Loshchilov & Hutter): large steps first, small ones last.
            learningRate =
                options.learningRate * 0.5 *
                (1 + std::cos(M_PI * static_cast<double>(epoch) / static_cast<double>(options.epochs)));
            setLearningRate(optimizer, learningRate);
        }
        setModes();
        double lossSum = 0;
        std::int64_t step = 0;
        while (step < stepsPerEpoch) {
            auto batch = loader.next();
            if (!batch) break;
            job.checkCancelled();
            auto x = tensor::imagesToTensor(*batch, options.device);
            if (options.channelsLast) x = x.contiguous(at::MemoryFormat::ChannelsLast);
            const auto labels = tensor::labelsToTensor(*batch, options.device);
            StepLoss stepLoss;
            {
                const train::AutocastScope autocast(options.mixedPrecision);
                stepLoss = lossOf(autoencoder, x, labels);
            }
            const auto& loss = stepLoss.loss;
            const double value = loss.item<double>();
            if (!std::isfinite(value))
                throw std::runtime_error(phaseName + " diverged: the loss became " + std::to_string(value) +
                                         " in epoch " + std::to_string(epoch + 1) +
                                         "; the last checkpoint is kept; lower "
                                         "the autoencoder learning rates in experiment.json and run again");
            for (auto& parameter : parameters)
                parameter.mutable_grad().reset();
            scaler.backwardAndStep(loss, parameters, optimizer);
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
        refreshBatchNormStatistics(autoencoder, statisticsImages);
        bool done = false;
        if (validating) {
            last = psnr(reconstructImages(autoencoder, validationImages), validationImages);
            setModes();
            job.metric(phaseName + "/validation PSNR", epoch + 1, last);
            std::ostringstream line;
            line << phaseName << ": validation PSNR " << std::fixed << std::setprecision(2) << last << " dB";
            if (last > best) {
                copyWeights(autoencoder, bestWeights);
                bestEpoch = epoch + 1;
            }
            if (last > best + kMinimumGainDb) {
                withoutGain = 0;
            } else {
                ++withoutGain;
                line << " (no gain for " << withoutGain << (withoutGain == 1 ? " epoch)" : " epochs)");
            }
            best = std::max(best, last);
            job.log(line.str());
            if (options.targetPsnr > 0 && last >= options.targetPsnr) {
                stopped = "target";
                done = true;
            } else if (options.patience > 0 && withoutGain >= options.patience) {
                stopped = "plateau";
                done = true;
            }
        }
        train::writeCheckpoint(checkpointPath, *autoencoder, optimizer,
                               {{"epoch", epoch + 1},
                                {"recipe", options.recipe},
                                {"learning_rate", learningRate},
                                {"best_psnr", best},
                                {"last_psnr", last},
                                {"epochs_without_gain", withoutGain},
                                {"best_epoch", bestEpoch}},
                               validating && bestEpoch > 0 ? bestWeights.get() : nullptr);
        preview.post(autoencoder, true);
        epochsRun = epoch + 1;
        if (done) {
            job.log(phaseName +
                    (stopped == "target" ? ": reached the target PSNR" : ": no longer improving") +
                    " after " + std::to_string(epoch + 1) + " epochs");
            break;
        }
    }
    nlohmann::json quality = {{"epochs", epochsRun}, {"stopped", stopped}};
    if (validating && bestEpoch > 0 && best > last) {
        copyWeights(bestWeights, autoencoder);
        std::ostringstream line;
        line << phaseName << ": keeping the weights of epoch " << bestEpoch << " (" << std::fixed
             << std::setprecision(2) << best << " dB)";
        job.log(line.str());
    }
    if (validating && bestEpoch > 0) {
        quality["validation_psnr"] = best;
        quality["best_epoch"] = bestEpoch;
    } else if (last >= 0) {
        quality["validation_psnr"] = last;
    }
    if (validating) quality["validation_images"] = validationImages.size(0);
    saveAutoencoder(autoencoder, options.preset, options.outputPath, options.recipe, quality);
    std::filesystem::remove(checkpointPath);
}

}  // namespace

void saveAutoencoder(SegNet& autoencoder, const std::string& preset, const std::string& path,
                     const Recipe& recipe, const json& quality) {
    torch::serialize::OutputArchive archive;
    autoencoder->save(archive);
    json meta = {{"preset", preset},
                 {"channels", autoencoder->options().channels},
                 {"stages", autoencoder->options().stages},
                 {"recipe", recipe}};
    if (!quality.is_null()) meta["quality"] = quality;
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

json autoencoderQuality(const std::string& path) {
    torch::serialize::InputArchive archive;
    return readMeta(archive, path).value("quality", json());
}

torch::Tensor reconstructImages(SegNet& autoencoder, const torch::Tensor& images) {
    torch::NoGradGuard noGrad;
    autoencoder->eval();
    std::vector<torch::Tensor> parts;
    for (int64_t start = 0; start < images.size(0); start += 64)
        parts.push_back(
            autoencoder->forward(images.narrow(0, start, std::min<int64_t>(64, images.size(0) - start)))
                .clamp(0.0, 1.0));
    return torch::cat(parts);
}

double psnr(const torch::Tensor& images, const torch::Tensor& originals) {
    const double mse =
        torch::mse_loss(images.to(torch::kDouble), originals.to(torch::kDouble)).item<double>();
    return mse > 0 ? 10.0 * std::log10(1.0 / mse) : 100.0;
}

double ssim(const torch::Tensor& images, const torch::Tensor& originals) {
    torch::NoGradGuard noGrad;
    constexpr int kWindow = 11;
    constexpr double kSigma = 1.5, kC1 = 0.01 * 0.01, kC2 = 0.03 * 0.03;
    const auto x = images.to(torch::kDouble), y = originals.to(torch::kDouble);
    const int64_t channels = x.size(1);
    auto taps =
        torch::arange(kWindow, torch::TensorOptions(torch::kDouble).device(x.device())) - (kWindow - 1) / 2.0;
    auto gauss = torch::exp(-(taps * taps) / (2 * kSigma * kSigma));
    gauss = gauss / gauss.sum();
    const auto window = torch::outer(gauss, gauss).expand({channels, 1, kWindow, kWindow}).contiguous();
    // Images smaller than the window: the window is the whole image (valid filtering of one position).
    auto filter = [&](const torch::Tensor& t) {
        if (t.size(2) < kWindow || t.size(3) < kWindow) return t.mean({2, 3}, true);
        return torch::nn::functional::conv2d(t, window,
                                             torch::nn::functional::Conv2dFuncOptions().groups(channels));
    };
    const auto muX = filter(x), muY = filter(y);
    const auto sigmaX = filter(x * x) - muX * muX, sigmaY = filter(y * y) - muY * muY;
    const auto sigmaXY = filter(x * y) - muX * muY;
    const auto map = ((2 * muX * muY + kC1) * (2 * sigmaXY + kC2)) /
                     ((muX * muX + muY * muY + kC1) * (sigmaX + sigmaY + kC2));
    return map.mean().item<double>();
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
    options.mixedPrecision = spec.mixedPrecision && device.is_cuda();
    const char* channelsLast = std::getenv("NETSIGHT_CHANNELS_LAST");
    options.channelsLast = device.is_cuda() && channelsLast && std::string(channelsLast) == "1";
    return options;
}

torch::Tensor statisticsImages(const data::Dataset& dataset, const torch::Device& device) {
    const std::size_t count = std::min(kStatisticsImages, dataset.size(data::Split::Train));
    return count == 0 ? torch::Tensor()
                      : tensor::firstImages(dataset, data::Split::Train, count, device).first;
}

}  // namespace

AutoencoderTrainOptions pretrainOptions(const experiment::ProbeSpec& spec, const std::string& path,
                                        const Recipe& recipe, const torch::Device& device) {
    auto options = commonOptions(spec, path, recipe, device);
    options.epochs = spec.pretrainEpochs;
    options.batchSize = spec.pretrainBatchSize;
    options.learningRate = spec.autoencoderLearningRate;
    options.targetPsnr = spec.pretrainTargetPsnr;
    options.patience = spec.pretrainPatience;
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
    // Validation images for the target and the plateau: the validation split, else the training split's
    // first.
    const data::Split split =
        dataset.size(data::Split::Validation) > 0 ? data::Split::Validation : data::Split::Train;
    const std::size_t count = std::min(kValidationImages, dataset.size(split));
    const torch::Tensor validationImages =
        count == 0 ? torch::Tensor() : tensor::firstImages(dataset, split, count, options.device).first;
    trainLoop(
        options, dataset, autoencoder, autoencoder->parameters(), "pretrain autoencoder",
        [&] { autoencoder->train(); },
        [](SegNet& ae, const torch::Tensor& images, const torch::Tensor&) {
            return StepLoss{torch::mse_loss(ae->forward(images), images)};
        },
        preview, validationImages, statisticsImages(dataset, options.device), job);
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
            const auto logits = classifier.forward(classifier.prepare(reconstruction));
            auto loss = torch::nn::functional::cross_entropy(logits, labels);
            if (weight > 0) loss = loss + weight * torch::mse_loss(reconstruction, images);
            const double accuracy = logits.argmax(1).eq(labels).to(torch::kDouble).mean().item<double>();
            return StepLoss{loss, accuracy};
        },
        preview, torch::Tensor(), statisticsImages(dataset, options.device), job);
}

}  // namespace netsight::probe
