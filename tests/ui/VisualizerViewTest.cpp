// The Visualizer view: a channel visualized live, a gallery, inversions, and errors that name their cause.
#include <qcustomplot.h>

#include <gtest/gtest.h>

#include <QComboBox>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include "UiTestSupport.h"
#include "netsight/ui/MainWindow.h"
#include "visualizer/DataExamplesView.h"
#include "visualizer/VisualizerPanel.h"
#include "widgets/ImageListView.h"

namespace netsight::ui {
namespace {

using test::kProbeTimeoutMs;
using test::openWithTrainedPlain;

bool waitForVizJob(VisualizerPanel* panel, const QString& job) {
    bool done = false, ok = false;
    QObject guard;
    QObject::connect(panel, &VisualizerPanel::finished, &guard, [&](const QString& name, bool succeeded) {
        if (name == job) {
            done = true;
            ok = succeeded;
        }
    });
    EXPECT_TRUE(QTest::qWaitFor([&] { return done; }, kProbeTimeoutMs)) << job.toStdString();
    return ok;
}

TEST(VisualizerView, VisualizesAChannelLiveRendersAGalleryAndInverts) {
    QTemporaryDir dir;
    MainWindow window;
    ASSERT_NO_FATAL_FAILURE(openWithTrainedPlain(window, dir));
    window.showTab(MainWindow::Tab::Visualizer);
    VisualizerPanel* panel = window.visualizerPanel();
    panel->selectClassifier("plain");
    ASSERT_TRUE(
        QTest::qWaitFor([&] { return panel->selectLayer("layer2.0"); }, 20000));  // read off the GUI thread
    panel->stepsBox()->setValue(24);
    // The layer's activity on the test images arrives and the index moves to the most active channel.
    ASSERT_TRUE(QTest::qWaitFor([&] { return panel->dataExamples()->layer() == "layer2.0"; }, 30000));
    EXPECT_EQ(panel->indexBox()->value(), viz::mostActiveChannel(panel->dataExamples()->activity()));
    EXPECT_TRUE(panel->channelNote().contains("active on")) << panel->channelNote().toStdString();

    // Live: the picture and the objective curve arrive while it runs; then the test images that drive it.
    QSignalSpy examples(panel->dataExamples(), &DataExamplesView::examplesShown);
    panel->startVisualization();
    ASSERT_TRUE(waitForVizJob(panel, "viz:visualize")) << panel->lastError().toStdString();
    ASSERT_TRUE(QTest::qWaitFor([&] { return examples.count() > 0; }, 30000));
    EXPECT_EQ(panel->dataExamples()->examples()->count(), 8);
    EXPECT_FALSE(panel->currentImage().isNull());
    EXPECT_EQ(panel->objectivePlot()->graph(0)->dataCount(), 24);
    EXPECT_FALSE(window.session()->series().contains("objective"));  // not mixed into the probe's curves

    panel->indexBox()->setValue(0);
    panel->startGallery();
    ASSERT_TRUE(waitForVizJob(panel, "viz:gallery"));
    EXPECT_EQ(panel->galleryCount(), 16);

    panel->startInversion();
    ASSERT_TRUE(waitForVizJob(panel, "viz:invert"));
    EXPECT_GE(panel->inversionCount(), 3);  // the original and at least two layers

    // A file instead of a test image; a missing file names itself.
    QTemporaryDir files;
    ASSERT_TRUE(panel->currentImage().save(files.filePath("picture.png")));
    panel->setInversionFile(files.filePath("picture.png"));
    panel->startInversion();
    ASSERT_TRUE(waitForVizJob(panel, "viz:invert")) << panel->lastError().toStdString();
    panel->setInversionFile(files.filePath("missing.png"));
    panel->startInversion();
    EXPECT_FALSE(waitForVizJob(panel, "viz:invert"));
    EXPECT_TRUE(panel->lastError().contains("missing.png")) << panel->lastError().toStdString();

    // A bad target says what is wrong and the panel keeps working.
    panel->targetBox()->setCurrentIndex(2);  // class logit
    panel->indexBox()->setMaximum(99);
    panel->indexBox()->setValue(50);
    panel->startVisualization();
    EXPECT_FALSE(waitForVizJob(panel, "viz:visualize"));
    EXPECT_TRUE(panel->lastError().contains("has 3 classes")) << panel->lastError().toStdString();
}

}  // namespace
}  // namespace netsight::ui
