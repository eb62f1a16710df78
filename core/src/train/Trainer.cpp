#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/Random.h"
#include "models/ZooClassifier.h"
#include "netsight/runtime/AtomicFile.h"
#include "netsight/runtime/Device.h"
#include "netsight/train/Training.h"
#include "train/Checkpoint.h"
#include "train/DataBridge.h"
#include "train/MixedPrecision.h"

namespace netsight::train {
namespace {

using nlohmann::json;
constexpr double kPi = 3.14159265358979323846;

struct CheckpointState {
    int epoch = 0;  // epochs completed
    double best = -1;
    int bestEpoch = 0;
    std::int64_t steps = 0;
    double seconds = 0;
};

std::unique_ptr<torch::optim::Optimizer> makeOptimizer(const TrainOptions& options,
                                                       std::vector<torch::Tensor> parameters) {
    if (options.optimizer == "adam")
        return std::make_unique<torch::optim::Adam>(
            parameters, torch::optim::AdamOptions(options.learningRate).weight_decay(options.weightDecay));
    if (options.optimizer == "sgd")
        return std::make_unique<torch::optim::SGD>(parameters, torch::optim::SGDOptions(options.learningRate)
                                                                   .momentum(options.momentum)
                                                                   .weight_decay(options.weightDecay));
    throw std::invalid_argument("unknown optimizer '" + options.optimizer + "'; use adam or sgd");
}

// The learning rate of a run at a step of an epoch, as its schedule says.
class LearningRateSchedule {
  public:
    explicit LearningRateSchedule(const TrainOptions& options) : options_(options) {}
    double at(std::int64_t step, std::int64_t totalSteps, int epoch) const {
        switch (options_.schedule) {
            case Schedule::Constant:
                return options_.learningRate;
            case Schedule::Step:
                return options_.learningRate *
                       std::pow(options_.stepGamma, epoch / std::max(1, options_.stepEpochs));
            case Schedule::Cosine:
                break;
        }
        return options_.learningRate * 0.5 *
               (1.0 + std::cos(kPi * static_cast<double>(step) / std::max<std::int64_t>(1, totalSteps)));
    }

