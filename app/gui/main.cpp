// netsight: the desktop lab.
#include <QApplication>
#include <QCommandLineParser>
#include <QTimer>

#include "netsight/ui/DataPanel.h"
#include "netsight/ui/MainWindow.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    QApplication::setOrganizationName("NetSight");
    QApplication::setApplicationName("NetSight");
    QApplication::setApplicationVersion("0.1.0");

    QCommandLineParser parser;
    parser.setApplicationDescription("NetSight: what image classifiers use of their input");
    parser.addHelpOption();
    parser.addVersionOption();
    QCommandLineOption sourceOption("source", "Data source to open (default: factorworld).", "source",
                                    "factorworld");
    QCommandLineOption screenshotOption(
        "screenshot", "Write a PNG of the window once the data are shown, then quit.", "file");
    parser.addOption(sourceOption);
    parser.addOption(screenshotOption);
    parser.process(app);

    netsight::ui::MainWindow window;
    window.show();
    auto* panel = window.dataPanel();
    panel->setSource(parser.value(sourceOption));
    if (parser.isSet(screenshotOption)) {
        const QString file = parser.value(screenshotOption);
        QObject::connect(panel, &netsight::ui::DataPanel::sheetShown, &window, [&window, file] {
            QTimer::singleShot(200, &window,
                               [&window, file] { QApplication::exit(window.grab().save(file) ? 0 : 1); });
        });
        QObject::connect(panel, &netsight::ui::DataPanel::failed, &window, [] { QApplication::exit(1); });
    }
    panel->load();
    return app.exec();
}
