#include "netsight/robustness/Attacks.h"

#include <algorithm>
#include <cmath>
#include <sstream>

#include "data/Random.h"
#include "netsight/robustness/PerturbationCurves.h"
#include "robustness/Attack.h"
#include "robustness/TestImages.h"
#include "tensor/ImageTensors.h"

namespace netsight::robustness {

std::string attackName(const AttackSpec& attack) {
    std::string name = attack.iterative ? "pgd" : "fgsm";
    name += attack.norm == AttackNorm::LInf ? "-linf" : "-l2";
    if (attack.iterative) name += "-" + std::to_string(attack.steps);
    if (attack.targeted) name += "-targeted";
    return name;
}

std::optional<AttackSpec> attackNamed(const std::string& name) {
    std::vector<std::string> parts;
    std::stringstream stream(name);
    for (std::string part; std::getline(stream, part, '-');)
        parts.push_back(part);
    if (parts.size() < 2) return std::nullopt;
    AttackSpec attack;
    if (parts[0] == "pgd")
        attack.iterative = true;
    else if (parts[0] == "fgsm")
        attack.iterative = false;
    else
        return std::nullopt;
    if (parts[1] == "linf")
        attack.norm = AttackNorm::LInf;
    else if (parts[1] == "l2")
        attack.norm = AttackNorm::L2;
    else
        return std::nullopt;
    std::size_t next = 2;
    if (attack.iterative && next < parts.size() && !parts[next].empty() &&
        std::all_of(parts[next].begin(), parts[next].end(), [](char c) { return c >= '0' && c <= '9'; })) {
        if (parts[next].size() > 5) return std::nullopt;
        attack.steps = std::stoi(parts[next]);
        if (attack.steps < 1) return std::nullopt;
        ++next;
    }
    if (next < parts.size() && parts[next] == "targeted") {
        attack.targeted = true;
        ++next;
    }
    if (next != parts.size()) return std::nullopt;
    return attack;
}

std::vector<double> defaultRadii(AttackNorm norm) {
    if (norm == AttackNorm::LInf) return {0, 1 / 255.0, 2 / 255.0, 4 / 255.0, 8 / 255.0, 16 / 255.0};
    return {0, 0.1, 0.25, 0.5, 1.0, 2.0};
}

const char* radiusMeaning(AttackNorm norm) {
    return norm == AttackNorm::LInf ? "L-infinity radius, images in [0, 1]" : "L2 radius, images in [0, 1]";
}

std::string scaleName(int scale) {
    switch (scale) {
        case 0:
            return "full";
        case 1:
            return "half";
        case 2:
            return "quarter";
        default:
            return scale < 0 ? "input" : "scale " + std::to_string(scale);
    }
}

probe::Interval medianInterval(std::vector<double> values) {
    if (values.empty()) throw std::invalid_argument("medianInterval: no values");
    std::sort(values.begin(), values.end());
    const std::size_t n = values.size();
    probe::Interval interval;
    interval.estimate = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    // The largest k with P(Binomial(n, 1/2) < k) <= 2.5%: [x_(k), x_(n+1-k)] (1-based) holds the median
    // with at least 95%.
    double cumulative = 0, term = std::pow(0.5, static_cast<double>(n));  // P(B = 0)
    std::size_t k = 0;
    while (k < n && cumulative + term <= 0.025) {
        cumulative += term;
        term *= static_cast<double>(n - k) / static_cast<double>(k + 1);
        ++k;
    }
    if (k == 0) {  // too few values for a 95% interval: the whole range
        interval.low = values.front();
        interval.high = values.back();
    } else {
        interval.low = values[k - 1];
        interval.high = values[n - k];
    }
    return interval;
}

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

// One scale's curves and minimal perturbations for a bench.
class ScaleRun {
  public:
    ScaleRun(Bench& bench, const AttackOptions& options, int scale, const runtime::JobContext& job,
             runtime::RateMeter& meter, std::int64_t& done, std::int64_t total)
        : bench_(bench),
          options_(options),
          scale_(scale),
          job_(job),
          meter_(meter),
          done_(done),
          total_(total),
          device_(bench.classifier->device()) {}

