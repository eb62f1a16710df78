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
#include "train/DataBridge.h"

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
    torch::serialize::OutputArchive archive, modelArchive, optimizerArchive;
    classifier.net().save(modelArchive);
    optimizer.save(optimizerArchive);
    archive.write("model", modelArchive);
    archive.write("optimizer", optimizerArchive);
    const json document = {{"epoch", state.epoch},          {"best", state.best},
                           {"best_epoch", state.bestEpoch}, {"steps", state.steps},
                           {"seconds", state.seconds},      {"optimizer", options.optimizer},
                           {"data", options.dataSource},    {"meta", models::toJson(classifier.meta())}};
    archive.write("state", c10::IValue(document.dump()));
    std::ostringstream bytes;
    archive.save_to(bytes);
    runtime::writeFileAtomically(checkpointPath(options), bytes.str());
}

struct Resumed {
    std::unique_ptr<models::ZooClassifier> classifier;
    CheckpointState state;
    torch::serialize::InputArchive optimizerArchive;
};

std::optional<Resumed> loadCheckpoint(const TrainOptions& options) {
    const std::string path = checkpointPath(options);
    if (!options.resume || !std::filesystem::exists(path)) return std::nullopt;
    torch::serialize::InputArchive archive;
    c10::IValue stateValue;
    try {
        archive.load_from(path);
        if (!archive.try_read("state", stateValue) || !stateValue.isString())
            throw std::runtime_error("no state");
    } catch (const std::exception& error) {
        throw std::runtime_error(path + ": the checkpoint is damaged (" +
                                 std::string(error.what()).substr(0, 200) +
                                 "); delete it or train with --no-resume");
    }
    const json document = json::parse(stateValue.toStringRef());
    if (document.at("optimizer").get<std::string>() != options.optimizer ||
        document.at("data").get<std::string>() != options.dataSource)
        throw std::runtime_error(path + ": the checkpoint is from a run with optimizer '" +
                                 document.at("optimizer").get<std::string>() + "' on '" +
                                 document.at("data").get<std::string>() +
                                 "'; delete it or train with --no-resume to start afresh");
    auto meta = models::metaFromJson(document.at("meta").get<std::string>(), path);
    auto net = models::zoo::buildZooNet(meta.architecture, meta.input.shape.channels,
                                        static_cast<int64_t>(meta.classNames.size()));
    torch::serialize::InputArchive modelArchive;
    archive.read("model", modelArchive);
    net->load(modelArchive);
    Resumed resumed;
    resumed.classifier = std::make_unique<models::ZooClassifier>(std::move(meta), std::move(net));
    archive.read("optimizer", resumed.optimizerArchive);
    resumed.state.epoch = document.at("epoch");
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

TrainResult trainClassifier(const TrainOptions& options, const runtime::JobContext& job) {
    validate(options);
    const LearningRateSchedule schedule(options);
    runtime::configureThreads(options.threads);
    const torch::Device device(runtime::resolveDeviceName(options.device));
    job.log("opening " + options.dataSource);
    const auto dataset = data::openDataset(options.dataSource);
    for (const auto& warning : dataset->info().warnings)
        job.log(warning, runtime::LogLevel::Warning);

    TrainResult result;
    result.modelPath = options.outputPath;
    std::optional<Resumed> resumed = loadCheckpoint(options);
    std::unique_ptr<models::ZooClassifier> classifier;
    CheckpointState state;
    if (resumed) {
        classifier = std::move(resumed->classifier);
        state = resumed->state;
        result.resumedFromEpoch = state.epoch;
        job.log("resuming from " + checkpointPath(options) + " after epoch " + std::to_string(state.epoch));
    } else {
        classifier = freshClassifier(options, *dataset);
    }
    for (const auto& note :
         checkCompatible(classifier->meta(), dataset->info(), classifier->meta().architecture))
        job.log(note, runtime::LogLevel::Warning);
    classifier->to(device);
    auto optimizer = makeOptimizer(options, classifier->parameters());
    if (resumed)
        optimizer->load(resumed->optimizerArchive);
    else  // a checkpoint exists before the model file does: "model file, no checkpoint" means finished
        saveCheckpoint(options, *classifier, *optimizer, state);

    const std::size_t trainSamples =
        options.maxTrainSamples ? std::min(options.maxTrainSamples, dataset->size(data::Split::Train))
                                : dataset->size(data::Split::Train);
    if (trainSamples == 0) throw std::invalid_argument(options.dataSource + " has no training samples");
    const std::int64_t stepsPerEpoch =
        static_cast<std::int64_t>((trainSamples + options.batchSize - 1) / options.batchSize);
    const std::int64_t totalSteps = stepsPerEpoch * options.epochs;
    job.log(classifier->meta().architecture + ": " + std::to_string(classifier->parameterCount()) +
            " parameters, " + std::to_string(options.epochs) + " epochs of " + std::to_string(stepsPerEpoch) +
            " steps on " + device.str());

    const auto transform = shapeAdapter(dataset->info().shape, classifier->meta().input.shape);
    runtime::RateMeter meter((totalSteps - state.steps) * static_cast<std::int64_t>(options.batchSize));
    const auto started = std::chrono::steady_clock::now();
    const double secondsBefore = state.seconds;
    std::int64_t imagesThisRun = 0;

    for (int epoch = state.epoch; epoch < options.epochs; ++epoch) {
        // Seeding per epoch makes a resumed run draw exactly what an uninterrupted one draws.
        torch::manual_seed(data::mixSeed(options.seed, 0x7A, static_cast<std::uint64_t>(epoch)));
        data::LoaderOptions loaderOptions;
        loaderOptions.batchSize = options.batchSize;
        loaderOptions.seed = options.seed;
        data::DataLoader loader(*dataset, data::Split::Train, loaderOptions, transform);
        loader.startEpoch(epoch);
        classifier->setTraining(true);
        const std::string phase = "epoch " + std::to_string(epoch + 1) + "/" + std::to_string(options.epochs);
        std::int64_t step = 0;
        double lossSum = 0;
        std::int64_t correct = 0, seen = 0;
        while (step < stepsPerEpoch) {
            auto batch = loader.next();
            if (!batch) break;
            job.checkCancelled();
            const double lr = schedule.at(state.steps, totalSteps, epoch);
            for (auto& group : optimizer->param_groups())
                group.options().set_lr(lr);

            auto images = tensor::imagesToTensor(*batch, device);
            const auto labels = tensor::labelsToTensor(*batch, device);
            images = augment(images, options);
            const auto logits = classifier->forward(classifier->normalize(images));
            const auto loss = torch::nn::functional::cross_entropy(logits, labels);
            const double lossValue = loss.item<double>();
            if (!std::isfinite(lossValue)) {
                std::ostringstream message;
                message << "training diverged: the loss became " << lossValue << " at " << phase << ", step "
                        << step + 1 << " (learning rate " << lr << "). The last good checkpoint (after epoch "
                        << state.epoch << ") and the best model are kept; lower the learning rate (e.g. --lr "
                        << lr / 10 << ") and run again to resume.";
                throw std::runtime_error(message.str());
            }
            for (auto& parameter : classifier->parameters())
                parameter.mutable_grad().reset();  // as set_to_none
            loss.backward();
            optimizer->step();

            const std::int64_t batchCorrect = logits.argmax(1).eq(labels).sum().item<int64_t>();
            correct += batchCorrect;
            seen += static_cast<std::int64_t>(batch->count());
            lossSum += lossValue * static_cast<double>(batch->count());
            ++step;
            ++state.steps;
            imagesThisRun += static_cast<std::int64_t>(batch->count());
            meter.update(imagesThisRun);
            job.metric(options.metricPrefix + "train/loss", static_cast<double>(state.steps), lossValue);
            job.metric(options.metricPrefix + "train/accuracy", static_cast<double>(state.steps),
                       static_cast<double>(batchCorrect) / batch->count());
            job.progress(phase, state.steps, totalSteps, meter.ratePerSecond(), meter.etaSeconds());
        }
        job.metric(options.metricPrefix + "lr", static_cast<double>(state.steps),
                   schedule.at(state.steps, totalSteps, epoch));

        double validationAccuracy;
        if (dataset->size(data::Split::Validation) > 0) {
            validationAccuracy =
                accuracyOn(*classifier, *dataset, data::Split::Validation, options.maxValidationSamples, job);
        } else {
            validationAccuracy = seen ? static_cast<double>(correct) / seen : 0.0;
            job.log("no validation split: keeping the model by training accuracy",
                    runtime::LogLevel::Warning);
        }
        job.metric(options.metricPrefix + "val/accuracy", epoch + 1, validationAccuracy);
        job.metric(options.metricPrefix + "train/epoch_loss", epoch + 1, seen ? lossSum / seen : 0.0);
        state.epoch = epoch + 1;
        state.seconds =
            secondsBefore + std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (validationAccuracy > state.best) {
            state.best = validationAccuracy;
            state.bestEpoch = epoch + 1;
            auto& record = classifier->meta().training;
            record.dataSource = options.dataSource;
            record.epochs = epoch + 1;
            record.plannedEpochs = options.epochs;
            record.steps = state.steps;
            record.optimizer = options.optimizer;
            record.learningRate = options.learningRate;
            record.seed = options.seed;
            record.validationAccuracy = validationAccuracy;
            record.bestEpoch = epoch + 1;
            record.seconds = state.seconds;
            classifier->save(options.outputPath);
        }
        saveCheckpoint(options, *classifier, *optimizer, state);
        ++result.epochsRun;
        std::ostringstream line;
        line << phase << ": train loss " << (seen ? lossSum / seen : 0.0) << ", train accuracy "
             << (seen ? 100.0 * correct / seen : 0.0) << "%, validation accuracy "
             << 100.0 * validationAccuracy << "%";
        job.log(line.str());
    }
    if (!std::filesystem::exists(options.outputPath)) classifier->save(options.outputPath);
    result.bestValidationAccuracy = state.best;
    result.bestEpoch = state.bestEpoch;
    result.steps = state.steps;
    result.seconds = state.seconds;
    return result;
}

}  // namespace netsight::train
