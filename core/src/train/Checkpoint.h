#pragma once

// One checkpoint format for every training in NetSight, classifiers and the probe's autoencoders alike
// (internal to core): the model's weights, the optimizer's state and a JSON state that holds at least
// "epoch" (the epochs completed) and whatever the trainer needs to resume or to refuse to.
#include <torch/torch.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace netsight::train {

struct Checkpoint {
    torch::serialize::InputArchive model;
    torch::serialize::InputArchive optimizer;
    nlohmann::json state;
    /// The weights of the best epoch so far, for trainings that keep them (empty otherwise).
    std::optional<torch::serialize::InputArchive> best;
    int epoch() const { return state.value("epoch", 0); }
};

/// Writes the checkpoint atomically: a crash leaves the previous one whole. `best`: the weights of the
/// best epoch so far, kept beside the current ones when the training keeps them.
void writeCheckpoint(const std::string& path, const torch::nn::Module& model,
                     const torch::optim::Optimizer& optimizer, const nlohmann::json& state,
                     const torch::nn::Module* best = nullptr);

/// Reads the checkpoint at `path`; nullopt when there is none. A damaged file is a runtime_error that names
/// it and ends with `whatToDo` ("delete it or train with --no-resume").
std::optional<Checkpoint> readCheckpoint(const std::string& path, const std::string& whatToDo);

/// The JSON state alone, or null when the file is missing or unreadable (for stale checks that must not
/// throw).
nlohmann::json checkpointState(const std::string& path);

}  // namespace netsight::train
