// Writes PNGs of every main view during and after a tiny probe, on a real X server (run under Xvfb by
// CTest), so that a person can look at them: readable labels, nothing clipped, data where data belongs.
// Exit code 1 when a view that should hold data looks empty.
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QImage>
#include <QPalette>
#include <QSet>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTabWidget>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <cstdio>

#include "UiTestSupport.h"
#include "attribution/AttributionPanel.h"
#include "attribution/AttributionSummary.h"
#include "attribution/MapGrid.h"
#include "factors/FactorControls.h"
#include "factors/FactorPanel.h"
#include "netsight/ui/ExperimentSession.h"
#include "netsight/ui/MainWindow.h"
#include "probe/ProbeSettingsDialog.h"
#include "robustness/RobustnessPanel.h"
#include "visualizer/VisualizerPanel.h"
#include "widgets/ImageListView.h"

using netsight::ui::ExperimentSession;
using netsight::ui::MainWindow;

namespace {

// Distinct colours in a sample of the picture: a blank or placeholder-only view has very few.
int colourCount(const QImage& image) {
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 3)
        for (int x = 0; x < image.width(); x += 3)
            colours.insert(image.pixel(x, y));
    return static_cast<int>(colours.size());
}

bool grabAll(MainWindow& window, const QString& folder, const QString& prefix, bool requireData) {
    static const char* names[] = {"data",       "classifiers", "probe",      "transfer",    "order", "nmi",
                                  "visualizer", "factors",     "robustness", "attribution", "jobs"};
    bool ok = true;
    for (int tab = 0; tab < 11; ++tab) {
        window.showTab(static_cast<MainWindow::Tab>(tab));
        QTest::qWait(400);  // let the panel lay out and paint
        const QImage image = window.grab().toImage();
        const QString file = QStringLiteral("%1/%2-%3.png").arg(folder, prefix, names[tab]);
        if (!image.save(file)) {
            std::fprintf(stderr, "cannot write %s\n", qPrintable(file));
            ok = false;
        }
        const int colours = colourCount(image);
        std::printf("%s: %d colours\n", qPrintable(file), colours);
        if (requireData && colours < 40) {
            std::fprintf(stderr, "%s looks empty (%d colours)\n", qPrintable(file), colours);
            ok = false;
        }
    }
    return ok;
}

}  // namespace

