#include "netsight/ui/DataPanel.h"

#include "netsight/ui/ExperimentSession.h"

#include <gtest/gtest.h>

#include <QApplication>
#include <QComboBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using netsight::ui::DataPanel;
using netsight::ui::ExperimentSession;

namespace {

constexpr const char* kSmallWorld = "factorworld:classes=4,size=32,train=40,val=8,test=8";

TEST(DataPanel, OpensASourceAndShowsItsSheet) {
    ExperimentSession session;  // its interactive lane opens the data and draws the sheet
    DataPanel panel(&session);
    panel.show();
    QSignalSpy shown(&panel, &DataPanel::sheetShown);
    panel.findChild<QLineEdit*>()->setText(kSmallWorld);
    QTest::mouseClick(panel.findChild<QPushButton*>(), Qt::LeftButton);
    ASSERT_TRUE(shown.wait(20000));
    EXPECT_TRUE(panel.summary().contains("3x32x32")) << panel.summary().toStdString();
    EXPECT_TRUE(panel.summary().contains("4 classes")) << panel.summary().toStdString();
    EXPECT_TRUE(panel.summary().contains("train 40")) << panel.summary().toStdString();
    // 8 columns of 96 px tiles; 40 training images at most.
    EXPECT_GT(panel.sheet().width(), 8 * 96);
    EXPECT_GT(panel.sheet().height(), 4 * 96);
}

TEST(DataPanel, ClassFilterRedrawsTheSheetWithFewerImages) {
    ExperimentSession session;  // its interactive lane opens the data and draws the sheet
    DataPanel panel(&session);
    QSignalSpy shown(&panel, &DataPanel::sheetShown);
    panel.setSource(kSmallWorld);
    panel.load();
    ASSERT_TRUE(shown.wait(20000));
    const int allHeight = panel.sheet().height();
    auto* classBox = panel.findChildren<QComboBox*>().at(1);
    ASSERT_EQ(classBox->count(), 5);  // all + 4 identities
    classBox->setCurrentIndex(3);
    ASSERT_TRUE(shown.wait(20000));
    EXPECT_LT(panel.sheet().height(), allHeight);  // 10 images of one class: 2 rows instead of 5
}

TEST(DataPanel, BadSourceShowsTheErrorAndKeepsWorking) {
    ExperimentSession session;  // its interactive lane opens the data and draws the sheet
    DataPanel panel(&session);
    panel.show();
    QSignalSpy failed(&panel, &DataPanel::failed);
    panel.setSource("folder:/nonexistent/netsight-ui-test");
    panel.load();
    ASSERT_TRUE(failed.wait(20000));
    const QString message = failed.first().first().toString();
    EXPECT_TRUE(message.contains("/nonexistent/netsight-ui-test")) << message.toStdString();
    bool errorVisible = false;
    for (auto* label : panel.findChildren<QLabel*>())
        if (label->isVisible() && label->text() == message) errorVisible = true;
    EXPECT_TRUE(errorVisible);

    QSignalSpy shown(&panel, &DataPanel::sheetShown);
    panel.setSource(kSmallWorld);
    panel.load();
    EXPECT_TRUE(shown.wait(20000));
}

TEST(DataPanel, SavesTheSheetAndReportsAnUnwritablePath) {
    ExperimentSession session;  // its interactive lane opens the data and draws the sheet
    DataPanel panel(&session);
    QSignalSpy shown(&panel, &DataPanel::sheetShown);
    panel.setSource(kSmallWorld);
    panel.load();
    ASSERT_TRUE(shown.wait(20000));
    QTemporaryDir dir;
    const QString file = dir.filePath("sheet.png");
    EXPECT_TRUE(panel.saveSheet(file));
    EXPECT_EQ(QImage(file).size(), panel.sheet().size());
    QSignalSpy failed(&panel, &DataPanel::failed);
    EXPECT_FALSE(panel.saveSheet(dir.filePath("missing/sheet.png")));
    EXPECT_EQ(failed.count(), 1);
}

}  // namespace
