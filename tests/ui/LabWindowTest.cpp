// The live lab end to end on the offscreen platform: open an experiment, run a tiny probe, read what the
// views show, cancel, retry, reopen, close while running, fail cleanly.
#include <qcustomplot.h>

#include <gtest/gtest.h>

#include <QAction>
#include <QComboBox>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include "UiTestSupport.h"
#include "classifiers/ClassifiersPanel.h"
#include "factors/FactorControls.h"
#include "factors/FactorPanel.h"
#include "jobs/JobsPanel.h"
#include "netsight/ui/ExperimentSession.h"
#include "netsight/ui/MainWindow.h"
#include "probe/NmiPanel.h"
#include "probe/OrderPanel.h"
#include "probe/ProbePanel.h"
#include "probe/ProbeSettingsDialog.h"
#include "probe/ReconstructionGrid.h"
#include "probe/TransferPanel.h"
#include "visualizer/VisualizerPanel.h"
#include "widgets/Export.h"
#include "widgets/HeatmapWidget.h"

namespace netsight::ui {
namespace {

using test::kProbeTimeoutMs;
using test::waitForJob;

QAction* actionNamed(QWidget* window, const QString& prefix) {
    for (auto* action : window->findChildren<QAction*>())
        if (action->text().remove('&').startsWith(prefix)) return action;
    return nullptr;
}

QString jobCell(JobsPanel* panel, int column) {
    auto* item = panel->table()->item(0, column);
    return item ? item->text() : QString();
}

TEST(LabWindow, RunsATinyProbeLiveAndShowsMatrixOrderAndNmi) {
    QTemporaryDir dir;
    MainWindow window;
    window.show();
    ASSERT_TRUE(window.openExperiment(test::writeExperiment(dir, test::tinyProbeSpec())));
    EXPECT_FALSE(window.welcomeShown());
    ExperimentSession* session = window.session();

    // The live view moves while the job runs: previews of the AEs arrive before the end.
    int previewTicksWhileRunning = 0;
    QObject::connect(session, &ExperimentSession::previewsChanged, &window, [&] {
        if (session->busy() && window.probePanel()->grid()->filledCells() > 4) ++previewTicksWhileRunning;
    });
    QAction* run = actionNamed(&window, "Run / resume probe");
    ASSERT_NE(run, nullptr);
    run->trigger();
    EXPECT_TRUE(session->busy());
    EXPECT_FALSE(run->isEnabled());  // one probe at a time
    ASSERT_EQ(waitForJob(session, "probe"), JobState::Succeeded)
        << jobCell(window.jobsPanel(), 6).toStdString();
    EXPECT_GE(previewTicksWhileRunning, 2);

    const auto& results = session->results();
    ASSERT_TRUE(results.has_value());
    const auto& summary = results->summary;

    // Transfer matrix: the numbers in the cells are the run's, absolute and relative.
    HeatmapWidget* heatmap = window.transferPanel()->heatmap();
    ASSERT_EQ(heatmap->rowCount(), 4);  // originals, pretrained AE, AE for plain, AE for grey
    ASSERT_EQ(heatmap->columnCount(), 2);
    for (int r = 0; r < 4; ++r)
        for (int c = 0; c < 2; ++c)
            EXPECT_EQ(heatmap->cellText(r, c), QString::number(summary.accuracy[r][c], 'f', 3));
    window.transferPanel()->setView(TransferPanel::View::Relative);
    EXPECT_EQ(heatmap->cellText(0, 0), "1.00");
    EXPECT_EQ(heatmap->cellText(2, 1), QString::number(summary.relative[2][1], 'f', 2));

    // Order: both classifiers ranked, the verdict says whether the order is total.
    OrderPanel* order = window.orderPanel();
    ASSERT_EQ(order->ranking()->rowCount(), 2);
    const QString first = order->ranking()->item(0, 1)->text();
    EXPECT_EQ(first.toStdString(), summary.classifiers[static_cast<std::size_t>(summary.order.ranking[0])]);
    EXPECT_TRUE(order->verdict().contains(summary.order.total ? "Total order" : "Not a total order"))
        << order->verdict().toStdString();
    EXPECT_EQ(order->wins()->rowCount(), 2);

    // NMI: an intra and an inter box for each autoencoder.
    EXPECT_EQ(window.nmiPanel()->boxCount(), 6);

    // Probe: curves of pretraining, both fine-tunings and both classifier trainings; a full grid.
    EXPECT_GE(window.probePanel()->lossPlot()->graphCount(), 5);
    EXPECT_GE(window.probePanel()->accuracyPlot()->graphCount(), 2);
    EXPECT_EQ(window.probePanel()->grid()->filledCells(), 4 * 4);

    // Jobs: done, at 100 %.
    EXPECT_EQ(jobCell(window.jobsPanel(), 2), "done");
    auto* bar = qobject_cast<QProgressBar*>(window.jobsPanel()->table()->cellWidget(0, 3));
    ASSERT_NE(bar, nullptr);
    EXPECT_EQ(bar->value(), bar->maximum());

    // Classifiers: both trained, with parameter counts read from their files.
    QTableWidget* classifiers = window.classifiersPanel()->table();
    ASSERT_EQ(classifiers->rowCount(), 2);
    ASSERT_TRUE(QTest::qWaitFor([&] { return classifiers->item(0, 2)->text() != "–"; }, 20000));
    EXPECT_EQ(classifiers->item(0, 4)->text(), "ready");
    classifiers->selectRow(1);
    ASSERT_TRUE(
        QTest::qWaitFor([&] { return window.classifiersPanel()->layers()->topLevelItemCount() > 3; }, 20000));

    // Every figure exports as PNG, PDF and SVG.
    QTemporaryDir out;
    for (const QString suffix : {"png", "pdf", "svg"}) {
        EXPECT_EQ(exportWidget(heatmap, out.filePath("transfer." + suffix)), QString());
        EXPECT_EQ(exportPlot(window.nmiPanel()->plot(), out.filePath("nmi." + suffix)), QString());
        EXPECT_GT(QFileInfo(out.filePath("transfer." + suffix)).size(), 1000);
        EXPECT_GT(QFileInfo(out.filePath("nmi." + suffix)).size(), 1000);
    }
    QFile svg(out.filePath("nmi.svg"));
    ASSERT_TRUE(svg.open(QIODevice::ReadOnly));
    EXPECT_TRUE(svg.readAll().contains("<svg"));
    EXPECT_NE(exportWidget(heatmap, out.filePath("transfer.bmp")), QString());  // names the formats
    EXPECT_TRUE(window.transferPanel()->csv().startsWith("reconstructions\\classifier,plain,grey\n"));
}

TEST(LabWindow, CancelStopsTheProbeAndRetryResumesIt) {
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

TEST(LabWindow, AFailedJobShowsItsMessageAndTheAppKeepsWorking) {
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

TEST(LabWindow, DroppingAModelFileAddsItAsAClassifierWithItsLayers) {
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

TEST(LabWindow, FineTunesOneClassifiersAutoencoderAsAJobOfItsOwn) {
    QTemporaryDir dir;
    MainWindow window;
    ASSERT_TRUE(window.openExperiment(test::writeExperiment(dir, test::tinyProbeSpec())));
    ASSERT_TRUE(window.session()->finetuneAutoencoder("plain"));
    ASSERT_EQ(waitForJob(window.session(), "fine-tune plain"), JobState::Succeeded);
    for (const char* file : {"models/plain.nsm", "models/ae-pretrained.pt", "models/ae-plain.pt"})
        EXPECT_TRUE(QFile::exists(dir.filePath(file))) << file;
    EXPECT_FALSE(QFile::exists(dir.filePath("models/ae-grey.pt")));
    EXPECT_TRUE(window.session()->previews().contains("plain"));  // the live view saw it
    // Done is done: run again (as Retry does), it succeeds without training.
    ASSERT_TRUE(window.session()->retry("fine-tune plain"));
    EXPECT_EQ(waitForJob(window.session(), "fine-tune plain"), JobState::Succeeded);
}

// Probe settings: the dialog gives back what it was given (opening and closing changes nothing), its fields
// reach experiment.json, and settings that make stages stale ask first: keep them (the old settings come
// back) or discard them (deleted, redone at the next run).
TEST(LabWindow, ProbeSettingsAskBeforeStagesMadeWithOtherSettingsAreRedone) {
    QTemporaryDir dir;
    MainWindow window;
    ASSERT_TRUE(window.openExperiment(test::writeExperiment(dir, test::tinyProbeSpec())));
    ASSERT_TRUE(window.session()->finetuneAutoencoder("plain"));
    ASSERT_EQ(waitForJob(window.session(), "fine-tune plain"), JobState::Succeeded);
    const auto original = window.session()->spec();
    window.setStaleConfirmation([](const QStringList& stale) {
        ADD_FAILURE() << "asked about " << stale.join(", ").toStdString();
        return false;
    });
    {
        ProbeSettingsDialog dialog(original, window.session()->directory());
        const auto unchanged = dialog.spec();
        EXPECT_EQ(unchanged.finetuneLearningRate, original.finetuneLearningRate);
        EXPECT_EQ(unchanged.autoencoderLearningRate, original.autoencoderLearningRate);
        EXPECT_EQ(unchanged.autoencoder, original.autoencoder);
        EXPECT_TRUE(window.applyProbeSettings(unchanged));
        EXPECT_TRUE(window.session()->staleStages().isEmpty());
        EXPECT_TRUE(window.session()->error().isEmpty()) << window.session()->error().toStdString();
        // A rate of more decimals than the box shows, and a seed beyond its range, come back as they were.
        auto precise = original;
        precise.finetuneLearningRate = 1.23456789e-4;
        precise.seed = 5000000000ull;
        const auto back = ProbeSettingsDialog(precise, window.session()->directory()).spec();
        EXPECT_EQ(back.finetuneLearningRate, precise.finetuneLearningRate);
        EXPECT_EQ(back.seed, precise.seed);
        dialog.findChild<QSpinBox*>("finetuneEpochs")->setValue(original.finetuneEpochs + 1);
        EXPECT_EQ(dialog.spec().finetuneEpochs, original.finetuneEpochs + 1);
    }
    auto changed = original;
    changed.finetuneEpochs += 1;
    QStringList asked;
    QFile specFile(dir.filePath("experiment.json"));
    ASSERT_TRUE(specFile.open(QIODevice::ReadOnly));
    const QByteArray specBefore = specFile.readAll();
    specFile.close();
    const QDateTime writtenBefore = QFileInfo(specFile).lastModified();
    window.setStaleConfirmation([&](const QStringList& stale) {
        asked = stale;
        return false;
    });
    EXPECT_FALSE(window.applyProbeSettings(changed));
    // Asking needed no write: experiment.json is the very file it was.
    EXPECT_EQ(QFileInfo(specFile).lastModified(), writtenBefore);
    ASSERT_TRUE(specFile.open(QIODevice::ReadOnly));
    EXPECT_EQ(specFile.readAll(), specBefore);
    specFile.close();
    ASSERT_EQ(asked.size(), 1);
    EXPECT_TRUE(asked[0].startsWith("models/ae-plain.pt: autoencoder.finetune_epochs: was"))
        << asked[0].toStdString();
    EXPECT_EQ(window.session()->spec().finetuneEpochs, original.finetuneEpochs) << "the old settings stay";
    EXPECT_TRUE(QFile::exists(dir.filePath("models/ae-plain.pt")));

    window.setStaleConfirmation([](const QStringList&) { return true; });
    EXPECT_TRUE(window.applyProbeSettings(changed));
    EXPECT_FALSE(QFile::exists(dir.filePath("models/ae-plain.pt")));
    EXPECT_TRUE(QFile::exists(dir.filePath("models/ae-pretrained.pt"))) << "only what changed goes";
    EXPECT_EQ(window.session()->spec().finetuneEpochs, original.finetuneEpochs + 1);
    EXPECT_EQ(experiment::readProbeSpec(dir.filePath("experiment.json").toStdString()).finetuneEpochs,
              original.finetuneEpochs + 1);
    ASSERT_TRUE(window.session()->finetuneAutoencoder("plain"));
    EXPECT_EQ(waitForJob(window.session(), "fine-tune plain"), JobState::Succeeded);
    EXPECT_TRUE(window.session()->staleStages().isEmpty());
    EXPECT_TRUE(window.session()->error().isEmpty()) << window.session()->error().toStdString();
}

}  // namespace
}  // namespace netsight::ui

namespace netsight::ui {
namespace {

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

// Opens the tiny experiment in `window` and trains its classifier "plain".
void openWithTrainedPlain(MainWindow& window, const QTemporaryDir& dir) {
    window.show();
    ASSERT_TRUE(window.openExperiment(test::writeExperiment(dir, test::tinyProbeSpec())));
    ASSERT_TRUE(window.session()->trainClassifier("plain"));
    ASSERT_EQ(waitForJob(window.session(), "train plain"), JobState::Succeeded);
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

    // Live: the picture and the objective curve arrive while it runs.
    panel->startVisualization();
    ASSERT_TRUE(waitForVizJob(panel, "viz:visualize")) << panel->lastError().toStdString();
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
