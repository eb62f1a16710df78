// visualize, gallery, invert: the feature visualizer from the command line.
#include <iomanip>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "Commands.h"
#include "TerminalProgress.h"
#include "netsight/attribution/Attribution.h"
#include "netsight/data/ContactSheet.h"
#include "netsight/data/Dataset.h"
#include "netsight/models/ModelFile.h"
#include "netsight/viz/SavedVisualization.h"
#include "netsight/viz/Visualize.h"

namespace netsight::cli {
namespace {

// Options shared by visualize and gallery, as the panel shows them.
struct VizFlags {
    viz::VizOptions options;
    std::string parameterization = "fourier";
    bool noTransforms = false;
    std::vector<double> scale;
};

void addVizOptions(CLI::App* command, VizFlags& flags) {
    auto& o = flags.options;
    command->add_option("--size", o.size, "Side of the image in pixels (0: the classifier's input size)")
        ->capture_default_str();
    command->add_option("--steps", o.steps, "Optimization steps")->capture_default_str();
    command->add_option("--lr", o.learningRate, "Adam learning rate")->capture_default_str();
    command->add_option("--param", flags.parameterization, "Image parameterization: fourier or pixels")
        ->check(CLI::IsMember({"fourier", "pixels"}))
        ->capture_default_str();
    command->add_flag("--no-transforms", flags.noTransforms,
                      "No pad/jitter/scale/rotate robustness transforms");
    command->add_option("--pad", o.pad, "Padding before the transforms")->capture_default_str();
    command->add_option("--jitter", o.jitter, "Random shift in pixels")->capture_default_str();
    command->add_option("--scale", flags.scale, "Random scale range LOW,HIGH")->delimiter(',')->expected(2);
    command->add_option("--rotate", o.rotateDegrees, "Random rotation, +- degrees")->capture_default_str();
    command->add_option("--alpha-weight", o.alphaNormWeight, "Weight of the alpha-norm regularizer (alpha 6)")
        ->capture_default_str();
    command->add_option("--tv-weight", o.tvWeight, "Weight of the total-variation regularizer")
        ->capture_default_str();
    command->add_option("--blur-every", o.blurEvery, "Blur the image every K steps (pixels parameterization)")
        ->capture_default_str();
    command->add_option("--seed", o.seed, "Random seed")->capture_default_str();
    command->add_option("--device", o.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
}

void finish(VizFlags& flags) {
    flags.options.parameterization =
        flags.parameterization == "pixels" ? viz::Parameterization::Pixels : viz::Parameterization::Fourier;
    flags.options.transforms = !flags.noTransforms;
    if (flags.scale.size() == 2) {
        flags.options.scaleMin = flags.scale[0];
        flags.options.scaleMax = flags.scale[1];
    }
}

// A montage of the images, up to 8 a row, scaled up to about 128 px.
void writeMontage(const std::vector<data::RgbBuffer>& images, const std::vector<std::string>& titles,
                  const std::string& path) {
    if (images.size() == 1) {
        data::writePng(images.front(), path);
        return;
    }
    std::vector<std::vector<data::Image>> rows;
    std::vector<std::string> rowTitles;
    for (std::size_t i = 0; i < images.size(); i += 8) {
        rows.emplace_back();
        for (std::size_t j = i; j < std::min(images.size(), i + 8); ++j)
            rows.back().push_back(data::fromRgbBuffer(images[j]));
        rowTitles.push_back(titles.empty() ? std::string() : titles[i]);
    }
    data::writePng(data::imageGrid(rows, {}, titles.empty() ? std::vector<std::string>{} : rowTitles, 128),
                   path);
}

void runOrFail(runtime::JobKind kind, const std::string& name, const runtime::JobThread::Work& work) {
    if (runWithProgress(kind, name, work) != runtime::Outcome::Succeeded)
        throw CLI::RuntimeError(kExitFailure);
}

// channels: which channels of a layer respond to the test images, and the images that drive one most.
void addChannelsCommand(CLI::App& app) {
    struct Args {
        std::string model, layer, data = "factorworld", examples, output, device = "auto";
        std::size_t count = 200, top = 8;
    };
    auto args = std::make_shared<Args>();
    CLI::App* command = app.add_subcommand(
        "channels",
        "How each channel of a layer responds to the test images (silent ones marked), and the test "
        "images that drive a channel or class most, with where they do");
    command->add_option("model", args->model, "NetSight model (.nsm) or TorchScript (.pt)")->required();
    command->add_option("--layer", args->layer, "Module path of the layer")->required();
    command->add_option("--data", args->data, "Data source whose test split is used")->capture_default_str();
    command->add_option("--count", args->count, "Test images looked at (the first)")->capture_default_str();
    command->add_option("--examples", args->examples,
                        "Also the test images that drive this objective most: channel:LAYER:C, neuron:..., "
                        "layer:LAYER or class:N");
    command->add_option("--top", args->top, "How many examples")->capture_default_str();
    command->add_option("-o,--output", args->output, "PNG of the examples (with --examples)");
    command->add_option("--device", args->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
    command->callback([args] {
        std::optional<viz::ObjectiveTerm> term;
        if (!args->examples.empty()) {
            try {
                term = viz::parseObjective(args->examples);
            } catch (const std::invalid_argument& error) {
                throw CLI::ValidationError("--examples", error.what());
            }
            if (args->output.empty()) throw CLI::ValidationError("--output", "required with --examples");
        }
        auto activity = std::make_shared<std::vector<viz::ChannelActivity>>();
        auto examples = std::make_shared<std::vector<viz::DataExample>>();
        runOrFail(runtime::JobKind::Query, "channels", [=](const runtime::JobContext& job) {
            *activity =
                viz::channelActivity(args->model, args->data, args->layer, args->count, args->device, job);
            if (term)
                *examples =
                    viz::topImages(args->model, args->data, *term, args->top, args->count, args->device, job);
        });
        int silent = 0;
        std::cout << "channel  mean      peak      active on\n";
        for (const auto& channel : *activity) {
            silent += channel.silent();
            std::cout << std::fixed << std::setw(7) << channel.channel << "  " << std::setw(8)
                      << std::setprecision(3) << channel.mean << "  " << std::setw(8) << channel.peak << "  "
                      << std::setw(7) << std::setprecision(0) << channel.activeShare * 100 << "%"
                      << (channel.silent() ? "  silent" : "") << "\n";
        }
        std::cout << std::defaultfloat << silent << " of " << activity->size()
                  << " channels silent on the first " << args->count
                  << " test images; most active: " << viz::mostActiveChannel(*activity) << "\n";
        if (!term) return;
        std::vector<data::Image> originals, overlays;
        std::vector<std::string> titles;
        for (const auto& example : *examples) {
            originals.push_back(example.image);
            overlays.push_back(
                attribution::overlay(example.image, example.map, attribution::MapScale::Positive, 0.7));
            std::ostringstream title;
            title << "#" << example.index << " " << std::setprecision(3) << example.value;
            titles.push_back(title.str());
            std::cout << "test " << example.index << ": " << std::setprecision(4) << example.value << " ("
                      << example.labelName << ", predicted " << example.predictedName << ")\n";
        }
        data::writePng(data::imageGrid({originals, overlays}, titles, {"image", "where"}), args->output);
        std::cout << "wrote " << args->output << "\n";
    });
}

}  // namespace

void addVizCommands(CLI::App& app) {
    addChannelsCommand(app);
    {
        auto flags = std::make_shared<VizFlags>();
        auto model = std::make_shared<std::string>();
        auto layer = std::make_shared<std::string>();
        auto output = std::make_shared<std::string>();
        auto channel = std::make_shared<int>(-1);
        auto classIndex = std::make_shared<int>(-1);
        auto neuron = std::make_shared<std::vector<int>>();
        auto deepdream = std::make_shared<bool>(false);
        auto objectives = std::make_shared<std::vector<std::string>>();
        CLI::App* command = app.add_subcommand(
            "visualize", "Activation maximization or caricature of a class, channel, neuron or layer");
        command->add_option("model", *model, "NetSight model (.nsm) or TorchScript (.pt)")->required();
        command->add_option("--layer", *layer, "Module path of the layer (see `netsight-cli layers MODEL`)");
        auto* target = command->add_option_group("target", "What to maximize");
        target->add_option("--channel", *channel, "Mean of channel C of the layer");
        target->add_option("--neuron", *neuron, "Channel C at position X,Y of the layer: C,X,Y")
            ->delimiter(',')
            ->expected(3);
        target->add_option("--class", *classIndex, "The logit of class K");
        auto classProbability = std::make_shared<int>(-1);
        target->add_option("--class-prob", *classProbability,
                           "The log-probability of class K (also pushes the other classes down)");
        target->add_flag("--deepdream", *deepdream, "The whole layer (mean of squared activations)");
        target->add_option(
            "--objective", *objectives,
            "A term: class:K, channel:LAYER:C, neuron:LAYER:C[:X,Y], layer:LAYER, optionally *WEIGHT; "
            "repeat for a weighted sum");
        target->require_option(1, 0);
        command->add_option("--batch", flags->options.batch, "Images optimized together")
            ->capture_default_str();
        command
            ->add_option("--diversity", flags->options.diversity,
                         "Weight of the diversity term across the batch")
            ->capture_default_str();
        command->add_option("-o,--output", *output, "PNG to write")->required();
        addVizOptions(command, *flags);
        command->callback([=] {
            finish(*flags);
            auto& terms = flags->options.objective;
            auto needLayer = [&] {
                if (layer->empty())
                    throw CLI::ValidationError("--layer is needed with --channel, --neuron, --deepdream");
                return *layer;
            };
            if (*classIndex >= 0) terms.push_back({viz::ObjectiveKind::ClassLogit, "", *classIndex});
            if (*classProbability >= 0)
                terms.push_back({viz::ObjectiveKind::ClassLogProbability, "", *classProbability});
            if (*channel >= 0) terms.push_back({viz::ObjectiveKind::ChannelMean, needLayer(), *channel});
            if (neuron->size() == 3)
                terms.push_back(
                    {viz::ObjectiveKind::Neuron, needLayer(), (*neuron)[0], (*neuron)[1], (*neuron)[2]});
            if (*deepdream) terms.push_back({viz::ObjectiveKind::Layer, needLayer()});
            for (const auto& text : *objectives)
                terms.push_back(viz::parseObjective(text));
            auto result = std::make_shared<viz::VizResult>();
            runOrFail(runtime::JobKind::Visualize, "visualize", [=](const runtime::JobContext& job) {
                *result = viz::visualize(*model, flags->options, job);
            });
            writeMontage(result->images, {}, *output);
            std::cout << "objective " << result->objective.front() << " -> " << result->objective.back()
                      << " in " << result->seconds << " s; wrote " << *output << "\n";
        });
    }
    {
        auto flags = std::make_shared<VizFlags>();
        auto model = std::make_shared<std::string>();
        auto layer = std::make_shared<std::string>();
        auto output = std::make_shared<std::string>();
        auto first = std::make_shared<int>(0);
        auto count = std::make_shared<int>(16);
        CLI::App* command =
            app.add_subcommand("gallery", "One visualization per channel of a layer, as a sheet");
        command->add_option("model", *model, "NetSight model (.nsm) or TorchScript (.pt)")->required();
        command->add_option("--layer", *layer, "Module path of the layer")->required();
        command->add_option("--first", *first, "First channel")->capture_default_str();
        command->add_option("--count", *count, "Number of channels")->capture_default_str();
        command->add_option("-o,--output", *output, "PNG to write")->required();
        flags->options = viz::galleryDefaults();  // before the flags, so --help shows them
        addVizOptions(command, *flags);
        command->callback([=] {
            finish(*flags);
            auto result = std::make_shared<viz::VizResult>();
            runOrFail(runtime::JobKind::Gallery, "gallery", [=](const runtime::JobContext& job) {
                *result = viz::gallery(*model, *layer, *first, *count, flags->options, job);
            });
            std::vector<std::string> titles;
            for (std::size_t i = 0; i < result->images.size(); ++i)
                titles.push_back(std::to_string(*first + static_cast<int>(i)));
            writeMontage(result->images, titles, *output);
            std::cout << result->images.size() << " channels of " << *layer << " in " << result->seconds
                      << " s; wrote " << *output << "\n";
        });
    }
    {
        auto options = std::make_shared<viz::InversionOptions>();
        auto model = std::make_shared<std::string>();
        auto image = std::make_shared<std::string>();
        auto output = std::make_shared<std::string>();
        CLI::App* command = app.add_subcommand(
            "invert", "Find an image with the same representation at a layer (Mahendran & Vedaldi)");
        command->add_option("model", *model, "NetSight model (.nsm) or TorchScript (.pt)")->required();
        command->add_option("--layer", options->layer, "Module path of the layer")->required();
        command->add_option("--image", *image, "The image to invert (PNG, JPEG, ...)")->required();
        command->add_option("--steps", options->steps, "Optimization steps")->capture_default_str();
        command->add_option("--lr", options->learningRate, "Adam learning rate")->capture_default_str();
        command
            ->add_option("--alpha-weight", options->alphaNormWeight,
                         "Weight of the alpha-norm prior (alpha 6)")
            ->capture_default_str();
        command->add_option("--tv-weight", options->tvWeight, "Weight of the TV prior (beta 2)")
            ->capture_default_str();
        command->add_option("--jitter", options->jitter, "Random shift in pixels")->capture_default_str();
        command->add_option("--seed", options->seed, "Random seed")->capture_default_str();
        command->add_option("--device", options->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
        auto depths = std::make_shared<bool>(false);
        command->add_flag("--depths", *depths,
                          "Also invert at up to three earlier layers with a spatial output (as the app's "
                          "Visualizer does): what each depth still knows of the image");
        command
            ->add_option("-o,--output", *output, "PNG to write: the original and the pre-images side by side")
            ->required();
        command->callback([=] {
            const data::Image target = data::readImageFile(*image);
            const std::vector<std::string> layers =
                *depths ? viz::inversionDepths(models::inspectModel(*model).layers, options->layer)
                        : std::vector<std::string>{options->layer};
            auto results = std::make_shared<std::vector<std::pair<std::string, viz::InversionResult>>>();
            runOrFail(runtime::JobKind::Invert, "invert", [=](const runtime::JobContext& job) {
                *results = viz::invertAtDepths(*model, target, layers, *options, job);
            });
            std::vector<data::Image> row{data::fromRgbBuffer(results->front().second.original)};
            std::vector<std::string> titles{"original"};
            for (const auto& [layer, result] : *results) {
                row.push_back(data::fromRgbBuffer(result.image));
                titles.push_back(layer);
                std::cout << layer << ": normalized feature loss " << result.featureLoss << " in "
                          << result.seconds << " s\n";
            }
            data::writePng(data::imageGrid({row}, titles, {}, 192), *output);
            std::cout << "wrote " << *output << "\n";
        });
    }
}

}  // namespace netsight::cli
