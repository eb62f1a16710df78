// robustness: accuracy curves of model files under input perturbations (the robustness bench's first part).
#include <iomanip>
#include <iostream>
#include <memory>

#include "Commands.h"
#include "TerminalProgress.h"
#include "netsight/robustness/PerturbationCurves.h"

namespace netsight::cli {

void addRobustnessCommands(CLI::App& app) {
    struct Args {
        std::vector<std::string> models, perturbations;
        std::string data = "factorworld", output;
        robustness::PerturbationOptions options;
    };
    auto args = std::make_shared<Args>();
    std::string names;
    for (auto perturbation : robustness::allPerturbations())
        names += std::string(names.empty() ? "" : ", ") + robustness::perturbationName(perturbation);
    CLI::App* command = app.add_subcommand(
        "robustness",
        "Accuracy of one or more classifiers under input perturbations (noise, salt and pepper, blur, "
        "contrast, JPEG, shifts, rotations), each point with a 95% interval over the test images");
    command->add_option("models", args->models, "Model files (.nsm or TorchScript .pt)")->required();
    command->add_option("--data", args->data, "Data source whose test split is perturbed")
        ->capture_default_str();
    command
        ->add_option("-o,--output", args->output,
                     "Folder for perturbations.csv, the SVG charts and report.html")
        ->required();
    command->add_option("--perturbation", args->perturbations, "Only these (repeat): " + names);
    command->add_option("--count", args->options.testImages, "Test images (the first of the split)")
        ->capture_default_str();
    command->add_option("--seed", args->options.seed, "Seed of the noise, shifts and angles")
        ->capture_default_str();
    command->add_option("--device", args->options.device, "auto, cpu, cuda or cuda:N")->capture_default_str();
    command->callback([args, names] {
        if (!args->perturbations.empty()) {
            args->options.perturbations.clear();
            for (const auto& name : args->perturbations) {
                const auto perturbation = robustness::perturbationNamed(name);
                if (!perturbation)
                    throw CLI::ValidationError("--perturbation",
                                               "unknown perturbation '" + name + "'; use " + names);
                args->options.perturbations.push_back(*perturbation);
            }
        }
        auto curves = std::make_shared<std::vector<robustness::PerturbationCurve>>();
        for (const auto& model : args->models) {
            const auto outcome = runWithProgress(
                runtime::JobKind::Robustness, "robustness " + model, [=](const runtime::JobContext& job) {
                    auto more = robustness::perturbationCurves(model, args->data, args->options, job);
                    curves->insert(curves->end(), more.begin(), more.end());
                });
            if (outcome != runtime::Outcome::Succeeded) throw CLI::RuntimeError(kExitFailure);
        }
        const std::string report = robustness::writeRobustnessResults(*curves, args->output);
        for (const auto& curve : *curves) {
            std::cout << curve.classifier << ", " << robustness::perturbationName(curve.perturbation) << " ("
                      << robustness::strengthMeaning(curve.perturbation) << "):\n ";
            for (std::size_t s = 0; s < curve.strengths.size(); ++s)
                std::cout << " " << curve.strengths[s] << ": " << std::fixed << std::setprecision(3)
                          << curve.accuracy[s].estimate << " +-" << curve.accuracy[s].halfWidth()
                          << std::defaultfloat;
            std::cout << "\n";
        }
        std::cout << "report: " << report << "\n";
    });
}

}  // namespace netsight::cli
