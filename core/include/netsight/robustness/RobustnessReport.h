#pragma once

// The robustness bench's results as a whole (perturbation curves, attack curves, minimal perturbations,
// checked adversarial examples), how two groups of classifiers (an architecture's seeds) compare, and the
// files they are written to. Plain types: the CLI and the UI include this header.
#include <string>
#include <vector>

#include "netsight/robustness/Attacks.h"
#include "netsight/robustness/PerturbationCurves.h"

namespace netsight::robustness {

struct RobustnessResults {
    std::vector<PerturbationCurve> perturbations;
    std::vector<AttackCurve> attacks;
    std::vector<MinimalPerturbations> minimal;
    std::vector<AdversarialExample> examples;

    void add(std::vector<PerturbationCurve> curves);
    void add(AttackResults results);
    /// Every classifier named, in first-seen order.
    std::vector<std::string> classifiers() const;
};

/// One measure of robustness compared between two groups of classifiers (e.g. an architecture's seeds).
struct GroupComparison {
    std::string measure;  ///< "median minimal L2 perturbation", "accuracy under pgd-l2-10 (mean over radii)"
    std::string first, second;                      ///< the groups' names
    std::vector<double> firstValues, secondValues;  ///< the measure of each classifier of each group
    /// first minus second (the groups' means) with its 95% interval: Welch's t over the classifiers when
    /// both groups have two or more (the seeds' variation), else over the images of the one each.
    probe::Interval difference;
    bool significant = false;  ///< the interval excludes 0
    bool overSeeds = false;    ///< Welch over classifiers (true) or images of a single pair (false)
    /// "topdown is more robust than bottomup under pgd-l2-10: accuracy 0.62 against 0.48 (mean over the
    /// radii), a difference of 0.14 [0.05, 0.23] over 3 seeds each" / "... no significant difference ...".
    std::string sentence;
};

/// Compares two groups of classifiers on every measure the results hold for all of them: each attack's
/// accuracy averaged over its nonzero radii, each perturbation's accuracy averaged over its nonzero
/// strengths, the median minimal L2 perturbation (the whole input and each scale perturbed alone).
std::vector<GroupComparison> compareGroups(const RobustnessResults& results, const std::string& firstName,
                                           const std::vector<std::string>& first,
                                           const std::string& secondName,
                                           const std::vector<std::string>& second);

/// The plain sentence over comparisons: which group is more robust to what and by how much, or that no
/// difference is significant.
std::string comparisonVerdict(const std::vector<GroupComparison>& comparisons);

/// Writes the results into `directory`: perturbations.csv, attacks.csv, minimal.csv (per image),
/// minimal_summary.csv, examples.csv and examples.png (each example checked), comparisons.csv, one SVG
/// chart per perturbation, per attack and scale and per minimal-perturbation curve, robustness.json (the
/// summary the experiment report reads) and report.html with everything. Returns the report's path.
std::string writeRobustnessResults(const RobustnessResults& results, const std::string& directory,
                                   const std::vector<GroupComparison>& comparisons = {});

/// The section the experiment report shows beside its transfer matrix: each classifier's clean accuracy,
/// accuracy under the strongest attacks at a middle radius and its median minimal perturbation, next to its
/// place in the probe's order (from results/summary.json when the probe ran), with whether they agree.
std::string robustnessSectionHtml(const RobustnessResults& results,
                                  const std::vector<GroupComparison>& comparisons,
                                  const std::string& probeSummaryJson);

/// What a robustness folder holds for a view to show: the curves and medians (without the per-image radii
/// and the examples' pixels), the verdict of its comparisons and the examples' picture.
struct RobustnessSummary {
    RobustnessResults results;
    std::string verdict;      ///< empty when no groups were compared
    std::string examplesPng;  ///< examples.png, empty when there is none
};

/// Reads DIRECTORY/robustness.json; throws std::runtime_error naming the file when it cannot.
RobustnessSummary readRobustnessSummary(const std::string& directory);

}  // namespace netsight::robustness
