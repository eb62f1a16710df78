// The experiment folder has one owner and the views follow it: a run by the CLI opens in the app with its
// curves and log, a GUI run and a CLI run of one spec leave the same files, a classifier trained by a job
// appears at once where classifiers are picked, and a stage another process finishes shows up.
#include <fcntl.h>
#include <qcustomplot.h>
#include <sys/file.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <QComboBox>
#include <QDir>
#include <QDirIterator>
#include <QFile>
#include <QPlainTextEdit>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include "UiTestSupport.h"
#include "factors/FactorPanel.h"
#include "jobs/JobsPanel.h"
#include "netsight/experiment/JobRecorder.h"
#include "netsight/models/ModelFile.h"
#include "netsight/ui/ExperimentSession.h"
#include "netsight/ui/MainWindow.h"
#include "netsight/viz/SavedVisualization.h"
#include "probe/ProbePanel.h"
#include "visualizer/LayerPicker.h"
#include "visualizer/VisualizerPanel.h"

namespace netsight::ui {
namespace {

using test::kProbeTimeoutMs;
using test::waitForJob;

// netsight-cli with `arguments`, to the end; its stderr when it fails.
void runCli(const QStringList& arguments) {
    QProcess cli;
    cli.start(QStringLiteral(NETSIGHT_CLI), arguments);
    ASSERT_TRUE(cli.waitForFinished(kProbeTimeoutMs)) << "netsight-cli did not end";
    ASSERT_EQ(cli.exitCode(), 0) << cli.readAllStandardError().toStdString();
}

// One classifier: enough for every stage kind, and quick.
experiment::ProbeSpec oneClassifierSpec() {
    auto spec = test::tinyProbeSpec();
    spec.classifiers.resize(1);
    spec.device = "cpu";
    return spec;
}

TEST(ExperimentFolder, AnExperimentRunByTheCliOpensWithItsCurvesAndLog) {
    QTemporaryDir dir;
    const QString folder = test::writeExperiment(dir, oneClassifierSpec());
    ASSERT_NO_FATAL_FAILURE(runCli({"probe", folder}));

    MainWindow window;
    window.show();
    ASSERT_TRUE(window.openExperiment(folder));
    const auto& series = window.session()->series();
    EXPECT_TRUE(series.contains("pretrain autoencoder/loss")) << series.keys().join(", ").toStdString();
    EXPECT_TRUE(series.contains("fine-tune for plain/accuracy")) << series.keys().join(", ").toStdString();
    EXPECT_GT(window.probePanel()->lossPlot()->graphCount(), 1);
    const QString log = window.jobsPanel()->findChild<QPlainTextEdit*>()->toPlainText();
    EXPECT_TRUE(log.contains("probe queued on cpu")) << log.toStdString();
    EXPECT_TRUE(log.contains("probe finished")) << log.toStdString();
    EXPECT_TRUE(window.session()->results().has_value());
}

// Every file under `root` with its contents as two runs of one spec must share them: the folder's own path
// replaced and the log's timestamps removed. A trained classifier's file records its training's wall time,
// so it is compared by its metadata (that time aside) and parameter count; the fine-tuned autoencoder of a
// zoo classifier records a digest of that file, so it is compared by size — its weights are held equal by
// the byte-identical transfer matrix and NMI measured with it.
QMap<QString, QByteArray> folderContents(const QString& root) {
    QMap<QString, QByteArray> contents;
    QDirIterator it(root, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString path = it.next();
        const QString relative = QDir(root).relativeFilePath(path);
        QFile file(path);
        EXPECT_TRUE(file.open(QIODevice::ReadOnly)) << path.toStdString();
        QByteArray bytes = file.readAll();
        if (relative == "log.txt") {
            QByteArray lines;
            for (const auto& line : bytes.split('\n'))
                if (!line.isEmpty())
                    lines +=
                        QByteArray::fromStdString(experiment::withoutTimestamp(line.toStdString())) + '\n';
            bytes = lines;
        }
        if (relative.endsWith(".nsm")) {
            auto summary = models::inspectModel(path.toStdString());
            summary.meta.training.seconds = 0;
            bytes = QByteArray::fromStdString(models::toJson(summary.meta)) + ' ' +
                    QByteArray::number(static_cast<qlonglong>(summary.parameterCount));
        } else if (relative.startsWith("models/ae-") && relative != "models/ae-pretrained.pt") {
            bytes = "size " + QByteArray::number(bytes.size());
        } else if (!relative.endsWith(".pt") && !relative.endsWith(".png"))
            bytes.replace(QDir(root).absolutePath().toUtf8(), "EXPERIMENT");
        contents.insert(relative, bytes);
    }
    return contents;
}

TEST(ExperimentFolder, AGuiRunAndACliRunOfOneSpecLeaveTheSameFiles) {
    QTemporaryDir cliDir, guiDir;
    const auto spec = oneClassifierSpec();
    const QString cliFolder = test::writeExperiment(cliDir, spec),
                  guiFolder = test::writeExperiment(guiDir, spec);
    ASSERT_NO_FATAL_FAILURE(runCli({"probe", cliFolder}));
    {
        ExperimentSession session;
        ASSERT_TRUE(session.open(guiFolder)) << session.error().toStdString();
        ASSERT_TRUE(session.startProbe());
        ASSERT_EQ(waitForJob(&session, "probe"), JobState::Succeeded);
    }
    const auto fromCli = folderContents(cliFolder), fromGui = folderContents(guiFolder);
    EXPECT_EQ(fromCli.keys(), fromGui.keys());
    for (const auto& name : fromCli.keys()) {
        if (!fromGui.contains(name)) continue;
        EXPECT_TRUE(fromCli[name] == fromGui[name]) << name.toStdString() << " differs:\nCLI:\n"
                                                    << fromCli[name].left(2000).toStdString() << "\nGUI:\n"
                                                    << fromGui[name].left(2000).toStdString();
    }
    for (const char* file : {"log.txt", "results/metrics.csv", "results/transfer.csv", "results/nmi.csv",
                             "models/plain.nsm", "models/ae-pretrained.pt", "models/ae-plain.pt"})
        EXPECT_TRUE(fromCli.contains(file)) << file;
}

TEST(ExperimentFolder, AClassifierTrainedByAJobAppearsAtOnceInTheVisualizerAndTheFactorLab) {
    QTemporaryDir dir;
    MainWindow window;
    window.show();
    ASSERT_TRUE(window.openExperiment(test::writeExperiment(dir, oneClassifierSpec())));
    auto* pickerBox = window.visualizerPanel()->findChild<LayerPicker*>()->findChild<QComboBox*>();
    auto* factorBox = window.factorPanel()->classifierBox();
    ASSERT_NE(pickerBox, nullptr);
    ASSERT_NE(factorBox, nullptr);
    EXPECT_EQ(pickerBox->findText("plain"), -1) << "not trained yet";
    EXPECT_EQ(factorBox->findText("plain"), -1) << "not trained yet";

    bool inPicker = false, inFactorLab = false;
    QObject guard;
    QObject::connect(window.session(), &ExperimentSession::jobFinished, &guard, [&](const QString& job) {
        if (job != "train plain") return;
        inPicker = pickerBox->findText("plain") >= 0;
        inFactorLab = factorBox->findText("plain") >= 0;
    });
    ASSERT_TRUE(window.session()->trainClassifier("plain"));
    ASSERT_EQ(waitForJob(window.session(), "train plain"), JobState::Succeeded);
    EXPECT_TRUE(inPicker) << "the Visualizer listed the classifier only later, or never";
    EXPECT_TRUE(inFactorLab) << "the Factor lab listed the classifier only later, or never";
}

TEST(ExperimentFolder, AStageFinishedByAnotherProcessShowsUpInTheProbeView) {
    QTemporaryDir dir;
    const QString folder = test::writeExperiment(dir, oneClassifierSpec());
    MainWindow window;
    window.show();
    ASSERT_TRUE(window.openExperiment(folder));
    ProbePanel* panel = window.probePanel();
    EXPECT_TRUE(panel->stagesText().contains("AE&nbsp;for&nbsp;plain: <span style='color:#757575'>missing"))
        << panel->stagesText().toStdString();

    // Another process holds the fine-tuning's stage lock (as a running `probe --finetune plain` does): the
    // stage shows as running until it lets go.
    QDir().mkpath(folder + "/models");
    const QByteArray lock = (folder + "/models/.ae-plain.lock").toLocal8Bit();
    const int fd = ::open(lock.constData(), O_RDWR | O_CREAT, 0644);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::flock(fd, LOCK_EX | LOCK_NB), 0);
    EXPECT_TRUE(QTest::qWaitFor(
        [&] {
            return panel->stagesText().contains(
                "AE&nbsp;for&nbsp;plain: <span style='color:#1565c0'>running");
        },
        20000))
        << panel->stagesText().toStdString();
    ::flock(fd, LOCK_UN);
    ::close(fd);

