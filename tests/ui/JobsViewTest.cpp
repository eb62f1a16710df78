// The Jobs view: cancel and retry, and a failed job that says why while the app keeps working.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QLabel>
#include <QPushButton>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "UiTestSupport.h"
#include "classifiers/ClassifiersPanel.h"
#include "jobs/JobsPanel.h"
#include "netsight/ui/ExperimentSession.h"
#include "netsight/ui/MainWindow.h"
#include "probe/TransferPanel.h"
#include "widgets/HeatmapWidget.h"

namespace netsight::ui {
namespace {

using test::jobCell;
using test::kProbeTimeoutMs;
using test::waitForJob;

TEST(JobsView, CancelStopsTheProbeAndRetryResumesIt) {
    QTemporaryDir dir;
    MainWindow window;
    ASSERT_TRUE(window.openExperiment(test::writeExperiment(dir, test::tinyProbeSpec())));
    ExperimentSession* session = window.session();
    JobsPanel* jobs = window.jobsPanel();
    ASSERT_TRUE(session->startProbe());
    ASSERT_TRUE(QTest::qWaitFor(
        [&] {
            return !session->jobs().isEmpty() && session->jobs()[0].phase.startsWith("fine-tune for plain");
        },
        kProbeTimeoutMs));
    ASSERT_TRUE(jobs->cancelButton()->isEnabled());
    QTest::mouseClick(jobs->cancelButton(), Qt::LeftButton);
    ASSERT_EQ(waitForJob(session, "probe"), JobState::Cancelled);
    EXPECT_EQ(jobCell(jobs, 2), "cancelled");
    EXPECT_TRUE(QFile::exists(dir.filePath("models/ae-pretrained.pt")));  // finished stages are kept
    EXPECT_FALSE(session->results().has_value());
    EXPECT_FALSE(jobs->cancelButton()->isEnabled());
    ASSERT_TRUE(jobs->retryButton()->isEnabled());
    QTest::mouseClick(jobs->retryButton(), Qt::LeftButton);
    ASSERT_EQ(waitForJob(session, "probe"), JobState::Succeeded);
    EXPECT_TRUE(session->results().has_value());
    EXPECT_EQ(window.transferPanel()->heatmap()->rowCount(), 4);
}

TEST(JobsView, AFailedJobShowsItsMessageAndTheAppKeepsWorking) {
    QTemporaryDir dir;
    auto spec = test::tinyProbeSpec();
    spec.classifiers.push_back({"imported", "", "missing-model.pt"});
    MainWindow window;
    ASSERT_TRUE(window.openExperiment(test::writeExperiment(dir, spec)));
    ExperimentSession* session = window.session();
    ASSERT_TRUE(session->startProbe());
    ASSERT_EQ(waitForJob(session, "probe"), JobState::Failed);
    EXPECT_EQ(jobCell(window.jobsPanel(), 2), "FAILED");
    EXPECT_TRUE(jobCell(window.jobsPanel(), 6).contains("missing-model.pt"))
        << jobCell(window.jobsPanel(), 6).toStdString();
    EXPECT_TRUE(window.statusBar()->currentMessage().contains("missing-model.pt"));
    // Fix the experiment in the window and run again.
    window.classifiersPanel()->table()->selectRow(2);
    auto fixed = session->spec();
    fixed.classifiers.pop_back();
    ASSERT_TRUE(session->updateSpec(fixed)) << session->error().toStdString();
    ASSERT_TRUE(session->startProbe());
    EXPECT_EQ(waitForJob(session, "probe"), JobState::Succeeded);
}

// An experiment submitted to Slurm (slurm/jobs.json) shows its cluster jobs under the local ones, each stage
// with its job and whether its files are there; the state comes from squeue / sacct (here no controller
// answers, so the states are unknown and the stages not done are flagged for resubmission).
TEST(JobsView, TheExperimentsSlurmJobsShowWithTheirStages) {
    QTemporaryDir dir;
    MainWindow window;
    const QString folder = test::writeExperiment(dir, test::tinyProbeSpec());
    ASSERT_TRUE(window.openExperiment(folder));
    JobsPanel* jobs = window.jobsPanel();
    EXPECT_FALSE(jobs->clusterBox()->isVisibleTo(jobs));  // nothing submitted
    QDir(folder).mkpath("slurm");
    QFile record(QDir(folder).filePath("slurm/jobs.json"));
    ASSERT_TRUE(record.open(QIODevice::WriteOnly));
    record.write(R"json({"tasks": [{"stage": "pretrain", "job": "41", "submitted": ""},
                               {"stage": "fine-tune plain (replica 1)", "job": "42_0", "submitted": ""},
                               {"stage": "measure", "job": "43", "submitted": ""}]})json");
    record.close();
    QDir(folder).mkpath("models");
    QFile pretrained(QDir(folder).filePath("models/ae-pretrained.pt"));
    ASSERT_TRUE(pretrained.open(QIODevice::WriteOnly));
    pretrained.write("x");
    pretrained.close();
    auto cell = [&](int row, int column) {
        const auto* item = jobs->clusterTable()->item(row, column);
        return item ? item->text() : QString();
    };
    auto red = [&](int row, int column) {
        return jobs->clusterTable()->item(row, column)->foreground().color() == QColor(192, 57, 43);
    };