  private:
    const TrainOptions& options_;
};

void validate(const TrainOptions& options) {
    if (options.outputPath.empty()) throw std::invalid_argument("no output model path given");
    if (options.epochs < 1)
        throw std::invalid_argument("epochs must be at least 1, got " + std::to_string(options.epochs));
    if (options.batchSize < 1) throw std::invalid_argument("batch size must be at least 1");
    if (!(options.learningRate > 0)) throw std::invalid_argument("the learning rate must be positive");
    const auto folder = std::filesystem::path(options.outputPath).parent_path();
    if (!folder.empty() && !std::filesystem::is_directory(folder))
        throw std::invalid_argument("the output folder " + folder.string() + " does not exist");
}

// Light augmentation on a [0,1] batch, drawn from LibTorch's generator (seeded per epoch).
torch::Tensor augment(torch::Tensor images, const TrainOptions& options) {
    const int64_t n = images.size(0);
    if (options.flip) {
        const auto flip = (torch::rand({n}, images.options()) < 0.5).view({n, 1, 1, 1});
        images = torch::where(flip, images.flip({3}), images);
    }
    if (options.crop) {
        constexpr int64_t kPad = 4;
        const int64_t height = images.size(2), width = images.size(3);
        const auto padded = torch::nn::functional::pad(
            images, torch::nn::functional::PadFuncOptions({kPad, kPad, kPad, kPad}).mode(torch::kReplicate));
        const auto offsets = torch::randint(0, 2 * kPad + 1, {n, 2}, torch::kLong);
        std::vector<torch::Tensor> crops;
        crops.reserve(static_cast<std::size_t>(n));
        for (int64_t i = 0; i < n; ++i) {
            const int64_t dy = offsets[i][0].item<int64_t>(), dx = offsets[i][1].item<int64_t>();
            crops.push_back(padded[i].narrow(1, dy, height).narrow(2, dx, width));
        }
        images = torch::stack(crops);
    }
    if (options.colourJitter) {
        const auto brightness = torch::empty({n, 1, 1, 1}, images.options()).uniform_(0.8, 1.2);
        const auto contrast = torch::empty({n, 1, 1, 1}, images.options()).uniform_(0.8, 1.2);
        const auto mean = images.mean({1, 2, 3}, true);
        images = (((images - mean) * contrast + mean) * brightness).clamp(0.0, 1.0);
    }
    return images;
}

std::string checkpointPath(const TrainOptions& options) {
    return options.outputPath + ".ckpt";
}

void saveCheckpoint(const TrainOptions& options, models::ZooClassifier& classifier,
                    torch::optim::Optimizer& optimizer, const CheckpointState& state) {
    writeCheckpoint(checkpointPath(options), classifier.net(), optimizer,
                    {{"epoch", state.epoch},
                     {"best", state.best},
                     {"best_epoch", state.bestEpoch},
                     {"steps", state.steps},
                     {"seconds", state.seconds},
                     {"optimizer", options.optimizer},
                     {"data", options.dataSource},
                     {"meta", models::toJson(classifier.meta())}});
}

struct Resumed {
    std::unique_ptr<models::ZooClassifier> classifier;
    CheckpointState state;
    torch::serialize::InputArchive optimizerArchive;
};

std::optional<Resumed> loadCheckpoint(const TrainOptions& options) {
    const std::string path = checkpointPath(options);
    if (!options.resume) return std::nullopt;
    auto checkpoint = readCheckpoint(path, "delete it or train with --no-resume");
    if (!checkpoint) return std::nullopt;
    const json& document = checkpoint->state;
    if (!document.contains("meta") || !document.contains("optimizer") || !document.contains("data"))
        throw std::runtime_error(path +
                                 ": not a classifier's checkpoint; delete it or train with --no-resume");
    if (document.at("optimizer").get<std::string>() != options.optimizer ||
        document.at("data").get<std::string>() != options.dataSource)
        throw std::runtime_error(path + ": the checkpoint is from a run with optimizer '" +
                                 document.at("optimizer").get<std::string>() + "' on '" +
                                 document.at("data").get<std::string>() +
                                 "'; delete it or train with --no-resume to start afresh");
    auto meta = models::metaFromJson(document.at("meta").get<std::string>(), path);
    auto net = models::zoo::buildZooNet(meta.architecture, meta.input.shape.channels,
                                        static_cast<int64_t>(meta.classNames.size()));
    net->load(checkpoint->model);
    Resumed resumed;
    resumed.classifier = std::make_unique<models::ZooClassifier>(std::move(meta), std::move(net));
    resumed.optimizerArchive = std::move(checkpoint->optimizer);
    resumed.state.epoch = checkpoint->epoch();
    resumed.state.best = document.at("best");
    resumed.state.bestEpoch = document.at("best_epoch");
    resumed.state.steps = document.at("steps");
    resumed.state.seconds = document.at("seconds");
    return resumed;
}

std::unique_ptr<models::ZooClassifier> freshClassifier(const TrainOptions& options,
                                                       const data::Dataset& dataset) {
    std::unique_ptr<models::Classifier> classifier;
    torch::manual_seed(data::mixSeed(options.seed, 0x1417));  // initial weights depend on the seed only
    if (!options.startFrom.empty()) {
        classifier = models::loadClassifier(options.startFrom);
    } else {
        classifier =
            models::createClassifier(options.architecture, dataset.info().shape, dataset.info().classNames);
        const auto [mean, stdDev] = imageStatistics(dataset, 1000);
        classifier->meta().input.mean = {mean};
        classifier->meta().input.stdDev = {stdDev};
    }
    auto* zoo = dynamic_cast<models::ZooClassifier*>(classifier.get());
    if (!zoo)
        throw std::invalid_argument(
            options.startFrom +
            ": only NetSight zoo models can be trained here; fine-tune TorchScript models in PyTorch");
    classifier.release();
    return std::unique_ptr<models::ZooClassifier>(zoo);
}

}  // namespace

Schedule parseSchedule(const std::string& name) {
    if (name == "cosine") return Schedule::Cosine;
    if (name == "step") return Schedule::Step;
    if (name == "constant") return Schedule::Constant;
    throw std::invalid_argument("unknown schedule '" + name + "'; use cosine, step or constant");
}

const char* scheduleName(Schedule schedule) {
    switch (schedule) {
        case Schedule::Cosine:
            return "cosine";
        case Schedule::Step:
            return "step";
        case Schedule::Constant:
            break;
    }
    return "constant";
}

namespace {

struct EpochStats {
    double lossSum = 0;  // over the samples seen
    std::int64_t correct = 0, seen = 0;
    double meanLoss() const { return seen ? lossSum / static_cast<double>(seen) : 0.0; }
    double accuracy() const { return seen ? static_cast<double>(correct) / static_cast<double>(seen) : 0.0; }
};

// One classifier's training run, in the steps trainClassifier takes: open the data, start or resume, then
// per epoch train, validate, keep the best model and write the checkpoint.
class ClassifierRun {
  public:
    ClassifierRun(const TrainOptions& options, const runtime::JobContext& job)
        : options_(options),
          job_(job),
          schedule_(options),
          device_(runtime::resolveDeviceName(options.device)),
          scaler_(options.mixedPrecision && device_.is_cuda()) {}

