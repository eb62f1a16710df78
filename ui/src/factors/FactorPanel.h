#pragma once

// The factor lab: sliders for every FactorWorld factor render a stimulus live with the classifier's
// probabilities; an analysis job measures which factors the decision and each layer carry (MI by depth,
// invariance to pose, generalization gradients, classification images), every figure exportable.
#include <QImage>
#include <QWidget>
#include <memory>
#include <vector>

#include "netsight/factors/FactorLab.h"

class QComboBox;
class QCustomPlot;
class QLabel;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;

namespace netsight::ui {

class ExperimentSession;
class FactorControls;
class FactorResults;

class FactorPanel : public QWidget {
    Q_OBJECT
  public:
    /// The classifiers it can analyse: the experiment's trained ones.
    QComboBox* classifierBox() const { return classifier_; }
    explicit FactorPanel(ExperimentSession* session, QWidget* parent = nullptr);
    ~FactorPanel() override;

    /// Lists the experiment's trained classifiers; keeps the current one when it is still there.
    void refreshClassifiers();
    void selectClassifier(const QString& name);
    FactorControls* controls() const { return controls_; }
    QImage liveImage() const { return liveImage_; }
    std::vector<double> probabilities() const { return probabilities_; }
    QSpinBox* samplesBox() const { return samples_; }
    /// Runs the analyses on the chosen classifier (job "factors:NAME"); false with lastError() otherwise.
    bool startAnalysis();
    const factors::FactorReport& report() const { return report_; }
    bool hasReport() const { return !report_.layers.empty(); }
    QString lastError() const { return error_; }
    QCustomPlot* depthPlot() const;
    QCustomPlot* morphPlot() const;
    /// The result views: Live, Decision, Layers, Invariance, Shape or texture, Classification images.
    QTabWidget* views() const;
    /// Where the chosen classifier's analysis lives: results/factors/NAME.
    QString reportDirectory() const;

  signals:
    void predicted();
    void reportShown();
    void finished(const QString& job, bool succeeded);

  protected:
    void showEvent(QShowEvent* event) override;

  private:
    void loadProbe();
    void requestPrediction();
    void showPrediction(const factors::LivePrediction& prediction);
    void loadReport();

    ExperimentSession* session_;
    QComboBox* classifier_;
    FactorControls* controls_;
    QSpinBox* samples_;
    QPushButton* run_;
    QPushButton* stop_;
    QProgressBar* progress_;
    QLabel* status_;
    QLabel* image_;
    QLabel* answer_;
    QCustomPlot* probabilityPlot_;
    FactorResults* views_;

    std::shared_ptr<factors::FactorProbe> probe_;
    QString loadedPath_;  // the model file probe_ was (or is being) loaded from
    int probeGeneration_ = 0;
    bool predicting_ = false, pending_ = false;
    QImage liveImage_;
    std::vector<double> probabilities_;
    factors::FactorReport report_;
    QString runningJob_;
    QString runningDirectory_;  // where the running analysis writes
    QString error_;
};

}  // namespace netsight::ui
