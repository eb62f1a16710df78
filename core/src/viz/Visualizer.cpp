#include "netsight/viz/Visualizer.h"

#include <algorithm>
#include <chrono>
#include <set>

#include "netsight/runtime/Device.h"
#include "tensor/GaussianBlur.h"
#include "train/DataBridge.h"
#include "viz/ImageParameterization.h"
#include "viz/Robustness.h"

namespace netsight::viz {
namespace F = torch::nn::functional;

namespace {

// What the objective needs from one forward pass.
std::vector<std::string> tappedLayers(const std::vector<ObjectiveTerm>& terms) {
    std::set<std::string> names;
    for (const auto& term : terms)
        if (term.kind != ObjectiveKind::ClassLogit && term.kind != ObjectiveKind::ClassLogProbability)
            names.insert(term.layer);
    return {names.begin(), names.end()};
}

void checkTerms(models::Classifier& classifier, const std::vector<ObjectiveTerm>& terms) {
    if (terms.empty()) throw std::invalid_argument("the objective has no terms; say what to maximize");
    const auto classes = static_cast<int>(classifier.meta().classNames.size());
    for (const auto& term : terms) {
        if (term.kind == ObjectiveKind::ClassLogit || term.kind == ObjectiveKind::ClassLogProbability) {
            if (term.channel >= classes)
                throw std::invalid_argument("objective " + describe(term) + ": the classifier has " +
                                            std::to_string(classes) + " classes (0.." +
                                            std::to_string(classes - 1) + ")");
            continue;
        }
        const models::LayerInfo* info = nullptr;
        for (const auto& layer : classifier.layers())
            if (layer.name == term.layer) info = &layer;
        if (!info) {
            std::vector<std::string> names;
            for (const auto& layer : classifier.layers())
                names.push_back(layer.name);
            std::string message = "objective " + describe(term) + ": no layer '" + term.layer + "'; nearest:";
            for (const auto& name : models::nearestNames(term.layer, names))
                message += " " + name;
            throw std::invalid_argument(message);
        }
        if (term.kind != ObjectiveKind::Layer && (info->shape.empty() || term.channel >= info->shape[0]))
            throw std::invalid_argument("objective " + describe(term) + ": layer " + term.layer + " has " +
                                        std::to_string(info->shape.empty() ? 0 : info->shape[0]) +
                                        " channels");
    }
}

// Per batch element: the weighted sum of the terms. With `channelPerElement`, element i of the batch takes
// channel term.channel + i (the gallery: one channel per element, rendered together).
torch::Tensor objectiveOf(const models::TapOutput& output, const std::vector<ObjectiveTerm>& terms,
                          bool channelPerElement) {
    torch::Tensor total;
    for (const auto& term : terms) {
        torch::Tensor value;
        if (term.kind == ObjectiveKind::ClassLogit) {
            value = output.logits.select(1, term.channel);
        } else if (term.kind == ObjectiveKind::ClassLogProbability) {
            value = torch::log_softmax(output.logits, 1).select(1, term.channel);
        } else {
            const auto& activation = output.layers.at(term.layer);
            if (term.kind == ObjectiveKind::Layer) {
                value = activation.pow(2).flatten(1).mean(1);
            } else if (activation.dim() == 2) {  // a fully connected layer: a channel is a unit
                value = activation.select(1, term.channel);
            } else {
                torch::Tensor channel;  // N x H x W
                if (channelPerElement) {
                    const auto index =
                        torch::arange(
                            activation.size(0),
                            torch::TensorOptions().dtype(torch::kLong).device(activation.device())) +
                        term.channel;
                    channel = activation.index({torch::arange(activation.size(0), index.options()), index});
                } else {
                    channel = activation.select(1, term.channel);
                }
                if (term.kind == ObjectiveKind::ChannelMean) {
                    value = channel.flatten(1).mean(1);
                } else {
                    const int64_t y =
                        term.y >= 0 ? std::min<int64_t>(term.y, channel.size(1) - 1) : channel.size(1) / 2;
                    const int64_t x =
                        term.x >= 0 ? std::min<int64_t>(term.x, channel.size(2) - 1) : channel.size(2) / 2;
                    value = channel.select(1, y).select(1, x);
                }
            }
        }
        value = value * term.weight;
        total = total.defined() ? total + value : value;
    }
    return total;
}

// Lucid's diversity: the mean cosine similarity between the Gram matrices of different batch elements
// (to be minimized).
torch::Tensor similarity(const torch::Tensor& activation) {
    const int64_t batch = activation.size(0);
    if (batch < 2 || activation.dim() != 4) return torch::zeros({}, activation.options());
    const auto flat = activation.flatten(2);                        // N x C x HW
    auto gram = torch::bmm(flat, flat.transpose(1, 2)).flatten(1);  // N x C*C
    gram = gram / (gram.norm(2, 1, true) + 1e-8);
    const auto cosine = torch::mm(gram, gram.t());
    return (cosine.sum() - cosine.diagonal().sum()) / static_cast<double>(batch * (batch - 1));
}

torch::Tensor alphaNorm(const torch::Tensor& images, double alpha) {
    return (images - 0.5).abs().pow(alpha).mean();
}

torch::Tensor tvBeta(const torch::Tensor& images, double beta) {
    const auto dx = images.narrow(3, 1, images.size(3) - 1) - images.narrow(3, 0, images.size(3) - 1);
    const auto dy = images.narrow(2, 1, images.size(2) - 1) - images.narrow(2, 0, images.size(2) - 1);
    const auto squared = dx.narrow(2, 0, dx.size(2) - 1).pow(2) + dy.narrow(3, 0, dy.size(3) - 1).pow(2);
    return (squared + 1e-8).pow(beta / 2).mean();
}

// The classifier's input: the image as it is when the network takes any size, else resized to its input.
torch::Tensor toClassifierInput(const torch::Tensor& images, const data::ImageShape& input, bool anySize) {
    if (anySize && images.size(2) >= 8 && images.size(3) >= 8) return images;
    if (images.size(2) == input.height && images.size(3) == input.width) return images;
    return F::interpolate(images, F::InterpolateFuncOptions()
                                      .size(std::vector<int64_t>{input.height, input.width})
                                      .mode(torch::kBilinear)
                                      .align_corners(false));
}

bool acceptsAnySize(models::Classifier& classifier, int64_t side, const torch::Device& device) {
    torch::NoGradGuard noGrad;
    const auto& input = classifier.meta().input.shape;
    if (side == input.height && side == input.width) return true;
    try {
        classifier.forward(
            torch::zeros({1, input.channels, side, side}, torch::TensorOptions().device(device)));
        return true;
    } catch (const std::exception&) {
        return false;  // e.g. a flatten into a fixed-size linear layer
    }
}

// Per step: refuses a non-finite value, records it, posts it as a curve point, and every `previewEvery` steps
// (and at the end) posts the picture and the progress.
class StepReporter {
  public:
    StepReporter(const runtime::JobContext& job, std::string series, std::string what, std::string phase,
                 int steps, int previewEvery)
        : job_(job),
          series_(std::move(series)),
          what_(std::move(what)),
          phase_(std::move(phase)),
          steps_(steps),
          previewEvery_(std::max(1, previewEvery)),
          meter_(steps) {}

