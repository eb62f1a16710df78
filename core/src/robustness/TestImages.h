#pragma once

// The robustness bench's test images, adapted to a classifier's input (internal to core).
#include <torch/torch.h>

#include <cstddef>
#include <memory>
#include <string>

#include "netsight/data/Dataset.h"
#include "netsight/models/Classifier.h"
#include "netsight/runtime/Job.h"

namespace netsight::robustness {

/// A loaded, frozen classifier on its device and the first test images of a source as it sees them.
struct Bench {
    std::unique_ptr<models::Classifier> classifier;
    torch::Tensor images;  ///< NCHW in [0, 1], on the CPU, adapted to the classifier's input
    torch::Tensor labels;  ///< int64, on the CPU
    std::string name;      ///< the model file's name without its extension
};

/// Loads `modelPath` onto `device` (frozen: eval mode, no parameter gradients) and the first `count`
/// images of `dataSource`'s test split (fewer if it has fewer), adapted to its input (grey or colour,
/// size). A folder's first indexing reports through `job` and stops when it is cancelled; its index is kept
/// in `cacheDirectory` (empty: the user's). Logs compatibility notes to `job`; throws std::runtime_error
/// naming the file or source.
Bench openBench(const std::string& modelPath, const std::string& dataSource, std::size_t count,
                const std::string& device, const runtime::JobContext& job,
                const std::string& cacheDirectory = {});

}  // namespace netsight::robustness
