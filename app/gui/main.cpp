// netsight: the desktop lab. Argument parsing only; everything else is in netsight::ui.
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>
#include <cstdio>

#include "netsight/ui/MainWindow.h"

namespace {
// --help and --version answer without a display, as a terminal user expects.
bool onlyAsksForText(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        const QByteArray arg(argv[i]);
        if (arg == "-h" || arg == "--help" || arg == "-v" || arg == "--version" || arg == "--help-all")
            return true;
    }
    return false;
}
}  // namespace

int main(int argc, char** argv) {
    if (onlyAsksForText(argc, argv)) qputenv("QT_QPA_PLATFORM", "offscreen");
    QApplication app(argc, argv);
    QApplication::setOrganizationName("NetSight");
    QApplication::setApplicationName("NetSight");
    QApplication::setApplicationVersion("0.1.0");
    QGuiApplication::setDesktopFileName("netsight");

    QCommandLineParser parser;
    parser.setApplicationDescription("NetSight: what image classifiers use of their input");
    parser.addHelpOption();
    parser.addVersionOption();
    parser.addPositionalArgument("experiment", "An experiment folder to open (it holds experiment.json).",
                                 "[EXPERIMENT_DIR]");
    QCommandLineOption demoOption("demo", "Open the demo experiment and run its probe live.");
    QCommandLineOption demoDirOption(
        "demo-dir", "Where the demo experiment lives (default: the app's data folder).", "dir");
    QCommandLineOption screenshotOption("screenshot", "Write a PNG of the window after a delay, then quit.",
                                        "file");
    QCommandLineOption delayOption("screenshot-after", "Seconds before --screenshot (default 3).", "seconds",
                                   "3");
    QCommandLineOption tabOption(
        "tab",
        "The view to show: data, classifiers, probe, transfer, order, nmi, visualizer, factors, robustness, "
        "attribution, jobs.",
        "view");
    parser.addOptions({demoOption, demoDirOption, tabOption, screenshotOption, delayOption});
    parser.process(app);

    netsight::ui::MainWindow window;
    window.show();
    if (parser.isSet(demoOption))
        window.runDemo(parser.value(demoDirOption));
    else if (!parser.positionalArguments().isEmpty())
        window.openExperiment(parser.positionalArguments().first());

    if (parser.isSet(tabOption)) {
        const QStringList views{"data",       "classifiers", "probe",      "transfer",    "order", "nmi",
                                "visualizer", "factors",     "robustness", "attribution", "jobs"};
        const auto index = views.indexOf(parser.value(tabOption).toLower());
        if (index < 0) {
            std::fprintf(stderr, "netsight: --tab takes one of: %s\n", qPrintable(views.join(", ")));
            return 2;
        }
        window.showTab(static_cast<netsight::ui::MainWindow::Tab>(index));
    }
    if (parser.isSet(screenshotOption)) {
        const QString file = parser.value(screenshotOption);
        QTimer::singleShot(static_cast<int>(parser.value(delayOption).toDouble() * 1000), &window,
                           [&window, file] {
                               const bool saved = window.grab().save(file);
                               window.setCloseConfirmation([] { return true; });
                               window.close();
                               if (!saved) QApplication::exit(1);
                           });
    }
    return app.exec();
}