    void report(int step, double value, std::vector<double>& values, const std::string& previewKey,
                const torch::Tensor& images) {
        if (!std::isfinite(value))
            throw std::runtime_error("the " + what_ + " became " + std::to_string(value) + " at step " +
                                     std::to_string(step + 1) + "; lower the learning rate");
        values.push_back(value);
        job_.metric(series_, step + 1, value);
        meter_.update(step + 1);
        if ((step + 1) % previewEvery_ == 0 || step + 1 == steps_) {
            job_.preview(previewKey, tensor::tensorToRgb(images.detach()));
            job_.progress(phase_, step + 1, steps_, meter_.ratePerSecond(), meter_.etaSeconds());
        }
    }

  private:
    const runtime::JobContext& job_;
    std::string series_, what_, phase_;
    int steps_, previewEvery_;
    runtime::RateMeter meter_;
};

// Redirected ReLU gradients for the length of a run, the plain ones again afterwards whatever happens.
class RedirectedRelu {
  public:
    RedirectedRelu(models::Classifier& classifier, bool on) : classifier_(classifier), on_(on) {
        if (on_) classifier_.setRedirectedRelu(true);
    }
    ~RedirectedRelu() {
        if (on_) classifier_.setRedirectedRelu(false);
    }
    RedirectedRelu(const RedirectedRelu&) = delete;
    RedirectedRelu& operator=(const RedirectedRelu&) = delete;

