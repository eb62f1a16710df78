#pragma once

// Pretraining and fine-tuning of the probe's SegNet, with per-epoch checkpoints (internal to core).
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

/// Writes the autoencoder (weights, its preset and the recipe it was made with) atomically.
void saveAutoencoder(SegNet& autoencoder, const std::string& preset, const std::string& path,
                     const Recipe& recipe);
/// Reads an autoencoder file; throws std::runtime_error naming it.
SegNet loadAutoencoder(const std::string& path, std::string* preset = nullptr);
/// The recipe an autoencoder file, or a stage's checkpoint, was made with (null for files from before
/// recipes or unreadable checkpoints, which their stage reports when it resumes).
Recipe autoencoderRecipe(const std::string& path);
Recipe autoencoderCheckpointRecipe(const std::string& path);

/// Pretrains on reconstruction (MSE, no labels) into `path`, resuming from path + ".ckpt" (which must
/// have been made with the same `recipe`).
/// Every few seconds it posts its reconstructions of `previewImages` (NCHW on `device`, may be
/// undefined) as preview "pretrained".
void pretrainAutoencoder(const experiment::ProbeSpec& spec, const data::Dataset& dataset,
                         const std::string& path, const Recipe& recipe, const torch::Device& device,
                         const torch::Tensor& previewImages, const runtime::JobContext& job);

/// Fine-tunes a copy of the pretrained autoencoder for `classifier` (frozen, eval mode): encoder frozen,
/// decoder trained to minimise the classifier's cross-entropy on the normalized reconstruction
/// (+ reconstructionWeight x MSE). Resumes from path + ".ckpt". Posts metrics "fine-tune for NAME/loss"
/// and ".../accuracy" (the classifier's batch accuracy on the reconstructions) and previews keyed NAME.
void finetuneAutoencoder(const experiment::ProbeSpec& spec, const data::Dataset& dataset,
                         const std::string& pretrainedPath, models::Classifier& classifier,
                         const std::string& name, const std::string& path, const Recipe& recipe,
                         const torch::Device& device, const torch::Tensor& previewImages,
                         const runtime::JobContext& job);

}  // namespace netsight::probe
