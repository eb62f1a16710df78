#pragma once

// Pretraining and fine-tuning of the probe's SegNet, with per-epoch checkpoints (internal to core).
#include <cstdint>
#include <memory>
#include <string>

#include "experiment/StageRecipes.h"
#include "netsight/data/Dataset.h"
#include "netsight/experiment/ProbeSpec.h"
#include "netsight/models/Classifier.h"
#include "netsight/probe/SegNet.h"
#include "netsight/runtime/Job.h"

namespace netsight::probe {

using experiment::Recipe;

/// Writes the autoencoder (weights, its preset, the recipe it was made with and what its training measured,
/// e.g. {"validation_psnr": 27.1, "epochs": 12, "stopped": "target"}) atomically.
void saveAutoencoder(SegNet& autoencoder, const std::string& preset, const std::string& path,
                     const Recipe& recipe, const nlohmann::json& quality = nullptr);
/// What the training of an autoencoder file measured (null for files from before it was recorded).
nlohmann::json autoencoderQuality(const std::string& path);

/// The autoencoder's reconstructions of NCHW images in [0,1], in batches, without gradients, clamped.
torch::Tensor reconstructImages(SegNet& autoencoder, const torch::Tensor& images);
/// Peak signal-to-noise ratio of images in [0,1] against the originals, in dB, from the mean squared error
/// over every pixel of every image.
double psnr(const torch::Tensor& images, const torch::Tensor& originals);
/// The mean structural similarity (Wang et al. 2004: 11 x 11 Gaussian window, sigma 1.5, K1 0.01, K2 0.03,
/// per channel, averaged over positions, channels and images) of images in [0,1] against the originals.
double ssim(const torch::Tensor& images, const torch::Tensor& originals);
/// Reads an autoencoder file; throws std::runtime_error naming it.
SegNet loadAutoencoder(const std::string& path, std::string* preset = nullptr);
/// The recipe an autoencoder file, or a stage's checkpoint, was made with (null for files from before
/// recipes or unreadable checkpoints, which their stage reports when it resumes).
Recipe autoencoderRecipe(const std::string& path);
Recipe autoencoderCheckpointRecipe(const std::string& path);

/// How one autoencoder stage trains, as TrainOptions says how a classifier trains. The device is resolved
/// once by the job and passed down; the checkpoint (outputPath + ".ckpt") is in train/Checkpoint.h's format.
struct AutoencoderTrainOptions {
    std::string preset;  ///< the SegNet preset a pretraining builds (a fine-tuning keeps the pretrained one)
    std::string outputPath;  ///< the autoencoder file; its checkpoint is outputPath + ".ckpt"
    Recipe recipe;           ///< what made it: a checkpoint made otherwise is refused, the file records it
    int epochs = 1;
    std::size_t batchSize = 64;
    double learningRate = 1e-3;       ///< Adam
    std::size_t maxTrainSamples = 0;  ///< 0: the whole training split each epoch
    std::uint64_t seed = 0;
    double reconstructionWeight = 0;  ///< fine-tuning: + weight x MSE to the input
    /// Validating each epoch (a target or a patience set): the rate follows a cosine from learningRate to 0
    /// over `epochs`, and the stage ends with the best validated epoch's weights.
    double targetPsnr = 0;  ///< stop once the validation PSNR reaches it (dB; 0: no target)
    int patience = 0;       ///< stop after this many epochs without a validation gain (0: never)
    torch::Device device = torch::kCPU;
    bool mixedPrecision = false;  ///< float16 autocast with loss scaling (CUDA; the spec's mixed_precision)
    /// Channels-last layout of images and convolution weights (CUDA, NETSIGHT_CHANNELS_LAST=1: not measured
    /// yet on a GPU, so off by default).
    bool channelsLast = false;
};

/// The options of the probe's two autoencoder stages, as the experiment's spec says.
AutoencoderTrainOptions pretrainOptions(const experiment::ProbeSpec& spec, const std::string& path,
                                        const Recipe& recipe, const torch::Device& device);
AutoencoderTrainOptions finetuneOptions(const experiment::ProbeSpec& spec, const std::string& path,
                                        const Recipe& recipe, const torch::Device& device);

/// Pretrains on reconstruction (MSE, no labels) into options.outputPath, resuming from its checkpoint
/// (which must have been made with the same recipe). Every few seconds it posts its reconstructions of
/// `previewImages` (NCHW on the device, may be undefined) as preview "pretrained".
void pretrainAutoencoder(const AutoencoderTrainOptions& options, const data::Dataset& dataset,
                         const torch::Tensor& previewImages, const runtime::JobContext& job);

/// Fine-tunes a copy of the pretrained autoencoder for `classifier` (frozen, eval mode): encoder frozen,
/// decoder trained to minimise the classifier's cross-entropy on the normalized reconstruction
/// (+ reconstructionWeight x MSE). Resumes from its checkpoint. Posts metrics "fine-tune for NAME/loss"
/// and ".../accuracy" (the classifier's batch accuracy on the reconstructions) and previews keyed NAME.
void finetuneAutoencoder(const AutoencoderTrainOptions& options, const data::Dataset& dataset,
                         const std::string& pretrainedPath, models::Classifier& classifier,
                         const std::string& name, const torch::Tensor& previewImages,
                         const runtime::JobContext& job);

}  // namespace netsight::probe