    std::string series(const std::string& what) const {
        return bench_.name + "/" + what + (scale_ < 0 ? "" : "@" + scaleName(scale_));
    }

    AttackCurve curve(const AttackSpec& attack, std::size_t attackIndex, bool keepBounds) {
        AttackCurve curve;
        curve.classifier = bench_.name;
        curve.attack = attackName(attack);
        curve.norm = attack.norm;
        curve.scale = scale_;
        curve.radii = radiiOf(attack.norm);
        const auto n = bench_.images.size(0);
        curve.images = static_cast<std::size_t>(n);
        if (keepBounds) {
            bound_.assign(static_cast<std::size_t>(n), kInfinity);
            below_.assign(static_cast<std::size_t>(n), 0.0);
            bestDelta_ = torch::Tensor();
        }
        for (std::size_t k = 0; k < curve.radii.size(); ++k) {
            std::size_t correct = 0, reached = 0;
            for (int64_t start = 0; start < n; start += static_cast<int64_t>(options_.batchSize)) {
                job_.checkCancelled();
                const auto count = std::min<int64_t>(static_cast<int64_t>(options_.batchSize), n - start);
                const auto x = bench_.images.narrow(0, start, count).to(device_);
                const auto y = bench_.labels.narrow(0, start, count).to(device_);
                const auto radius = torch::full({count}, curve.radii[k], x.options());
                const std::uint64_t seed =
                    data::mixSeed(options_.seed, attackIndex * 16 + static_cast<std::uint64_t>(scale_ + 1),
                                  k * 100000 + static_cast<std::uint64_t>(start));
                const auto outcome = runAttack(*bench_.classifier, x, y, radius, attack, scale_, seed);
                correct += static_cast<std::size_t>(outcome.prediction.eq(y).sum().item<int64_t>());
                if (attack.targeted)
                    reached += static_cast<std::size_t>(outcome.succeeded.sum().item<int64_t>());
                if (keepBounds) recordBounds(outcome, start, curve.radii, k);
                if (scale_ < 0 && k + 1 == curve.radii.size() && !keepBounds)
                    keepExamples(x, y, outcome, start, curve.attack);
                advance(curve.attack + ", radius " + formatRadius(curve.radii[k]), count);
            }
            curve.accuracy.push_back(wilsonInterval(correct, curve.images));
            if (attack.targeted) curve.targetReached.push_back(wilsonInterval(reached, curve.images));
            job_.metric(series(curve.attack), curve.radii[k], curve.accuracy.back().estimate);
        }
        return curve;
    }

