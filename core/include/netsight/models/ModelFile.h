#pragma once

// What the CLI and the UI know of model files: plain types, no LibTorch.
#include <cstdint>
#include <string>
#include <vector>

#include "netsight/models/ClassifierMeta.h"

namespace netsight::models {

struct ModelSummary {
    std::string path;
    std::string format;  ///< "netsight" or "torchscript"
    ClassifierMeta meta;
    std::int64_t parameterCount = 0;
    std::vector<LayerInfo> layers;
};

/// Loads a model file and describes it. Throws std::runtime_error naming the file.
ModelSummary inspectModel(const std::string& path, const ClassifierMeta* fallback = nullptr);

/// Names of the zoo architectures (without input adapters).
std::vector<std::string> zooArchitectures();

/// Input adapters that can be put in front of any zoo architecture ("grey+", "lowpass+", "highpass+").
std::vector<std::string> inputAdapters();

}  // namespace netsight::models
