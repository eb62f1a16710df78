#include "netsight/ui/MainWindow.h"

#include <QApplication>
#include <QCloseEvent>
#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QDragEnterEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QProgressBar>
#include <QSettings>
#include <QStackedWidget>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTabWidget>
#include <QToolBar>

#include "attribution/AttributionPanel.h"
#include "classifiers/ClassifiersPanel.h"
#include "factors/FactorPanel.h"
#include "jobs/JobsPanel.h"
#include "netsight/ui/DataPanel.h"
#include "netsight/ui/ExperimentSession.h"
#include "probe/NmiPanel.h"
#include "probe/OrderPanel.h"
#include "probe/ProbePanel.h"
#include "probe/ProbeSettingsDialog.h"
#include "probe/TransferPanel.h"
#include "robustness/RobustnessPanel.h"
#include "visualizer/VisualizerPanel.h"
#include "widgets/Formatting.h"
#include "window/WelcomePage.h"

namespace netsight::ui {
namespace {
constexpr int kRecentMax = 8;
}  // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent), session_(new ExperimentSession(this)) {
    setWindowTitle("NetSight");
    setAcceptDrops(true);
    stack_ = new QStackedWidget(this);
    welcome_ = new WelcomePage(stack_);
    tabs_ = new QTabWidget(stack_);
    tabs_->setDocumentMode(true);
    dataPanel_ = new DataPanel(session_, tabs_);
    classifiersPanel_ = new ClassifiersPanel(session_, tabs_);
    probePanel_ = new ProbePanel(session_, tabs_);
    transferPanel_ = new TransferPanel(session_, tabs_);
    orderPanel_ = new OrderPanel(session_, tabs_);
    nmiPanel_ = new NmiPanel(session_, tabs_);
    visualizerPanel_ = new VisualizerPanel(session_, tabs_);
    factorPanel_ = new FactorPanel(session_, tabs_);
    robustnessPanel_ = new RobustnessPanel(session_, tabs_);
    attributionPanel_ = new AttributionPanel(session_, tabs_);
    attributionPanel_->setStimulusSource([this] { return factorPanel_->liveImage(); });
    jobsPanel_ = new JobsPanel(session_, tabs_);
    tabs_->addTab(dataPanel_, tr("Data"));
    tabs_->addTab(classifiersPanel_, tr("Classifiers"));
    tabs_->addTab(probePanel_, tr("Probe"));
    tabs_->addTab(transferPanel_, tr("Transfer matrix"));
    tabs_->addTab(orderPanel_, tr("Order"));
    tabs_->addTab(nmiPanel_, tr("NMI"));
    tabs_->addTab(visualizerPanel_, tr("Visualizer"));
    tabs_->addTab(factorPanel_, tr("Factor lab"));
    tabs_->addTab(robustnessPanel_, tr("Robustness"));
    tabs_->addTab(attributionPanel_, tr("Attribution"));
    tabs_->addTab(jobsPanel_, tr("Jobs"));
    stack_->addWidget(welcome_);
    stack_->addWidget(tabs_);
    setCentralWidget(stack_);

    statusText_ = new QLabel(this);
    statusProgress_ = new QProgressBar(this);
    statusProgress_->setMaximumWidth(220);
    statusProgress_->setRange(0, 1000);
    statusProgress_->setVisible(false);
    statusBar()->addPermanentWidget(statusText_);
    statusBar()->addPermanentWidget(statusProgress_);
    buildMenus();

    connect(welcome_, &WelcomePage::demoRequested, this, [this] { runDemo(); });
    connect(welcome_, &WelcomePage::newRequested, this, &MainWindow::newExperiment);
    connect(welcome_, &WelcomePage::openRequested, this, &MainWindow::openExperimentDialog);
    connect(welcome_, &WelcomePage::recentChosen, this, &MainWindow::openExperiment);
    connect(session_, &ExperimentSession::opened, this, [this] {
        stack_->setCurrentWidget(tabs_);
        setWindowTitle(tr("%1 — NetSight").arg(QFileInfo(session_->directory()).fileName()));
        dataPanel_->setSource(QString::fromStdString(session_->spec().data));
        dataPanel_->load();
        rememberRecent(session_->directory());
        refreshStatus();
    });
    connect(session_, &ExperimentSession::closed, this, [this] {
        stack_->setCurrentWidget(welcome_);
        setWindowTitle("NetSight");
    });
    connect(session_, &ExperimentSession::jobsChanged, this, &MainWindow::refreshStatus);
    connect(session_, &ExperimentSession::jobFinished, this,
            [this](const QString& name, JobState state, const QString& message) {
                if (state == JobState::Failed) {
                    statusBar()->showMessage(tr("%1 failed: %2").arg(name, message));
                    if (!closeWhenIdle_) showTab(Tab::Jobs);
                } else if (state == JobState::Succeeded && name == ExperimentSession::probeJobName()) {
                    statusBar()->showMessage(
                        tr("Probe finished: results in %1/results").arg(session_->directory()), 15000);
                }
                if (closeWhenIdle_ && !session_->busy()) close();
            });
    connect(dataPanel_, &DataPanel::failed, this,
            [this](const QString& message) { statusBar()->showMessage(message, 10000); });

