// The Jobs view: cancel and retry, and a failed job that says why while the app keeps working.
#include <gtest/gtest.h>

#include <QFile>
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

}  // namespace
}  // namespace netsight::ui
