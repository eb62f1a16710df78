#pragma once

// A trained classifier of the experiment and one of its layers, picked from a tree of module paths with the
// shapes of their outputs. The model file is read off the GUI thread.
#include <QWidget>

#include "netsight/models/ModelFile.h"

class QComboBox;
class QTreeWidget;

namespace netsight::ui {

class ExperimentSession;

class LayerPicker : public QWidget {
    Q_OBJECT
  public:
    explicit LayerPicker(ExperimentSession* session, QWidget* parent = nullptr);
    /// Lists the classifiers whose model files are complete; keeps the current one when it still is.
    /// Called whenever the experiment's stages change.
    void refresh();
    void selectClassifier(const QString& name);
    bool selectLayer(const QString& name);
    QString modelPath() const;
    /// The experiment's name of the chosen classifier.
    QString classifierName() const;
    QString selectedLayer() const;
    /// The chosen model as read (layers, classes); empty until layersShown().
    const models::ModelSummary& model() const { return model_; }

  signals:
    void layersShown();
    void layerChanged();
    /// What stops a choice (no trained classifier, an unreadable model); empty when that no longer holds.
    void problem(const QString& message);

  private:
    void readLayers();
    void showLayers();
    ExperimentSession* session_;
    QComboBox* classifier_;
    QTreeWidget* layers_;
    models::ModelSummary model_;
    int generation_ = 0;  // drops the answers of superseded reads
};

}  // namespace netsight::ui