    QSettings settings;
    if (!restoreGeometry(settings.value("window/geometry").toByteArray())) resize(1280, 820);
    tabs_->setCurrentIndex(settings.value("window/tab", static_cast<int>(Tab::Probe)).toInt());
    refreshRecent();
    refreshStatus();
    confirmStale_ = [this](const QStringList& stale) {
        StaleStagesBox box(stale, this);
        box.exec();
        return box.clickedButton() == box.discardButton();
    };
    confirmClose_ = [this] {
        return QMessageBox::question(
                   this, tr("A job is running"),
                   tr("Cancel the running job and quit? Its last checkpoint is kept: reopen the "
                      "experiment and press Run to resume.")) == QMessageBox::Yes;
    };
}

MainWindow::~MainWindow() = default;

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New experiment…"), QKeySequence::New, this, &MainWindow::newExperiment);
    file->addAction(tr("&Open experiment…"), QKeySequence::Open, this, &MainWindow::openExperimentDialog);
    recentMenu_ = file->addMenu(tr("Open &recent"));
    file->addAction(tr("Run the &demo"), QKeySequence(Qt::CTRL | Qt::Key_D), this, [this] { runDemo(); });
    file->addSeparator();
    file->addAction(tr("&Close experiment"), QKeySequence::Close, this, [this] {
        if (session_->busy())
            showError(tr("Close experiment"), tr("A job is running; cancel it first (Ctrl+.)."));
        else
            session_->close();
    });
    file->addAction(tr("&Settings…"), QKeySequence::Preferences, this, &MainWindow::showSettings);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    runAction_ = run->addAction(tr("&Run / resume probe"), QKeySequence(Qt::CTRL | Qt::Key_R), this, [this] {
        if (session_->startProbe())
            showTab(Tab::Probe);
        else
            showError(tr("Run probe"), session_->error());
    });
    runAction_->setToolTip(
        tr("Train what is missing, pretrain and fine-tune the autoencoders, measure (Ctrl+R)"));
    cancelAction_ = run->addAction(tr("&Cancel jobs"), QKeySequence(Qt::CTRL | Qt::Key_Period), session_,
                                   &ExperimentSession::cancelAll);
    cancelAction_->setToolTip(tr("Stop after the current batch; checkpoints are kept (Ctrl+.)"));
    run->addSeparator();
    run->addAction(tr("Probe &settings…"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_P), this,
                   &MainWindow::editProbeSettings);
    run->addAction(tr("&Discard stale stages…"), this, &MainWindow::discardStale);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < tabs_->count(); ++i) {  // Ctrl+1 to Ctrl+9, Ctrl+0, then Ctrl+Shift+1...
        const QKeySequence key =
            i < 9    ? QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i))
            : i == 9 ? QKeySequence(Qt::CTRL | Qt::Key_0)
                     : QKeySequence(Qt::CTRL | Qt::SHIFT | static_cast<Qt::Key>(Qt::Key_1 + i - 10));
        view->addAction(tabs_->tabText(i), key, this, [this, i] { tabs_->setCurrentIndex(i); });
    }

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About NetSight"), this, [this] {
        QMessageBox::about(
            this, tr("About NetSight"),
            tr("<b>NetSight %1</b><p>A desktop lab for seeing what image classifiers use of their "
               "input.</p><p>Signal probe after Palacio et al., <i>What do Deep Networks Like to "
               "See?</i>, CVPR 2018.</p>")
                .arg(QApplication::applicationVersion()));
    });

    auto* toolbar = addToolBar(tr("Main"));
    toolbar->setObjectName("mainToolbar");
    toolbar->setMovable(false);
    toolbar->setToolButtonStyle(Qt::ToolButtonTextOnly);
    toolbar->addAction(runAction_);
    toolbar->addAction(cancelAction_);
}

