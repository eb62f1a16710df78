#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace netsight::experiment {

/// One classifier of a probe: a zoo architecture the experiment trains, or a model file it loads.
struct ClassifierEntry {
    std::string name;          ///< short, unique; names files and matrix rows
    std::string architecture;  ///< zoo name (trained into models/NAME.nsm), or empty
    std::string model;         ///< a model file to load (absolute or relative to the experiment)
    /// The training seed of a zoo entry (default: the experiment's): two entries of one architecture with
    /// different seeds are twins, which the probe must not call ordered.
    std::optional<std::uint64_t> seed{};
};

/// experiment.json of a signal-probe experiment (schema version 1).
struct ProbeSpec {
    static constexpr int kVersion = 1;
    std::string data = "factorworld:classes=5,size=32,train=2000,val=400,test=400";
    std::uint64_t seed = 0;
    std::string device = "auto";
    /// On CUDA: float16 autocast with dynamic loss scaling for the autoencoder's trainings (no effect on
    /// CPU).
    bool mixedPrecision = true;
    std::vector<ClassifierEntry> classifiers;

    int classifierEpochs = 3;
    double classifierLearningRate = 2e-3;

    std::string autoencoder = "segnet-small";
    /// An autoencoder file to start from instead of pretraining (e.g. another experiment's
    /// models/ae-pretrained.pt), relative to the experiment folder or absolute; empty: pretrain.
    std::string pretrainedAutoencoder;
    /// Pretraining runs until the autoencoder's PSNR on validation images reaches pretrainTargetPsnr, or
    /// has not gained 0.05 dB for pretrainPatience epochs, or pretrainEpochs (the ceiling) are done; the
    /// learning rate follows a cosine from autoencoderLearningRate to 0 over the ceiling, BatchNorm's
    /// statistics are taken anew before each validation, and the stage keeps the best validated epoch.
    /// Target 0: no target, patience 0: no plateau stop.
    int pretrainEpochs = 24;
    double pretrainTargetPsnr = 28;
    int pretrainPatience = 6;
    int finetuneEpochs = 2;
    double autoencoderLearningRate = 2e-3;  ///< pretraining's first rate (cosine decay over the ceiling)
    double finetuneLearningRate =
        2e-4;  ///< fine-tuning: small, so that the decoder changes only what the classifier needs
    double reconstructionWeight = 0.0;  ///< extra MSE term while fine-tuning (the paper: 0)
    std::size_t batchSize = 32;         ///< fine-tuning's batch (autoencoder.batch)
    /// Pretraining's batch (autoencoder.pretrain_batch): on 2 cores an epoch of batch 16 takes as long as one
    /// of 32 and makes twice the steps (the demo's AE: 28.2 dB after 17 epochs, against 27.7 after 24).
    std::size_t pretrainBatchSize = 16;
    std::size_t maxTrainSamples = 0;  ///< per epoch, 0: all

    std::size_t testImages = 400;  ///< for the transfer matrix and NMI
    std::size_t gridImages = 8;    ///< rows of the reconstruction grid
    /// Fine-tunings of each classifier's autoencoder from different seeds (evaluation.replicas): the matrix
    /// is their mean, and their spread enters every interval and the tests of the order.
    int replicas = 1;
    int nmiBins = 256;
    std::string nmiVariant = "studholme";  ///< or "arithmetic"
};

/// The autoencoder presets (autoencoder.preset), first the default.
std::vector<std::string> autoencoderPresets();

/// Reads experiment.json; errors name the file, the field path (e.g. "classifiers[2].name") and
/// what was expected. Throws std::runtime_error.
ProbeSpec readProbeSpec(const std::string& path);
/// Parses experiment.json text as readProbeSpec does; `path` only names the file in errors.
ProbeSpec parseProbeSpec(const std::string& text, const std::string& path);
/// The spec as experiment.json text (versioned schema).
std::string probeSpecJson(const ProbeSpec& spec);
/// Writes experiment.json atomically.
void writeProbeSpec(const ProbeSpec& spec, const std::string& path);
/// Checks values that need no data (names unique, counts positive, ...); throws std::runtime_error.
void validateProbeSpec(const ProbeSpec& spec, const std::string& where);

/// The demo: FactorWorld with a zoo that includes classifiers of known input use.
ProbeSpec demoProbeSpec();

}  // namespace netsight::experiment