  private:
    models::Classifier& classifier_;
    bool on_;
};

}  // namespace

double totalVariation(const torch::Tensor& images) {
    torch::NoGradGuard noGrad;
    return tvBeta(images.to(torch::kFloat), 1.0).item<double>();
}

VizRun visualize(models::Classifier& classifier, const VizOptions& options, const runtime::JobContext& job,
                 const std::string& previewKey) {
    if (options.steps <= 0 || options.batch <= 0)
        throw std::invalid_argument("steps and batch must be positive (got " + std::to_string(options.steps) +
                                    ", " + std::to_string(options.batch) + ")");
    checkTerms(classifier, options.objective);
    if (options.channelPerElement) {
        ObjectiveTerm last = options.objective.front();
        last.channel += options.batch - 1;
        checkTerms(classifier, {last});
    }
    torch::manual_seed(options.seed);
    classifier.freeze();
    RedirectedRelu redirect(classifier, options.redirectRelu);
    const torch::Device device = classifier.device();
    const auto& input = classifier.meta().input.shape;
    const int64_t side = options.size > 0 ? options.size : input.height;
    const bool anySize = acceptsAnySize(classifier, side, device);
    // Visible noise to start from: a channel silent on a flat grey image (after a ReLU) has no gradient.
    ImageParameterization image(options.parameterization, options.batch, input.channels, side, side, device,
                                0.5);
    torch::optim::Adam optimizer(image.parameters(), torch::optim::AdamOptions(options.learningRate));
    const auto layers = tappedLayers(options.objective);
    const std::string diversityLayer = layers.empty() ? std::string() : layers.back();

    VizRun run;
    StepReporter reporter(job, "objective", "objective", "visualizing", options.steps, options.previewEvery);
    for (int step = 0; step < options.steps; ++step) {
        job.checkCancelled();
        const auto images = image.images();
        const auto transformed = toClassifierInput(robustnessTransforms(images, options), input, anySize);
        const auto output = classifier.forwardWithTaps(classifier.normalize(transformed), layers);
        const auto objective = objectiveOf(output, options.objective, options.channelPerElement).mean();
        auto loss = -objective;
        if (options.diversity > 0 && !diversityLayer.empty())
            loss = loss + options.diversity * similarity(output.layers.at(diversityLayer));
        if (options.alphaNormWeight > 0)
            loss = loss + options.alphaNormWeight * alphaNorm(images, options.alpha);
        if (options.tvWeight > 0) loss = loss + options.tvWeight * tvBeta(images, options.beta);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        if (options.blurEvery > 0 && (step + 1) % options.blurEvery == 0)
            image.setImages(tensor::gaussianBlur(image.images().detach(), options.blurSigma, 2,
                                                 tensor::BlurBorder::Replicate));

        reporter.report(step, objective.item<double>(), run.objective, previewKey, images);
    }
    torch::NoGradGuard noGrad;
    run.images = image.images().detach().to(torch::kCPU);
    return run;
}

InversionRun invert(models::Classifier& classifier, const torch::Tensor& target,
                    const InversionOptions& options, const runtime::JobContext& job) {
    if (options.layer.empty()) throw std::invalid_argument("inversion needs a layer");
    checkTerms(classifier, {ObjectiveTerm{ObjectiveKind::Layer, options.layer}});
    torch::manual_seed(options.seed);
    classifier.freeze();
    const torch::Device device = classifier.device();
    const auto& input = classifier.meta().input.shape;
    if (target.dim() != 3 || target.size(0) != input.channels || target.size(1) != input.height ||
        target.size(2) != input.width)
        throw std::invalid_argument("the image to invert must be " + data::toString(input) +
                                    " (the classifier's input)");
    const auto original = target.unsqueeze(0).to(device, torch::kFloat);
    torch::Tensor reference;
    {
        torch::NoGradGuard noGrad;
        reference = classifier.forwardWithTaps(classifier.normalize(original), {options.layer})
                        .layers.at(options.layer);
    }
    const double referenceNorm = std::max(1e-12, reference.pow(2).sum().item<double>());
    // Inversion starts from flat grey: what the representation does not constrain stays grey, not noise.
    ImageParameterization image(Parameterization::Pixels, 1, input.channels, input.height, input.width,
                                device, 0.01);
    torch::optim::Adam optimizer(image.parameters(), torch::optim::AdamOptions(options.learningRate));
    auto featureLoss = [&](const torch::Tensor& x) {
        const auto features =
            classifier.forwardWithTaps(classifier.normalize(x), {options.layer}).layers.at(options.layer);
        return (features - reference).pow(2).sum() / referenceNorm;
    };

    InversionRun run;
    StepReporter reporter(job, "loss", "inversion loss", "inverting " + options.layer, options.steps,
                          options.previewEvery);
    for (int step = 0; step < options.steps; ++step) {
        job.checkCancelled();
        const auto x = image.images();
        auto shifted = x;
        if (options.jitter > 0) {
            const auto dy = torch::randint(-options.jitter, options.jitter + 1, {1}).item<int64_t>();
            const auto dx = torch::randint(-options.jitter, options.jitter + 1, {1}).item<int64_t>();
            shifted = torch::roll(x, {dy, dx}, {2, 3});
        }
        const auto fit = featureLoss(shifted);
        auto loss = fit;
        if (options.alphaNormWeight > 0) loss = loss + options.alphaNormWeight * alphaNorm(x, options.alpha);
        if (options.tvWeight > 0) loss = loss + options.tvWeight * tvBeta(x, options.beta);
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        reporter.report(step, loss.item<double>(), run.loss, "inversion", x);
    }
    torch::NoGradGuard noGrad;
    const auto result = image.images().detach();
    run.featureLoss = featureLoss(result).item<double>();
    run.image = result[0].to(torch::kCPU);
    return run;
}

// The plain-typed calls: load the model file, run on the device asked for, copy the pictures out.
namespace {
std::unique_ptr<models::Classifier> loadOn(const std::string& path, const std::string& deviceName) {
    runtime::configureThreads();
    auto classifier = models::loadClassifier(path);
    classifier->to(torch::Device(runtime::resolveDeviceName(deviceName)));
    return classifier;
}
}  // namespace

VizResult visualize(const std::string& modelPath, const VizOptions& options, const runtime::JobContext& job) {
    const auto started = std::chrono::steady_clock::now();
    auto classifier = loadOn(modelPath, options.device);
    const VizRun run = visualize(*classifier, options, job);
    VizResult result{tensor::tensorToRgb(run.images), run.objective, 0};
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

VizResult gallery(const std::string& modelPath, const std::string& layer, int first, int count,
                  const VizOptions& options, const runtime::JobContext& job) {
    const auto started = std::chrono::steady_clock::now();
    auto classifier = loadOn(modelPath, options.device);
    int channels = 0;
    for (const auto& info : classifier->layers())
        if (info.name == layer && !info.shape.empty()) channels = static_cast<int>(info.shape[0]);
    checkTerms(*classifier, {ObjectiveTerm{ObjectiveKind::Layer, layer}});
    first = std::clamp(first, 0, std::max(0, channels - 1));
    count = std::clamp(count, 1, channels - first);
    // Batches of up to 16: element i maximizes channel start + i; the elements do not interact.
    VizResult result;
    for (int start = first; start < first + count; start += 16) {
        VizOptions chunk = options;
        chunk.batch = std::min(16, first + count - start);
        chunk.diversity = 0;
        chunk.channelPerElement = true;
        chunk.objective = {ObjectiveTerm{ObjectiveKind::ChannelMean, layer, start}};
        const VizRun run = visualize(*classifier, chunk, job, "gallery");
        for (auto& image : tensor::tensorToRgb(run.images))
            result.images.push_back(image);
        result.objective.insert(result.objective.end(), run.objective.begin(), run.objective.end());
    }
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

InversionResult invert(const std::string& modelPath, const data::Image& target,
                       const InversionOptions& options, const runtime::JobContext& job) {
    const auto started = std::chrono::steady_clock::now();
    auto classifier = loadOn(modelPath, options.device);
    const auto& shape = target.shape;
    const auto& input = classifier->meta().input.shape;
    data::Image adapted = target;
    if (shape != input) adapted = data::adaptToInput(target, data::InputSpec{input});  // mean 0, std 1: raw
    const auto tensor = torch::from_blob(const_cast<float*>(adapted.pixels.data()),
                                         {input.channels, input.height, input.width})
                            .clone();
    const InversionRun run = invert(*classifier, tensor, options, job);
    InversionResult result;
    result.original = data::toRgbBuffer(adapted);
    result.image = data::toRgbBuffer(tensor::tensorToImage(run.image));
    result.featureLoss = run.featureLoss;
    result.loss = run.loss;
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return result;
}

}  // namespace netsight::viz