int main(int argc, char** argv) {
    QStandardPaths::setTestModeEnabled(true);
    if (qEnvironmentVariableIsEmpty("NETSIGHT_AUTOENCODER_CACHE"))
        qputenv("NETSIGHT_AUTOENCODER_CACHE", "off");  // the tour pretrains live, whatever ran before
    QApplication app(argc, argv);
    QApplication::setOrganizationName("NetSightTests");
    QApplication::setApplicationName("NetSightTests");
    const QString folder = argc > 1 ? QString::fromLocal8Bit(argv[1]) : QStringLiteral("screenshots");
    // "dark" as second argument: the same tour under a dark palette (as a dark desktop theme gives).
    if (argc > 2 && QByteArray(argv[2]) == "dark") {
        QApplication::setStyle("Fusion");
        QPalette dark;
        dark.setColor(QPalette::Window, QColor(45, 45, 48));
        dark.setColor(QPalette::WindowText, QColor(230, 230, 230));
        dark.setColor(QPalette::Base, QColor(30, 30, 32));
        dark.setColor(QPalette::AlternateBase, QColor(45, 45, 48));
        dark.setColor(QPalette::Text, QColor(230, 230, 230));
        dark.setColor(QPalette::Button, QColor(55, 55, 58));
        dark.setColor(QPalette::ButtonText, QColor(230, 230, 230));
        dark.setColor(QPalette::Highlight, QColor(42, 130, 218));
        dark.setColor(QPalette::PlaceholderText, QColor(150, 150, 150));
        dark.setColor(QPalette::Mid, QColor(90, 90, 95));
        QApplication::setPalette(dark);
    }
    QDir().mkpath(folder);

    MainWindow window;
    window.resize(1280, 820);
    window.show();
    QTest::qWait(500);
    window.grab().save(folder + "/welcome.png");

    QTemporaryDir dir;
    auto spec = netsight::test::tinyProbeSpec();
    // Large enough that the view is caught mid-run, and that the autoencoder learns to reconstruct.
    spec.data = "factorworld:classes=3,size=32,train=1500,val=60,test=60";
    spec.pretrainEpochs = 3;
    spec.gridImages = 6;
    spec.replicas = 2;  // the NMI view's replica medians and the Order view's agreement
    if (!window.openExperiment(netsight::test::writeExperiment(dir, spec))) return 1;
    ExperimentSession* session = window.session();
    if (!session->startProbe()) return 1;
    window.showTab(MainWindow::Tab::Probe);
    bool during = QTest::qWaitFor(
        [&] {
            return !session->jobs().isEmpty() && session->jobs()[0].phase.startsWith("fine-tune for grey");
        },
        300000);
    bool ok = during && grabAll(window, folder, "during", false);
    ok = QTest::qWaitFor([&] { return !session->busy(); }, 300000) && ok;
    ok = session->results().has_value() && ok;
    // The visualizer: a channel of the trained resnet-s, live.
    window.showTab(MainWindow::Tab::Visualizer);
    auto* visualizer = window.visualizerPanel();
    visualizer->selectClassifier("plain");
    ok = QTest::qWaitFor([&] { return visualizer->selectLayer("layer2.0"); }, 20000) && ok;
    visualizer->stepsBox()->setValue(128);
    visualizer->indexBox()->setValue(3);
    visualizer->startVisualization();
    ok = QTest::qWaitFor([&] { return !session->busy(); }, 120000) && ok;
    // What it made is kept in the experiment: the Saved tab.
    if (auto* views = visualizer->findChild<QTabWidget*>()) {
        views->setCurrentIndex(views->count() - 1);
        QTest::qWait(300);
        ok = visualizer->savedCount() > 0 && window.grab().save(folder + "/visualizer-saved.png") && ok;
        views->setCurrentIndex(0);
    }
    // The factor lab: a morphed, rotated stimulus live, and the analysis of the trained resnet-s.
    window.showTab(MainWindow::Tab::Factors);
    auto* factors = window.factorPanel();
    factors->selectClassifier("plain");
    ok = QTest::qWaitFor([&] { return !factors->probabilities().empty(); }, 20000) && ok;
    factors->controls()->setFactor("morph.texture", 0.4);
    factors->controls()->setFactor("rotation", 30);
    factors->samplesBox()->setValue(600);
    ok = factors->startAnalysis() && ok;
    ok = QTest::qWaitFor([&] { return !session->busy(); }, 120000) && factors->hasReport() && ok;
    for (int view = 0; view < factors->views()->count(); ++view) {
        factors->views()->setCurrentIndex(view);
        QTest::qWait(300);
        const QString file = QStringLiteral("%1/factors-%2.png").arg(folder).arg(view);
        const QImage image = window.grab().toImage();
        ok = image.save(file) && ok;
        std::printf("%s: %d colours\n", qPrintable(file), colourCount(image));
    }
    factors->views()->setCurrentIndex(0);
    // The robustness bench on the experiment's classifiers: curves, examples.
    window.showTab(MainWindow::Tab::Robustness);
    auto* robustness = window.robustnessPanel();
    robustness->imagesBox()->setValue(40);
    ok = robustness->start() && ok;
    ok = QTest::qWaitFor([&] { return !session->busy(); }, 300000) && !robustness->figures().isEmpty() && ok;
    robustness->figureBox()->setCurrentText("pgd-l2-10");
    QTest::qWait(300);
    ok = window.grab().save(folder + "/robustness-attack.png") && ok;
    robustness->figureBox()->setCurrentText("blur");
    QTest::qWait(300);
    ok = window.grab().save(folder + "/robustness-blur.png") && ok;
    robustness->views()->setCurrentIndex(1);
    QTest::qWait(300);
    ok = window.grab().save(folder + "/robustness-examples.png") && ok;
    robustness->views()->setCurrentIndex(2);
    ok = QTest::qWaitFor([&] { return robustness->perturbedSummary().contains("right"); }, 30000) && ok;
    QTest::qWait(300);
    ok = window.grab().save(folder + "/robustness-perturbed.png") && ok;
    robustness->views()->setCurrentIndex(0);
    robustness->figureBox()->setCurrentText("minimal-l2");
    // Attribution: one test image's maps, then the dataset summary.
    window.showTab(MainWindow::Tab::Attribution);
    auto* attribution = window.attributionPanel();
    attribution->refresh();
    ok = QTest::qWaitFor([&] { return attribution->browser()->count() > 0; }, 60000) && ok;
    attribution->browser()->setCurrentRow(std::min(3, attribution->browser()->count() - 1));
    ok = attribution->explain() && ok;
    ok = QTest::qWaitFor([&] { return attribution->mapsView()->tileCount() > 0; }, 120000) && ok;
    QTest::qWait(300);
    ok = window.grab().save(folder + "/attribution-maps.png") && ok;
    attribution->views()->setCurrentIndex(1);
    attribution->summary()->imagesBox()->setValue(16);
    ok = attribution->summary()->start() && ok;
    ok = QTest::qWaitFor([&] { return !session->busy(); }, 300000) &&
         attribution->summary()->table()->rowCount() > 0 && ok;
    QTest::qWait(300);
    ok = window.grab().save(folder + "/attribution-summary.png") && ok;
    attribution->views()->setCurrentIndex(0);
    ok = grabAll(window, folder, "after", true) && ok;
    {
        netsight::ui::ProbeSettingsDialog settings(session->spec(), session->directory(), &window);
        settings.show();
        QTest::qWait(300);
        ok = settings.grab().save(folder + "/probe-settings.png") && ok;
        // What the user is asked after raising the fine-tuning epochs.
        auto moreEpochs = session->spec();
        moreEpochs.finetuneEpochs += 1;
        ok = session->updateSpec(moreEpochs) && ok;
        const QStringList stale = session->staleStages();
        ok = !stale.isEmpty() && ok;
        netsight::ui::StaleStagesBox box(stale, &window);
        box.show();
        QTest::qWait(300);
        ok = box.grab().save(folder + "/stale-stages.png") && ok;
    }
    std::printf("screenshots in %s: %s\n", qPrintable(folder), ok ? "ok" : "FAILED");
    return ok ? 0 : 1;
}
