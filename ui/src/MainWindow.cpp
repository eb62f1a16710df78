#include "netsight/ui/MainWindow.h"

#include <QApplication>
#include <QCloseEvent>
#include <QMenuBar>
#include <QSettings>
#include <QStatusBar>
#include <QTabWidget>

#include "netsight/ui/DataPanel.h"

namespace netsight::ui {

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent) {
    setWindowTitle("NetSight");
    auto* tabs = new QTabWidget(this);
    dataPanel_ = new DataPanel(tabs);
    tabs->addTab(dataPanel_, tr("Data"));
    setCentralWidget(tabs);

    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    connect(dataPanel_, &DataPanel::loaded, this,
            [this] { statusBar()->showMessage(tr("Opened %1").arg(dataPanel_->source()), 5000); });
    connect(dataPanel_, &DataPanel::failed, this,
            [this](const QString& message) { statusBar()->showMessage(message, 10000); });
    statusBar()->showMessage(tr("Ready"));

    QSettings settings;
    if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1000, 760);
}

void MainWindow::closeEvent(QCloseEvent* event) {
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    event->accept();
}

}  // namespace netsight::ui
