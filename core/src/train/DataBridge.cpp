#include "train/DataBridge.h"

#include <cmath>

#include "netsight/data/Transforms.h"

namespace netsight::train {

std::vector<std::string> checkCompatible(const models::ClassifierMeta& meta, const data::DatasetInfo& info,
                                         const std::string& modelName) {
    if (meta.classNames.size() != info.classNames.size())
        throw std::invalid_argument(modelName + " has " + std::to_string(meta.classNames.size()) +
                                    " output classes but " + info.source + " has " +
                                    std::to_string(info.classNames.size()) +
                                    "; use a model trained on this data (or with as many classes)");
    std::vector<std::string> notes;
    const auto& want = meta.input.shape;
    const auto& have = info.shape;
    if (want.channels != have.channels)
        notes.push_back(have.channels == 1
                            ? "grey images replicated to RGB for " + modelName
                            : "colour images converted to luminance for " + modelName + " (a grey model)");
    if (want.height != have.height || want.width != have.width)
        notes.push_back("images resized from " + std::to_string(have.width) + "x" +
                        std::to_string(have.height) + " to " + std::to_string(want.width) + "x" +
                        std::to_string(want.height) + " for " + modelName);
    return notes;
}

data::ImageTransform shapeAdapter(const data::ImageShape& from, const data::ImageShape& to) {
    if (from == to) return {};
    data::InputSpec spec;
    spec.shape = to;
    return [spec](const data::Image& image) { return data::adaptToInput(image, spec); };
}

std::pair<float, float> imageStatistics(const data::Dataset& dataset, std::size_t count) {
    const std::size_t n = std::min(count, dataset.size(data::Split::Train));
    double sum = 0, squares = 0, values = 0;
    for (std::size_t i = 0; i < n; ++i) {
        for (float v : dataset.sample(data::Split::Train, i).image.pixels) {
            sum += v;
            squares += static_cast<double>(v) * v;
        }
        values += static_cast<double>(dataset.info().shape.elementCount());
    }
    if (values == 0) return {0.5f, 0.25f};
    const double mean = sum / values;
    const double variance = std::max(squares / values - mean * mean, 1e-6);
    return {static_cast<float>(mean), static_cast<float>(std::sqrt(variance))};
}

double accuracyOn(models::Classifier& classifier, const data::Dataset& dataset, data::Split split,
                  std::size_t maxSamples, const runtime::JobContext& job,
                  std::vector<std::vector<std::int64_t>>* confusion) {
    torch::NoGradGuard noGrad;
    const bool wasTraining = classifier.training();
    classifier.setTraining(false);
    const torch::Device device = classifier.device();
    data::LoaderOptions options;
    options.batchSize = 128;
    options.shuffle = false;
    data::DataLoader loader(dataset, split, options,
                            shapeAdapter(dataset.info().shape, classifier.meta().input.shape));
    const std::size_t classes = classifier.meta().classNames.size();
    if (confusion) confusion->assign(classes, std::vector<std::int64_t>(classes, 0));
    std::int64_t correct = 0, seen = 0;
    while (auto batch = loader.next()) {
        job.checkCancelled();
        const auto images = classifier.normalize(tensor::imagesToTensor(*batch, device));
        const auto predictions = classifier.forward(images).argmax(1).to(torch::kCPU);
        const auto* predicted = predictions.data_ptr<int64_t>();
        const std::size_t count = maxSamples ? std::min(batch->count(), maxSamples - seen) : batch->count();
        for (std::size_t i = 0; i < count; ++i) {
            correct += predicted[i] == batch->labels[i];
            if (confusion) (*confusion)[batch->labels[i]][predicted[i]] += 1;
        }
        seen += static_cast<std::int64_t>(count);
        if (maxSamples && static_cast<std::size_t>(seen) >= maxSamples) break;
    }
    classifier.setTraining(wasTraining);
    return seen ? static_cast<double>(correct) / seen : 0.0;
}

}  // namespace netsight::train
