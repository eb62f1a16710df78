#pragma once

#include <gtest/gtest.h>

#include <QAction>
#include <QObject>
#include <QString>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include "jobs/JobsPanel.h"
#include "netsight/experiment/ProbeSpec.h"
#include "netsight/ui/ExperimentSession.h"
#include "netsight/ui/MainWindow.h"

namespace netsight::test {

constexpr int kProbeTimeoutMs = 180000;

/// Waits for the job's FinishedEvent as the GUI sees it (the event loop keeps running meanwhile).
inline ui::JobState waitForJob(ui::ExperimentSession* session, const QString& name) {
    ui::JobState state = ui::JobState::Queued;
    bool done = false;
    QObject guard;
    QObject::connect(session, &ui::ExperimentSession::jobFinished, &guard,
                     [&](const QString& job, ui::JobState outcome, const QString&) {
                         if (job == name) {
                             state = outcome;
                             done = true;
                         }
                     });
    EXPECT_TRUE(QTest::qWaitFor([&] { return done; }, kProbeTimeoutMs))
        << name.toStdString() << " never ended";
    return state;
}

/// A probe small enough to run in seconds: 16 px FactorWorld, two classifiers, the tiny AE.
inline experiment::ProbeSpec tinyProbeSpec() {
    experiment::ProbeSpec spec;
    spec.data = "factorworld:classes=3,size=16,train=300,val=60,test=60";
    spec.classifiers = {{"plain", "resnet-s", ""}, {"grey", "grey+resnet-s", ""}};
    spec.classifierEpochs = 1;
    spec.autoencoder = "segnet-tiny";
    spec.pretrainEpochs = 2;
    spec.finetuneEpochs = 2;
    spec.testImages = 60;
    spec.gridImages = 4;
    return spec;
}

/// A temporary folder holding experiment.json of `spec`.
inline QString writeExperiment(const QTemporaryDir& dir, const experiment::ProbeSpec& spec) {
    experiment::writeProbeSpec(spec, (dir.path() + "/experiment.json").toStdString());
    return dir.path();
}

/// The first of the window's actions whose text (without '&') starts with `prefix`.
inline QAction* actionNamed(QWidget* window, const QString& prefix) {
    for (auto* action : window->findChildren<QAction*>())
        if (action->text().remove('&').startsWith(prefix)) return action;
    return nullptr;
}

/// The text in `column` of the Jobs view's first row.
inline QString jobCell(ui::JobsPanel* panel, int column) {
    auto* item = panel->table()->item(0, column);
    return item ? item->text() : QString();
}

/// Opens the tiny experiment in `window` (shown) and trains its classifier "plain".
inline void openWithTrainedPlain(ui::MainWindow& window, const QTemporaryDir& dir) {
    window.show();
    ASSERT_TRUE(window.openExperiment(writeExperiment(dir, tinyProbeSpec())));
    ASSERT_TRUE(window.session()->trainClassifier("plain"));
    ASSERT_EQ(waitForJob(window.session(), "train plain"), ui::JobState::Succeeded);
}

}  // namespace netsight::test
