#include "netsight/robustness/ExperimentRobustness.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "netsight/experiment/Experiment.h"
#include "netsight/experiment/ProbePipeline.h"
#include "netsight/runtime/AtomicFile.h"
#include "report/Html.h"

namespace netsight::robustness {
namespace fs = std::filesystem;

std::string robustnessDirectory(const std::string& experimentDirectory) {
    return (fs::path(experimentDirectory) / "results" / "robustness").string();
}

std::vector<GroupComparison> architectureComparisons(const experiment::ProbeSpec& spec,
                                                     const RobustnessResults& results) {
    const auto measured = results.classifiers();
    std::vector<std::string> order;
    std::map<std::string, std::vector<std::string>> groups;
    for (const auto& entry : spec.classifiers) {
        if (entry.architecture.empty()) continue;
        if (std::find(measured.begin(), measured.end(), entry.name) == measured.end()) continue;
        if (!groups.count(entry.architecture)) order.push_back(entry.architecture);
        groups[entry.architecture].push_back(entry.name);
    }
    std::vector<GroupComparison> comparisons;
    for (std::size_t a = 0; a < order.size(); ++a)
        for (std::size_t b = a + 1; b < order.size(); ++b) {
            const bool pair = (order[a] == "topdown" && order[b] == "bottomup") ||
                              (order[a] == "bottomup" && order[b] == "topdown");
            if (!pair && (groups[order[a]].size() < 2 || groups[order[b]].size() < 2)) continue;
            // topdown first, so that the sentence reads as the question is asked.
            const bool swap = order[b] == "topdown";
            const auto& first = swap ? order[b] : order[a];
            const auto& second = swap ? order[a] : order[b];
            auto more = compareGroups(results, first, groups[first], second, groups[second]);
            comparisons.insert(comparisons.end(), more.begin(), more.end());
        }
    return comparisons;
}

void spliceRobustnessSection(const std::string& reportPath, const std::string& section) {
    if (!fs::exists(reportPath)) return;
    std::string html = report::readFileBytes(reportPath);
    const std::string wrapped = std::string(kRobustnessBegin) + section + kRobustnessEnd;
    const auto begin = html.find(kRobustnessBegin);
    const auto end = html.find(kRobustnessEnd);
    if (begin != std::string::npos && end != std::string::npos && end > begin) {
        html.replace(begin, end + std::string(kRobustnessEnd).size() - begin, wrapped);
    } else {
        const auto close = html.rfind("</body>");
        html.insert(close == std::string::npos ? html.size() : close, wrapped);
    }
    runtime::writeFileAtomically(reportPath, html);
}

RobustnessResults runExperimentRobustness(const std::string& directory, const BenchOptions& options,
                                          const runtime::JobContext& job) {
    const auto experiment = experiment::Experiment::open(directory);
    const auto& spec = experiment.spec();
    std::vector<const experiment::ClassifierEntry*> entries;
    if (options.classifiers.empty()) {
        for (const auto& entry : spec.classifiers)
            entries.push_back(&entry);
    } else {
        for (const auto& name : options.classifiers)
            entries.push_back(&experiment.classifier(name));
    }
    if (entries.empty())
        throw experiment::ExperimentError(directory +
                                          "/experiment.json lists no classifiers to measure; add some");
    for (const auto* entry : entries)
        if (!entry->architecture.empty() && !experiment.classifierReady(*entry)) {
            job.log("training " + entry->name + " first (" + entry->architecture + ")");
            experiment::trainExperimentClassifier(directory, entry->name, job);
        }
    RobustnessResults results;
    for (const auto* entry : entries) {
        const std::string model = experiment.modelPath(*entry);
        if (options.perturbations) {
            auto perturbation = options.perturbation;
            if (perturbation.device == "auto") perturbation.device = spec.device;
            perturbation.seed = spec.seed + perturbation.seed;
            perturbation.dataCacheDirectory = experiment.cacheDirectory();
            results.add(perturbationCurves(model, spec.data, perturbation, job));
        }
        if (options.attacks) {
            auto attack = options.attack;
            if (attack.device == "auto") attack.device = spec.device;
            attack.seed = spec.seed + attack.seed;
            attack.dataCacheDirectory = experiment.cacheDirectory();
            attack.scales = {-1};
            results.add(attackCurves(model, spec.data, attack, job));
            if (options.scaleAblation &&
                (entry->architecture == "topdown" || entry->architecture == "bottomup")) {
                attack.scales = {0, 1, 2};
                attack.attacks = {AttackSpec{true, AttackNorm::L2}};
                attack.examples = 0;
                attack.minimal = false;  // the curves are the ablation (Lelekas et al.); the search costs 3x
                results.add(attackCurves(model, spec.data, attack, job));
            }
        }
    }
    const auto comparisons = architectureComparisons(spec, results);
    const std::string folder = robustnessDirectory(directory);
    writeRobustnessResults(results, folder, comparisons);
    const std::string summaryPath = (fs::path(experiment.resultsDirectory()) / "summary.json").string();
    const std::string section = robustnessSectionHtml(
        results, comparisons, fs::exists(summaryPath) ? report::readFileBytes(summaryPath) : "");
    runtime::writeFileAtomically((fs::path(folder) / "section.html").string(), section);
    spliceRobustnessSection(experiment.reportPath(), section);
    if (!comparisons.empty()) job.log(comparisonVerdict(comparisons));
    return results;
}

experiment::ProbeSpec robustnessDemoSpec() {
    experiment::ProbeSpec spec;
    spec.data = "factorworld:classes=5,size=32,train=2000,val=400,test=400";
    for (const std::string architecture : {"topdown", "bottomup"})
        for (std::uint64_t seed = 1; seed <= 3; ++seed)
            spec.classifiers.push_back({architecture + "-" + std::to_string(seed), architecture, "", seed});
    return spec;
}

}  // namespace netsight::robustness
