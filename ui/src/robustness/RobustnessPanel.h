#pragma once

// The Robustness view: the experiment's classifiers on the robustness bench (perturbation curves, PGD
// attacks, minimal perturbations, the top-down scale ablation), one plot per perturbation or attack with
// every classifier as a line and its 95% interval, live as the job runs; the checked adversarial examples;
// the verdict of the comparison of architectures; every figure exportable.
#include <QMap>
#include <QString>
#include <QWidget>
#include <map>

#include "netsight/robustness/RobustnessReport.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QLabel;
class QListWidget;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace netsight::ui {

class ExperimentSession;
class ImageListView;

class RobustnessPanel : public QWidget {
    Q_OBJECT
  public:
    explicit RobustnessPanel(ExperimentSession* session, QWidget* parent = nullptr);

    /// Lists the experiment's classifiers (checked: all), and shows results/robustness when it holds results.
    void refresh();
    /// Runs the bench on the checked classifiers (job "robustness"); false with lastError() otherwise.
    bool start();
    QString lastError() const { return error_; }
    QListWidget* classifierList() const { return classifiers_; }
    QComboBox* figureBox() const { return figure_; }
    QCustomPlot* plot() const { return plot_; }
    QSpinBox* imagesBox() const { return images_; }
    QCheckBox* perturbationsBox() const { return perturbations_; }
    QCheckBox* scalesBox() const { return scales_; }
    QTabWidget* views() const { return views_; }
    QString verdict() const;
    /// The figures there are: "pgd-linf-10", "pgd-l2-10@full", "minimal-l2", "blur", ...
    QStringList figures() const;
    /// The points of `figure` per classifier shown now (live or from the results).
    int lineCount() const;
    /// The shown figure's numbers as CSV: classifier, x, y, low, high.
    QString csv() const;
    /// The Perturbed examples tab: test images under the chosen perturbation and strength as the curve
    /// measured them, with the chosen classifier's predictions (loaded on the interactive lane).
    QComboBox* exampleClassifierBox() const { return exampleClassifier_; }
    QComboBox* examplePerturbationBox() const { return examplePerturbation_; }
    QComboBox* exampleStrengthBox() const { return exampleStrength_; }
    ImageListView* perturbedView() const { return perturbed_; }
    /// Asks for the examples of the current choice; perturbedShown() follows.
    void showPerturbedExamples();
    /// "7 of 16 right" of the examples shown last.
    QString perturbedSummary() const;

  signals:
    void finished(bool succeeded);
    void updated();
    void perturbedShown();

  protected:
    void showEvent(QShowEvent* event) override;

  private:
    struct Point {
        double y = 0, low = 0, high = 0;
    };
    using Line = std::map<double, Point>;  // x -> point
    void loadResults();
    void refreshExampleClassifiers();
    void addFigure(const QString& figure);
    void showFigure();
    QString resultsDirectory() const;

    ExperimentSession* session_;
    QListWidget* classifiers_;
    QCheckBox* perturbations_;
    QCheckBox* attacks_;
    QCheckBox* scales_;
    QSpinBox* images_;
    QPushButton* run_;
    QPushButton* stop_;
    QProgressBar* progress_;
    QLabel* status_;
    QLabel* verdict_;
    QComboBox* figure_;
    QCustomPlot* plot_;
    QLabel* examples_;
    QComboBox* exampleClassifier_;
    QComboBox* examplePerturbation_;
    QComboBox* exampleStrength_;
    ImageListView* perturbed_;
    QLabel* perturbedStatus_;
    int perturbedGeneration_ = 0;
    QTabWidget* views_;
    // figure -> classifier -> line
    QMap<QString, QMap<QString, Line>> lines_;
    QString runningJob_;
    QString error_;
};

}  // namespace netsight::ui
