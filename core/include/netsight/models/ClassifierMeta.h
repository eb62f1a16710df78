#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "netsight/data/Transforms.h"

namespace netsight::models {

/// How a classifier came to be: enough to tell two models apart and to reproduce a run.
struct TrainingRecord {
    std::string dataSource;
    int epochs = 0;         ///< epochs trained when the kept (best) state was reached
    int plannedEpochs = 0;  ///< epochs the run was asked for; 0 in files from before this field
    std::int64_t steps = 0;
    std::string optimizer;
    double learningRate = 0;
    std::uint64_t seed = 0;
    double validationAccuracy = -1;  ///< best, -1 if unknown
    int bestEpoch = -1;
    double seconds = 0;
};

/// Everything about a classifier but its weights; stored inside every model file.
struct ClassifierMeta {
    static constexpr int kSchemaVersion = 1;
    std::string architecture;  ///< zoo name ("grey+vgg-s") or "torchscript"
    data::InputSpec input;     ///< image shape and normalization it expects
    std::vector<std::string> classNames;
    TrainingRecord training;
};

/// JSON text of the metadata (versioned schema).
std::string toJson(const ClassifierMeta& meta);
/// Parses metadata; `where` (a file name) appears in errors, which name the field that is wrong.
ClassifierMeta metaFromJson(const std::string& json, const std::string& where);

/// A named layer whose activations can be tapped, with the shape of one sample's output.
struct LayerInfo {
    std::string name;                 ///< module path, e.g. "layer2.1.conv2"
    std::vector<std::int64_t> shape;  ///< without the batch dimension, e.g. {64, 16, 16}
};

/// Up to `count` known names closest to `wanted` (edit distance), for "did you mean" messages.
std::vector<std::string> nearestNames(const std::string& wanted, const std::vector<std::string>& known,
                                      std::size_t count = 5);

}  // namespace netsight::models
