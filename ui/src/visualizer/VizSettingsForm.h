#pragma once

// How the visualizer optimizes: parameterization, size, steps, learning rate, transforms, regularizers, with
// Lucid's defaults filled in.
#include <QWidget>

#include "netsight/viz/Visualize.h"

class QCheckBox;
class QComboBox;
class QDoubleSpinBox;
class QSpinBox;

namespace netsight::ui {

class VizSettingsForm : public QWidget {
    Q_OBJECT
  public:
    explicit VizSettingsForm(QWidget* parent = nullptr);
    /// Options with everything but the objective and the device filled in from the form.
    viz::VizOptions options() const;
    QSpinBox* stepsBox() const { return steps_; }

  private:
    QComboBox* parameterization_;
    QSpinBox* size_;
    QSpinBox* steps_;
    QDoubleSpinBox* learningRate_;
    QCheckBox* transforms_;
    QDoubleSpinBox* tvWeight_;
    QDoubleSpinBox* alphaWeight_;
};

}  // namespace netsight::ui
