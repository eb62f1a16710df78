// The Probe view end to end: a tiny probe runs live and fills the matrix, order and NMI views; one
// classifier's autoencoder fine-tunes as a job of its own; the probe settings ask before redoing stages.
#include <qcustomplot.h>

#include <gtest/gtest.h>

#include <QAction>
#include <QDateTime>
#include <QFile>
#include <QFileInfo>
#include <QProgressBar>
#include <QSpinBox>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

#include "UiTestSupport.h"
#include "classifiers/ClassifiersPanel.h"
#include "jobs/JobsPanel.h"
#include "netsight/experiment/ProbeSpec.h"
#include "netsight/ui/ExperimentSession.h"
#include "netsight/ui/MainWindow.h"
#include "probe/NmiPanel.h"
#include "probe/OrderPanel.h"
#include "probe/ProbePanel.h"
#include "probe/ProbeSettingsDialog.h"
#include "probe/ReconstructionGrid.h"
#include "probe/TransferPanel.h"
#include "widgets/Export.h"
#include "widgets/HeatmapWidget.h"

namespace netsight::ui {
namespace {

using test::actionNamed;
using test::jobCell;
using test::waitForJob;

TEST(ProbeView, RunsATinyProbeLiveAndShowsMatrixOrderAndNmi) {
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
    // One relation: established when it is significant, else the estimates' order "not established".
    EXPECT_TRUE(
        order->verdict().contains(summary.uncertainty.total ? "Established order" : "No established order"))
        << order->verdict().toStdString();
    EXPECT_EQ(order->wins()->rowCount(), 2);

    // Uncertainty: ± under every cell, a row per relation with its verdict, the pretrained AE's quality
    // above.
    const auto& u = summary.uncertainty;
    ASSERT_EQ(u.images, 60u);
    window.transferPanel()->setView(TransferPanel::View::Absolute);
    EXPECT_EQ(heatmap->cellDetail(2, 1),
              QString::fromUtf8("±%1").arg(u.accuracy[2][1].halfWidth(), 0, 'f', 3));
    EXPECT_EQ(heatmap->cellMarked(2, 1), !u.relations[0].significant);
    EXPECT_FALSE(heatmap->cellMarked(0, 0));
    ASSERT_EQ(order->relations()->rowCount(), 1);
    EXPECT_EQ(order->relations()->item(0, 5)->text(),
              u.relations[0].significant ? "significant" : "undecided");
    EXPECT_TRUE(window.transferPanel()->qualityText().contains("dB PSNR"))
        << window.transferPanel()->qualityText().toStdString();

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

// With replicas, each fine-tuning run is a job of its own (so that they spread over the devices' lanes),
// named as the CLI names it; the NMI view then shows each run's median over the boxes.
TEST(ProbeView, FineTunesOneClassifiersAutoencoderAsAJobOfItsOwn) {
    QTemporaryDir dir;
    MainWindow window;
    auto spec = test::tinyProbeSpec();
    spec.replicas = 2;
    ASSERT_TRUE(window.openExperiment(test::writeExperiment(dir, spec)));
    ASSERT_TRUE(window.session()->finetuneAutoencoder("plain"));
    ASSERT_EQ(waitForJob(window.session(), "fine-tune plain"), JobState::Succeeded);
    ASSERT_EQ(waitForJob(window.session(), "fine-tune plain (replica 2)"), JobState::Succeeded);
    for (const char* file :
         {"models/plain.nsm", "models/ae-pretrained.pt", "models/ae-plain.pt", "models/ae-plain.r2.pt"})
        EXPECT_TRUE(QFile::exists(dir.filePath(file))) << file;
    EXPECT_FALSE(QFile::exists(dir.filePath("models/ae-grey.pt")));
    EXPECT_TRUE(window.session()->previews().contains("plain"));  // the live view saw it
    // Done is done: run again (as Retry does), it succeeds without training.
    ASSERT_TRUE(window.session()->retry("fine-tune plain (replica 2)"));
    EXPECT_EQ(waitForJob(window.session(), "fine-tune plain (replica 2)"), JobState::Succeeded);

    EXPECT_EQ(window.nmiPanel()->replicaMedianCount(), 0);
    ASSERT_TRUE(window.session()->startProbe());
    ASSERT_EQ(waitForJob(window.session(), "probe"), JobState::Succeeded);
    EXPECT_EQ(window.nmiPanel()->boxCount(), 6);
    // Two fine-tuned AEs, two runs each, intra and inter: eight diamonds; the pretrained AE has one run.
    EXPECT_EQ(window.nmiPanel()->replicaMedianCount(), 8);
    EXPECT_TRUE(window.nmiPanel()->csv().startsWith("autoencoder,replica,image,intra,inter\n"));
    EXPECT_TRUE(window.nmiPanel()->csv().contains("\nplain,2,0,"));
}

// Probe settings: the dialog gives back what it was given (opening and closing changes nothing), its fields
// reach experiment.json, and settings that make stages stale ask first: keep them (the old settings come
// back) or discard them (deleted, redone at the next run).
TEST(ProbeView, ProbeSettingsAskBeforeStagesMadeWithOtherSettingsAreRedone) {
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
