// The Factor lab view: live prediction under the sliders and the analysis with every figure.
#include <qcustomplot.h>

#include <gtest/gtest.h>

#include <QFile>
#include <QFileInfo>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include "UiTestSupport.h"
#include "factors/FactorControls.h"
#include "factors/FactorPanel.h"
#include "netsight/ui/MainWindow.h"

namespace netsight::ui {
namespace {

using test::openWithTrainedPlain;

TEST(FactorLabView, SlidersPredictLiveAndTheAnalysisFillsEveryFigure) {
    QTemporaryDir dir;
    MainWindow window;
    ASSERT_NO_FATAL_FAILURE(openWithTrainedPlain(window, dir));
    window.showTab(MainWindow::Tab::Factors);
    FactorPanel* panel = window.factorPanel();
    panel->selectClassifier("plain");
    QSignalSpy predicted(panel, &FactorPanel::predicted);
    ASSERT_TRUE(
        QTest::qWaitFor([&] { return !panel->probabilities().empty(); }, 20000));  // loaded off-thread
    EXPECT_EQ(panel->probabilities().size(), 3u);
    EXPECT_EQ(panel->liveImage().width(), 16);

    // A slider moves the picture and the answer follows; dragging many steps does not queue them all.
    const QImage before = panel->liveImage();
    predicted.clear();
    for (int degrees = 10; degrees <= 90; degrees += 10)
        ASSERT_TRUE(panel->controls()->setFactor("rotation", degrees));
    ASSERT_TRUE(QTest::qWaitFor(
        [&] { return predicted.count() > 0 && panel->controls()->view().rotationDeg > 89; }, 10000));
    QTest::qWait(300);
    EXPECT_LT(predicted.count(), 9);
    EXPECT_NE(panel->liveImage(), before);
    EXPECT_TRUE(panel->controls()->setFactor("morph.colour", 1.0));
    EXPECT_TRUE(panel->controls()->setFactor("colour.a.r", 0.1));
    EXPECT_FALSE(panel->controls()->setFactor("no.such.factor", 1.0));

    // The analysis: a job with its progress, then every figure.
    panel->samplesBox()->setValue(300);
    QSignalSpy finished(panel, &FactorPanel::finished);
    ASSERT_TRUE(panel->startAnalysis()) << panel->lastError().toStdString();
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 120000));
    ASSERT_TRUE(finished.front().at(1).toBool()) << panel->lastError().toStdString();
    ASSERT_TRUE(panel->hasReport());
    EXPECT_GE(panel->depthPlot()->graphCount(), 10);  // identity and the factor groups
    EXPECT_EQ(panel->morphPlot()->graphCount(), 3);
    EXPECT_TRUE(QFileInfo::exists(panel->reportDirectory() + "/report.html"));
    EXPECT_FALSE(window.session()->series().contains("identity bits"));  // not mixed into the probe's curves

    // Reopening the experiment shows the earlier analysis.
    window.session()->close();
    ASSERT_TRUE(window.openExperiment(dir.path()));
    window.factorPanel()->selectClassifier("plain");
    EXPECT_TRUE(QTest::qWaitFor([&] { return window.factorPanel()->hasReport(); }, 5000));

    // Stop: the job ends cancelled and the panel says so; the earlier analysis stays on disk.
    finished.clear();
    ASSERT_TRUE(panel->startAnalysis());
    window.session()->cancel("factors:plain");
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 60000));
    EXPECT_FALSE(finished.front().at(1).toBool());
    EXPECT_EQ(panel->lastError(), QObject::tr("Stopped."));
    EXPECT_TRUE(QFileInfo::exists(panel->reportDirectory() + "/factors.json"));
}

}  // namespace
}  // namespace netsight::ui