    // A fine-tuning in another process, as a user runs one beside the app.
    QProcess cli;
    cli.start(QStringLiteral(NETSIGHT_CLI), {"probe", folder, "--finetune", "plain"});
    ASSERT_TRUE(cli.waitForStarted());
    const bool done = QTest::qWaitFor(
        [&] {
            return panel->stagesText().contains("AE&nbsp;for&nbsp;plain: <span style='color:#2e7d32'>done");
        },
        kProbeTimeoutMs);
    cli.waitForFinished(kProbeTimeoutMs);
    ASSERT_EQ(cli.exitCode(), 0) << cli.readAllStandardError().toStdString();
    EXPECT_TRUE(done) << panel->stagesText().toStdString();
    EXPECT_TRUE(panel->stagesText().contains("classifier&nbsp;plain: <span style='color:#2e7d32'>done"));
    // And the classifier that process trained is there to pick in the Visualizer.
    auto* pickerBox = window.visualizerPanel()->findChild<LayerPicker*>()->findChild<QComboBox*>();
    EXPECT_GE(pickerBox->findText("plain"), 0);
}

TEST(ExperimentFolder, VisualizerResultsAreSavedInTheExperimentAndReopenWithIt) {
    QTemporaryDir dir;
    const QString folder = test::writeExperiment(dir, oneClassifierSpec());
    {
        MainWindow window;
        window.show();
        ASSERT_TRUE(window.openExperiment(folder));
        ASSERT_TRUE(window.session()->trainClassifier("plain"));
        ASSERT_EQ(waitForJob(window.session(), "train plain"), JobState::Succeeded);
        VisualizerPanel* panel = window.visualizerPanel();
        panel->selectClassifier("plain");
        ASSERT_TRUE(QTest::qWaitFor([&] { return panel->selectLayer("layer2.0"); }, 20000));
        panel->stepsBox()->setValue(4);
        panel->startVisualization();
        ASSERT_EQ(waitForJob(window.session(), "viz:visualize"), JobState::Succeeded)
            << panel->lastError().toStdString();
        panel->startInversion();
        ASSERT_EQ(waitForJob(window.session(), "viz:invert"), JobState::Succeeded)
            << panel->lastError().toStdString();
        EXPECT_EQ(panel->savedCount(), 1 + 3) << "the visualization, then the original and two pre-images";
    }
    const auto saved = viz::readSavedVisualizations(folder.toStdString() + "/results/visualizer");
    ASSERT_EQ(saved.size(), 2u);
    EXPECT_EQ(saved[0].kind, "visualize");
    EXPECT_EQ(saved[0].classifier, "plain");
    bool hasSteps = false;
    for (const auto& [key, value] : saved[0].settings)
        hasSteps = hasSteps || (key == "steps" && value == "4");
    EXPECT_TRUE(hasSteps) << "the settings travel with the image";
    EXPECT_EQ(saved[1].labels.front(), "original");

    MainWindow reopened;
    reopened.show();
    ASSERT_TRUE(reopened.openExperiment(folder));
    EXPECT_EQ(reopened.visualizerPanel()->savedCount(), 4);
}

}  // namespace
}  // namespace netsight::ui
