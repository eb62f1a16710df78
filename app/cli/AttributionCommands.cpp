// attribute: attribution maps of a classifier with their checks, written as maps, overlays, CSV and a report.
#include <cmath>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>

#include "Commands.h"
#include "TerminalProgress.h"
#include "netsight/attribution/Attribution.h"
#include "netsight/train/Training.h"

namespace netsight::cli {
namespace {

std::string methodNames() {
    std::string names;
    for (auto method : attribution::allMethods())
        names += std::string(names.empty() ? "" : ", ") + attribution::methodName(method);
    return names;
}

std::string number(const probe::Interval& interval) {
    if (std::isnan(interval.estimate)) return "-";
    std::ostringstream text;
    text << std::fixed << std::setprecision(3) << interval.estimate << " [" << interval.low << ", "
         << interval.high << "]";
    return text.str();
}

void printSummary(const attribution::AttributionResults& results, const std::string& report) {
    for (const auto& s : results.summaries) {
        std::cout << s.classifier << ", " << attribution::methodName(s.method)
                  << (s.layer.empty() ? "" : " at " + s.layer) << " (" << s.images << " images, "
                  << std::setprecision(3) << s.imagesPerSecond << " images/s):\n"
                  << "  deletion area " << number(s.deletionArea) << "  insertion area "
                  << number(s.insertionArea) << "  average drop " << number(s.averageDrop) << "  increase "
                  << number(s.increase) << "\n";
        if (!std::isnan(s.maskEnergy.estimate))
            std::cout << "  energy on the object " << number(s.maskEnergy) << " (uniform "
                      << std::setprecision(3) << s.maskShare << ")  pointing game " << number(s.pointing)
                      << "\n";
        if (!std::isnan(s.cueEnergy.estimate))
            std::cout << "  energy on the cue " << number(s.cueEnergy) << " (uniform " << s.cueShare << ")\n";
        if (!std::isnan(s.completenessGap.estimate))
            std::cout << "  completeness gap |sum - score change| " << number(s.completenessGap) << "\n";
        if (!s.randomizationRank.empty())
            std::cout << "  randomization: rank correlation " << number(s.randomizationRank.front())
                      << " (top module), " << number(s.randomizationRank.back()) << " (all "
                      << s.randomizedCounts.back() << ")\n";
    }
    std::cout << "report: " << report << "\n";
}

// The classroom pair: one classifier trained on FactorWorld with a spurious cue, its twin without it.
void runCheaterDemo(const std::string& directory, std::size_t count) {
    const std::string clean = "factorworld:classes=20,size=32,train=1000,val=200,test=200";
    const std::string cued = clean + ",cue=mark,cue_p=1";
    std::filesystem::create_directories(directory);
    struct Twin {
        std::string name, data;
    };
    const std::vector<Twin> twins{{"clean", clean}, {"cheater", cued}};
    std::vector<attribution::AttributionResults> results(twins.size());
    std::vector<std::pair<double, double>> accuracy(twins.size());
    for (std::size_t t = 0; t < twins.size(); ++t) {
        const auto model = directory + "/" + twins[t].name + ".nsm";
        const auto outcome = runWithProgress(
            runtime::JobKind::Attribution, "attribution demo: " + twins[t].name,
            [&](const runtime::JobContext& job) {
                train::TrainOptions training;
                training.architecture = "resnet-s";
                training.dataSource = twins[t].data;
                training.outputPath = model;
                training.epochs = 8;
                training.learningRate = 2e-3;
                train::trainClassifier(training, job);
                // Both are measured on images with the cue: on validation it names the class, on test it
                // lies.
                accuracy[t] = {
                    train::evaluateModel(model, cued, data::Split::Validation, "auto", 0, job).accuracy,
                    train::evaluateModel(model, cued, data::Split::Test, "auto", 0, job).accuracy};
                attribution::AttributeOptions options;
                options.dataSource = cued;
                options.count = count;
                options.methods = {attribution::Method::GradCam, attribution::Method::IntegratedGradients,
                                   attribution::Method::Occlusion};
                results[t] = attribution::attributeModel(model, options, job);
            });
        if (outcome != runtime::Outcome::Succeeded) throw CLI::RuntimeError(kExitFailure);
        const auto report = attribution::writeAttributionResults(results[t], directory + "/" + twins[t].name);
        std::cout << "\n"
                  << twins[t].name << " (trained on " << twins[t].data << "):\n  accuracy with the cue "
                  << std::setprecision(3) << accuracy[t].first << " where it names the class (validation), "
                  << accuracy[t].second << " where it is random (test)\n";
        printSummary(results[t], report);
    }
    std::cout << "\nThe cheater scores " << accuracy[1].first << " on validation and " << accuracy[1].second
              << " on test; its maps put " << std::setprecision(2)
              << results[1].summaries.front().cueEnergy.estimate /
                     std::max(1e-9, results[0].summaries.front().cueEnergy.estimate)
              << "x the clean twin's Grad-CAM mass on the cue. Open " << directory
              << "/cheater/overlays.png.\n";
}

}  // namespace

void addAttributionCommands(CLI::App& app) {
    {
        auto directory = std::make_shared<std::string>("netsight-attribution-demo");
        auto count = std::make_shared<std::size_t>(16);
        CLI::App* demo = app.add_subcommand(
            "attribution-demo",
            "A classifier that cheats, caught: trains a classifier on FactorWorld with a spurious cue (a "
            "coloured "
            "square naming the class) and its twin without, and explains both (about a minute)");
        demo->add_option("directory", *directory, "Folder for the models and both reports")
            ->capture_default_str();
        demo->add_option("--count", *count, "Test images explained")->capture_default_str();
        demo->callback([directory, count] { runCheaterDemo(*directory, *count); });
    }
    struct Args {
        std::string model, output, data = "factorworld", split = "test", target = "predicted",
                                   baseline = "black";
        std::string device = "auto";
        std::vector<std::string> images, methods;
        bool noCurves = false, noRandomization = false;
        attribution::AttributeOptions options;
    };
    auto args = std::make_shared<Args>();
    CLI::App* command = app.add_subcommand("attribute",
                                           "Attribution maps (where does the classifier look?) with their "
                                           "checks: deletion and insertion curves, "
                                           "the drop in confidence, the model-randomization sanity check "
                                           "and, on FactorWorld, the object's mask");
    command->add_option("model", args->model, "Model file (.nsm or TorchScript .pt)")->required();
    command->add_option("--image", args->images,
                        "Explain these image files (repeat) instead of the test split");
    command->add_option("--data", args->data, "Data source whose split is explained")->capture_default_str();
    command->add_option("--split", args->split, "Split explained (only test for now)")->capture_default_str();
    command->add_option("--count", args->options.count, "Images of the split (the first)")
        ->capture_default_str();
    command->add_option(
        "--method", args->methods,
        "Methods (repeat; default grad-cam, integrated-gradients, smoothgrad, occlusion): " + methodNames());
    command->add_option("--target", args->target, "predicted, class:N, or diff:A-B (logit A minus logit B)")
        ->capture_default_str();
    command->add_option(
        "--layer", args->options.method.layer,
        "Layer of the Grad-CAM family (default: the last with a spatial output; see `layers`)");
    command->add_option("--steps", args->options.method.steps, "Integrated gradients: points on the path")
        ->capture_default_str();
    command->add_option("--samples", args->options.method.samples, "SmoothGrad / VarGrad: noisy copies")
        ->capture_default_str();
    command
        ->add_option("--noise", args->options.method.noise,
                     "SmoothGrad / VarGrad: noise sigma (images in [0, 1])")
        ->capture_default_str();
    command
        ->add_option("--patch", args->options.method.patch, "Occlusion: patch side in pixels (0: an eighth)")
        ->capture_default_str();
    command->add_option("--stride", args->options.method.stride, "Occlusion: stride (0: half the patch)")
        ->capture_default_str();
    command->add_option("--baseline", args->baseline, "Integrated gradients and occlusion: black or blurred")
        ->capture_default_str();
    command
        ->add_option("--max-batch", args->options.method.maxBatch,
                     "At most this many images through the network at once (bounds memory)")
        ->capture_default_str();
    command->add_flag("--no-curves", args->noCurves, "No deletion / insertion curves or confidence drop");
    command->add_flag("--no-randomization", args->noRandomization, "No model-randomization check");
    command->add_option("--device", args->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
    command->add_option("-o,--output", args->output, "Folder for maps, overlays, CSV and report.html")
        ->required();
    command->callback([args] {
        auto& options = args->options;
        if (args->split != "test")
            throw CLI::ValidationError("--split", "only the test split is explained for now");
        if (!args->methods.empty()) {
            options.methods.clear();
            for (const auto& name : args->methods) {
                const auto method = attribution::methodNamed(name);
                if (!method)
                    throw CLI::ValidationError("--method",
                                               "unknown method '" + name + "'; use " + methodNames());
                options.methods.push_back(*method);
            }
        }
        const auto target = attribution::targetNamed(args->target);
        if (!target)
            throw CLI::ValidationError("--target",
                                       "'" + args->target + "' is not predicted, class:N or diff:A-B");
        options.target = *target;
        if (args->baseline == "black") {
            options.method.baseline = attribution::BaselineKind::Black;
        } else if (args->baseline == "blurred") {
            options.method.baseline = attribution::BaselineKind::Blurred;
        } else {
            throw CLI::ValidationError("--baseline", "'" + args->baseline + "' is not black or blurred");
        }
        if (options.method.steps < 1 || options.method.samples < 1 || options.method.maxBatch < 1)
            throw CLI::ValidationError("--steps", "--steps, --samples and --max-batch must be 1 or more");
        options.imageFiles = args->images;
        options.dataSource = args->data;
        options.curves = !args->noCurves;
        options.randomization = !args->noRandomization;
        options.device = args->device;
        auto results = std::make_shared<attribution::AttributionResults>();
        const auto outcome = runWithProgress(
            runtime::JobKind::Attribution, "attribute " + args->model, [=](const runtime::JobContext& job) {
                *results = attribution::attributeModel(args->model, options, job);
            });
        if (outcome != runtime::Outcome::Succeeded) throw CLI::RuntimeError(kExitFailure);
        printSummary(*results, attribution::writeAttributionResults(*results, args->output));
    });
}

}  // namespace netsight::cli
