#pragma once

// The robustness bench over an experiment's classifiers: results in results/robustness/ and a section in
// the experiment's report beside the transfer matrix. Plain types: the CLI and the UI include this header.
#include <string>
#include <vector>

#include "netsight/experiment/ProbeSpec.h"
#include "netsight/robustness/RobustnessReport.h"

namespace netsight::robustness {

struct BenchOptions {
    bool perturbations = true;  ///< the perturbation curves
    PerturbationOptions perturbation;
    bool attacks = true;  ///< the attack curves and minimal perturbations
    AttackOptions attack;
    /// For topdown and bottomup: the PGD-L2 curve of each scale of the pyramid attacked alone too.
    bool scaleAblation = true;
    std::vector<std::string> classifiers;  ///< the experiment's classifiers to measure; empty: all
};

/// EXPERIMENT/results/robustness.
std::string robustnessDirectory(const std::string& experimentDirectory);

/// Measures the classifiers of the experiment in `directory` (training the zoo ones that are missing first),
/// compares its architectures that have several seeds (and topdown with bottomup), writes everything to
/// results/robustness/ and the section into the experiment's report.html when the probe has written one.
RobustnessResults runExperimentRobustness(const std::string& directory, const BenchOptions& options,
                                          const runtime::JobContext& job);

/// The comparisons runExperimentRobustness makes: the classifiers grouped by zoo architecture (entries that
/// differ only in their seed); every pair of groups with two or more seeds each, and topdown with bottomup
/// whenever both are there.
std::vector<GroupComparison> architectureComparisons(const experiment::ProbeSpec& spec,
                                                     const RobustnessResults& results);

/// Puts `section` into the report at `reportPath` (between its robustness markers, or before its end), if
/// that report exists. The probe's report keeps the markers and results/robustness/section.html's content.
void spliceRobustnessSection(const std::string& reportPath, const std::string& section);
/// The markers around the robustness section of an experiment's report.
inline constexpr const char* kRobustnessBegin = "<!-- netsight:robustness -->";
inline constexpr const char* kRobustnessEnd = "<!-- /netsight:robustness -->";

/// The robustness demo: topdown and bottomup, three training seeds each, on FactorWorld (32 px, 5 classes).
experiment::ProbeSpec robustnessDemoSpec();

}  // namespace netsight::robustness
