// The window around the views: reopening an experiment, closing while a job runs, bad folders and files.
#include <qcustomplot.h>

#include <gtest/gtest.h>

#include <QFile>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "UiTestSupport.h"
#include "netsight/ui/ExperimentSession.h"
#include "netsight/ui/MainWindow.h"
#include "probe/NmiPanel.h"
#include "probe/OrderPanel.h"
#include "probe/ProbePanel.h"
#include "probe/ReconstructionGrid.h"
#include "probe/TransferPanel.h"
#include "widgets/HeatmapWidget.h"

namespace netsight::ui {
namespace {

using test::waitForJob;

TEST(LabWindow, ReopeningAnExperimentRestoresResultsCurvesAndGrid) {
    QTemporaryDir dir;
    QStringList cells;
    int lossGraphs = 0;
    {
        MainWindow window;
        ASSERT_TRUE(window.openExperiment(test::writeExperiment(dir, test::tinyProbeSpec())));
        ASSERT_TRUE(window.session()->startProbe());
        ASSERT_EQ(waitForJob(window.session(), "probe"), JobState::Succeeded);
        for (int r = 0; r < 4; ++r)
            cells << window.transferPanel()->heatmap()->cellText(r, 1);
        lossGraphs = window.probePanel()->lossPlot()->graphCount();
    }
    MainWindow reopened;
    EXPECT_TRUE(reopened.welcomeShown());
    ASSERT_TRUE(reopened.openExperiment(dir.path()));
    QStringList again;
    for (int r = 0; r < 4; ++r)
        again << reopened.transferPanel()->heatmap()->cellText(r, 1);
    EXPECT_EQ(again, cells);
    EXPECT_EQ(reopened.probePanel()->lossPlot()->graphCount(), lossGraphs);
    EXPECT_EQ(reopened.probePanel()->grid()->filledCells(), 4 * 4);
    EXPECT_EQ(reopened.nmiPanel()->boxCount(), 6);
    EXPECT_EQ(reopened.orderPanel()->ranking()->rowCount(), 2);
    EXPECT_FALSE(reopened.session()->log().isEmpty());
}

TEST(LabWindow, ClosingWhileAJobRunsAsksThenCancelsAndCloses) {
    QTemporaryDir dir;
    MainWindow window;
    window.show();
    ASSERT_TRUE(window.openExperiment(test::writeExperiment(dir, test::tinyProbeSpec())));
    ExperimentSession* session = window.session();
    int asked = 0;
    bool allow = false;
    window.setCloseConfirmation([&] {
        ++asked;
        return allow;
    });
    ASSERT_TRUE(session->startProbe());
    ASSERT_TRUE(
        QTest::qWaitFor([&] { return !session->jobs().isEmpty() && session->jobs()[0].total > 0; }, 60000));
    EXPECT_FALSE(window.close());  // the user says no: nothing stops
    EXPECT_EQ(asked, 1);
    EXPECT_TRUE(window.isVisible());
    EXPECT_TRUE(session->busy());
    allow = true;
    EXPECT_FALSE(window.close());  // yes: cancel first, close once the worker stopped
    ASSERT_TRUE(QTest::qWaitFor([&] { return !window.isVisible(); }, 60000));
    EXPECT_EQ(session->jobs()[0].state, JobState::Cancelled);
}

TEST(LabWindow, BadFoldersAndFilesGiveErrorsThatNameThem) {
    QTemporaryDir empty, corrupt;
    MainWindow window;
    EXPECT_FALSE(window.openExperiment(empty.path()));
    EXPECT_TRUE(window.statusBar()->currentMessage().contains(empty.path()));
    EXPECT_TRUE(window.welcomeShown());
    QFile file(corrupt.filePath("experiment.json"));
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write("{\"classifiers\": [{\"name\": \"x\"}]}");
    file.close();
    EXPECT_FALSE(window.openExperiment(corrupt.path()));
    EXPECT_TRUE(window.statusBar()->currentMessage().contains("classifiers[0]"))
        << window.statusBar()->currentMessage().toStdString();
    // Dropping something that is neither experiment, dataset nor model says what it takes.
    ASSERT_TRUE(window.openExperiment(test::writeExperiment(empty, test::tinyProbeSpec())));
    EXPECT_FALSE(window.addPath(empty.filePath("experiment.json")));
    EXPECT_TRUE(window.statusBar()->currentMessage().contains("model file"));
}

}  // namespace
}  // namespace netsight::ui
