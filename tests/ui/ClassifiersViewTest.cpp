// The Classifiers view: a dropped model file becomes a classifier with its layers.
#include <gtest/gtest.h>

#include <QFile>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include "UiTestSupport.h"
#include "classifiers/ClassifiersPanel.h"
#include "netsight/ui/MainWindow.h"

namespace netsight::ui {
namespace {

using test::waitForJob;

TEST(ClassifiersView, DroppingAModelFileAddsItAsAClassifierWithItsLayers) {
    QTemporaryDir source, target;
    MainWindow window;
    ASSERT_TRUE(window.openExperiment(test::writeExperiment(source, test::tinyProbeSpec())));
    ASSERT_TRUE(window.session()->trainClassifier("plain"));
    ASSERT_EQ(waitForJob(window.session(), "train plain"), JobState::Succeeded);
    ASSERT_TRUE(QFile::exists(source.filePath("models/plain.nsm")));

    ASSERT_TRUE(window.openExperiment(test::writeExperiment(target, test::tinyProbeSpec())));
    ASSERT_TRUE(window.addPath(source.filePath("models/plain.nsm")));
    QTableWidget* table = window.classifiersPanel()->table();
    ASSERT_EQ(table->rowCount(), 3);
    EXPECT_EQ(table->item(2, 0)->text(), "plain-2");  // names stay unique
    EXPECT_EQ(window.session()->spec().classifiers.back().model,
              source.filePath("models/plain.nsm").toStdString());
    table->selectRow(2);
    ASSERT_TRUE(
        QTest::qWaitFor([&] { return window.classifiersPanel()->layers()->topLevelItemCount() > 3; }, 20000));
}

}  // namespace
}  // namespace netsight::ui