    /// The minimal L2 perturbation of every image, searched between the largest radius of the L2 curve at
    /// which PGD failed and the smallest at which it succeeded (so never above a successful run's radius).
    MinimalPerturbations minimal() {
        MinimalPerturbations result;
        result.classifier = bench_.name;
        result.scale = scale_;
        const auto grid = radiiOf(AttackNorm::L2);
        result.maxRadius = grid.back();
        const auto n = bench_.images.size(0);
        std::vector<double> radii(static_cast<std::size_t>(n), kInfinity);
        AttackSpec search{true, AttackNorm::L2, options_.searchAttackSteps};
        for (int64_t start = 0; start < n; start += static_cast<int64_t>(options_.batchSize)) {
            const auto count = std::min<int64_t>(static_cast<int64_t>(options_.batchSize), n - start);
            const auto x = bench_.images.narrow(0, start, count).to(device_);
            const auto y = bench_.labels.narrow(0, start, count).to(device_);
            const auto fromCurve = bestDelta_.narrow(0, start, count).to(device_);
            auto best = fromCurve.clone();
            std::vector<double> low(below_.begin() + start, below_.begin() + start + count);
            std::vector<double> high(bound_.begin() + start, bound_.begin() + start + count);
            auto bestNorm = perturbationNorms(best, AttackNorm::L2).to(torch::kCPU, torch::kDouble);
            for (int step = 0; step < options_.searchSteps; ++step) {
                job_.checkCancelled();
                std::vector<int64_t> open;
                std::vector<float> middle;
                for (int64_t i = 0; i < count; ++i)
                    if (std::isfinite(high[static_cast<std::size_t>(i)]) &&
                        high[static_cast<std::size_t>(i)] > 0) {
                        open.push_back(i);
                        middle.push_back(static_cast<float>(
                            (low[static_cast<std::size_t>(i)] + high[static_cast<std::size_t>(i)]) / 2));
                    }
                if (!open.empty()) {
                    const auto index = torch::tensor(open, torch::kLong).to(device_);
                    const auto radius = torch::tensor(middle).to(device_);
                    const auto outcome =
                        runAttack(*bench_.classifier, x.index_select(0, index), y.index_select(0, index),
                                  radius, search, scale_,
                                  data::mixSeed(options_.seed, 7777 + static_cast<std::uint64_t>(scale_ + 1),
                                                static_cast<std::uint64_t>(step) * 100000 +
                                                    static_cast<std::uint64_t>(start)));
                    const auto succeeded = outcome.succeeded.to(torch::kCPU);
                    const auto norms =
                        perturbationNorms(outcome.delta, AttackNorm::L2).to(torch::kCPU, torch::kDouble);
                    for (std::size_t j = 0; j < open.size(); ++j) {
                        const auto i = static_cast<std::size_t>(open[j]);
                        if (succeeded[static_cast<int64_t>(j)].item<bool>()) {
                            high[i] = middle[j];
                            const double length = norms[static_cast<int64_t>(j)].item<double>();
                            if (length < bestNorm[static_cast<int64_t>(i)].item<double>()) {
                                best[static_cast<int64_t>(i)] = outcome.delta[static_cast<int64_t>(j)];
                                bestNorm[static_cast<int64_t>(i)] = length;
                            }
                        } else {
                            low[i] = middle[j];
                        }
                    }
                }
                advance("minimal L2 perturbation, search " + std::to_string(step + 1) + "/" +
                            std::to_string(options_.searchSteps),
                        step + 1 == options_.searchSteps ? count : 0);
            }
            // Every example kept is checked once more: the prediction on it is wrong. A perturbation the
            // search found in a smaller batch can sit so close to the boundary that the check in the full
            // batch (other kernels, other rounding) lands on the other side; the curve's own perturbation,
            // found in this batch, then stands, so the radius never exceeds a successful curve radius.
            torch::NoGradGuard noGrad;
            auto check = runCheck(x, best);
            auto wrong = check.ne(y).to(torch::kCPU);
            if (!wrong.all().item<bool>()) {
                const auto curveCheck = runCheck(x, fromCurve);
                const auto curveWrong = curveCheck.ne(y).to(torch::kCPU);
                const auto curveNorm =
                    perturbationNorms(fromCurve, AttackNorm::L2).to(torch::kCPU, torch::kDouble);
                for (int64_t i = 0; i < count; ++i)
                    if (!wrong[i].item<bool>() && curveWrong[i].item<bool>() &&
                        std::isfinite(bound_[static_cast<std::size_t>(start + i)])) {
                        best[i] = fromCurve[i];
                        bestNorm[i] = curveNorm[i].item<double>();
                        check[i] = curveCheck[i];
                        wrong[i] = true;
                    }
            }
            const auto clean = runCheck(x, torch::zeros_like(best)).ne(y).to(torch::kCPU);
            for (int64_t i = 0; i < count; ++i) {
                auto& radius = radii[static_cast<std::size_t>(start + i)];
                if (clean[i].item<bool>())
                    radius = 0;
                else if (std::isfinite(high[static_cast<std::size_t>(i)]) && wrong[i].item<bool>())
                    radius = bestNorm[i].item<double>();
            }
            if (scale_ < 0) {
                for (int64_t i = 0; i < count && examples_.size() < options_.examples; ++i) {
                    if (clean[i].item<bool>() || !wrong[i].item<bool>() ||
                        !std::isfinite(radii[static_cast<std::size_t>(start + i)]))
                        continue;
                    AdversarialExample example;
                    example.classifier = bench_.name;
                    example.index = static_cast<std::size_t>(start + i);
                    example.label = static_cast<int>(y[i].item<int64_t>());
                    example.cleanPrediction = example.label;
                    example.adversarialPrediction = static_cast<int>(check[i].item<int64_t>());
                    example.radius = radii[static_cast<std::size_t>(start + i)];
                    example.attack = "minimal-l2";
                    example.original = tensor::tensorToImage(x[i]);
                    example.adversarial = tensor::tensorToImage((x[i] + best[i]).clamp(0.0, 1.0));
                    name(example);
                    examples_.push_back(std::move(example));
                }
            }
        }
        result.radii = radii;
        result.median = medianInterval(radii);
        const int points = 21;
        for (int p = 0; p < points; ++p) {
            const double at = result.maxRadius * p / (points - 1);
            std::size_t fooled = 0;
            for (double radius : radii)
                fooled += radius <= at;
            result.grid.push_back(at);
            result.fooled.push_back(wilsonInterval(fooled, radii.size()));
            job_.metric(series("minimal-l2"), at, result.fooled.back().estimate);
        }
        return result;
    }

