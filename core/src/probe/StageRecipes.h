#pragma once

// What each stage of a probe experiment was made with (internal to core). A stage's file (a trained
// classifier, the pretrained autoencoder, a fine-tuned one) is reused as long as the settings it depends on
// are what experiment.json says now; when they differ the run stops before any work and says which fields
// changed and which files to delete, instead of silently mixing results of two settings.
#include <nlohmann/json.hpp>
#include <string>

#include "netsight/experiment/ProbeSpec.h"

namespace netsight::probe {

/// A flat JSON object: field path as in experiment.json (e.g. "autoencoder.pretrain_epochs") -> value.
using Recipe = nlohmann::json;

/// The settings the pretrained autoencoder depends on: the data, the seed and the pretraining settings,
/// or only autoencoder.pretrained, the file it was copied from, as the spec names it.
Recipe pretrainRecipe(const experiment::ProbeSpec& spec);

/// The settings an autoencoder fine-tuned for one classifier depends on: its pretrained autoencoder's
/// recipe, the fine-tuning settings and the contents of the classifier's model file (by digest, so that
/// the experiment folder can move).
Recipe finetuneRecipe(const experiment::ProbeSpec& spec, const std::string& classifierName,
                      const std::string& classifierFile);

/// The settings a zoo classifier trained by the experiment depends on, from the spec, and as recorded
/// in the model file's training record (the best epoch is kept, so the epoch count is not compared).
Recipe classifierRecipe(const experiment::ProbeSpec& spec, const std::string& architecture);
Recipe recordedClassifierRecipe(const std::string& modelFile);

/// A digest of a file's bytes (64-bit FNV-1a and the size, as text); throws naming the file.
std::string fileDigest(const std::string& path);

/// Throws std::runtime_error when `made` (null: a file from before recipes, accepted) differs from
/// `wanted`: names `file`, every differing field with its old and new value, and `remedy`.
void requireSameRecipe(const std::string& file, const Recipe& made, const Recipe& wanted,
                       const std::string& remedy);

}  // namespace netsight::probe