void MainWindow::showTab(Tab tab) {
    tabs_->setCurrentIndex(static_cast<int>(tab));
}

bool MainWindow::welcomeShown() const {
    return stack_->currentWidget() == welcome_;
}

void MainWindow::showError(const QString& title, const QString& message) {
    statusBar()->showMessage(message, 15000);
    // Window-modal and non-blocking: the event loop (and the live view) keeps running behind it.
    auto* box = new QMessageBox(QMessageBox::Warning, title, message, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

bool MainWindow::openExperiment(const QString& directory) {
    if (!session_->open(directory)) {
        showError(tr("Open experiment"), session_->error());
        return false;
    }
    return true;
}

QString MainWindow::defaultDemoDirectory() {
    return QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/demo";
}

bool MainWindow::runDemo(const QString& directoryText) {
    const QString directory = directoryText.isEmpty() ? defaultDemoDirectory() : directoryText;
    const bool exists = QFileInfo::exists(directory + "/experiment.json");
    if (!(exists ? session_->open(directory) : session_->create(directory))) {
        showError(tr("Demo"), session_->error());
        return false;
    }
    if (!session_->startProbe() && !session_->busy()) {
        showError(tr("Demo"), session_->error());
        return false;
    }
    showTab(Tab::Probe);
    return true;
}

void MainWindow::newExperiment() {
    const QString directory = QFileDialog::getExistingDirectory(
        this, tr("New experiment: choose an empty folder"),
        QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation));
    if (directory.isEmpty()) return;
    // A new experiment starts from the demo's settings; the Classifiers and Data panels change them.
    if (!session_->create(directory)) showError(tr("New experiment"), session_->error());
}

void MainWindow::openExperimentDialog() {
    const QString directory = QFileDialog::getExistingDirectory(
        this, tr("Open experiment folder"),
        QStandardPaths::writableLocation(QStandardPaths::DocumentsLocation));
    if (!directory.isEmpty()) openExperiment(directory);
}

bool MainWindow::addPath(const QString& path) {
    const QFileInfo info(path);
    if (info.isDir() && QFileInfo::exists(path + "/experiment.json")) return openExperiment(path);
    if (!session_->isOpen()) {
        showError(tr("Add"), tr("%1: open or create an experiment first, then drop datasets and models onto "
                                "the window.")
                                 .arg(path));
        return false;
    }
    if (info.isDir()) {
        auto spec = session_->spec();
        const bool trained = !QDir(session_->directory() + "/models").isEmpty();
        if (trained) {
            showError(
                tr("Change data"),
                tr("%1 already has models trained on %2; create a new experiment (Ctrl+N) for other data.")
                    .arg(session_->directory(), QString::fromStdString(spec.data)));
            return false;
        }
        spec.data = "folder:" + info.absoluteFilePath().toStdString();
        if (!session_->updateSpec(spec)) {
            showError(tr("Change data"), session_->error());
            return false;
        }
        dataPanel_->setSource(QString::fromStdString(spec.data));
        dataPanel_->load();
        showTab(Tab::Data);
        return true;
    }
    const QString suffix = info.suffix().toLower();
    if (suffix == "pt" || suffix == "pth" || suffix == "nsm") {
        if (!classifiersPanel_->addModelFile(path)) {
            showError(tr("Add model"), classifiersPanel_->lastError());
            return false;
        }
        showTab(Tab::Classifiers);
        return true;
    }
    showError(tr("Add"),
              tr("%1: drop an experiment folder, a dataset folder, or a model file (.pt, .nsm).").arg(path));
    return false;
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event) {
    if (event->mimeData()->hasUrls()) event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event) {
    for (const QUrl& url : event->mimeData()->urls())
        if (url.isLocalFile()) addPath(url.toLocalFile());
    event->acceptProposedAction();
}

void MainWindow::showSettings() {
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Settings"));
    QSettings settings;
    auto* device = new QComboBox(&dialog);
    device->addItems({"auto", "cpu", "cuda"});
    device->setToolTip(tr("auto: the GPU when there is one, else the CPU"));
    device->setCurrentText(session_->isOpen() ? QString::fromStdString(session_->spec().device)
                                              : settings.value("defaults/device", "auto").toString());
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto* form = new QFormLayout(&dialog);
    form->addRow(tr("Device"), device);
    form->addRow(new QLabel(tr("CPU runs use one thread per core."), &dialog));
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted) return;
    settings.setValue("defaults/device", device->currentText());
    if (session_->isOpen()) {
        auto spec = session_->spec();
        spec.device = device->currentText().toStdString();
        if (!session_->updateSpec(spec)) showError(tr("Settings"), session_->error());
    }
}

