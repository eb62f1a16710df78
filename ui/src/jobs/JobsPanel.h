#pragma once

// The job queue: progress, rate and ETA per job, its device, cancel and retry, failures with their
// message; the experiment's jobs on a Slurm cluster (when it was submitted to one); the experiment's log
// below.
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;
class QTableWidget;
class QTimer;

namespace netsight::ui {

class ExperimentSession;

class JobsPanel : public QWidget {
    Q_OBJECT
  public:
    explicit JobsPanel(ExperimentSession* session, QWidget* parent = nullptr);
    QTableWidget* table() const { return table_; }
    QPushButton* cancelButton() const { return cancel_; }
    QPushButton* retryButton() const { return retry_; }
    /// The Slurm jobs of the experiment (netsight-cli probe DIR --slurm): hidden when there are none.
    QWidget* clusterBox() const { return clusterBox_; }
    QTableWidget* clusterTable() const { return cluster_; }
    QLabel* clusterLabel() const { return clusterLabel_; }
    /// Reads slurm/jobs.json and asks Slurm (squeue, sacct) where they stand, in the background.
    void refreshCluster();

  private:
    void refresh();
    QString selectedJob() const;
    ExperimentSession* session_;
    QTableWidget* table_;
    QPushButton* cancel_;
    QPushButton* retry_;
    QPlainTextEdit* log_;
    QWidget* clusterBox_;
    QTableWidget* cluster_;
    QLabel* clusterLabel_;
    QTimer* clusterTimer_;
    bool clusterQueryPending_ = false;
};

}  // namespace netsight::ui
