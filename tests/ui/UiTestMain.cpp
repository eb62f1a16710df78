// UI tests drive real widgets on the offscreen platform (STYLE.md rule 17).
#include <gtest/gtest.h>

#include <QApplication>
#include <QStandardPaths>

int main(int argc, char** argv) {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) qputenv("QT_QPA_PLATFORM", "offscreen");
    QStandardPaths::setTestModeEnabled(true);  // settings and recent lists of the tests stay apart
    qputenv("NETSIGHT_AUTOENCODER_CACHE",
            qgetenv("NETSIGHT_AUTOENCODER_CACHE").isEmpty()
                ? QByteArray("off")
                : qgetenv("NETSIGHT_AUTOENCODER_CACHE"));  // no reuse across runs
    QApplication app(argc, argv);
    QApplication::setOrganizationName("NetSightTests");
    QApplication::setApplicationName("NetSightTests");
    ::testing::InitGoogleTest(&argc, argv);
    return RUN_ALL_TESTS();
}