    // No Slurm configuration on this machine: nothing could be asked, so nothing is said to be lost.
    qputenv("SLURM_CONF", QDir(folder).filePath("no-such-slurm.conf").toUtf8());
    jobs->refreshCluster();
    ASSERT_TRUE(QTest::qWaitFor([&] { return jobs->clusterTable()->rowCount() == 3; }, 20000));
    EXPECT_TRUE(jobs->clusterBox()->isVisibleTo(jobs));
    EXPECT_EQ(cell(0, 0), "pretrain");
    EXPECT_EQ(cell(0, 2), "finished");
    EXPECT_EQ(cell(0, 5), "done");
    EXPECT_EQ(cell(1, 1), "42_0");
    EXPECT_EQ(cell(1, 2), "not asked");
    EXPECT_TRUE(jobs->clusterLabel()->text().contains("no Slurm configuration"))
        << jobs->clusterLabel()->text().toStdString();
    EXPECT_EQ(cell(1, 3), "");
    EXPECT_FALSE(red(1, 2));

    // A controller that answers (squeue on PATH) and knows the pretraining but no longer the fine-tuning:
    // that one is lost and flagged for resubmission.
    QFile conf(QDir(folder).filePath("slurm.conf"));
    ASSERT_TRUE(conf.open(QIODevice::WriteOnly));
    conf.close();
    QDir(folder).mkpath("bin");
    for (const auto& [name, body] : std::vector<std::pair<QString, QByteArray>>{
             {"squeue", "echo '41|COMPLETED|None|node1'\n"}, {"sacct", ""}}) {
        QFile tool(QDir(folder).filePath("bin/" + name));
        ASSERT_TRUE(tool.open(QIODevice::WriteOnly));
        tool.write("#!/bin/sh\n" + body);
        tool.close();
        tool.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
    }
    const QByteArray path = qgetenv("PATH");
    qputenv("PATH", QDir(folder).filePath("bin").toUtf8() + ":" + path);
    qputenv("SLURM_CONF", conf.fileName().toUtf8());
    jobs->refreshCluster();
    ASSERT_TRUE(QTest::qWaitFor([&] { return cell(0, 2) == "COMPLETED"; }, 20000))
        << cell(0, 2).toStdString();
    EXPECT_EQ(cell(0, 4), "node1");
    EXPECT_EQ(cell(1, 2), "unknown");
    EXPECT_TRUE(cell(1, 3).contains("resubmit")) << cell(1, 3).toStdString();
    EXPECT_TRUE(red(1, 2));
    EXPECT_FALSE(jobs->clusterLabel()->text().contains("cannot be asked"));
    qputenv("PATH", path);
    qunsetenv("SLURM_CONF");

    // Closed while nothing is pending: the table goes with the experiment.
    window.session()->close();
    EXPECT_FALSE(jobs->clusterBox()->isVisibleTo(jobs));
}

}  // namespace
}  // namespace netsight::ui
