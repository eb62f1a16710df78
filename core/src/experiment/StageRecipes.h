#pragma once

// What each stage of a probe experiment was made with (internal to core). A stage's file (a trained
// classifier, the pretrained autoencoder, a fine-tuned one) is reused as long as the settings it depends on
// are what experiment.json says now; when they differ the run stops before any work and says which fields
// changed and which files to delete, instead of silently mixing results of two settings.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "netsight/experiment/ProbePipeline.h"
#include "netsight/experiment/ProbeSpec.h"
#include "netsight/runtime/Job.h"

namespace netsight::experiment {

/// Where an experiment's stages keep their files; `file` relative to the experiment folder unless absolute.
std::string resolvePath(const std::filesystem::path& directory, const std::string& file);
std::filesystem::path pretrainedPath(const std::filesystem::path& directory);
/// The stage (and lock) name of the AE fine-tuned for `name`: "ae-NAME" for the first replica (index 0),
/// "ae-NAME.rK" for replica K = index + 1 beyond it.
std::string finetunedStageName(const std::string& name, int replica = 0);
std::filesystem::path finetunedPath(const std::filesystem::path& directory, const std::string& name,
                                    int replica = 0);
/// The seed of a fine-tuning replica: the experiment's for the first, a mix of it and the index beyond.
std::uint64_t replicaSeed(const experiment::ProbeSpec& spec, int replica);
/// The training seed of a zoo entry: its own, else the experiment's.
std::uint64_t classifierSeed(const experiment::ProbeSpec& spec, const experiment::ClassifierEntry& entry);
std::filesystem::path zooModelPath(const std::filesystem::path& directory, const std::string& name);
/// autoencoder.pretrained resolved, or empty.
std::string givenPretrainedFile(const std::filesystem::path& directory, const experiment::ProbeSpec& spec);

/// Where pretrained autoencoders are kept for reuse across experiments: $NETSIGHT_AUTOENCODER_CACHE, else
/// $XDG_DATA_HOME/netsight/autoencoders, else ~/.local/share/netsight/autoencoders; empty when reuse is off
/// (NETSIGHT_AUTOENCODER_CACHE=off) or there is no home folder.
std::filesystem::path autoencoderCacheDirectory();

/// A flat JSON object: field path as in experiment.json (e.g. "autoencoder.pretrain_epochs") -> value.
using Recipe = nlohmann::json;

/// The settings the pretrained autoencoder depends on: the data, the seed and the pretraining settings,
/// or only autoencoder.pretrained, the file it was copied from, as the spec names it.
Recipe pretrainRecipe(const experiment::ProbeSpec& spec);
/// The file in the cache that holds the pretrained autoencoder of this recipe (named by its digest); empty
/// when reuse is off or the spec names a file of its own (autoencoder.pretrained).
std::filesystem::path cachedPretrainedPath(const experiment::ProbeSpec& spec);

/// The settings an autoencoder fine-tuned for one classifier depends on: its pretrained autoencoder's
/// recipe, the fine-tuning settings, the pretrained autoencoder's contents (`pretrainedDigest`, fileDigest of
/// its file) and those of the classifier's model file (by digest, so that the experiment folder can move).
Recipe finetuneRecipe(const experiment::ProbeSpec& spec, const std::string& pretrainedDigest,
                      const std::string& classifierName, const std::string& classifierFile, int replica = 0);

/// The settings a zoo classifier trained by the experiment depends on, from the spec, and as recorded
/// in the model file's training record (the best epoch is kept, so the epoch count is not compared).
Recipe classifierRecipe(const experiment::ProbeSpec& spec, const experiment::ClassifierEntry& entry);
Recipe recordedClassifierRecipe(const std::string& modelFile);

/// A digest of a file's bytes (64-bit FNV-1a and the size, as text); throws naming the file.
std::string fileDigest(const std::string& path);

/// Every field in which `made` differs from `wanted` ("field: was X, now Y"); none when they agree or
/// `made` is null (a file from before recipes, accepted).
std::vector<std::string> recipeChanges(const Recipe& made, const Recipe& wanted);
/// Throws std::runtime_error naming `file`, the changes and `remedy` when there are any.
void requireSameRecipe(const std::string& file, const Recipe& made, const Recipe& wanted,
                       const std::string& remedy);

/// The stage files (and checkpoints) in `directory` that `spec` no longer describes, and those that
/// depend on them. `unchecked`, when given, receives the autoencoder files made before recipes were
/// recorded: they are used as they are, unchecked.
std::vector<StaleStage> findStaleStages(const std::filesystem::path& directory,
                                        const experiment::ProbeSpec& spec,
                                        std::vector<std::string>* unchecked = nullptr);

/// Throws std::runtime_error listing every stale stage (file, changes) and what to do, when there are any;
/// logs a warning on `job` for each autoencoder from before recipes.
void requireNoStaleStages(const std::filesystem::path& directory, const experiment::ProbeSpec& spec,
                          const runtime::JobContext& job);

}  // namespace netsight::experiment
