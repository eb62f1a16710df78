// factors: the factor lab from the command line.
#include <iomanip>
#include <iostream>
#include <memory>

#include "Commands.h"
#include "TerminalProgress.h"
#include "netsight/factors/FactorLab.h"

namespace netsight::cli {

void addFactorCommands(CLI::App& app) {
    auto options = std::make_shared<factors::FactorOptions>();
    auto model = std::make_shared<std::string>();
    auto output = std::make_shared<std::string>();
    CLI::App* command = app.add_subcommand(
        "factors",
        "Which factors (shape, texture, colour, pose, light) a FactorWorld classifier's decision and "
        "layers carry: Gaussian-copula MI, invariance, generalization gradients, classification images");
    command->add_option("model", *model, "NetSight model (.nsm) or TorchScript (.pt) trained on FactorWorld")
        ->required();
    command->add_option("-o,--output", *output, "Folder for the CSV, JSON, figures and report.html")
        ->required();
    command->add_option("--data", options->dataSource,
                        "The FactorWorld source the model was trained on (default: from the model file)");
    command->add_option("--samples", options->samples, "Stimuli for the MI analyses")->capture_default_str();
    command
        ->add_option("--jitter", options->intrinsicJitter,
                     "How far (0..1) each stimulus moves towards another identity in shape, texture, colour")
        ->capture_default_str();
    command->add_option("--layer", options->layers, "Analyse only these layers (repeat; default: all)");
    command
        ->add_option("--pool", options->poolTo,
                     "Average-pool each channel to at most NxN positions (0: none)")
        ->capture_default_str();
    command->add_option("--max-units", options->maxUnitsPerLayer, "Units per layer at most (an even subset)")
        ->capture_default_str();
    command->add_option("--morph-steps", options->morphSteps, "Distances of the generalization gradients")
        ->capture_default_str();
    command->add_option("--morph-views", options->morphViews, "Views per identity and distance")
        ->capture_default_str();
    command->add_option("--rc-samples", options->reverseCorrelationSamples, "Noisy renders per identity")
        ->capture_default_str();
    command->add_option("--rc-noise", options->reverseCorrelationNoise, "Pixel noise standard deviation")
        ->capture_default_str();
    command
        ->add_option("--rc-identities", options->reverseCorrelationIdentities,
                     "Identities to map by reverse correlation (0: all)")
        ->capture_default_str();
    command->add_option("--seed", options->seed, "Random seed")->capture_default_str();
    command->add_option("--device", options->device, "auto, cpu, cuda or cuda:N")->capture_default_str();
    command->callback([=] {
        auto report = std::make_shared<factors::FactorReport>();
        if (runWithProgress(runtime::JobKind::FactorAnalysis, "factors", [=](const runtime::JobContext& job) {
                *report = factors::analyzeFactors(*model, *options, job);
                factors::writeFactorReport(*report, *output);
            }) != runtime::Outcome::Succeeded)
            throw CLI::RuntimeError(kExitFailure);
        std::cout << std::fixed << std::setprecision(3) << "stimuli: " << report->samples << ", accuracy "
                  << report->stimulusAccuracy << "\n\ndecision (bits)\n";
        for (const auto& d : report->decision)
            std::cout << "  " << std::left << std::setw(14) << d.factor << std::right << d.bits << "\n";
        std::cout << "\nlayer                      I(id)  I(pose)  I(id|pose)\n";
        for (const auto& layer : report->layers)
            std::cout << "  " << std::left << std::setw(24) << layer.layer << std::right << std::setw(6)
                      << layer.meanBits.front() << std::setw(9) << layer.poseBits << std::setw(12)
                      << layer.identityGivenPoseBits << "\n";
        std::cout << "\np(original) at full morph:";
        for (const auto& m : report->morphs)
            std::cout << "  " << m.kind << " " << m.probability.back();
        std::cout << "\n\nwrote " << *output << "/report.html (and CSV, JSON, SVG, PNG) in "
                  << std::setprecision(1) << report->seconds << " s\n";
    });
}

}  // namespace netsight::cli
