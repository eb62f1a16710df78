// Generalization gradients and reverse correlation (DESIGN.md, "Factor lab").
#include "factors/FactorMorphs.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

namespace netsight::factors::detail {

// Generalization gradients: morph each identity away in one intrinsic group (shape, texture, colour) and
// follow the probability of the original identity.
void generalizationGradients(models::Classifier& model, const World& w, int classes,
                             const FactorOptions& options, FactorReport& report,
                             const runtime::JobContext& job) {
    const std::size_t views = std::max<std::size_t>(1, options.morphViews);
    const auto k = static_cast<std::size_t>(classes);
    const std::size_t perCurve = static_cast<std::size_t>(options.morphSteps) * k * views;
    const std::pair<const char*, data::MorphKind> kinds[] = {{"shape", data::MorphKind::Shape},
                                                             {"texture", data::MorphKind::Texture},
                                                             {"colour", data::MorphKind::Colour}};
    for (std::size_t m = 0; m < 3; ++m) {
        job.checkCancelled();
        job.progress("morphs", static_cast<std::int64_t>(m), 3, 0, 0);
        const auto [kindName, kind] = kinds[m];
        auto stimulus = [&](std::size_t index) {
            const std::size_t step = index / (k * views), c = (index / views) % k, v = index % views;
            const std::size_t target = (c + 1 + v % (k - 1)) % k;
            const double distance = static_cast<double>(step) / (options.morphSteps - 1);
            return std::make_pair(
                data::FactorWorld::morph(w.identities[c], w.identities[target], kind, distance),
                data::FactorWorld::drawExtrinsics(w.options.ranges, mix(mix(options.seed + 7, c), v)));
        };
        // p(original identity) of every morph, rendered and classified a chunk at a time: many classes and
        // views make more pictures than memory should hold at once.
        std::vector<float> original(perCurve);
        constexpr std::size_t kChunk = 2048;
        for (std::size_t first = 0; first < perCurve; first += kChunk) {
            const std::size_t count = std::min(kChunk, perCurve - first);
            const torch::Tensor chunk =
                renderAll(*w.world, count, [&](std::size_t i) { return stimulus(first + i); });
            const torch::Tensor p =
                torch::softmax(logitsOf(model, chunk, options.batchSize, job), 1).contiguous();
            const auto rows = p.accessor<float, 2>();
            for (std::size_t i = 0; i < count; ++i) {
                const std::size_t c = ((first + i) / views) % k;
                original[first + i] = rows[static_cast<std::int64_t>(i)][static_cast<std::int64_t>(c)];
            }
        }
        MorphCurve curve;
        curve.kind = kindName;
        for (int step = 0; step < options.morphSteps; ++step) {
            std::vector<double> values;
            for (std::size_t c = 0; c < k; ++c)
                for (std::size_t v = 0; v < views; ++v) {
                    values.push_back(original[(static_cast<std::size_t>(step) * k + c) * views + v]);
                }
            const double average =
                std::accumulate(values.begin(), values.end(), 0.0) / static_cast<double>(values.size());
            double spread = 0;
            for (double value : values)
                spread += (value - average) * (value - average);
            curve.distance.push_back(static_cast<double>(step) / (options.morphSteps - 1));
            curve.probability.push_back(average);
            curve.standardError.push_back(std::sqrt(spread / static_cast<double>(values.size() - 1) /
                                                    static_cast<double>(values.size())));
        }
        job.log(std::string("factor lab: ") + kindName + " morph: p(original) " +
                std::to_string(curve.probability.front()) + " -> " +
                std::to_string(curve.probability.back()));
        report.morphs.push_back(std::move(curve));
    }
}

// Reverse correlation: noise that drives each identity's logit margin, as a classification image.
void reverseCorrelation(models::Classifier& model, const World& w, int classes, const FactorOptions& options,
                        FactorReport& report, const runtime::JobContext& job) {
    const int mapped = options.reverseCorrelationIdentities <= 0
                           ? classes
                           : std::min(classes, options.reverseCorrelationIdentities);
    const std::size_t noisy = std::max<std::size_t>(50, options.reverseCorrelationSamples);
    const int side = w.world->size();
    const int cell =
        options.reverseCorrelationCell > 0 ? options.reverseCorrelationCell : std::max(1, side / 16);
    const int cells = (side + cell - 1) / cell;
    for (int c = 0; c < mapped; ++c) {
        job.checkCancelled();
        job.progress("reverse correlation", c, mapped, 0, 0);
        const data::Render base =
            w.world->render(w.identities[static_cast<std::size_t>(c)], data::Extrinsics{});
        const int channels = base.image.shape.channels;
        torch::Tensor noise = torch::empty({static_cast<std::int64_t>(noisy), channels, cells, cells});
        {
            std::mt19937_64 random(mix(options.seed + 11, static_cast<std::uint64_t>(c)));
            std::normal_distribution<float> normal(0.0f, static_cast<float>(options.reverseCorrelationNoise));
            float* p = noise.data_ptr<float>();
            for (std::int64_t i = 0; i < noise.numel(); ++i)
                p[i] = normal(random);
        }
        const torch::Tensor pixels =
            noise.repeat_interleave(cell, 2).repeat_interleave(cell, 3).slice(2, 0, side).slice(3, 0, side);
        const torch::Tensor clean =
            torch::from_blob(const_cast<float*>(base.image.pixels.data()), {1, channels, side, side}).clone();
        const torch::Tensor noisyLogits =
            logitsOf(model, (clean + pixels).clamp(0.0, 1.0), options.batchSize, job);
        torch::Tensor others = noisyLogits.clone();
        others.select(1, c).fill_(-std::numeric_limits<float>::infinity());
        const torch::Tensor margin = noisyLogits.select(1, c) - std::get<0>(others.max(1));
        const torch::Tensor y = margin - margin.mean();
        const torch::Tensor flat = noise.reshape({static_cast<std::int64_t>(noisy), -1});
        const torch::Tensor centred = flat - flat.mean(0, true);
        const torch::Tensor covariance = centred.t().matmul(y) / static_cast<double>(noisy);
        const torch::Tensor correlation =
            covariance / (centred.std(0, false, false) * y.std(false)).clamp_min(1e-12);
        const torch::Tensor map = correlation.reshape({channels, cells, cells})
                                      .repeat_interleave(cell, 1)
                                      .repeat_interleave(cell, 2)
                                      .slice(1, 0, side)
                                      .slice(2, 0, side)
                                      .contiguous();
        ClassificationImage image;
        image.identity = c;
        image.className = report.classNames[static_cast<std::size_t>(c)];
        image.width = side;
        image.height = side;
        image.channels = channels;
        image.correlation.assign(map.data_ptr<float>(), map.data_ptr<float>() + map.numel());
        image.noiseFloor = 1.0 / std::sqrt(static_cast<double>(noisy));
        image.base = data::toRgbBuffer(base.image);
        image.meanProbability = torch::softmax(noisyLogits, 1).select(1, c).mean().item<double>();
        report.classificationImages.push_back(std::move(image));
    }
}

}  // namespace netsight::factors::detail
