#pragma once

// The job queue: progress, rate and ETA per job, its device, cancel and retry, failures with their
// message; the experiment's log below.
#include <QWidget>

class QPlainTextEdit;
class QPushButton;
class QTableWidget;

namespace netsight::ui {

class ExperimentSession;

class JobsPanel : public QWidget {
    Q_OBJECT
  public:
    explicit JobsPanel(ExperimentSession* session, QWidget* parent = nullptr);
    QTableWidget* table() const { return table_; }
    QPushButton* cancelButton() const { return cancel_; }
    QPushButton* retryButton() const { return retry_; }

  private:
    void refresh();
    QString selectedJob() const;
    ExperimentSession* session_;
    QTableWidget* table_;
    QPushButton* cancel_;
    QPushButton* retry_;
    QPlainTextEdit* log_;
};

}  // namespace netsight::ui