    /// The minimal search's examples when it found any, else the attacks'.
    std::vector<AdversarialExample> takeExamples() {
        return examples_.empty() ? std::move(curveExamples_) : std::move(examples_);
    }

  private:
    std::vector<double> radiiOf(AttackNorm norm) const {
        const auto& chosen = norm == AttackNorm::LInf ? options_.linfRadii : options_.l2Radii;
        return chosen.empty() ? defaultRadii(norm) : chosen;
    }

    static std::string formatRadius(double radius) {
        std::ostringstream text;
        text.precision(3);
        text << radius;
        return text.str();
    }

    // The prediction on each example as it is stored: the input's clamped to [0, 1].
    torch::Tensor runCheck(const torch::Tensor& x, const torch::Tensor& delta) {
        return logitsWith(*bench_.classifier, x, scale_ < 0 ? (x + delta).clamp(0.0, 1.0) - x : delta, scale_)
            .argmax(1);
    }

    // The smallest curve radius at which each image was fooled (with that perturbation) and the largest
    // below it at which it was not.
    void recordBounds(const AttackOutcome& outcome, int64_t start, const std::vector<double>& radii,
                      std::size_t k) {
        if (!bestDelta_.defined()) {
            auto shape = outcome.delta.sizes().vec();
            shape[0] = bench_.images.size(0);
            bestDelta_ = torch::zeros(shape, torch::kFloat);
        }
        const auto succeeded = outcome.succeeded.to(torch::kCPU);
        const auto delta = outcome.delta.to(torch::kCPU);
        for (int64_t i = 0; i < succeeded.size(0); ++i) {
            const auto index = static_cast<std::size_t>(start + i);
            if (std::isfinite(bound_[index])) continue;
            if (succeeded[i].item<bool>()) {
                bound_[index] = radii[k];
                bestDelta_[start + i] = delta[i];
            } else {
                below_[index] = radii[k];
            }
        }
    }

    void keepExamples(const torch::Tensor& x, const torch::Tensor& y, const AttackOutcome& outcome,
                      int64_t start, const std::string& attack) {
        const auto norm = attack.find("linf") != std::string::npos ? AttackNorm::LInf : AttackNorm::L2;
        torch::NoGradGuard noGrad;
        const auto norms = perturbationNorms(outcome.delta, norm).to(torch::kCPU, torch::kDouble);
        for (int64_t i = 0; i < x.size(0) && curveExamples_.size() < options_.examples; ++i) {
            if (!outcome.succeeded[i].item<bool>() || !outcome.prediction[i].ne(y[i]).item<bool>()) continue;
            AdversarialExample example;
            example.classifier = bench_.name;
            example.index = static_cast<std::size_t>(start + i);
            example.label = static_cast<int>(y[i].item<int64_t>());
            example.cleanPrediction =
                static_cast<int>(bench_.classifier->forward(bench_.classifier->normalize(x[i].unsqueeze(0)))
                                     .argmax(1)
                                     .item<int64_t>());
            example.adversarialPrediction = static_cast<int>(outcome.prediction[i].item<int64_t>());
            example.radius = norms[i].item<double>();
            example.attack = attack;
            example.original = tensor::tensorToImage(x[i]);
            example.adversarial = tensor::tensorToImage((x[i] + outcome.delta[i]).clamp(0.0, 1.0));
            name(example);
            curveExamples_.push_back(std::move(example));
        }
    }

