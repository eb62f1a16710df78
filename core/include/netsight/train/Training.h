#pragma once

// Training and evaluation of classifiers, as plain-typed calls the CLI and the UI can make.
#include <cstdint>
#include <string>
#include <vector>

#include "netsight/data/Dataset.h"
#include "netsight/runtime/Job.h"

namespace netsight::train {

/// How the learning rate moves over a run: a half cosine from the rate to 0 over all steps, a step down by
/// stepGamma every stepEpochs, or constant.
enum class Schedule { Cosine, Step, Constant };
/// "cosine", "step" or "constant"; std::invalid_argument naming the value and the choices otherwise.
Schedule parseSchedule(const std::string& name);
const char* scheduleName(Schedule schedule);

struct TrainOptions {
    std::string architecture = "resnet-s";  ///< zoo name; ignored when `startFrom` is set
    std::string startFrom;                  ///< a NetSight model file to continue from (optional)
    std::string dataSource = "factorworld";
    std::string
        dataCacheDirectory;  ///< where a folder's index is kept (an experiment's cache/); empty: the user's
    std::string outputPath;  ///< the best model; its checkpoint is outputPath + ".ckpt"
    int epochs = 10;
    std::size_t batchSize = 64;
    std::string optimizer = "adam";  ///< adam | sgd (with momentum)
    double learningRate = 1e-3;
    double momentum = 0.9;
    double weightDecay = 5e-4;
    Schedule schedule = Schedule::Cosine;
    int stepEpochs = 10;  ///< step schedule: multiply by stepGamma every stepEpochs
    double stepGamma = 0.1;
    bool flip = true;          ///< augmentation: horizontal flips
    bool crop = true;          ///< augmentation: random 4-px shifted crops
    bool colourJitter = true;  ///< augmentation: brightness and contrast +-20%
    std::uint64_t seed = 0;
    std::string device = "auto";
    bool mixedPrecision = true;       ///< float16 autocast with dynamic loss scaling, when the device is CUDA
    int threads = 0;                  ///< 0: one per core
    std::size_t maxTrainSamples = 0;  ///< 0: the whole training split each epoch
    std::size_t maxValidationSamples = 0;  ///< 0: the whole validation split
    bool resume = true;                    ///< continue from the checkpoint if there is one
    std::string metricPrefix;              ///< put before every metric series ("classifier a: ")
};

struct TrainResult {
    std::string modelPath;
    double bestValidationAccuracy = 0;
    int bestEpoch = 0;
    int epochsRun = 0;         ///< in this call (0 when the checkpoint was already complete)
    int resumedFromEpoch = 0;  ///< 0 for a fresh start
    std::int64_t steps = 0;
    double seconds = 0;
};

/// Trains a classifier; reports progress, metrics ("train/loss", "train/accuracy", "val/accuracy",
/// "lr") and logs to the job. Keeps the best model by validation accuracy at outputPath and a
/// checkpoint after every epoch. A NaN or infinite loss stops the run with an error that says what
/// to do; the last good checkpoint stays. Throws runtime_error / invalid_argument for bad options.
TrainResult trainClassifier(const TrainOptions& options, const runtime::JobContext& job);

struct EvalResult {
    std::vector<std::string> classNames;
    std::size_t samples = 0;
    double accuracy = 0;
    std::vector<double> perClassAccuracy;              ///< -1 for a class with no samples
    std::vector<std::vector<std::int64_t>> confusion;  ///< [true class][predicted class]
    std::vector<std::string> notes;                    ///< adaptations made (grey->RGB, resize, ...)
};

/// Accuracy, per-class accuracy and confusion matrix of a model file on a split.
EvalResult evaluateModel(const std::string& modelPath, const std::string& dataSource, data::Split split,
                         const std::string& device, std::size_t maxSamples, const runtime::JobContext& job);

/// Writes the confusion matrix as CSV (atomically): a header of predicted class names, one row per true
/// class.
void writeConfusionCsv(const EvalResult& result, const std::string& path);

}  // namespace netsight::train
