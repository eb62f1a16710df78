#pragma once

// The probe's stages as runProbe and the per-stage commands share them (ProbeStages.cpp). Private to core.
#include <torch/torch.h>

#include <filesystem>
#include <memory>
#include <string>

#include "experiment/StageRecipes.h"
#include "netsight/data/Dataset.h"
#include "netsight/experiment/Experiment.h"
#include "netsight/models/Classifier.h"
#include "netsight/runtime/Job.h"

namespace netsight::experiment {

struct LoadedClassifier {
    std::string name;
    std::unique_ptr<models::Classifier> model;
    std::string file;  ///< its model file
};

/// The experiment in `directory`: its folder, its experiment.json and what that says.
struct Opened {
    Experiment experiment;
    std::filesystem::path directory;
    std::string specPath;
    const ProbeSpec& spec;
    explicit Opened(const std::string& directoryText)
        : experiment(Experiment::open(directoryText)),
          directory(experiment.directory()),
          specPath(experiment.specPath()),
          spec(experiment.spec()) {}
};

/// Errors that need no long work: the spec, the data, the autoencoder (a preset, or the file of
/// autoencoder.pretrained) against the images. `where` names experiment.json in the messages.
void checkBeforeWork(const std::filesystem::path& directory, const ProbeSpec& spec,
                     const data::Dataset& dataset, const std::string& where);

/// The experiment's cache/ folder (Experiment::cacheDirectory) without reading experiment.json again.
std::string dataCacheDirectory(const std::filesystem::path& directory);

/// The experiment's data, opened inside `job` (a folder's one-time indexing reports progress and can stop).
std::unique_ptr<data::Dataset> openExperimentData(const std::filesystem::path& directory,
                                                  const ProbeSpec& spec, const runtime::JobContext& job);

/// Trains a zoo entry of the experiment into models/NAME.nsm unless it is there and complete; returns its
/// path. `device`: the job's device, resolved once (a fine-tuning on cuda:1 trains its missing classifier
/// there).
std::string trainZooEntry(const std::filesystem::path& directory, const ProbeSpec& spec,
                          const ClassifierEntry& entry, const torch::Device& device,
                          const runtime::JobContext& job);

/// The classifier of `entry` on `device`, frozen: a model file loaded and checked against the data, or a zoo
/// entry trained first if missing.
LoadedClassifier loadExperimentClassifier(const std::filesystem::path& directory, const ProbeSpec& spec,
                                          const data::Dataset& dataset, const ClassifierEntry& entry,
                                          const torch::Device& device, const runtime::JobContext& job);

/// Pretrains the autoencoder unless done (waiting for another process doing it). Returns whether it trained.
bool ensurePretrained(const std::filesystem::path& directory, const ProbeSpec& spec,
                      const data::Dataset& dataset, const torch::Device& device,
                      const torch::Tensor& previewImages, const runtime::JobContext& job);

/// Fine-tunes replica `replica` of the autoencoder for `classifier` unless done. Returns whether it trained.
bool ensureFinetuned(const std::filesystem::path& directory, const ProbeSpec& spec,
                     const data::Dataset& dataset, LoadedClassifier& classifier, int replica,
                     const torch::Device& device, const torch::Tensor& previewImages,
                     const runtime::JobContext& job);

}  // namespace netsight::experiment