    void openData() {
        job_.log("opening " + options_.dataSource);
        dataset_ = data::openDataset(options_.dataSource,
                                     runtime::dataOpenOptions(job_, options_.dataCacheDirectory));
        for (const auto& warning : dataset_->info().warnings)
            job_.log(warning, runtime::LogLevel::Warning);
        const std::size_t trainSplit = dataset_->size(data::Split::Train);
        const std::size_t samples =
            options_.maxTrainSamples ? std::min(options_.maxTrainSamples, trainSplit) : trainSplit;
        if (samples == 0) throw std::invalid_argument(options_.dataSource + " has no training samples");
        stepsPerEpoch_ = static_cast<std::int64_t>((samples + options_.batchSize - 1) / options_.batchSize);
        totalSteps_ = stepsPerEpoch_ * options_.epochs;
    }

    // The classifier and its optimizer, from the checkpoint or fresh; a fresh run writes its checkpoint
    // before the model file exists ("model file, no checkpoint" means finished).
    void startOrResume() {
        std::optional<Resumed> resumed = loadCheckpoint(options_);
        if (resumed) {
            classifier_ = std::move(resumed->classifier);
            state_ = resumed->state;
            result_.resumedFromEpoch = state_.epoch;
            job_.log("resuming from " + checkpointPath(options_) + " after epoch " +
                     std::to_string(state_.epoch));
        } else {
            classifier_ = freshClassifier(options_, *dataset_);
        }
        for (const auto& note :
             checkCompatible(classifier_->meta(), dataset_->info(), classifier_->meta().architecture))
            job_.log(note, runtime::LogLevel::Warning);
        classifier_->to(device_);
        optimizer_ = makeOptimizer(options_, classifier_->parameters());
        if (resumed)
            optimizer_->load(resumed->optimizerArchive);
        else
            saveCheckpoint(options_, *classifier_, *optimizer_, state_);
        job_.log(classifier_->meta().architecture + ": " + std::to_string(classifier_->parameterCount()) +
                 " parameters, " + std::to_string(options_.epochs) + " epochs of " +
                 std::to_string(stepsPerEpoch_) + " steps on " + device_.str() +
                 (scaler_.enabled() ? " (mixed precision: float16 autocast, dynamic loss scaling)" : ""));
    }

    TrainResult run() {
        result_.modelPath = options_.outputPath;
        const auto transform = shapeAdapter(dataset_->info().shape, classifier_->meta().input.shape);
        runtime::RateMeter meter((totalSteps_ - state_.steps) *
                                 static_cast<std::int64_t>(options_.batchSize));
        const auto started = std::chrono::steady_clock::now();
        const double secondsBefore = state_.seconds;
        for (int epoch = state_.epoch; epoch < options_.epochs; ++epoch) {
            const EpochStats stats = trainEpoch(epoch, transform, meter);
            const double validationAccuracy = validate(stats);
            job_.metric(options_.metricPrefix + "val/accuracy", epoch + 1, validationAccuracy);
            job_.metric(options_.metricPrefix + "train/epoch_loss", epoch + 1, stats.meanLoss());
            state_.epoch = epoch + 1;
            state_.seconds =
                secondsBefore +
                std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
            keepIfBest(epoch, validationAccuracy);
            saveCheckpoint(options_, *classifier_, *optimizer_, state_);
            ++result_.epochsRun;
            std::ostringstream line;
            line << phaseOf(epoch) << ": train loss " << stats.meanLoss() << ", train accuracy "
                 << 100.0 * stats.accuracy() << "%, validation accuracy " << 100.0 * validationAccuracy
                 << "%";
            job_.log(line.str());
        }
        if (!std::filesystem::exists(options_.outputPath)) classifier_->save(options_.outputPath);
        result_.bestValidationAccuracy = state_.best;
        result_.bestEpoch = state_.bestEpoch;
        result_.steps = state_.steps;
        result_.seconds = state_.seconds;
        return result_;
    }

  private:
    std::string phaseOf(int epoch) const {
        return "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(options_.epochs);
    }

