// The Attribution view: the test images list with the classifier's answers and filter, a chosen image's maps
// appear for every checked classifier and method with their numbers, the opacity redraws them, and the
// dataset summary runs as a job and fills its tables; the numbers export as CSV.
#include <gtest/gtest.h>

#include <cmath>

#include <QComboBox>
#include <QFileInfo>
#include <QListWidget>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QSlider>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "UiTestSupport.h"
#include "attribution/AttributionPanel.h"
#include "attribution/AttributionSummary.h"
#include "attribution/MapGrid.h"
#include "factors/FactorPanel.h"
#include "netsight/ui/MainWindow.h"
#include "widgets/ImageListView.h"

namespace netsight::ui {
namespace {

TEST(AttributionView, ExplainsAChosenImageAndSummarizesTheTestSet) {
    QTemporaryDir dir;
    experiment::ProbeSpec spec;
    spec.data = "factorworld:classes=3,size=16,train=200,val=30,test=60,cue=mark";
    spec.classifiers = {{"plain", "resnet-s", ""}, {"other", "vgg-s", ""}, {"untrained", "resnet-s", ""}};
    spec.classifierEpochs = 1;
    const QString folder = test::writeExperiment(dir, spec);
    MainWindow window;
    window.show();
    ASSERT_TRUE(window.openExperiment(folder));
    // Two trained classifiers (one epoch, as the Classifiers view trains them); the third is not listed.
    for (const char* name : {"plain", "other"}) {
        ASSERT_TRUE(window.session()->trainClassifier(name)) << window.session()->error().toStdString();
        ASSERT_TRUE(QTest::qWaitFor([&] { return !window.session()->busy(); }, 120000));
    }
    window.showTab(MainWindow::Tab::Attribution);
    AttributionPanel* panel = window.attributionPanel();
    QSignalSpy listed(panel, &AttributionPanel::imagesListed);
    panel->refresh();
    ASSERT_EQ(panel->classifierList()->count(), 2);
    ASSERT_TRUE(QTest::qWaitFor([&] { return listed.count() > 0; }, 60000)) << panel->status().toStdString();
    EXPECT_EQ(panel->browser()->count(), 60);  // the whole test split (up to 200)
    panel->filterBox()->setCurrentText(panel->tr("Least confident"));
    EXPECT_LE(panel->browser()->count(), 40);
    const int classFilter = panel->filterBox()->findText(panel->tr("Class: identity 1"));
    ASSERT_GE(classFilter, 0);
    panel->filterBox()->setCurrentIndex(classFilter);
    EXPECT_EQ(panel->browser()->count(), 20);
    // Three methods on one image, for both classifiers: the image and three overlays each.
    for (int i = 0; i < panel->methodList()->count(); ++i) {
        const QString name = panel->methodList()->item(i)->text();
        const bool keep = name == "grad-cam" || name == "saliency" || name == "occlusion";
        panel->methodList()->item(i)->setCheckState(keep ? Qt::Checked : Qt::Unchecked);
    }
    panel->browser()->setCurrentRow(2);
    QSignalSpy shown(panel, &AttributionPanel::mapsShown);
    ASSERT_TRUE(panel->explain()) << panel->lastError().toStdString();
    ASSERT_TRUE(QTest::qWaitFor([&] { return shown.count() > 0; }, 60000)) << panel->status().toStdString();
    ASSERT_EQ(panel->mapsView()->tileCount(), 2 * 4);
    EXPECT_NE(panel->mapsView()->caption(0), panel->mapsView()->caption(4)) << "each classifier's own answer";
    EXPECT_TRUE(panel->mapsView()->caption(1).contains("del "))
        << panel->mapsView()->caption(1).toStdString();
    EXPECT_TRUE(panel->mapsView()->caption(1).contains("obj ")) << "FactorWorld's mask gives the share";
    const QString csv = panel->mapsCsv();
    EXPECT_TRUE(csv.startsWith("classifier,image,method,"));
    EXPECT_EQ(csv.count('\n'), 1 + 2 * 3);
    EXPECT_TRUE(csv.contains("test 7")) << "identity 1's third test image" << csv.toStdString();
    // Opacity 0 shows the bare image: the overlay equals the first tile.
    panel->opacitySlider()->setValue(0);
    EXPECT_EQ(panel->mapsView()->image(1), panel->mapsView()->image(0));
    panel->opacitySlider()->setValue(70);
    EXPECT_NE(panel->mapsView()->image(1), panel->mapsView()->image(0));

    // The Factor lab's live stimulus as the image.
    window.showTab(MainWindow::Tab::Factors);
    window.factorPanel()->selectClassifier("plain");
    ASSERT_TRUE(QTest::qWaitFor([&] { return !window.factorPanel()->liveImage().isNull(); }, 30000));
    window.showTab(MainWindow::Tab::Attribution);
    shown.clear();
    ASSERT_TRUE(panel->explainStimulus()) << panel->lastError().toStdString();
    ASSERT_TRUE(QTest::qWaitFor([&] { return shown.count() > 0; }, 60000)) << panel->status().toStdString();
    EXPECT_TRUE(panel->mapsCsv().contains("stimulus.png")) << panel->mapsCsv().toStdString();
    EXPECT_EQ(panel->mapsView()->tileCount(), 2 * 4);

    // The dataset summary: a job over both classifiers, a row per classifier and method, per class too.
    panel->views()->setCurrentIndex(1);
    AttributionSummary* summary = panel->summary();
    summary->imagesBox()->setValue(12);
    QSignalSpy finished(summary, &AttributionSummary::finished);
    ASSERT_TRUE(summary->start()) << summary->lastError().toStdString();
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 300000));
    ASSERT_TRUE(finished.front().at(0).toBool()) << summary->lastError().toStdString();
    EXPECT_EQ(summary->table()->rowCount(), 2 * 3);
    EXPECT_EQ(summary->perClassTable()->rowCount(), 2 * 3 * 3);
    EXPECT_TRUE(summary->csv().contains("grad-cam"));
    EXPECT_TRUE(QFileInfo::exists(folder + "/results/attribution/plain/report.html"));
    EXPECT_TRUE(QFileInfo::exists(folder + "/results/attribution/other/summary.csv"));

    // Reopened, the experiment shows the saved summary again, numbers and intervals as they were.
    const QString before = summary->csv();
    MainWindow reopened;
    ASSERT_TRUE(reopened.openExperiment(folder));
    AttributionSummary* saved = reopened.attributionPanel()->summary();
    EXPECT_EQ(saved->table()->rowCount(), 2 * 3);
    EXPECT_EQ(saved->perClassTable()->rowCount(), 2 * 3 * 3);
    // The files keep 6 digits, the table shows 3: a value on a rounding edge may read one unit off.
    const QStringList was = before.split('\n'), now = saved->csv().split('\n');
    ASSERT_EQ(now.size(), was.size());
    const QRegularExpression number(QStringLiteral("-?[0-9]+\\.[0-9]+"));
    for (int line = 0; line < was.size(); ++line) {
        if (now[line] == was[line]) continue;
        QString wasText = was[line], nowText = now[line];
        EXPECT_EQ(wasText.replace(number, "#"), nowText.replace(number, "#")) << "line " << line;
        auto a = number.globalMatch(was[line]), b = number.globalMatch(now[line]);
        while (a.hasNext() && b.hasNext()) {
            const double x = a.next().captured().toDouble(), y = b.next().captured().toDouble();
            EXPECT_NEAR(x, y, 0.0015 + 1e-4 * std::abs(x)) << "line " << line;  // images/s: one decimal
        }
    }
}

}  // namespace
}  // namespace netsight::ui
