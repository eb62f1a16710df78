#pragma once

// The probe on a Slurm cluster: each stage of an experiment as a batch job that runs the per-stage command
// (`netsight-cli probe DIR --train NAME | --pretrain | --finetune NAME --replica K | (measure)`) on its node,
// ordered by dependencies so that a stage several tasks need is trained once, by its own job, without file
// locks across nodes. The experiment folder must be on a file system the nodes share.
#include <string>
#include <vector>

namespace netsight::experiment {

struct SlurmOptions {
    std::string partition;  ///< --partition (empty: the cluster's default)
    std::string gres;       ///< --gres for the training jobs, e.g. "gpu:1"
    std::string time;       ///< --time limit per job, e.g. "04:00:00"
    std::string account;
    std::string memory;  ///< --mem, e.g. "16G"
    int cpusPerTask = 0;
    std::vector<std::string> extraArgs;  ///< given to every sbatch as they are, e.g. "--qos=high", "--hold"
    std::string cli;  ///< the netsight-cli the nodes run (absolute, the same on every node)
};

/// One job, or one task of the fine-tuning array, of an experiment submitted to Slurm.
struct SlurmTask {
    std::string stage;  ///< "train NAME", "pretrain", "fine-tune NAME (replica K)", "measure"
    std::string jobId;  ///< "123", or "124_3" for an array task
    std::string state;  ///< Slurm's: PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, ...; "" unknown
    std::string reason;  ///< why it waits (Dependency, Resources, DependencyNeverSatisfied, ...)
    std::string node;
    bool done = false;          ///< the stage's files are there (measure: the results)
    bool submittedNow = false;  ///< submitted by this call (submitProbeToSlurm)
    /// Why Slurm could not be asked ("" when it answered): no Slurm configuration on this machine, or
    /// squeue's error. The state is then unknown, not lost: `done` alone comes from the files.
    std::string unanswered;
};

/// Submits the stages of the experiment in `directory` that are neither done nor queued or running: the
/// missing zoo classifiers' trainings and the pretraining as jobs, the fine-tunings (every classifier x
/// replica) as one array job after them, and the measuring as a job after that. Run again after a failure, it
/// resubmits only what failed (a fine-tuning as a single array task, with a new measuring job; a measuring
/// job left waiting on a failed one is cancelled). Records the jobs in slurm/jobs.json and the batch scripts
/// and logs in slurm/. Refuses stale stages and a missing sbatch with a clear message. Returns every task of
/// the experiment with the new ones marked.
std::vector<SlurmTask> submitProbeToSlurm(const std::string& directory, const SlurmOptions& options);

/// The experiment's Slurm tasks as recorded in slurm/jobs.json, with their state from squeue (finished jobs
/// too, while the controller remembers them), else from sacct, else from the stage files. Empty when nothing
/// was submitted.
std::vector<SlurmTask> slurmProbeStatus(const std::string& directory);

}  // namespace netsight::experiment
