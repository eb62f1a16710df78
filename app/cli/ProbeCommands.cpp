#include <filesystem>
#include <iomanip>
#include <iostream>
#include <memory>
#include <sstream>

#include "Commands.h"
#include "TerminalProgress.h"
#include "netsight/experiment/Experiment.h"
#include "netsight/experiment/JobRecorder.h"
#include "netsight/experiment/ProbePipeline.h"
#include "netsight/experiment/Slurm.h"
#include "netsight/runtime/Device.h"

namespace fs = std::filesystem;

namespace netsight::cli {
namespace {

void printSummary(const probe::ProbeSummary& summary) {
    const auto& u = summary.uncertainty;
    const bool intervals = u.images > 0;
    if (const auto line = probe::pretrainedQualityLine(summary); !line.empty())
        std::cout << "\n" << line << "\n";
    if (const auto warning = probe::pretrainedQualityWarning(summary); !warning.empty())
        std::cout << "\nREAD WITH CARE: " << warning << "\n";
    std::cout << "\nTransfer matrix (accuracy of each classifier on each row's images"
              << (intervals ? ", +- half the 95% interval" : "") << "):\n"
              << std::left << std::setw(22) << "";
    const int width = intervals ? 15 : 10;
    for (const auto& column : summary.classifiers)
        std::cout << std::right << std::setw(width) << column;
    std::cout << "\n";
    for (std::size_t r = 0; r < summary.rows.size(); ++r) {
        std::cout << std::left << std::setw(22) << experiment::rowTitle(summary.rows[r]) << std::right
                  << std::fixed << std::setprecision(3);
        for (std::size_t c = 0; c < summary.accuracy[r].size(); ++c) {
            std::ostringstream text;
            text << std::fixed << std::setprecision(3) << summary.accuracy[r][c];
            if (intervals) text << " +-" << u.accuracy[r][c].halfWidth();
            std::cout << std::setw(width) << text.str();
        }
        std::cout << "\n";
    }
    if (intervals) {
        std::cout << "(" << u.images << " test images, " << u.replicas
                  << (u.replicas == 1
                          ? " fine-tuning run per classifier: run-to-run variation is not measured; "
                            "set evaluation.replicas to 3 or more)\n"
                          : " fine-tuning runs per classifier)\n");
        std::cout << "\nRelations (R[i][j] - R[j][i], 95% interval, Holm-adjusted p):\n";
        for (const auto& relation : u.relations) {
            const probe::Interval margin = relation.margin();
            std::cout << "  " << summary.classifiers[static_cast<std::size_t>(relation.above())] << " > "
                      << summary.classifiers[static_cast<std::size_t>(relation.below())] << ": "
                      << std::setprecision(3) << margin.estimate << " [" << margin.low << ", " << margin.high
                      << "], p = " << std::setprecision(3) << relation.adjustedP;
            if (relation.replicas > 1)
                std::cout << ", " << relation.replicasAgreeing << " of " << relation.replicas
                          << " replicas agree";
            std::cout << (relation.significant ? "" : "  UNDECIDED") << "\n";
        }
    }
    std::cout << "\n" << probe::orderVerdict(summary) << "\nPairwise wins:";
    for (int index : summary.order.ranking)
        std::cout << " " << summary.classifiers[index] << "(" << summary.order.score[index] << ")";
    std::cout << "\n";
    std::cout << std::setprecision(2) << "Kendall tau with accuracy " << summary.tauAccuracy;
    if (intervals) std::cout << " [" << u.tauAccuracy.low << ", " << u.tauAccuracy.high << "]";
    std::cout << ", with parameter count " << summary.tauParameters;
    if (intervals) std::cout << " [" << u.tauParameters.low << ", " << u.tauParameters.high << "]";
    std::cout << "\n\nNMI medians (intra / inter):\n";
    for (std::size_t r = 1; r < summary.rows.size(); ++r)
        std::cout << "  " << std::left << std::setw(20) << experiment::rowTitle(summary.rows[r]) << std::right
                  << std::setprecision(3) << summary.nmiIntraMedian[r - 1] << " / "
                  << summary.nmiInterMedian[r - 1] << "\n";
    std::cout << "\nreport: " << summary.reportPath << "\n";
}

void printSlurmTasks(const std::vector<experiment::SlurmTask>& tasks) {
    std::cout << std::left << std::setw(28) << "stage" << std::setw(12) << "job" << std::setw(14) << "state"
              << std::setw(26) << "reason" << std::setw(12) << "node"
              << "files\n";
    for (const auto& task : tasks) {
        const bool lost = task.state.empty() && !task.done && task.unanswered.empty();
        std::cout << std::left << std::setw(28) << task.stage << std::setw(12) << task.jobId << std::setw(14)
                  << (task.state.empty() ? (task.done ? "finished" : "unknown") : task.state) << std::setw(26)
                  << (lost                 ? "Slurm lost it, not done"
                      : task.state.empty() ? ""
                                           : task.reason)
                  << std::setw(12) << task.node << (task.done ? "done" : "-")
                  << (task.submittedNow ? "  (submitted now)" : "") << "\n";
    }
    for (const auto& task : tasks)
        if (!task.unanswered.empty()) {
            std::cout << "\nSlurm was not asked (" << task.unanswered
                      << "): the states above come from the experiment's files; run --status on a login node "
                         "of the cluster\n";
            return;
        }
    for (const auto& task : tasks)
        if (task.state == "FAILED" || task.state == "CANCELLED" || task.state == "TIMEOUT" ||
            task.state == "OUT_OF_MEMORY" || task.state == "NODE_FAIL" ||
            (task.state.empty() && !task.done)) {
            std::cout
                << "\n"
                << task.stage << " did not finish ("
                << (task.state.empty() ? "cancelled before it ran, or forgotten by Slurm" : task.state)
                << "): see its log in slurm/logs/, then run --slurm again to resubmit what is missing\n";
            break;
        }
}

}  // namespace

void addProbeCommands(CLI::App& app) {
    auto directory = std::make_shared<std::string>();
    auto output = std::make_shared<std::string>();
    auto demo = std::make_shared<bool>(false);
    CLI::App* command = app.add_subcommand(
        "probe",
        "Run or resume a signal-probe experiment (Palacio et al.): autoencoders fine-tuned on classifiers");
    command->add_option("experiment", *directory, "Experiment folder with experiment.json");
    command->add_flag("--demo", *demo,
                      "Create the demo experiment (FactorWorld, classifiers of known input use) and run it");
    command->add_option("-o,--output", *output, "With --demo: the folder to create");
    auto finetune = std::make_shared<std::string>();
    auto device = std::make_shared<std::string>();
    auto replica = std::make_shared<int>(0);
    command->add_option(
        "--finetune", *finetune,
        "Only fine-tune the autoencoder for this classifier (training what it needs first), "
        "as a job of its own: run several at once on several devices, then the probe measures");
    command->add_option("--device", *device,
                        "With --finetune: cpu, cuda or cuda:N (default: the experiment's)");
    command
        ->add_option("--replica", *replica,
                     "With --finetune: only this replica (1..evaluation.replicas) as a job of its own; "
                     "default: every replica, one after the other")
        ->check(CLI::PositiveNumber);
    auto trainOnly = std::make_shared<std::string>();
    command->add_option("--train", *trainOnly,
                        "Only train this zoo classifier of the experiment (a job of its own; a Slurm stage)");
    auto pretrainOnly = std::make_shared<bool>(false);
    command->add_flag("--pretrain", *pretrainOnly,
                      "Only pretrain the autoencoder (a job of its own; a Slurm stage)");
    auto noPrerequisites = std::make_shared<bool>(false);
    command->add_flag(
        "--no-prerequisites", *noPrerequisites,
        "With --finetune: fail instead of training a missing classifier or pretrained autoencoder "
        "(the Slurm tasks: those are jobs of their own)");
    auto slurm = std::make_shared<bool>(false);
    auto status = std::make_shared<bool>(false);
    auto cluster = std::make_shared<experiment::SlurmOptions>();
    command->add_flag(
        "--slurm", *slurm,
        "Submit the experiment to Slurm: trainings and pretraining as jobs, the fine-tunings as an "
        "array after them, the measuring after that. Again after a failure: resubmits only what "
        "failed. The folder must be on a file system the nodes share");
    command->add_flag("--status", *status, "Show the experiment's Slurm jobs and where each stage stands");
    command->add_option("--partition", cluster->partition, "With --slurm: the partition");
    command->add_option("--gres", cluster->gres,
                        "With --slurm: generic resources of the training jobs, e.g. gpu:1");
    command->add_option("--time", cluster->time, "With --slurm: time limit per job, e.g. 04:00:00");
    command->add_option("--account", cluster->account, "With --slurm: the account to charge");
    command->add_option("--mem", cluster->memory, "With --slurm: memory per job, e.g. 16G");
    command->add_option("--cpus-per-task", cluster->cpusPerTask, "With --slurm: cores per job");
    command->add_option(
        "--sbatch-arg", cluster->extraArgs,
        "With --slurm: one more sbatch argument, as it is (repeatable), e.g. --sbatch-arg=--qos=high");
    auto discard = std::make_shared<bool>(false);
    command->add_flag("--discard-stale", *discard,
                      "First delete the stages made with other settings than experiment.json gives now, so "
                      "that this run redoes them");
    command->callback([=] {
        std::string folder = *directory;
        if (*status || *slurm) {
            if (folder.empty() || *demo)
                throw CLI::ValidationError("--slurm and --status need an experiment folder");
            if (*slurm) {
                auto options = *cluster;
                options.cli = fs::canonical("/proc/self/exe").string();
                const auto tasks = experiment::submitProbeToSlurm(folder, options);
                int submitted = 0;
                for (const auto& task : tasks)
                    submitted += task.submittedNow;
                std::cout << (submitted
                                  ? "submitted " + std::to_string(submitted) + " Slurm job(s)"
                                  : std::string("nothing to submit: every stage is done, queued or running"))
                          << "; logs in " << (fs::path(folder) / "slurm" / "logs").string() << "\n";
                printSlurmTasks(tasks);
            } else {
                const auto tasks = experiment::slurmProbeStatus(folder);
                if (tasks.empty()) {
                    std::cout << "nothing was submitted to Slurm for " << folder << " (netsight-cli probe "
                              << folder << " --slurm)\n";
                    return;
                }
                printSlurmTasks(tasks);
            }
            return;
        }
        if (!trainOnly->empty() || *pretrainOnly) {
            if (folder.empty() || *demo)
                throw CLI::ValidationError("--train and --pretrain need an experiment folder");
            const auto opened = experiment::Experiment::open(folder);
            const std::string where = runtime::resolveDeviceName(opened.spec().device);
            experiment::JobRecorder recorder(opened.directory());
            const std::string name = *trainOnly;
            const auto outcome =
                name.empty() ? runWithProgress(
                                   {"pretrain autoencoder", runtime::JobKind::PretrainAutoencoder, {}},
                                   [=](const runtime::JobContext& job) {
                                       experiment::pretrainExperimentAutoencoder(folder, job, where);
                                   },
                                   &recorder, where)
                             : runWithProgress(
                                   {"train " + name, runtime::JobKind::TrainClassifier, name},
                                   [=](const runtime::JobContext& job) {
                                       experiment::trainExperimentClassifier(folder, name, job, where);
                                   },
                                   &recorder, where);
            if (outcome != runtime::Outcome::Succeeded) throw CLI::RuntimeError(kExitFailure);
            return;
        }
        if (*replica > 0 && finetune->empty())
            throw CLI::ValidationError("--replica goes with --finetune NAME");
        if (!device->empty() && finetune->empty())
            throw CLI::ValidationError(
                "--device goes with --finetune NAME; a whole run uses experiment.json's device");
        if (*discard) {  // every check first: nothing is deleted for a command that cannot run
            if (*demo || folder.empty())
                throw CLI::ValidationError("--discard-stale needs an experiment folder (and no --demo)");
            if (!finetune->empty()) {
                experiment::requireClassifier(folder, *finetune);
                runtime::resolveDeviceName(device->empty()
                                               ? experiment::Experiment::open(folder).spec().device
                                               : *device);  // a bad --device deletes nothing
            }
            experiment::JobRecorder recorder(experiment::Experiment::open(folder).directory());
            for (const auto& stage : experiment::discardStaleStages(folder)) {
                const std::string text = experiment::describeStaleStage(stage, folder);
                recorder.note("discarded " + text + " (made with other settings)");
                std::cerr << "netsight-cli: deleted " << text << "; this run redoes it\n";
            }
        }
        if (!finetune->empty()) {
            if (*demo || folder.empty())
                throw CLI::ValidationError("--finetune NAME needs an experiment folder (and no --demo)");
            const std::string name = *finetune;
            const auto opened = experiment::Experiment::open(folder);
            opened.classifier(name);  // an unknown name is refused before anything is recorded
            // The device is resolved once, here, and that value goes down to every stage the job runs.
            const std::string where =
                runtime::resolveDeviceName(device->empty() ? opened.spec().device : *device);
            experiment::JobRecorder recorder(opened.directory());
            const int index = *replica - 1;  // -1: every replica
            const auto outcome = runWithProgress(
                {experiment::finetuneJobName(name, index), runtime::JobKind::FinetuneAutoencoder, name,
                 index},
                [=](const runtime::JobContext& job) {
                    experiment::finetuneExperimentAutoencoder(folder, name, job, where, index,
                                                              !*noPrerequisites);
                },
                &recorder, where);
            if (outcome != runtime::Outcome::Succeeded) throw CLI::RuntimeError(kExitFailure);
            std::cout << "fine-tuned autoencoder for " << name << ": "
                      << opened.finetunedAutoencoderPath(name, std::max(index, 0)) << "\n";
            return;
        }
        if (*demo) {
            folder = output->empty() ? (folder.empty() ? std::string("netsight-demo") : folder) : *output;
            experiment::createDemoExperiment(folder);
            std::cerr << "netsight-cli: demo experiment in " << folder << "\n";
        } else if (folder.empty()) {
            throw CLI::ValidationError("give an experiment folder, or --demo -o FOLDER");
        }
        const auto opened = experiment::Experiment::open(folder);
        const std::string where = runtime::resolveDeviceName(opened.spec().device);
        experiment::JobRecorder recorder(opened.directory());
        auto summary = std::make_shared<probe::ProbeSummary>();
        const auto outcome = runWithProgress(
            {"probe", runtime::JobKind::Probe, {}},
            [=](const runtime::JobContext& job) { *summary = experiment::runProbe(folder, job); }, &recorder,
            where);
        if (outcome != runtime::Outcome::Succeeded) throw CLI::RuntimeError(kExitFailure);
        printSummary(*summary);
    });
}

}  // namespace netsight::cli
