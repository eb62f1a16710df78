#pragma once

// The feature visualizer: pick a classifier, a layer and a target; watch the image evolve beside the
// objective; render a layer's channel gallery; invert a dataset image at several layers.
#include <QImage>
#include <QWidget>
#include <functional>

#include "netsight/models/ModelFile.h"
#include "netsight/runtime/Job.h"
#include "netsight/viz/SavedVisualization.h"
#include "netsight/viz/Visualize.h"

class QCheckBox;
class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QTreeWidget;

namespace netsight::ui {

class DataExamplesView;
class ExperimentSession;
class ImageListView;
class LayerPicker;
class VizSettingsForm;

class VisualizerPanel : public QWidget {
    Q_OBJECT
  public:
    explicit VisualizerPanel(ExperimentSession* session, QWidget* parent = nullptr);

    /// Selects a classifier of the experiment by name and reads its layers.
    void selectClassifier(const QString& name);
    /// Selects a layer by module path (once the layers are read).
    bool selectLayer(const QString& name);
    void startVisualization();
    void startGallery();
    void startInversion();
    QImage currentImage() const { return current_; }
    int galleryCount() const;
    int inversionCount() const;
    /// Images of the experiment's saved visualizer results (results/visualizer), shown under "Saved".
    int savedCount() const;
    QCustomPlot* objectivePlot() const { return plot_; }
    QComboBox* targetBox() const { return target_; }
    QSpinBox* indexBox() const { return index_; }
    /// The layer's channel activity and the test images that drive the target (after a run).
    DataExamplesView* dataExamples() const { return dataExamples_; }
    QString channelNote() const;
    QSpinBox* stepsBox() const;
    /// An image file to invert instead of a test image of the experiment's data (empty: the test image).
    void setInversionFile(const QString& path);
    QString lastError() const { return error_; }

  signals:
    void layersShown();
    void finished(const QString& job, bool succeeded);

  private:
    QWidget* buildControls();
    QWidget* buildViews();
    void connectControls();
    void followSession();
    void refreshTargetRange();
    void showChannelNote();
    viz::ObjectiveTerm currentTerm() const;
    QString modelPath() const;
    QString selectedLayer() const;
    bool submit(runtime::JobKind kind, std::function<void(runtime::JobContext&)> work);
    void setRunning(bool running);
    void showImage(const QImage& image);
    void saveImage();
    void loadSaved();
    /// The record a job of `kind` fills in and saves into the experiment when it succeeds.
    viz::SavedVisualization recordOf(const QString& kind, const QString& title) const;

    ExperimentSession* session_;
    LayerPicker* picker_;
    QComboBox* target_;
    QSpinBox* index_;
    QSpinBox* x_;
    QSpinBox* y_;
    VizSettingsForm* settings_;
    QSpinBox* galleryCount_;
    QSpinBox* imageIndex_;
    QLineEdit* imageFile_;
    QPushButton* start_;
    QPushButton* stop_;
    QPushButton* gallery_;
    QPushButton* invert_;
    QLabel* image_;
    QLabel* status_;
    QCustomPlot* plot_;
    ImageListView* galleryList_;
    ImageListView* inversionList_;
    ImageListView* savedList_;
    QLabel* channelNote_;
    DataExamplesView* dataExamples_;
    bool indexChosen_ = false;  // the user moved the index: the activity does not override it (unless silent)
    QImage current_;
    QString runningJob_;
    QString error_;
};

}  // namespace netsight::ui
