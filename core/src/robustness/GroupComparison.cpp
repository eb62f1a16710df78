// Comparing groups of classifiers (an architecture's seeds) on every robustness measure, and the verdict.
#include "netsight/robustness/RobustnessReport.h"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <map>
#include <numeric>
#include <sstream>

#include "netsight/probe/Uncertainty.h"

namespace netsight::robustness {
namespace {

std::string plain(double value, int digits = 3) {
    if (std::isinf(value)) return value > 0 ? "beyond the largest radius" : "-inf";
    std::ostringstream text;
    text << std::fixed << std::setprecision(digits) << value;
    return text.str();
}

// One measure of one classifier: its value and, for a comparison of single classifiers, the half width
// of its 95% interval over the images (or the interval itself for a median).
struct Measure {
    double value = 0;
    double standardError = 0;  // accuracy means; 0 for medians
    probe::Interval interval;  // medians
    bool median = false;
};

double meanAccuracy(const std::vector<probe::Interval>& accuracy, std::size_t images, double* standardError) {
    // Over the nonzero strengths (index 0 is the clean or least perturbed point). The error of the mean of
    // correlated proportions is at most the mean of their errors: a conservative standard error.
    double sum = 0, error = 0;
    const std::size_t first = accuracy.size() > 1 ? 1 : 0;
    for (std::size_t k = first; k < accuracy.size(); ++k) {
        const double p = accuracy[k].estimate;
        sum += p;
        error += std::sqrt(p * (1 - p) / static_cast<double>(std::max<std::size_t>(images, 1)));
    }
    const double count = static_cast<double>(accuracy.size() - first);
    *standardError = error / count;
    return sum / count;
}

// measure name -> classifier -> value
std::map<std::string, std::map<std::string, Measure>> measures(const RobustnessResults& results) {
    std::map<std::string, std::map<std::string, Measure>> all;
    for (const auto& curve : results.perturbations) {
        Measure m;
        m.value = meanAccuracy(curve.accuracy, curve.images, &m.standardError);
        all[std::string("accuracy under ") + perturbationName(curve.perturbation) + " (mean over strengths)"]
           [curve.classifier] = m;
    }
    for (const auto& curve : results.attacks) {
        Measure m;
        m.value = meanAccuracy(curve.accuracy, curve.images, &m.standardError);
        all["accuracy under " + curve.attack +
            (curve.scale < 0 ? "" : " of the " + scaleName(curve.scale) + " scale alone") +
            " (mean over radii)"][curve.classifier] = m;
    }
    for (const auto& minimal : results.minimal) {
        Measure m;
        m.median = true;
        m.interval = minimal.median;
        m.value = minimal.median.estimate;
        all["median minimal L2 perturbation" +
            (minimal.scale < 0 ? std::string() : " of the " + scaleName(minimal.scale) + " scale alone")]
           [minimal.classifier] = m;
    }
    return all;
}

double mean(const std::vector<double>& values) {
    return std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
}

double variance(const std::vector<double>& values) {
    if (values.size() < 2) return 0;
    const double m = mean(values);
    double sum = 0;
    for (double v : values)
        sum += (v - m) * (v - m);
    return sum / static_cast<double>(values.size() - 1);
}

std::string groupCount(std::size_t first, std::size_t second) {
    if (first == second) return std::to_string(first) + (first == 1 ? " seed each" : " seeds each");
    return std::to_string(first) + " and " + std::to_string(second) + " seeds";
}

}  // namespace

void RobustnessResults::add(std::vector<PerturbationCurve> curves) {
    for (auto& curve : curves)
        perturbations.push_back(std::move(curve));
}

void RobustnessResults::add(AttackResults results) {
    for (auto& curve : results.curves)
        attacks.push_back(std::move(curve));
    for (auto& minimalOne : results.minimal)
        minimal.push_back(std::move(minimalOne));
    for (auto& example : results.examples)
        examples.push_back(std::move(example));
}

std::vector<std::string> RobustnessResults::classifiers() const {
    std::vector<std::string> names;
    auto note = [&](const std::string& name) {
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    };
    for (const auto& curve : perturbations)
        note(curve.classifier);
    for (const auto& curve : attacks)
        note(curve.classifier);
    for (const auto& m : minimal)
        note(m.classifier);
    return names;
}

std::vector<GroupComparison> compareGroups(const RobustnessResults& results, const std::string& firstName,
                                           const std::vector<std::string>& first,
                                           const std::string& secondName,
                                           const std::vector<std::string>& second) {
    std::vector<GroupComparison> comparisons;
    if (first.empty() || second.empty()) return comparisons;
    for (const auto& [measure, values] : measures(results)) {
        GroupComparison comparison;
        comparison.measure = measure;
        comparison.first = firstName;
        comparison.second = secondName;
        bool complete = true, finite = true;
        for (const auto* group : {&first, &second})
            for (const auto& name : *group) {
                const auto found = values.find(name);
                if (found == values.end()) {
                    complete = false;
                    continue;
                }
                (group == &first ? comparison.firstValues : comparison.secondValues)
                    .push_back(found->second.value);
                finite = finite && std::isfinite(found->second.value);
            }
        if (!complete || !finite) continue;  // a median beyond the largest radius has no difference to state
        const double a = mean(comparison.firstValues), b = mean(comparison.secondValues);
        comparison.difference.estimate = a - b;
        const bool median = values.at(first.front()).median;
        if (first.size() >= 2 && second.size() >= 2) {
            comparison.overSeeds = true;
            const double va = variance(comparison.firstValues) / static_cast<double>(first.size());
            const double vb = variance(comparison.secondValues) / static_cast<double>(second.size());
            const double se = std::sqrt(va + vb);
            const double df = se > 0 ? (va + vb) * (va + vb) /
                                           (va * va / static_cast<double>(first.size() - 1) +
                                            vb * vb / static_cast<double>(second.size() - 1))
                                     : 1.0;
            const double half = probe::studentTQuantile(0.975, std::max(df, 1.0)) * se;
            comparison.difference.low = a - b - half;
            comparison.difference.high = a - b + half;
        } else {
            // Fewer than two in a group: over the images, each group's mean with its error (a median's
            // interval, combined conservatively; an accuracy's standard error).
            auto groupOf = [&](const std::vector<std::string>& group, double* low, double* high, double* se) {
                double squares = 0;
                *low = *high = 0;
                for (const auto& name : group) {
                    const auto& m = values.at(name);
                    *low += m.interval.low / static_cast<double>(group.size());
                    *high += m.interval.high / static_cast<double>(group.size());
                    squares += m.standardError * m.standardError;
                }
                *se = std::sqrt(squares) / static_cast<double>(group.size());
            };
            double lowA = 0, highA = 0, seA = 0, lowB = 0, highB = 0, seB = 0;
            groupOf(first, &lowA, &highA, &seA);
            groupOf(second, &lowB, &highB, &seB);
            if (median) {
                comparison.difference.low = lowA - highB;
                comparison.difference.high = highA - lowB;
                if (!std::isfinite(comparison.difference.low) || !std::isfinite(comparison.difference.high))
                    continue;
            } else {
                const double half = 1.959963984540054 * std::sqrt(seA * seA + seB * seB);
                comparison.difference.low = a - b - half;
                comparison.difference.high = a - b + half;
            }
        }
        comparison.significant = comparison.difference.low > 0 || comparison.difference.high < 0;
        std::ostringstream text;
        if (comparison.significant) {
            const bool firstBetter = comparison.difference.estimate > 0;
            text << (firstBetter ? firstName : secondName) << " is more robust than "
                 << (firstBetter ? secondName : firstName);
        } else {
            text << firstName << " and " << secondName << " do not differ significantly";
        }
        text << " in " << measure << ": " << plain(a) << " against " << plain(b) << ", a difference of "
             << plain(a - b) << " [" << plain(comparison.difference.low) << ", "
             << plain(comparison.difference.high) << "] (95%, "
             << (comparison.overSeeds ? "over " + groupCount(first.size(), second.size()) + ", Welch"
                                      : "over the images: too few seeds to measure their variation")
             << ")";
        comparison.sentence = text.str();
        comparisons.push_back(std::move(comparison));
    }
    return comparisons;
}

namespace {

// "gaussian-noise", "pgd-l2-10 on the full scale alone", "the minimal L2 attack": a measure as the verdict
// names it.
std::string shortMeasure(std::string measure) {
    for (const std::string suffix : {" (mean over strengths)", " (mean over radii)"})
        if (measure.size() > suffix.size() &&
            measure.compare(measure.size() - suffix.size(), suffix.size(), suffix) == 0)
            measure.erase(measure.size() - suffix.size());
    const std::string prefix = "accuracy under ";
    if (measure.rfind(prefix, 0) == 0) measure.erase(0, prefix.size());
    const std::string minimal = "median minimal L2 perturbation";
    if (measure.rfind(minimal, 0) == 0) measure = "the minimal L2 attack" + measure.substr(minimal.size());
    return measure;
}

}  // namespace

std::string comparisonVerdict(const std::vector<GroupComparison>& comparisons) {
    if (comparisons.empty()) return "No measure was taken for both groups, so there is nothing to compare.";
    const std::string a = comparisons.front().first, b = comparisons.front().second;
    std::vector<std::string> firstWins, secondWins, undecided;
    for (const auto& c : comparisons) {
        std::ostringstream item;
        item << std::fixed << std::setprecision(2) << shortMeasure(c.measure) << " (by "
             << std::abs(c.difference.estimate) << " ["
             << std::min(std::abs(c.difference.low), std::abs(c.difference.high)) << ", "
             << std::max(std::abs(c.difference.low), std::abs(c.difference.high)) << "])";
        if (!c.significant)
            undecided.push_back(shortMeasure(c.measure));
        else
            (c.difference.estimate > 0 ? firstWins : secondWins).push_back(item.str());
    }
    auto list = [](const std::vector<std::string>& items) {
        std::string text;
        for (std::size_t i = 0; i < items.size(); ++i)
            text += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
        return text;
    };
    const auto& scope = comparisons.front();
    std::string verdict =
        scope.overSeeds ? "Over " + groupCount(scope.firstValues.size(), scope.secondValues.size()) + ", "
                        : "With fewer than two seeds a side (seed variation not measured), ";
    if (firstWins.empty() && secondWins.empty())
        return verdict + a + " and " + b + " do not differ significantly in any measure.";
    if (!firstWins.empty()) verdict += a + " is more robust than " + b + " to " + list(firstWins);
    if (!secondWins.empty())
        verdict += std::string(firstWins.empty() ? "" : "; ") + b + " is more robust than " + a + " to " +
                   list(secondWins);
    if (!undecided.empty()) verdict += "; no significant difference under " + list(undecided);
    return verdict +
           " (differences of accuracy averaged over the radii or strengths, or of the median radius).";
}

}  // namespace netsight::robustness
