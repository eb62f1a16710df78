// The experiment folder's owner: opening and creating, paths, stage states (a lock held by another job
// shows as running), and the record every job leaves (log.txt, results/metrics.csv).
#include "netsight/experiment/Experiment.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "ErrorOf.h"
#include "TempDir.h"
#include "netsight/experiment/JobRecorder.h"
#include "netsight/models/Classifier.h"

using namespace netsight;
namespace fs = std::filesystem;

namespace {

experiment::ProbeSpec twoClassifiers() {
    experiment::ProbeSpec spec;
    spec.classifiers = {{"a", "resnet-s", ""}, {"b", "", "given.nsm"}};
    return spec;
}

const experiment::StageStatus& stageOf(const std::vector<experiment::StageStatus>& stages,
                                       const std::string& title) {
    for (const auto& stage : stages)
        if (experiment::stageTitle(stage) == title) return stage;
    throw std::runtime_error("no stage " + title);
}

TEST(Experiment, CreatesOpensAndNamesEveryPath) {
    test::TempDir dir;
    const std::string folder = (dir.path() / "new" / "exp").string();
    const auto created = experiment::Experiment::create(folder, twoClassifiers());
    EXPECT_TRUE(fs::exists(created.specPath()));
    EXPECT_NE(test::errorOf<experiment::ExperimentError>([&] {
                  experiment::Experiment::create(folder, {});
              }).find("already holds an experiment"),
              std::string::npos);

    const auto opened = experiment::Experiment::open(folder);
    EXPECT_EQ(opened.spec().classifiers.size(), 2u);
    EXPECT_EQ(opened.modelPath(opened.classifier("a")), folder + "/models/a.nsm");
    EXPECT_EQ(opened.modelPath(opened.classifier("b")), folder + "/given.nsm");  // relative to the folder
    EXPECT_EQ(opened.finetunedAutoencoderPath("a"), folder + "/models/ae-a.pt");
    EXPECT_EQ(opened.metricsPath(), folder + "/results/metrics.csv");
    EXPECT_EQ(opened.factorDirectory("a"), folder + "/results/factors/a");
    EXPECT_NE(test::errorOf<experiment::ExperimentError>([&] {
                  opened.classifier("c");
              }).find("no classifier named 'c' (it has: a, b)"),
              std::string::npos);
    EXPECT_NE(test::errorOf<experiment::ExperimentError>([&] {
                  experiment::Experiment::open((dir.path() / "nothing").string());
              }).find("has no experiment.json"),
              std::string::npos);

    // The demo: created once, then opened as it is.
    const std::string demo = (dir.path() / "demo").string();
    EXPECT_FALSE(experiment::Experiment::openOrCreateDemo(demo).spec().classifiers.empty());
    auto spec = experiment::Experiment::open(demo).spec();
    spec.seed = 77;
    experiment::Experiment::open(demo).setSpec(spec);
    EXPECT_EQ(experiment::Experiment::openOrCreateDemo(demo).spec().seed, 77u);
}

TEST(Experiment, ReportsEachStageAndWhatRunsIt) {
    test::TempDir dir;
    const auto opened = experiment::Experiment::create(dir.path().string(), twoClassifiers());
    auto stages = opened.stages();
    // The zoo classifier's training, the pretraining, one fine-tuning per classifier; the model file is
    // the user's, not a stage.
    ASSERT_EQ(stages.size(), 4u);
    EXPECT_EQ(stageOf(stages, "classifier a").state, experiment::StageState::Missing);
    EXPECT_EQ(stageOf(stages, "pretrained AE").state, experiment::StageState::Missing);
    EXPECT_EQ(stageOf(stages, "AE for b").state, experiment::StageState::Missing);
    const std::string before = opened.stamp();

    // Another process fine-tuning for a holds the stage's lock: running. Its checkpoint alone: resumable.
    fs::create_directories(opened.modelsDirectory());
    const std::string lock = opened.modelsDirectory() + "/.ae-a.lock";
    const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    EXPECT_EQ(stageOf(opened.stages(), "AE for a").state, experiment::StageState::Running);
    EXPECT_NE(opened.stamp(), before);
    ::flock(fd, LOCK_UN);
    ::close(fd);
    EXPECT_EQ(stageOf(opened.stages(), "AE for a").state, experiment::StageState::Missing);
    std::ofstream(opened.modelsDirectory() + "/a.nsm.ckpt") << "x";
    EXPECT_EQ(stageOf(opened.stages(), "classifier a").state, experiment::StageState::Partial);
    EXPECT_EQ(opened.classifierStatus(opened.classifier("a")), "training (resumable)");
    EXPECT_FALSE(opened.classifierReady(opened.classifier("a")));
    EXPECT_EQ(opened.classifierStatus(opened.classifier("b")), "model file missing");
}

TEST(Experiment, MarksStagesMadeWithOtherSettingsAsStale) {
    test::TempDir dir;
    const auto opened = experiment::Experiment::create(dir.path().string(), twoClassifiers());
    fs::create_directories(opened.modelsDirectory());
    // A model file under the zoo entry's name whose training record says nothing of this experiment's
    // settings: done as far as the files go, stale once its record is read.
    models::createClassifier("resnet-s", {3, 32, 32}, {"a", "b", "c", "d", "e"})
        ->save(opened.modelsDirectory() + "/a.nsm");
    auto stages = opened.stages();
    EXPECT_EQ(stageOf(stages, "classifier a").state, experiment::StageState::Done);
    opened.markStale(stages);
    const auto classifier = stageOf(stages, "classifier a");  // a copy: GCC 14 warns of a dangling reference
    EXPECT_EQ(classifier.state, experiment::StageState::Stale);
    ASSERT_FALSE(classifier.changes.empty());
    EXPECT_NE(classifier.changes.front().find("was"), std::string::npos) << classifier.changes.front();
    EXPECT_EQ(stageOf(stages, "pretrained AE").state, experiment::StageState::Missing);
}

TEST(Experiment, RowAndStageTitlesAreOneFact) {
    EXPECT_EQ(experiment::rowTitle("original"), "original");
    EXPECT_EQ(experiment::rowTitle("pretrained"), "pretrained AE");
    EXPECT_EQ(experiment::rowTitle("vgg"), "AE for vgg");
    experiment::StageStatus stage;
    stage.kind = experiment::StageKind::FinetunedAutoencoder;
    stage.classifier = "vgg";
    EXPECT_EQ(experiment::stageTitle(stage), experiment::rowTitle("vgg"));
}

TEST(JobRecorder, LeavesTheLogAndTheCurvesInTheFolder) {
    test::TempDir dir;
    {
        experiment::JobRecorder recorder(dir.path().string());
        const std::string queued = recorder.queued("probe", "cpu");
        EXPECT_EQ(experiment::withoutTimestamp(queued), "probe queued on cpu");
        EXPECT_NE(queued, "probe queued on cpu") << "a line carries its time";
        EXPECT_EQ(experiment::withoutTimestamp(*recorder.record(
                      runtime::LogEvent{"probe", runtime::LogLevel::Warning, "low accuracy"})),
                  "warning: low accuracy");
        EXPECT_FALSE(recorder.record(runtime::MetricEvent{"probe", "pretrain autoencoder/loss", 3, 0.125}));
        EXPECT_FALSE(recorder.record(runtime::ProgressEvent{"probe", "epoch 1/2", 1, 2, 10, 1}));
        recorder.record(runtime::MetricEvent{"probe", "a, with comma/loss", 4, 1e-9});
        recorder.record(runtime::FinishedEvent{"probe", runtime::Outcome::Failed, "disk full"});
    }
    const auto log = experiment::readLog((dir.path() / "log.txt").string());
    ASSERT_EQ(log.size(), 3u);
    EXPECT_EQ(experiment::withoutTimestamp(log[2]), "probe failed: disk full");

    // A crash can cut the last line: it is skipped, the others read back as written.
    std::ofstream((dir.path() / "results" / "metrics.csv").string(), std::ios::app) << "cut,5,";
    const auto points = experiment::readMetrics((dir.path() / "results" / "metrics.csv").string());
    ASSERT_EQ(points.size(), 2u);
    EXPECT_EQ(points[0].series, "pretrain autoencoder/loss");
    EXPECT_EQ(points[0].step, 3);
    EXPECT_EQ(points[0].value, 0.125);
    EXPECT_EQ(points[1].series, "a, with comma/loss");
    EXPECT_DOUBLE_EQ(points[1].value, 1e-9);
}

}  // namespace
