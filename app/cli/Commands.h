#pragma once

#include <CLI/CLI.hpp>

namespace netsight::cli {

/// Exit codes scripts can rely on.
enum ExitCode : int { kExitOk = 0, kExitFailure = 1, kExitUsage = 2 };

/// Adds `data info` and `data preview` to the application.
void addDataCommands(CLI::App& app);

/// Adds `train`, `eval`, `model info` and `layers`.
void addModelCommands(CLI::App& app);

/// Adds `probe`.
void addProbeCommands(CLI::App& app);

/// Adds `factors`.
void addFactorCommands(CLI::App& app);

/// Adds `visualize`, `gallery` and `invert`.
void addVizCommands(CLI::App& app);

/// robustness: accuracy curves of model files under input perturbations.
void addRobustnessCommands(CLI::App& app);

/// attribute: attribution maps of a model file with their checks.
void addAttributionCommands(CLI::App& app);

}  // namespace netsight::cli
