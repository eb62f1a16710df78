#pragma once

// The Attribution view's Dataset summary tab: the checked methods on the first test images of each checked
// classifier, as a job with progress and Stop; a table of the checks (with 95% intervals and the
// randomization check) and one per class; both export. Written into the experiment's results/attribution.
#include <QStringList>
#include <QWidget>
#include <functional>
#include <vector>

#include "netsight/attribution/Attribution.h"

class QProgressBar;
class QPushButton;
class QSpinBox;
class QTableWidget;
class QLabel;

namespace netsight::ui {

class ExperimentSession;

class AttributionSummary : public QWidget {
    Q_OBJECT
  public:
    using Classifiers = std::function<QStringList()>;
    using Methods = std::function<std::vector<attribution::Method>()>;
    AttributionSummary(ExperimentSession* session, Classifiers classifiers, Methods methods,
                       QWidget* parent = nullptr);

    /// Runs the summary as the job "attribution summary"; finished() follows. False with lastError().
    bool start();
    QString lastError() const { return error_; }
    QSpinBox* imagesBox() const { return images_; }
    QTableWidget* table() const { return table_; }
    QTableWidget* perClassTable() const { return perClass_; }
    /// The summary table as CSV: classifier, method, each check's estimate and interval.
    QString csv() const;
    /// Shows the summaries saved in the experiment's results/attribution (done when it opens). False: none.
    bool loadSaved();

  signals:
    void finished(bool succeeded);

  private:
    void show(const std::vector<attribution::AttributionResults>& runs);

    ExperimentSession* session_;
    Classifiers classifiers_;
    Methods methods_;
    QSpinBox* images_;
    QPushButton* run_;
    QPushButton* stop_;
    QProgressBar* progress_;
    QLabel* status_;
    QTableWidget* table_;
    QTableWidget* perClass_;
    QString runningJob_;
    QString error_;
};

}  // namespace netsight::ui
