#pragma once

// The one owner of an experiment folder (DESIGN.md, "The experiment model"):
//
//   EXPERIMENT/
//     experiment.json     what to run (ProbeSpec)
//     models/             trained classifiers (NAME.nsm) and autoencoders (ae-pretrained.pt, ae-NAME.pt)
//     results/            transfer.csv, order.json, nmi.csv, metrics.csv, reconstructions/, visualizer/,
//                         factors/NAME/
//     log.txt             every job's log, one timestamped line each
//
// It knows every path, opens and creates experiments (the demo included) and reports each stage's state.
// The CLI and the GUI go through it and record jobs through one JobRecorder, so a run from either leaves
// the same folder. Plain types only: the UI includes this header.
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "netsight/experiment/ProbeSpec.h"
#include "netsight/runtime/UserError.h"

namespace netsight::experiment {

/// An error about the experiment as a whole (a missing experiment.json, an unknown classifier, a folder
/// that already holds one): the message names the folder or field and says what to do.
class ExperimentError : public runtime::UserError {
  public:
    using runtime::UserError::UserError;
};

enum class StageKind { Classifier, PretrainedAutoencoder, FinetunedAutoencoder };

enum class StageState {
    Missing,  ///< not started
    Partial,  ///< a checkpoint, nothing training it now: the next run resumes it
    Running,  ///< a job of this or another process holds the stage's lock
    Done,
    Stale,  ///< done (or begun) with other settings than experiment.json gives now
};

/// One stage of the probe and where it stands.
struct StageStatus {
    StageKind kind = StageKind::Classifier;
    std::string classifier;  ///< the classifier it belongs to; empty for the pretrained autoencoder
    int replica = 0;         ///< a fine-tuned AE's replica (0: the first; evaluation.replicas)
    std::string file;        ///< the stage's file (absolute)
    StageState state = StageState::Missing;
    std::vector<std::string> changes;  ///< for a stale stage: "field: was X, now Y"
};

/// "classifier vgg", "pretrained AE", "AE for vgg": how the CLI, the report and the GUI name a stage.
std::string stageTitle(const StageStatus& stage);
/// "missing", "resumable", "running", "done", "stale".
const char* stageStateName(StageState state);

/// The title of a row of the transfer matrix or the reconstruction grid from its key ("original",
/// "pretrained", or a classifier's name): "original", "pretrained AE", "AE for NAME".
std::string rowTitle(const std::string& rowKey);

class Experiment {
  public:
    /// Opens the experiment in `directory`; throws ExperimentError when it has no experiment.json and
    /// std::runtime_error (naming the field) when that cannot be read.
    static Experiment open(const std::string& directory);
    /// Creates `directory` (and its parents) with `spec` in experiment.json; refused when it already holds
    /// an experiment.
    static Experiment create(const std::string& directory, const ProbeSpec& spec);
    /// The demo experiment in `directory`: created with the demo's spec when it has none, else opened as
    /// it is (a demo run resumes).
    static Experiment openOrCreateDemo(const std::string& directory);

    /// The absolute folder.
    const std::string& directory() const { return directory_; }
    const ProbeSpec& spec() const { return spec_; }
    /// Validates and writes `spec` to experiment.json (atomically), then holds it.
    void setSpec(const ProbeSpec& spec);
    /// Reads experiment.json again (another process may have changed it).
    void reload();

    std::string specPath() const;
    std::string modelsDirectory() const;
    std::string resultsDirectory() const;
    /// cache/: the index of its image folder (kept beside the experiment, rebuilt when the folder changes).
    std::string cacheDirectory() const;
    std::string logPath() const;
    std::string metricsPath() const;
    std::string reportPath() const;
    /// results/visualizer: each saved visualization, gallery and inversion with its settings.
    std::string visualizerDirectory() const;
    /// results/factors/NAME: the factor lab's analysis of one classifier.
    std::string factorDirectory(const std::string& classifier) const;
    /// results/attribution/NAME: attribution maps of one classifier and their checks.
    std::string attributionDirectory(const std::string& classifier) const;

    /// The classifier entry `name`; ExperimentError naming the classifiers there are when none.
    const ClassifierEntry& classifier(const std::string& name) const;
    /// Where a classifier's model file is: models/NAME.nsm for a zoo entry, else its file (relative paths
    /// are relative to the experiment).
    std::string modelPath(const ClassifierEntry& entry) const;
    /// Whether that model file exists and no training of it is in progress.
    bool classifierReady(const ClassifierEntry& entry) const;
    /// "ready", "training (resumable)", "not trained", "model file missing": the Classifiers view's status.
    std::string classifierStatus(const ClassifierEntry& entry) const;
    std::string pretrainedAutoencoderPath() const;
    std::string finetunedAutoencoderPath(const std::string& classifier, int replica = 0) const;

    /// Every stage of the probe (each zoo classifier's training, the pretraining, each fine-tuning) with its
    /// state as the files and locks show it: cheap (a few stat calls), but blind to stale stages.
    std::vector<StageStatus> stages() const;
    /// Marks the stages made with other settings than experiment.json gives now as stale (with their
    /// changes). Reads the settings each stage's file records and digests of the files it depends on: a
    /// file read per stage done, too slow for a GUI thread with large autoencoders.
    void markStale(std::vector<StageStatus>& stages) const;
    /// A cheap fingerprint of the folder (sizes and times of experiment.json and of what is in models/ and
    /// results/, and which stage locks are held): when it changes, something may have finished.
    std::string stamp() const;

  private:
    Experiment(std::string directory, ProbeSpec spec);
    std::string directory_;
    ProbeSpec spec_;
};

}  // namespace netsight::experiment
