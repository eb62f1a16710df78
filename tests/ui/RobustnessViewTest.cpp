// The Robustness view: the bench runs as a job over the checked classifiers (training missing ones), the
// curves fill in live, every figure shows a line per classifier with its intervals, the verdict compares
// topdown with bottomup, the examples show, and the figure exports.
#include <qcustomplot.h>

#include <gtest/gtest.h>

#include <QCheckBox>
#include <QFileInfo>
#include <QListWidget>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QTest>

#include "UiTestSupport.h"
#include "netsight/ui/MainWindow.h"
#include "robustness/RobustnessPanel.h"
#include "widgets/Export.h"
#include "widgets/ImageListView.h"

namespace netsight::ui {
namespace {

TEST(RobustnessView, RunsTheBenchLiveAndShowsEveryFigureWithTheVerdict) {
    QTemporaryDir dir;
    MainWindow window;
    window.show();
    experiment::ProbeSpec spec;
    spec.data = "factorworld:classes=3,size=16,train=300,val=60,test=60";
    spec.classifiers = {{"td", "topdown", ""}, {"bu", "bottomup", ""}, {"plain", "resnet-s", ""}};
    spec.classifierEpochs = 1;
    ASSERT_TRUE(window.openExperiment(test::writeExperiment(dir, spec)));
    window.showTab(MainWindow::Tab::Robustness);
    RobustnessPanel* panel = window.robustnessPanel();
    ASSERT_EQ(panel->classifierList()->count(), 3);
    // Only the pair; the perturbation curves off to keep it short.
    panel->classifierList()->item(2)->setCheckState(Qt::Unchecked);
    panel->perturbationsBox()->setChecked(false);
    panel->imagesBox()->setValue(20);
    QSignalSpy updated(panel, &RobustnessPanel::updated);
    QSignalSpy finished(panel, &RobustnessPanel::finished);
    ASSERT_TRUE(panel->start()) << panel->lastError().toStdString();
    ASSERT_TRUE(QTest::qWaitFor([&] { return finished.count() > 0; }, 300000));
    ASSERT_TRUE(finished.front().at(0).toBool()) << panel->lastError().toStdString();
    EXPECT_GT(updated.count(), 5) << "points arrive while the job runs";
    const QStringList figures = panel->figures();
    for (const char* figure :
         {"pgd-linf-10", "pgd-l2-10", "minimal-l2", "pgd-l2-10@full", "pgd-l2-10@quarter"})
        EXPECT_TRUE(figures.contains(figure)) << figure << " in " << figures.join(", ").toStdString();
    EXPECT_FALSE(figures.contains("blur"));
    panel->figureBox()->setCurrentText("pgd-l2-10");
    EXPECT_EQ(panel->lineCount(), 2);
    EXPECT_EQ(panel->plot()->graph(0)->data()->size(), 6);
    EXPECT_TRUE(panel->verdict().contains("topdown")) << panel->verdict().toStdString();
    const QString csv = panel->csv();
    EXPECT_TRUE(csv.startsWith("classifier,figure,x,y,low,high\n"));
    EXPECT_EQ(csv.count('\n'), 1 + 2 * 6);
    const QString png = dir.path() + "/figure.png";
    EXPECT_TRUE(exportPlot(panel->plot(), png).isEmpty());
    EXPECT_TRUE(QFileInfo(png).size() > 1000);
    EXPECT_TRUE(QFileInfo::exists(dir.path() + "/results/robustness/examples.png"));
    // The classifiers it trained first are the experiment's; reopened, the view shows the saved results.
    EXPECT_TRUE(QFileInfo::exists(dir.path() + "/models/td.nsm"));
    MainWindow again;
    ASSERT_TRUE(again.openExperiment(dir.path()));
    again.robustnessPanel()->refresh();
    EXPECT_EQ(again.robustnessPanel()->figures().size(), figures.size());
    EXPECT_FALSE(again.robustnessPanel()->verdict().isEmpty());
    // Perturbed examples: the curve's images with a classifier's answers, refreshed as the choice changes.
    QSignalSpy shown(panel, &RobustnessPanel::perturbedShown);
    panel->views()->setCurrentIndex(2);
    ASSERT_TRUE(QTest::qWaitFor([&] { return shown.count() > 0; }, 20000));
    EXPECT_EQ(panel->perturbedView()->count(), 24);  // the view asks for 24 of the curves' first batch
    EXPECT_TRUE(panel->perturbedSummary().contains("right")) << panel->perturbedSummary().toStdString();
    panel->examplePerturbationBox()->setCurrentText("salt-and-pepper");
    ASSERT_TRUE(QTest::qWaitFor([&] { return shown.count() > 1; }, 20000));
    EXPECT_TRUE(panel->perturbedSummary().contains("salt-and-pepper"))
        << panel->perturbedSummary().toStdString();
    EXPECT_EQ(panel->exampleStrengthBox()->count(), 6);
    // Nothing checked: a clear refusal.
    for (int i = 0; i < panel->classifierList()->count(); ++i)
        panel->classifierList()->item(i)->setCheckState(Qt::Unchecked);
    EXPECT_FALSE(panel->start());
    EXPECT_TRUE(panel->lastError().contains("Check at least one")) << panel->lastError().toStdString();
}

}  // namespace
}  // namespace netsight::ui
