#include "netsight/experiment/Slurm.h"

#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <stdexcept>

#include "netsight/experiment/Experiment.h"
#include "netsight/experiment/ProbePipeline.h"
#include "netsight/runtime/AtomicFile.h"

namespace fs = std::filesystem;
using json = nlohmann::json;

namespace netsight::experiment {
namespace {

std::string quoted(const std::string& text) {
    std::string result = "'";
    for (char c : text)
        result += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return result + "'";
}

struct CommandResult {
    int status = -1;     // exit code; 127: not found
    std::string output;  // stdout and stderr
};

CommandResult run(const std::vector<std::string>& argv) {
    std::string line;
    for (const auto& arg : argv)
        line += (line.empty() ? "" : " ") + quoted(arg);
    line += " 2>&1";
    CommandResult result;
    FILE* pipe = ::popen(line.c_str(), "r");
    if (!pipe) throw std::runtime_error("cannot run " + argv.front());
    char buffer[4096];
    while (std::fgets(buffer, sizeof buffer, pipe))
        result.output += buffer;
    const int status = ::pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128;
    return result;
}

std::string trimmed(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ' || text.back() == '\r'))
        text.pop_back();
    return text;
}

// "train a", "pretrain", "fine-tune a (replica 2)": a stage as the jobs and the status name it.
std::string taskName(const StageStatus& stage) {
    switch (stage.kind) {
        case StageKind::Classifier:
            return "train " + stage.classifier;
        case StageKind::PretrainedAutoencoder:
            return "pretrain";
        case StageKind::FinetunedAutoencoder:
            return "fine-tune " + stage.classifier + " (replica " + std::to_string(stage.replica + 1) + ")";
    }
    return "?";
}

struct Recorded {
    std::string stage, jobId, submitted;
};

fs::path jobsFile(const fs::path& directory) {
    return directory / "slurm" / "jobs.json";
}

std::vector<Recorded> readRecorded(const fs::path& directory) {
    std::vector<Recorded> recorded;
    std::ifstream in(jobsFile(directory));
    if (!in) return recorded;
    json doc;
    try {
        in >> doc;
        for (const auto& task : doc.at("tasks"))
            recorded.push_back({task.at("stage").get<std::string>(), task.at("job").get<std::string>(),
                                task.value("submitted", std::string())});
    } catch (const std::exception& error) {
        throw std::runtime_error(jobsFile(directory).string() + " cannot be read (" + error.what() +
                                 "); move it away to start the Slurm record afresh");
    }
    return recorded;
}

void writeRecorded(const fs::path& directory, const std::vector<Recorded>& recorded) {
    json doc = {{"tasks", json::array()}};
    for (const auto& task : recorded)
        doc["tasks"].push_back({{"stage", task.stage}, {"job", task.jobId}, {"submitted", task.submitted}});
    runtime::writeFileAtomically(jobsFile(directory).string(), doc.dump(2) + "\n");
}

// The Slurm configuration the client commands would read, or empty when there is none (they would retry
// for a minute and fail): $SLURM_CONF, else /etc/slurm/slurm.conf, else a configless client's cached copy.
std::string slurmConfiguration() {
    if (const char* given = std::getenv("SLURM_CONF"); given && *given) return fs::exists(given) ? given : "";
    for (const char* file :
         {"/etc/slurm/slurm.conf", "/run/slurm/conf/slurm.conf", "/var/run/slurm/conf/slurm.conf"})
        if (fs::exists(file)) return file;
    return {};
}

struct JobState {
    std::string state, reason, node;
};

// States of `ids` ("12", "13_4") from squeue (which lists finished jobs while the controller keeps them),
// then sacct for the rest.
std::map<std::string, JobState> queryStates(const std::vector<std::string>& ids,
                                            std::string* squeueError = nullptr) {
    std::map<std::string, JobState> states;
    if (ids.empty() || slurmConfiguration().empty()) return states;
    std::set<std::string> jobs;  // squeue -j takes the array's id for its tasks
    for (const auto& id : ids)
        jobs.insert(id.substr(0, id.find('_')));
    std::string list;
    for (const auto& job : jobs)
        list += (list.empty() ? "" : ",") + job;
    auto parse = [&](const std::string& output, bool sacct) {
        std::istringstream lines(output);
        std::string line;
        while (std::getline(lines, line)) {
            std::vector<std::string> fields;
            std::istringstream split(line);
            std::string field;
            while (std::getline(split, field, '|'))
                fields.push_back(field);
            if (fields.size() < 3) continue;
            fields.resize(4);  // getline drops an empty last field (a pending job's node)
            const std::string& id = fields[0];
            if (sacct && id.find('.') != std::string::npos) continue;  // a step ("12.batch")
            JobState state{fields[1].substr(0, fields[1].find(' ')), sacct ? std::string() : fields[2],
                           fields[3]};
            if (!states.count(id)) states[id] = state;
        }
    };
    const CommandResult squeue =
        run({"timeout", "30", "squeue", "-h", "-t", "all", "-r", "-j", list, "-o", "%i|%T|%r|%N"});
    // An id the controller no longer knows makes squeue fail with "Invalid job id" (that is an answer); any
    // other failure means the states are not known.
    if (squeueError && squeue.status != 0 && squeue.output.find("Invalid job id") == std::string::npos)
        *squeueError = trimmed(squeue.output);
    if (squeue.status == 0) parse(squeue.output, false);
    std::vector<std::string> missing;
    for (const auto& id : ids)
        if (!states.count(id)) missing.push_back(id);
    if (!missing.empty()) {
        std::string missingList;
        for (const auto& id : missing)
            missingList += (missingList.empty() ? "" : ",") + id;
        const CommandResult sacct = run({"timeout", "30", "sacct", "-n", "-P", "-X", "-j", missingList, "-o",
                                         "JobID,State,ExitCode,NodeList"});
        if (sacct.status == 0) parse(sacct.output, true);
    }
    return states;
}

bool active(const std::string& state) {
    static const std::set<std::string> kActive = {"PENDING",     "RUNNING",   "CONFIGURING", "COMPLETING",
                                                  "REQUEUED",    "RESIZING",  "SUSPENDED",   "REQUEUE_HOLD",
                                                  "REQUEUE_FED", "SIGNALING", "STAGE_OUT",   "STOPPED"};
    return kActive.count(state) > 0;
}

std::string now() {
    const std::time_t t = std::time(nullptr);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", std::localtime(&t));
    return text;
}

void writeScript(const fs::path& file, const std::string& title, const std::string& body) {
    runtime::writeFileAtomically(file.string(),
                                 "#!/bin/bash\n# NetSight: " + title +
                                     " (written by netsight-cli probe --slurm)\nset -euo pipefail\n" + body);
    fs::permissions(file, fs::perms::owner_exec | fs::perms::group_exec | fs::perms::others_exec,
                    fs::perm_options::add);
}

std::string cliLine(const SlurmOptions& options, const fs::path& directory, const std::string& arguments) {
    return "exec " + quoted(options.cli) + " probe " + quoted(directory.string()) + arguments + "\n";
}

// sbatch with the common options; returns the job id.
std::string sbatch(const SlurmOptions& options, const fs::path& directory, const std::string& name,
                   const fs::path& script, const std::vector<std::string>& dependencies,
                   const std::string& array, bool training) {
    std::vector<std::string> argv = {"sbatch", "--parsable", "--job-name=netsight-" + name,
                                     "--chdir=" + directory.string()};
    argv.push_back("--output=" + (directory / "slurm" / "logs").string() +
                   (array.empty() ? "/%x-%j.out" : "/%x-%A_%a.out"));
    if (!options.partition.empty()) argv.push_back("--partition=" + options.partition);
    if (!options.account.empty()) argv.push_back("--account=" + options.account);
    if (!options.time.empty()) argv.push_back("--time=" + options.time);
    if (!options.memory.empty()) argv.push_back("--mem=" + options.memory);
    if (options.cpusPerTask > 0) argv.push_back("--cpus-per-task=" + std::to_string(options.cpusPerTask));
    if (training && !options.gres.empty()) argv.push_back("--gres=" + options.gres);
    if (!array.empty()) argv.push_back("--array=" + array);
    if (!dependencies.empty()) {
        std::string list;
        for (const auto& id : dependencies)
            list += ":" + id;
        argv.push_back("--dependency=afterok" + list);
    }
    argv.insert(argv.end(), options.extraArgs.begin(), options.extraArgs.end());
    argv.push_back(script.string());
    const CommandResult result = run(argv);
    if (result.status == 127)
        throw std::runtime_error(
            "sbatch is not on the PATH: submit from a Slurm login node (Debian: slurm-client)");
    const std::string output = trimmed(result.output);
    // --parsable prints "id" or "id;cluster" on a line of its own; warnings may come before it.
    std::istringstream lines(output);
    std::string line, id;
    while (std::getline(lines, line)) {
        const std::string candidate = trimmed(line.substr(0, line.find(';')));
        if (!candidate.empty() && std::all_of(candidate.begin(), candidate.end(),
                                              [](unsigned char c) { return std::isdigit(c) != 0; }))
            id = candidate;
    }
    if (result.status != 0 || id.empty())
        throw std::runtime_error("sbatch refused the job " + name + ": " + output);
    return id;
}

}  // namespace

std::vector<SlurmTask> slurmProbeStatus(const std::string& directoryText) {
    const Experiment experiment = Experiment::open(directoryText);
    const fs::path directory(experiment.directory());
    const auto recorded = readRecorded(directory);
    std::vector<std::string> ids;
    for (const auto& task : recorded)
        ids.push_back(task.jobId);
    std::string squeueError;
    const auto states = queryStates(ids, &squeueError);
    std::string unanswered;
    if (slurmConfiguration().empty())
        unanswered = "no Slurm configuration on this machine: no /etc/slurm/slurm.conf, no SLURM_CONF";
    else if (!squeueError.empty())
        unanswered = "squeue failed: " + squeueError;
    std::map<std::string, bool> done;
    bool allDone = true;
    for (const auto& stage : experiment.stages()) {
        done[taskName(stage)] = stage.state == StageState::Done;
        allDone = allDone && stage.state == StageState::Done;
    }
    done["measure"] = allDone && fs::exists(directory / "results" / "summary.json");
    // Each stage's latest job, in the order the stages were first submitted.
    std::vector<SlurmTask> tasks;
    std::map<std::string, std::size_t> position;
    for (const auto& task : recorded) {
        SlurmTask status;
        status.stage = task.stage;
        status.jobId = task.jobId;
        if (const auto found = states.find(task.jobId); found != states.end()) {
            status.state = found->second.state;
            status.reason = found->second.reason == "None" ? "" : found->second.reason;
            status.node = found->second.node;
        }
        status.done = done.count(task.stage) ? done[task.stage] : false;
        if (status.state.empty()) status.unanswered = unanswered;
        if (const auto found = position.find(task.stage); found != position.end()) {
            tasks[found->second] = status;
        } else {
            position[task.stage] = tasks.size();
            tasks.push_back(status);
        }
    }
    return tasks;
}

std::vector<SlurmTask> submitProbeToSlurm(const std::string& directoryText, const SlurmOptions& options) {
    const Experiment experiment = Experiment::open(directoryText);
    const fs::path directory = fs::absolute(experiment.directory());
    if (options.cli.empty() || !fs::path(options.cli).is_absolute())
        throw std::invalid_argument("the netsight-cli for the nodes must be given as an absolute path");
    const auto stale = staleStages(directory.string());
    if (!stale.empty())
        throw std::runtime_error("the experiment has stages made with other settings (" +
                                 describeStaleStage(stale.front(), directory.string()) +
                                 "); discard them first (netsight-cli probe DIR --discard-stale)");
    if (slurmConfiguration().empty())
        throw std::runtime_error(
            std::string("Slurm is not configured on this machine: ") +
            (std::getenv("SLURM_CONF")
                 ? "SLURM_CONF names " + std::string(std::getenv("SLURM_CONF")) + ", which does not exist"
                 : "no /etc/slurm/slurm.conf and no SLURM_CONF") +
            "; submit from a login node of the cluster");
    fs::create_directories(directory / "slurm" / "logs");

    // Where each stage stands: done (files), or queued or running under a job recorded earlier.
    auto recorded = readRecorded(directory);
    std::map<std::string, std::string> latest;  // stage -> its last job
    for (const auto& task : recorded)
        latest[task.stage] = task.jobId;
    std::vector<std::string> latestIds;
    for (const auto& [stage, id] : latest)
        latestIds.push_back(id);
    std::string squeueError;
    const auto states = queryStates(latestIds, &squeueError);
    if (!squeueError.empty())
        throw std::runtime_error("squeue did not answer (" + squeueError +
                                 "), so which jobs still run is unknown; nothing was submitted. Try again");
    // A job queued or running for the stage; one that waits on a job that failed never runs: it is cancelled
    // and the stage submitted again.
    auto activeJob = [&](const std::string& stage) -> std::string {
        const auto found = latest.find(stage);
        if (found == latest.end()) return {};
        const auto state = states.find(found->second);
        if (state == states.end() || !active(state->second.state)) return {};
        if (state->second.reason == "DependencyNeverSatisfied") {
            run({"scancel", found->second});
            return {};
        }
        return found->second;
    };

    const auto stages = experiment.stages();
    const auto& classifiers = experiment.spec().classifiers;
    const int replicas = experiment.spec().replicas;
    std::vector<Recorded> submitted;
    const std::string when = now();
    // Each job is recorded as soon as it is queued, so that a later refusal does not orphan it.
    auto record = [&](const std::string& stage, const std::string& job) {
        submitted.push_back({stage, job, when});
        recorded.push_back(submitted.back());
        writeRecorded(directory, recorded);
    };

    // Trainings of the missing zoo classifiers, and the pretraining: jobs of their own.
    std::vector<std::string> prerequisites;  // jobs the fine-tunings wait for
    for (const auto& stage : stages) {
        if (stage.kind == StageKind::FinetunedAutoencoder || stage.state == StageState::Done) continue;
        const std::string name = taskName(stage);
        if (const std::string job = activeJob(name); !job.empty()) {
            prerequisites.push_back(job);
            continue;
        }
        const bool pretrain = stage.kind == StageKind::PretrainedAutoencoder;
        const fs::path script = directory / "slurm" /
                                (pretrain ? std::string("pretrain.sh") : "train-" + stage.classifier + ".sh");
        writeScript(
            script, name,
            cliLine(options, directory, pretrain ? " --pretrain" : " --train " + quoted(stage.classifier)));
        const std::string job =
            sbatch(options, directory, pretrain ? "pretrain" : "train", script, {}, "", true);
        record(name, job);
        prerequisites.push_back(job);
    }

    // The fine-tunings: one array over every classifier x replica (index c * replicas + r), of which the
    // missing ones are submitted — a failed one alone when resubmitting.
    std::string body = "case \"$SLURM_ARRAY_TASK_ID\" in\n";
    for (std::size_t c = 0; c < classifiers.size(); ++c)
        for (int r = 0; r < replicas; ++r)
            body += "  " +
                    std::to_string(c * static_cast<std::size_t>(replicas) + static_cast<std::size_t>(r)) +
                    ") " +
                    cliLine(options, directory,
                            " --finetune " + quoted(classifiers[c].name) + " --replica " +
                                std::to_string(r + 1) + " --no-prerequisites") +
                    "     ;;\n";
    body += "  *) echo \"no fine-tuning has array index $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\nesac\n";
    const fs::path finetuneScript = directory / "slurm" / "finetune.sh";
    writeScript(finetuneScript, "the fine-tunings, one per array index", body);
    std::vector<std::string> measureAfter;
    std::string array;
    std::vector<std::pair<std::string, int>> arrayTasks;  // stage, index
    for (std::size_t c = 0; c < classifiers.size(); ++c)
        for (int r = 0; r < replicas; ++r) {
            const auto found = std::find_if(stages.begin(), stages.end(), [&](const StageStatus& stage) {
                return stage.kind == StageKind::FinetunedAutoencoder &&
                       stage.classifier == classifiers[c].name && stage.replica == r;
            });
            if (found == stages.end() || found->state == StageState::Done) continue;
            const std::string name = taskName(*found);
            if (const std::string job = activeJob(name); !job.empty()) {
                measureAfter.push_back(job);
                continue;
            }
            const int index = static_cast<int>(c) * replicas + r;
            array += (array.empty() ? "" : ",") + std::to_string(index);
            arrayTasks.push_back({name, index});
        }
    if (!array.empty()) {
        const std::string job =
            sbatch(options, directory, "finetune", finetuneScript, prerequisites, array, true);
        for (const auto& [name, index] : arrayTasks)
            record(name, job + "_" + std::to_string(index));
        measureAfter.push_back(job);
    }

    // The measuring, after everything above. One already waiting stays, unless it waits for a job that failed
    // or something new was submitted.
    // Measured already: results newer than every stage's file, and nothing missing.
    bool measured = fs::exists(directory / "results" / "summary.json") && submitted.empty() &&
                    measureAfter.empty() && prerequisites.empty();
    if (measured) {
        const auto results = fs::last_write_time(directory / "results" / "summary.json");
        for (const auto& stage : stages)
            measured =
                measured && stage.state == StageState::Done && fs::last_write_time(stage.file) <= results;
    }
    const std::string waiting = activeJob("measure");  // (one stuck on a failed job was cancelled)
    if (!measured && (waiting.empty() || !submitted.empty())) {
        if (!waiting.empty()) run({"scancel", waiting});  // it would wait for the old jobs only
        const fs::path script = directory / "slurm" / "measure.sh";
        writeScript(script, "measure", cliLine(options, directory, ""));
        if (measureAfter.empty()) measureAfter = prerequisites;
        record("measure", sbatch(options, directory, "measure", script, measureAfter, "", false));
    }

    auto tasks = slurmProbeStatus(directory.string());
    for (auto& task : tasks)
        task.submittedNow = std::any_of(submitted.begin(), submitted.end(),
                                        [&](const Recorded& made) { return made.jobId == task.jobId; });
    return tasks;
}

}  // namespace netsight::experiment