    // The steps of one epoch; seeding per epoch makes a resumed run draw exactly what an uninterrupted one
    // draws.
    EpochStats trainEpoch(int epoch, const data::ImageTransform& transform, runtime::RateMeter& meter) {
        torch::manual_seed(data::mixSeed(options_.seed, 0x7A, static_cast<std::uint64_t>(epoch)));
        data::LoaderOptions loaderOptions;
        loaderOptions.batchSize = options_.batchSize;
        loaderOptions.seed = options_.seed;
        data::DataLoader loader(*dataset_, data::Split::Train, loaderOptions, transform);
        loader.startEpoch(epoch);
        classifier_->setTraining(true);
        EpochStats stats;
        for (std::int64_t step = 0; step < stepsPerEpoch_; ++step) {
            auto batch = loader.next();
            if (!batch) break;
            job_.checkCancelled();
            const double lr = schedule_.at(state_.steps, totalSteps_, epoch);
            for (auto& group : optimizer_->param_groups())
                group.options().set_lr(lr);
            const auto images = augment(tensor::imagesToTensor(*batch, device_), options_);
            const auto labels = tensor::labelsToTensor(*batch, device_);
            torch::Tensor logits, loss;
            {
                const AutocastScope autocast(scaler_.enabled());
                logits = classifier_->forward(classifier_->normalize(images));
                loss = torch::nn::functional::cross_entropy(logits, labels);
            }
            const double lossValue = loss.item<double>();
            if (!std::isfinite(lossValue)) {
                std::ostringstream message;
                message << "training diverged: the loss became " << lossValue << " at " << phaseOf(epoch)
                        << ", step " << step + 1 << " (learning rate " << lr
                        << "). The last good checkpoint (after epoch " << state_.epoch
                        << ") and the best model are kept; lower the learning rate (e.g. --lr " << lr / 10
                        << ") and run again to resume.";
                throw std::runtime_error(message.str());
            }
            for (auto& parameter : classifier_->parameters())
                parameter.mutable_grad().reset();  // as set_to_none
            scaler_.backwardAndStep(loss, classifier_->parameters(), *optimizer_);

            const std::int64_t batchCorrect = logits.argmax(1).eq(labels).sum().item<int64_t>();
            const auto count = static_cast<std::int64_t>(batch->count());
            stats.correct += batchCorrect;
            stats.seen += count;
            stats.lossSum += lossValue * static_cast<double>(count);
            ++state_.steps;
            imagesThisRun_ += count;
            meter.update(imagesThisRun_);
            job_.metric(options_.metricPrefix + "train/loss", static_cast<double>(state_.steps), lossValue);
            job_.metric(options_.metricPrefix + "train/accuracy", static_cast<double>(state_.steps),
                        static_cast<double>(batchCorrect) / static_cast<double>(count));
            job_.progress(phaseOf(epoch), state_.steps, totalSteps_, meter.ratePerSecond(),
                          meter.etaSeconds());
        }
        job_.metric(options_.metricPrefix + "lr", static_cast<double>(state_.steps),
                    schedule_.at(state_.steps, totalSteps_, epoch));
        return stats;
    }

    double validate(const EpochStats& stats) {
        if (dataset_->size(data::Split::Validation) > 0)
            return accuracyOn(*classifier_, *dataset_, data::Split::Validation, options_.maxValidationSamples,
                              job_);
        job_.log("no validation split: keeping the model by training accuracy", runtime::LogLevel::Warning);
        return stats.accuracy();
    }

    void keepIfBest(int epoch, double validationAccuracy) {
        if (!(validationAccuracy > state_.best)) return;
        state_.best = validationAccuracy;
        state_.bestEpoch = epoch + 1;
        auto& record = classifier_->meta().training;
        record.dataSource = options_.dataSource;
        record.epochs = epoch + 1;
        record.plannedEpochs = options_.epochs;
        record.steps = state_.steps;
        record.optimizer = options_.optimizer;
        record.learningRate = options_.learningRate;
        record.seed = options_.seed;
        record.validationAccuracy = validationAccuracy;
        record.bestEpoch = epoch + 1;
        record.seconds = state_.seconds;
        classifier_->save(options_.outputPath);
    }

    const TrainOptions& options_;
    const runtime::JobContext& job_;
    const LearningRateSchedule schedule_;
    const torch::Device device_;
    LossScaler scaler_;  ///< its scale starts afresh on resume (a few skipped steps at most)
    std::unique_ptr<data::Dataset> dataset_;
    std::unique_ptr<models::ZooClassifier> classifier_;
    std::unique_ptr<torch::optim::Optimizer> optimizer_;
    CheckpointState state_;
    TrainResult result_;
    std::int64_t stepsPerEpoch_ = 0, totalSteps_ = 0;
    std::int64_t imagesThisRun_ = 0;
};

}  // namespace

TrainResult trainClassifier(const TrainOptions& options, const runtime::JobContext& job) {
    validate(options);
    runtime::configureThreads(options.threads);
    ClassifierRun run(options, job);
    run.openData();
    run.startOrResume();
    return run.run();
}

}  // namespace netsight::train
