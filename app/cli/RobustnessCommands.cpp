// robustness and robustness-demo: the robustness bench (perturbation curves, adversarial attacks, minimal
// perturbations, the top-down scale ablation) on model files or on an experiment's classifiers.
#include <cmath>
#include <iomanip>
#include <iostream>
#include <memory>

#include "Commands.h"
#include "TerminalProgress.h"
#include "netsight/experiment/Experiment.h"
#include "netsight/robustness/ExperimentRobustness.h"

namespace netsight::cli {
namespace {

struct BenchArgs {
    std::vector<std::string> perturbations, attacks, scales;
    bool noPerturbations = false, noAttacks = false, noMinimal = false;
    std::size_t attackImages = 200;
    robustness::BenchOptions options;
};

std::string perturbationNames() {
    std::string names;
    for (auto perturbation : robustness::allPerturbations())
        names += std::string(names.empty() ? "" : ", ") + robustness::perturbationName(perturbation);
    return names;
}

void addBenchOptions(CLI::App* command, const std::shared_ptr<BenchArgs>& args) {
    command->add_option("--perturbation", args->perturbations,
                        "Only these perturbations (repeat): " + perturbationNames());
    command->add_flag("--no-perturbations", args->noPerturbations, "No perturbation curves");
    command->add_option(
        "--attack", args->attacks,
        "Attacks (repeat; default pgd-linf-10 and pgd-l2-10): fgsm-linf, fgsm-l2, pgd-linf-N, "
        "pgd-l2-N, each optionally -targeted (aims at class label + 1)");
    command->add_flag("--no-attacks", args->noAttacks, "No adversarial attacks or minimal perturbations");
    command->add_flag("--no-minimal", args->noMinimal, "No search for each image's minimal L2 perturbation");
    command->add_option("--linf-radii", args->options.attack.linfRadii,
                        "L-infinity radii (images in [0, 1]; default 0 1/255 2/255 4/255 8/255 16/255)");
    command->add_option("--l2-radii", args->options.attack.l2Radii, "L2 radii (default 0 0.1 0.25 0.5 1 2)");
    command
        ->add_option("--count", args->options.perturbation.testImages,
                     "Test images for the perturbation curves (the first of the split)")
        ->capture_default_str();
    command->add_option("--attack-count", args->attackImages, "Test images attacked (the first of the split)")
        ->capture_default_str();
    command
        ->add_option("--seed", args->options.perturbation.seed,
                     "Seed of the noise, shifts, angles and random starts")
        ->capture_default_str();
}

// Turns names into options; CLI::ValidationError naming the option and value for a wrong one.
void resolve(BenchArgs& args) {
    auto& options = args.options;
    options.perturbations = !args.noPerturbations;
    options.attacks = !args.noAttacks;
    options.attack.minimal = !args.noMinimal;
    options.attack.testImages = args.attackImages;
    options.attack.seed = options.perturbation.seed;
    if (!args.perturbations.empty()) {
        options.perturbation.perturbations.clear();
        for (const auto& name : args.perturbations) {
            const auto perturbation = robustness::perturbationNamed(name);
            if (!perturbation)
                throw CLI::ValidationError("--perturbation",
                                           "unknown perturbation '" + name + "'; use " + perturbationNames());
            options.perturbation.perturbations.push_back(*perturbation);
        }
    }
    if (!args.attacks.empty()) {
        options.attack.attacks.clear();
        for (const auto& name : args.attacks) {
            const auto attack = robustness::attackNamed(name);
            if (!attack)
                throw CLI::ValidationError("--attack",
                                           "unknown attack '" + name +
                                               "'; use fgsm-linf, fgsm-l2, pgd-linf-N or pgd-l2-N "
                                               "(N steps), optionally followed by -targeted");
            options.attack.attacks.push_back(*attack);
        }
    }
    for (const auto* radii : {&options.attack.linfRadii, &options.attack.l2Radii})
        for (double radius : *radii)
            if (!(radius >= 0 && std::isfinite(radius)))
                throw CLI::ValidationError(radii == &options.attack.linfRadii ? "--linf-radii" : "--l2-radii",
                                           "a radius must be 0 or more, not " + std::to_string(radius));
    if (!args.scales.empty()) {
        options.attack.scales.clear();
        for (const auto& name : args.scales) {
            int scale = -2;
            for (int s = -1; s < 3; ++s)
                if (name == robustness::scaleName(s)) scale = s;
            if (scale == -2)
                throw CLI::ValidationError("--scale",
                                           "unknown scale '" + name + "'; use input, full, half or quarter");
            options.attack.scales.push_back(scale);
        }
    }
    if (!options.perturbations && !options.attacks)
        throw CLI::ValidationError("--no-perturbations", "with --no-attacks too there is nothing to measure");
}

std::string number(double value) {
    if (std::isinf(value)) return "beyond";
    std::ostringstream text;
    text << std::fixed << std::setprecision(3) << value;
    return text.str();
}

void printResults(const robustness::RobustnessResults& results,
                  const std::vector<robustness::GroupComparison>& comparisons, const std::string& report) {
    for (const auto& curve : results.perturbations) {
        std::cout << curve.classifier << ", " << robustness::perturbationName(curve.perturbation) << " ("
                  << robustness::strengthMeaning(curve.perturbation) << "):\n ";
        for (std::size_t s = 0; s < curve.strengths.size(); ++s)
            std::cout << " " << curve.strengths[s] << ": " << number(curve.accuracy[s].estimate) << " +-"
                      << number(curve.accuracy[s].halfWidth());
        std::cout << "\n";
    }
    for (const auto& curve : results.attacks) {
        std::cout << curve.classifier << ", " << curve.attack
                  << (curve.scale < 0 ? "" : " (" + robustness::scaleName(curve.scale) + " scale alone)")
                  << " (" << robustness::radiusMeaning(curve.norm) << "):\n ";
        for (std::size_t k = 0; k < curve.radii.size(); ++k)
            std::cout << " " << std::setprecision(3) << curve.radii[k] << ": "
                      << number(curve.accuracy[k].estimate) << " +-" << number(curve.accuracy[k].halfWidth());
        std::cout << "\n";
    }
    for (const auto& minimal : results.minimal)
        std::cout << minimal.classifier << ", minimal L2 perturbation"
                  << (minimal.scale < 0 ? "" : " (" + robustness::scaleName(minimal.scale) + " scale alone)")
                  << ": median " << number(minimal.median.estimate) << " [" << number(minimal.median.low)
                  << ", " << number(minimal.median.high) << "] (of radii up to " << minimal.maxRadius
                  << ")\n";
    std::cout << results.examples.size()
              << " adversarial examples, each checked: the prediction on it is wrong\n";
    if (!comparisons.empty()) std::cout << "\n" << robustness::comparisonVerdict(comparisons) << "\n";
    std::cout << "report: " << report << "\n";
}

}  // namespace

void addRobustnessCommands(CLI::App& app) {
    {
        struct Args : BenchArgs {
            std::vector<std::string> models;
            std::string data = "factorworld", output, experiment, device = "auto";
        };
        auto args = std::make_shared<Args>();
        CLI::App* command = app.add_subcommand(
            "robustness",
            "The robustness bench: accuracy of classifiers under input perturbations (noise, salt and "
            "pepper, "
            "blur, contrast, JPEG, shifts, rotations) and adversarial attacks (FGSM, PGD; L-infinity, L2), "
            "and each "
            "image's minimal L2 perturbation, every number with its 95% interval over the test images");
        command->add_option("models", args->models, "Model files (.nsm or TorchScript .pt)");
        command->add_option("--experiment", args->experiment,
                            "Measure this experiment's classifiers instead (training missing ones), into its "
                            "results/robustness and its report");
        command->add_option("--data", args->data, "Data source whose test split is used (model files)")
            ->capture_default_str();
        command->add_option(
            "-o,--output", args->output,
            "Folder for the CSV files, the SVG charts, the examples and report.html (model files)");
        command->add_option(
            "--scale", args->scales,
            "Attack these scales of topdown/bottomup's input pyramid alone (repeat): input (the "
            "whole input, the default), full, half, quarter");
        command->add_option("--device", args->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
        addBenchOptions(command, args);
        command->callback([args] {
            resolve(*args);
            args->options.perturbation.device = args->options.attack.device = args->device;
            if (!args->experiment.empty()) {
                if (!args->models.empty())
                    throw CLI::ValidationError("models", "give model files or --experiment, not both");
                auto results = std::make_shared<robustness::RobustnessResults>();
                const auto outcome = runWithProgress(
                    runtime::JobKind::Robustness, "robustness " + args->experiment,
                    [=](const runtime::JobContext& job) {
                        *results = robustness::runExperimentRobustness(args->experiment, args->options, job);
                    });
                if (outcome != runtime::Outcome::Succeeded) throw CLI::RuntimeError(kExitFailure);
                const auto experiment = experiment::Experiment::open(args->experiment);
                printResults(*results, robustness::architectureComparisons(experiment.spec(), *results),
                             robustness::robustnessDirectory(experiment.directory()) + "/report.html");
                return;
            }
            if (args->models.empty())
                throw CLI::ValidationError("models", "give one or more model files, or --experiment DIR");
            if (args->output.empty()) throw CLI::ValidationError("--output", "required with model files");
            auto results = std::make_shared<robustness::RobustnessResults>();
            for (const auto& model : args->models) {
                const auto outcome = runWithProgress(
                    runtime::JobKind::Robustness, "robustness " + model, [=](const runtime::JobContext& job) {
                        if (args->options.perturbations)
                            results->add(robustness::perturbationCurves(model, args->data,
                                                                        args->options.perturbation, job));
                        if (args->options.attacks)
                            results->add(
                                robustness::attackCurves(model, args->data, args->options.attack, job));
                    });
                if (outcome != runtime::Outcome::Succeeded) throw CLI::RuntimeError(kExitFailure);
            }
            printResults(*results, {}, robustness::writeRobustnessResults(*results, args->output));
        });
    }
    {
        auto args = std::make_shared<BenchArgs>();
        auto directory = std::make_shared<std::string>("netsight-robustness-demo");
        CLI::App* command = app.add_subcommand(
            "robustness-demo",
            "Is the coarse-to-fine network harder to fool? Trains topdown and bottomup (three seeds each) on "
            "FactorWorld, measures both on the robustness bench (with each scale of the pyramid attacked "
            "alone) "
            "and says which is more robust to what, with 95% intervals over the seeds");
        command->add_option("directory", *directory, "Experiment folder (created, or resumed)")
            ->capture_default_str();
        addBenchOptions(command, args);
        command->callback([args, directory] {
            resolve(*args);
            if (!std::filesystem::exists(std::filesystem::path(*directory) / "experiment.json"))
                experiment::Experiment::create(*directory, robustness::robustnessDemoSpec());
            auto results = std::make_shared<robustness::RobustnessResults>();
            const auto outcome = runWithProgress(
                runtime::JobKind::Robustness, "robustness demo", [=](const runtime::JobContext& job) {
                    *results = robustness::runExperimentRobustness(*directory, args->options, job);
                });
            if (outcome != runtime::Outcome::Succeeded) throw CLI::RuntimeError(kExitFailure);
            const auto experiment = experiment::Experiment::open(*directory);
            printResults(*results, robustness::architectureComparisons(experiment.spec(), *results),
                         robustness::robustnessDirectory(experiment.directory()) + "/report.html");
        });
    }
}

}  // namespace netsight::cli
