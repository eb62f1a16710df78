#pragma once

#include <QMainWindow>
#include <functional>

#include "netsight/experiment/ProbeSpec.h"

class QAction;
class QLabel;
class QMenu;
class QProgressBar;
class QStackedWidget;
class QTabWidget;

namespace netsight::ui {

class ClassifiersPanel;
class DataPanel;
class ExperimentSession;
class JobsPanel;
class NmiPanel;
class OrderPanel;
class ProbePanel;
class TransferPanel;
class VisualizerPanel;
class FactorPanel;
class RobustnessPanel;
class AttributionPanel;
class WelcomePage;

/// NetSight's main window: the welcome screen until an experiment is open, then one tab per panel.
class MainWindow : public QMainWindow {
    Q_OBJECT
  public:
    enum class Tab {
        Data,
        Classifiers,
        Probe,
        Transfer,
        Order,
        Nmi,
        Visualizer,
        Factors,
        Robustness,
        Attribution,
        Jobs
    };
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    ExperimentSession* session() const { return session_; }
    DataPanel* dataPanel() const { return dataPanel_; }
    ClassifiersPanel* classifiersPanel() const { return classifiersPanel_; }
    ProbePanel* probePanel() const { return probePanel_; }
    TransferPanel* transferPanel() const { return transferPanel_; }
    OrderPanel* orderPanel() const { return orderPanel_; }
    NmiPanel* nmiPanel() const { return nmiPanel_; }
    JobsPanel* jobsPanel() const { return jobsPanel_; }
    VisualizerPanel* visualizerPanel() const { return visualizerPanel_; }
    FactorPanel* factorPanel() const { return factorPanel_; }
    RobustnessPanel* robustnessPanel() const { return robustnessPanel_; }
    AttributionPanel* attributionPanel() const { return attributionPanel_; }
    void showTab(Tab tab);
    bool welcomeShown() const;

    /// Opens an experiment folder; shows the error and returns false when it cannot.
    bool openExperiment(const QString& directory);
    /// Creates (or reopens) the demo experiment in `directory`, or the default place, and runs its probe.
    bool runDemo(const QString& directory = {});
    /// Where the demo lives unless told otherwise.
    static QString defaultDemoDirectory();
    /// Handles a dropped path: an experiment folder opens, a dataset folder becomes the data, a model file
    /// is added as a classifier.
    bool addPath(const QString& path);
    /// Asked when the window closes while a job runs; true cancels the job and closes once it stopped.
    /// The default asks the user in a message box.
    void setCloseConfirmation(std::function<bool()> confirm) { confirmClose_ = std::move(confirm); }
    /// Writes new probe settings; when they make stages done earlier stale, asks whether to discard them
    /// (they are redone at the next run) or to keep the old settings. Returns whether the new ones hold.
    bool applyProbeSettings(const experiment::ProbeSpec& spec);
    /// Asked with the stale stages (one line each); true discards them. The default asks in a message box.
    void setStaleConfirmation(std::function<bool(const QStringList&)> confirm) {
        confirmStale_ = std::move(confirm);
    }

  protected:
    void closeEvent(QCloseEvent* event) override;
    void dragEnterEvent(QDragEnterEvent* event) override;
    void dropEvent(QDropEvent* event) override;

  private:
    void buildMenus();
    void newExperiment();
    void openExperimentDialog();
    void showSettings();
    void editProbeSettings();
    void discardStale();
    void rememberRecent(const QString& directory);
    void refreshRecent();
    void refreshStatus();
    void showError(const QString& title, const QString& message);

    ExperimentSession* session_;
    QStackedWidget* stack_;
    WelcomePage* welcome_;
    QTabWidget* tabs_;
    DataPanel* dataPanel_;
    ClassifiersPanel* classifiersPanel_;
    ProbePanel* probePanel_;
    TransferPanel* transferPanel_;
    OrderPanel* orderPanel_;
    NmiPanel* nmiPanel_;
    JobsPanel* jobsPanel_;
    VisualizerPanel* visualizerPanel_;
    FactorPanel* factorPanel_;
    RobustnessPanel* robustnessPanel_;
    AttributionPanel* attributionPanel_;
    QMenu* recentMenu_ = nullptr;
    QAction* runAction_ = nullptr;
    QAction* cancelAction_ = nullptr;
    QLabel* statusText_;
    QProgressBar* statusProgress_;
    bool closeWhenIdle_ = false;
    std::function<bool()> confirmClose_;
    std::function<bool(const QStringList&)> confirmStale_;
};

}  // namespace netsight::ui
