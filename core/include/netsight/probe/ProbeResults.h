#pragma once

// The results of a finished signal probe as plain values, read back from an experiment folder (UI, tools).
#include <optional>
#include <string>
#include <vector>

#include "netsight/probe/ProbeSummary.h"

namespace netsight::probe {

/// Per-image NMI of each autoencoder row.
struct NmiTable {
    std::vector<std::string> rows;
    std::vector<std::vector<double>> intra,
        inter;                              ///< [row][entry]: every replica's images, one after another
    std::vector<std::vector<int>> replica;  ///< [row][entry]: the replica of each entry (0: the first)
};

struct ProbeResults {
    ProbeSummary summary;
    NmiTable nmi;
    /// results/reconstructions/ROW/I.png for ROW in "original" and summary.rows[1..]: the grid images.
    std::vector<std::vector<std::string>> gridFiles;
};

/// Reads results/summary.json and results/nmi.csv of `directory`. Returns nothing when the experiment has
/// no results yet; throws std::runtime_error naming the file and field when they are damaged.
std::optional<ProbeResults> readProbeResults(const std::string& directory);

}  // namespace netsight::probe
