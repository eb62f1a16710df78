#pragma once

// The factor lab's stimuli: the FactorWorld a model was trained on, rendering on every core, and the factor
// groups of a set of stimuli. Internal to core (LibTorch-facing).
#include <torch/torch.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "info/GcmiDetail.h"
#include "netsight/data/FactorWorld.h"
#include "netsight/data/FactorWorldDataset.h"
#include "netsight/info/Gcmi.h"
#include "netsight/models/Classifier.h"
#include "netsight/runtime/Job.h"

namespace netsight::factors::detail {
using namespace netsight::info;          // the GCMI estimators
using namespace netsight::info::detail;  // and their internals

/// A well-mixed 64-bit seed from two numbers.
inline std::uint64_t mix(std::uint64_t a, std::uint64_t b) {
    std::uint64_t z = a * 0x9E3779B97F4A7C15ull + b + 0x632BE59BD9B4E5Dull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// The FactorWorld the model was trained on, checked against the model.
struct World {
    std::string source;
    data::FactorWorldOptions options;
    std::unique_ptr<data::FactorWorld> world;
    std::vector<data::Identity> identities;
};

/// Throws std::runtime_error naming the model and the source when they do not fit together.
World worldFor(const models::ClassifierMeta& meta, const std::string& modelPath,
               const std::string& requested);

// Renders `count` pictures on every core: picture i is render(i) into images[i].
template <typename Make>
torch::Tensor renderAll(const data::FactorWorld& world, std::size_t count, const Make& make) {
    const int c = world.channels(), s = world.size();
    torch::Tensor images = torch::empty({static_cast<std::int64_t>(count), c, s, s});
    float* out = images.data_ptr<float>();
    const std::size_t each = static_cast<std::size_t>(c) * s * s;
    parallelFor(count, 16, [&](std::size_t begin, std::size_t end) {
        for (std::size_t i = begin; i < end; ++i) {
            const auto [identity, view] = make(i);
            const data::Render render = world.render(identity, view);
            std::copy(render.image.pixels.begin(), render.image.pixels.end(), out + i * each);
        }
    });
    return images;
}

// Logits of images in [0,1], in batches, on the classifier's device; returned on the CPU.
torch::Tensor logitsOf(models::Classifier& classifier, const torch::Tensor& images, std::size_t batch,
                       const runtime::JobContext& job);

// A factor group's columns from the per-stimulus factor table; constant columns are dropped.
struct Group {
    std::string name;
    Variables values;  // raw
    Variables copula;
    Variables shuffled;  // copula with samples permuted: the null
};

// Every stimulus: its identity and view, and the 27 factor values.
struct Stimuli {
    std::vector<int> identity;
    std::vector<int> cue;  ///< the class the spurious cue names, drawn independently; empty without a cue
    std::vector<data::Identity> intrinsic;
    std::vector<data::Extrinsics> views;
};

/// The factor groups of the stimuli, copula-normalised, with a shuffled copy each; constant groups noted.
std::vector<Group> buildGroups(const Stimuli& stimuli, std::vector<std::string>& notes);

}  // namespace netsight::factors::detail