    void name(AdversarialExample& example) const {
        const auto& names = bench_.classifier->meta().classNames;
        auto nameOf = [&](int index) {
            return index >= 0 && static_cast<std::size_t>(index) < names.size()
                       ? names[static_cast<std::size_t>(index)]
                       : std::to_string(index);
        };
        example.labelName = nameOf(example.label);
        example.cleanName = nameOf(example.cleanPrediction);
        example.adversarialName = nameOf(example.adversarialPrediction);
    }

    void advance(const std::string& phase, int64_t images) {
        done_ += images;
        meter_.update(done_);
        job_.progress(bench_.name + (scale_ < 0 ? "" : " @" + scaleName(scale_)) + ": " + phase, done_,
                      total_, meter_.ratePerSecond(), meter_.etaSeconds());
    }

    Bench& bench_;
    const AttackOptions& options_;
    int scale_;
    const runtime::JobContext& job_;
    runtime::RateMeter& meter_;
    std::int64_t& done_;
    std::int64_t total_;
    torch::Device device_;
    std::vector<double> bound_, below_;
    torch::Tensor bestDelta_;
    std::vector<AdversarialExample> examples_, curveExamples_;
};

}  // namespace

AttackResults attackCurves(const std::string& modelPath, const std::string& dataSource,
                           const AttackOptions& options, const runtime::JobContext& job) {
    if (options.attacks.empty() && !options.minimal)
        throw std::invalid_argument("no attack to run: name at least one (pgd-linf, fgsm-l2, ...)");
    auto bench =
        openBench(modelPath, dataSource, options.testImages, options.device, job, options.dataCacheDirectory);
    for (int scale : options.scales)
        if (scale >= 0 && scale >= bench.classifier->inputScales())
            throw std::invalid_argument(modelPath + ": " + bench.classifier->meta().architecture + " has " +
                                        std::to_string(bench.classifier->inputScales()) +
                                        " input scales, so its " + scaleName(scale) +
                                        " scale cannot be perturbed alone (only topdown and bottomup can)");
    // The minimal search starts from the untargeted L2 PGD curve; without one, it runs one of its own.
    int boundsFrom = -1;
    for (std::size_t a = 0; a < options.attacks.size(); ++a)
        if (options.attacks[a].iterative && options.attacks[a].norm == AttackNorm::L2 &&
            !options.attacks[a].targeted && boundsFrom < 0)
            boundsFrom = static_cast<int>(a);
    auto attacks = options.attacks;
    bool ownBounds = false;
    if (options.minimal && boundsFrom < 0) {
        attacks.push_back(AttackSpec{true, AttackNorm::L2});
        boundsFrom = static_cast<int>(attacks.size()) - 1;
        ownBounds = true;
    }
    const auto n = static_cast<std::int64_t>(bench.images.size(0));
    std::int64_t work = 0;
    for (const auto& attack : attacks) {
        const auto& radii = attack.norm == AttackNorm::LInf ? options.linfRadii : options.l2Radii;
        work += static_cast<std::int64_t>(radii.empty() ? defaultRadii(attack.norm).size() : radii.size());
    }
    if (options.minimal) ++work;
    const std::int64_t total = work * n * static_cast<std::int64_t>(options.scales.size());
    runtime::RateMeter meter(total);
    std::int64_t done = 0;

    AttackResults results;
    for (int scale : options.scales) {
        ScaleRun run(bench, options, scale, job, meter, done, total);
        for (std::size_t a = 0; a < attacks.size(); ++a) {
            auto curve = run.curve(attacks[a], a, options.minimal && static_cast<int>(a) == boundsFrom);
            if (!(ownBounds && static_cast<int>(a) == boundsFrom)) results.curves.push_back(std::move(curve));
        }
        if (options.minimal) results.minimal.push_back(run.minimal());
        for (auto& example : run.takeExamples())
            results.examples.push_back(std::move(example));
    }
    return results;
}

}  // namespace netsight::robustness
