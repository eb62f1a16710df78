#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>

#include "Commands.h"
#include "TerminalProgress.h"
#include "netsight/models/ModelFile.h"
#include "netsight/train/Training.h"

namespace netsight::cli {
namespace {

std::string shapeText(const std::vector<std::int64_t>& shape) {
    std::string text;
    for (auto size : shape)
        text += (text.empty() ? "" : "x") + std::to_string(size);
    return text;
}

// Fallback metadata for a TorchScript model without netsight.json, from command-line flags.
struct MetaFlags {
    std::vector<int> inputShape;
    std::vector<float> mean, stdDev;
    int classes = 0;

    void add(CLI::App* command) {
        command->add_option("--input-shape", inputShape, "For TorchScript without metadata: C H W")
            ->expected(3);
        command->add_option("--mean", mean, "For TorchScript without metadata: normalization mean(s)");
        command->add_option("--std", stdDev, "For TorchScript without metadata: normalization std(s)");
        command->add_option("--classes", classes, "For TorchScript without metadata: number of classes");
    }
    std::unique_ptr<models::ClassifierMeta> meta() const {
        if (inputShape.empty() && classes == 0) return nullptr;
        if (inputShape.size() != 3 || classes < 2)
            throw CLI::ValidationError("--input-shape C H W and --classes N (at least 2) go together");
        auto meta = std::make_unique<models::ClassifierMeta>();
        meta->architecture = "torchscript";
        meta->input.shape = {inputShape[0], inputShape[1], inputShape[2]};
        if (!mean.empty()) meta->input.mean = mean;
        if (!stdDev.empty()) meta->input.stdDev = stdDev;
        for (int c = 0; c < classes; ++c)
            meta->classNames.push_back("class " + std::to_string(c));
        return meta;
    }
};

int exitFor(runtime::Outcome outcome) {
    return outcome == runtime::Outcome::Succeeded ? kExitOk : kExitFailure;
}

void addTrain(CLI::App& app) {
    auto options = std::make_shared<train::TrainOptions>();
    auto noAugment = std::make_shared<bool>(false);
    auto noResume = std::make_shared<bool>(false);
    CLI::App* command = app.add_subcommand("train", "Train a zoo classifier (resumes from its checkpoint)");
    command
        ->add_option("architecture", options->architecture,
                     "alexnet-s, vgg-s, resnet-s, inception-s, resnet10, topdown, bottomup; prefix grey+, "
                     "lowpass+ or highpass+")
        ->required();
    command->add_option("--data", options->dataSource, "Data source")->capture_default_str();
    command->add_option("-o,--output", options->outputPath, "Model file to write (checkpoint: OUTPUT.ckpt)")
        ->required();
    command->add_option("--epochs", options->epochs, "Epochs")
        ->capture_default_str()
        ->check(CLI::Range(1, 100000));
    command->add_option("--batch", options->batchSize, "Batch size")
        ->capture_default_str()
        ->check(CLI::Range(1, 65536));
    command->add_option("--optimizer", options->optimizer, "adam or sgd")
        ->capture_default_str()
        ->check(CLI::IsMember({"adam", "sgd"}));
    command->add_option("--lr", options->learningRate, "Learning rate")->capture_default_str();
    command->add_option("--momentum", options->momentum, "SGD momentum")->capture_default_str();
    command->add_option("--weight-decay", options->weightDecay, "Weight decay")->capture_default_str();
    const std::map<std::string, train::Schedule> schedules{{"cosine", train::Schedule::Cosine},
                                                           {"step", train::Schedule::Step},
                                                           {"constant", train::Schedule::Constant}};
    command->add_option("--schedule", options->schedule, "cosine (default), step or constant")
        ->transform(CLI::CheckedTransformer(schedules));
    command->add_option("--step-epochs", options->stepEpochs, "Step schedule: epochs per step")
        ->capture_default_str();
    command->add_option("--seed", options->seed, "Seed")->capture_default_str();
    command->add_option("--device", options->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
    command->add_option("--threads", options->threads, "CPU threads (0: one per core)")
        ->capture_default_str();
    command->add_option("--max-train", options->maxTrainSamples, "Training samples per epoch (0: all)")
        ->capture_default_str();
    command->add_option("--max-val", options->maxValidationSamples, "Validation samples (0: all)")
        ->capture_default_str();
    command->add_option("--from", options->startFrom,
                        "Start from this NetSight model instead of fresh weights");
    command->add_flag("--no-augment", *noAugment, "No flips, crops or colour jitter");
    command->add_flag("--no-resume", *noResume, "Ignore an existing checkpoint and start afresh");
    auto fullPrecision = std::make_shared<bool>(false);
    command->add_flag("--no-mixed-precision", *fullPrecision,
                      "On CUDA, train in float32 throughout (default: float16 autocast with loss scaling)");
    command->callback([=] {
        if (*noAugment) options->flip = options->crop = options->colourJitter = false;
        options->mixedPrecision = !*fullPrecision;
        options->resume = !*noResume;
        auto result = std::make_shared<train::TrainResult>();
        const auto outcome = runWithProgress(
            runtime::JobKind::TrainClassifier, "train",
            [=](const runtime::JobContext& job) { *result = train::trainClassifier(*options, job); });
        if (outcome == runtime::Outcome::Succeeded)
            std::cout << "best validation accuracy " << std::fixed << std::setprecision(2)
                      << 100 * result->bestValidationAccuracy << "% (epoch " << result->bestEpoch << "), "
                      << result->steps << " steps, " << std::setprecision(0) << result->seconds
                      << " s; model: " << result->modelPath << "\n";
        if (outcome != runtime::Outcome::Succeeded) throw CLI::RuntimeError(exitFor(outcome));
    });
}

void addEval(CLI::App& app) {
    struct Args {
        std::string model, data = "factorworld", split = "test", device = "auto", csv;
        std::size_t max = 0;
    };
    auto args = std::make_shared<Args>();
    CLI::App* command =
        app.add_subcommand("eval", "Accuracy, per-class accuracy and confusion matrix of a model");
    command->add_option("model", args->model, "Model file")->required();
    command->add_option("--data", args->data, "Data source")->capture_default_str();
    command->add_option("--split", args->split, "train, val or test")->capture_default_str();
    command->add_option("--device", args->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
    command->add_option("--max", args->max, "Evaluate at most this many samples (0: all)")
        ->capture_default_str();
    command->add_option("--confusion", args->csv, "Write the confusion matrix as CSV here");
    command->callback([=] {
        auto result = std::make_shared<train::EvalResult>();
        const data::Split split = data::parseSplit(args->split);
        const auto outcome =
            runWithProgress(runtime::JobKind::Evaluate, "eval", [=](const runtime::JobContext& job) {
                *result = train::evaluateModel(args->model, args->data, split, args->device, args->max, job);
            });
        if (outcome != runtime::Outcome::Succeeded) throw CLI::RuntimeError(exitFor(outcome));
        for (const auto& note : result->notes)
            std::cerr << "netsight-cli: note: " << note << "\n";
        std::cout << "accuracy " << std::fixed << std::setprecision(2) << 100 * result->accuracy << "% on "
                  << result->samples << " " << args->split << " samples\n";
        for (std::size_t c = 0; c < result->classNames.size(); ++c) {
            std::cout << "  " << std::setw(3) << c << "  " << std::left << std::setw(24)
                      << result->classNames[c] << std::right;
            if (result->perClassAccuracy[c] < 0)
                std::cout << "   (none)\n";
            else
                std::cout << std::setw(7) << 100 * result->perClassAccuracy[c] << "%\n";
        }
        if (!args->csv.empty()) {
            train::writeConfusionCsv(*result, args->csv);
            std::cout << "confusion matrix: " << args->csv << "\n";
        }
    });
}

void addModelInfo(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    auto flags = std::make_shared<MetaFlags>();
    CLI::App* model = app.add_subcommand("model", "Model files")->require_subcommand(1);
    CLI::App* info =
        model->add_subcommand("info", "Architecture, input spec, classes, parameters and training record");
    info->add_option("model", *path, "Model file (NetSight or TorchScript)")->required();
    flags->add(info);
    info->callback([=] {
        const auto fallback = flags->meta();
        const models::ModelSummary summary = models::inspectModel(*path, fallback.get());
        const auto& meta = summary.meta;
        std::cout << "file:          " << summary.path << " (" << summary.format << ")\n"
                  << "architecture:  " << meta.architecture << "\n"
                  << "parameters:    " << summary.parameterCount << "\n"
                  << "input:         " << data::toString(meta.input.shape) << ", mean";
        for (float m : meta.input.mean)
            std::cout << " " << m;
        std::cout << ", std";
        for (float s : meta.input.stdDev)
            std::cout << " " << s;
        std::cout << "\nclasses:       " << meta.classNames.size() << " (";
        for (std::size_t c = 0; c < meta.classNames.size() && c < 10; ++c)
            std::cout << (c ? ", " : "") << meta.classNames[c];
        std::cout << (meta.classNames.size() > 10 ? ", ...)\n" : ")\n");
        if (meta.training.epochs > 0)
            std::cout << "trained on:    " << meta.training.dataSource << ", " << meta.training.epochs
                      << " epochs, " << meta.training.steps << " steps, " << meta.training.optimizer << " lr "
                      << meta.training.learningRate << ", seed " << meta.training.seed << "\n"
                      << "validation:    " << std::fixed << std::setprecision(2)
                      << 100 * meta.training.validationAccuracy << "% (best epoch " << meta.training.bestEpoch
                      << ")\n";
        std::cout << "layers:        " << summary.layers.size()
                  << " (netsight-cli layers MODEL lists them)\n";
    });
}

void addLayers(CLI::App& app) {
    auto path = std::make_shared<std::string>();
    auto flags = std::make_shared<MetaFlags>();
    CLI::App* command =
        app.add_subcommand("layers", "Tappable layers (module paths) with their output shapes");
    command->add_option("model", *path, "Model file")->required();
    flags->add(command);
    command->callback([=] {
        const auto fallback = flags->meta();
        const models::ModelSummary summary = models::inspectModel(*path, fallback.get());
        std::size_t width = 8;
        for (const auto& layer : summary.layers)
            width = std::max(width, layer.name.size());
        for (const auto& layer : summary.layers)
            std::cout << std::left << std::setw(static_cast<int>(width + 2)) << layer.name
                      << shapeText(layer.shape) << "\n";
    });
}

}  // namespace

void addModelCommands(CLI::App& app) {
    addTrain(app);
    addEval(app);
    addModelInfo(app);
    addLayers(app);
}

}  // namespace netsight::cli