void MainWindow::editProbeSettings() {
    if (!session_->isOpen()) {
        showError(tr("Probe settings"), tr("Open or create an experiment first."));
        return;
    }
    ProbeSettingsDialog dialog(session_->spec(), session_->directory(), this);
    if (dialog.exec() == QDialog::Accepted) applyProbeSettings(dialog.spec());
}

// Asks which stages the new settings would make stale before writing anything: keeping the stages leaves
// experiment.json as it was, discarding writes the settings and deletes just those stages.
bool MainWindow::applyProbeSettings(const experiment::ProbeSpec& spec) {
    const QStringList staleBefore = session_->staleStages();  // stale already: not this change's doing
    QStringList madeStale;
    for (const QString& line : session_->staleStagesUnder(spec))
        if (!staleBefore.contains(line)) madeStale << line;
    if (!session_->error().isEmpty()) {  // the stages could not be read: say so, take the new settings
        const QString problem = session_->error();
        const bool written = session_->updateSpec(spec);
        showError(tr("Probe settings"), written ? problem : session_->error());
        return written;
    }
    if (!madeStale.isEmpty() && !confirmStale_(madeStale)) return false;  // the stages and settings stay
    if (!session_->updateSpec(spec)) {
        showError(tr("Probe settings"), session_->error());
        return false;
    }
    if (!madeStale.isEmpty() && !session_->discardStaleStages()) {
        showError(tr("Probe settings"), session_->error());
        return false;
    }
    return true;
}

void MainWindow::discardStale() {
    if (!session_->isOpen()) return;
    const QStringList stale = session_->staleStages();
    if (stale.isEmpty()) {
        statusBar()->showMessage(
            session_->error().isEmpty() ? tr("Every stage done is up to date.") : session_->error(), 10000);
        return;
    }
    if (confirmStale_(stale) && !session_->discardStaleStages())
        showError(tr("Discard stale stages"), session_->error());
}

void MainWindow::rememberRecent(const QString& directory) {
    QSettings settings;
    QStringList recent = settings.value("recent/experiments").toStringList();
    recent.removeAll(directory);
    recent.prepend(directory);
    settings.setValue("recent/experiments", recent.mid(0, kRecentMax));
    refreshRecent();
}

void MainWindow::refreshRecent() {
    QStringList recent;
    for (const auto& directory : QSettings().value("recent/experiments").toStringList())
        if (QFileInfo::exists(directory + "/experiment.json")) recent << directory;
    welcome_->setRecent(recent);
    recentMenu_->clear();
    for (const auto& directory : recent)
        recentMenu_->addAction(directory, this, [this, directory] { openExperiment(directory); });
    recentMenu_->setEnabled(!recent.isEmpty());
}

void MainWindow::refreshStatus() {
    const bool open = session_->isOpen();
    runAction_->setEnabled(open && !session_->busy());
    cancelAction_->setEnabled(session_->busy());
    const JobStatus* running = nullptr;
    for (const auto& job : session_->jobs())
        if (job.state == JobState::Running || job.state == JobState::Queued) running = &job;
    statusProgress_->setVisible(running && running->total > 0);
    if (running) {
        if (running->total > 0)
            statusProgress_->setValue(static_cast<int>(1000 * running->done / running->total));
        statusText_->setText(
            tr("%1: %2 · ETA %3").arg(running->name, running->phase, formatDuration(running->etaSeconds)));
    } else {
        statusText_->setText(open ? session_->directory() : tr("No experiment open"));
    }
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (session_->busy()) {
        if (!closeWhenIdle_ && !confirmClose_()) {
            event->ignore();
            return;
        }
        // Cancel, and close once the worker has stopped at its next batch and saved.
        closeWhenIdle_ = true;
        session_->cancelAll();
        statusBar()->showMessage(tr("Cancelling: finishing the current batch…"));
        event->ignore();
        return;
    }
    QSettings settings;
    settings.setValue("window/geometry", saveGeometry());
    settings.setValue("window/tab", tabs_->currentIndex());
    event->accept();
}

}  // namespace netsight::ui
