#pragma once

// The signal-probe pipeline of an experiment as plain-typed calls (CLI and UI): train what is missing,
// pretrain the autoencoder, fine-tune it for each classifier, and measure. It drives the science of probe/
// (SegNet, NMI, order, report) over the stages of the experiment folder.
#include <string>
#include <vector>

#include "netsight/experiment/ProbeSpec.h"
#include "netsight/probe/ProbeSummary.h"
#include "netsight/runtime/Job.h"

namespace netsight::experiment {

using probe::ProbeSummary;

/// Runs or resumes the experiment in `directory` (experiment.json there). Every stage writes its
/// outputs atomically and is skipped when they exist, and trainings resume from their checkpoints,
/// so a killed run picks up where it was. Errors in the spec or the data are raised before any long work.
ProbeSummary runProbe(const std::string& directory, const runtime::JobContext& job);

/// Trains the zoo classifier `name` of the experiment in `directory` into models/NAME.nsm (resuming; nothing
/// to do when it is complete) on `device` ("" for the experiment's). The probe does this itself for every
/// missing classifier.
void trainExperimentClassifier(const std::string& directory, const std::string& name,
                               const runtime::JobContext& job, const std::string& device = "");

/// Fine-tunes the autoencoder of the experiment in `directory` for its classifier `name` into
/// models/ae-NAME.pt (replica index `replica` > 0: models/ae-NAME.rK.pt, K = replica + 1; -1: every
/// replica evaluation.replicas asks for, one after the other) on `device` ("" for the experiment's), as a
/// job of its own: training the classifier (a zoo entry) and pretraining the autoencoder first if they are
/// missing. Nothing to do when it is done.
/// Several can run at once, one per device and process, in one experiment: a stage two of them need is
/// trained once (the other waits for it), and runProbe then only measures.
/// `trainPrerequisites` false: a missing classifier or pretrained autoencoder is an error instead (a Slurm
/// task: its own job makes it).
void finetuneExperimentAutoencoder(const std::string& directory, const std::string& name,
                                   const runtime::JobContext& job, const std::string& device = "",
                                   int replica = -1, bool trainPrerequisites = true);

/// Pretrains the autoencoder of the experiment in `directory` (models/ae-pretrained.pt) unless it is there,
/// on `device` ("" for the experiment's), as a job of its own.
void pretrainExperimentAutoencoder(const std::string& directory, const runtime::JobContext& job,
                                   const std::string& device = "");
/// The job name of that fine-tuning, the same in the CLI and the app: "fine-tune NAME" for the first
/// replica (index 0) or every replica (-1), "fine-tune NAME (replica K)" for replica index K - 1 > 0.
std::string finetuneJobName(const std::string& name, int replica);

/// A file of a stage done (or in progress: a checkpoint) that the experiment's experiment.json no longer
/// describes: made with other settings, or from a stage that is itself stale.
struct StaleStage {
    std::string file;
    std::vector<std::string> changes;  ///< e.g. "autoencoder.pretrain_epochs: was 2, now 3"
};

/// "models/ae-a.pt: autoencoder.finetune_epochs: was 1, now 2; ...": a stale stage as the CLI, the log and
/// the app show it, its file relative to the experiment folder `directory`.
std::string describeStaleStage(const StaleStage& stage, const std::string& directory);

/// The stale stages of the experiment in `directory`; runProbe and the fine-tune and train jobs refuse to
/// start while there are any (with the same list), so that results of two settings never mix.
std::vector<StaleStage> staleStages(const std::string& directory);
/// The stages of the experiment in `directory` that `spec` would make stale, were it experiment.json:
/// what a settings dialog asks before it writes anything.
std::vector<StaleStage> staleStagesUnder(const std::string& directory, const ProbeSpec& spec);

/// Deletes the stale stages' files, so that the next run redoes them with the current settings, and
/// returns what it deleted. Results of earlier runs (results/) stay until the next run rewrites them.
std::vector<StaleStage> discardStaleStages(const std::string& directory);

/// Throws std::runtime_error, naming the classifiers there are, unless the experiment in `directory` has a
/// classifier `name`.
void requireClassifier(const std::string& directory, const std::string& name);

/// Creates `directory` with the demo's experiment.json if it has none.
void createDemoExperiment(const std::string& directory);

}  // namespace netsight::experiment
