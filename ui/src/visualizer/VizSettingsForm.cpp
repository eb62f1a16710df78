#include "visualizer/VizSettingsForm.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QSpinBox>

namespace netsight::ui {

VizSettingsForm::VizSettingsForm(QWidget* parent) : QWidget(parent) {
    const viz::VizOptions defaults;
    parameterization_ = new QComboBox(this);
    parameterization_->addItems({tr("Fourier, decorrelated colour"), tr("Pixels")});
    parameterization_->setToolTip(
        tr("Fourier (Lucid's default) optimizes natural-looking images; pixels suit "
           "small inputs and fine texture"));
    size_ = new QSpinBox(this);
    size_->setRange(0, 512);
    size_->setValue(defaults.size);
    size_->setSpecialValueText(tr("input size"));
    size_->setSuffix(" px");
    steps_ = new QSpinBox(this);
    steps_->setRange(1, 10000);
    steps_->setValue(256);
    learningRate_ = new QDoubleSpinBox(this);
    learningRate_->setDecimals(3);
    learningRate_->setRange(0.001, 1.0);
    learningRate_->setSingleStep(0.01);
    learningRate_->setValue(defaults.learningRate);
    transforms_ = new QCheckBox(tr("pad, jitter, scale, rotate"), this);
    transforms_->setChecked(defaults.transforms);
    tvWeight_ = new QDoubleSpinBox(this);
    tvWeight_->setDecimals(3);
    tvWeight_->setRange(0, 100);
    alphaWeight_ = new QDoubleSpinBox(this);
    alphaWeight_->setDecimals(4);
    alphaWeight_->setRange(0, 100);
    auto* form = new QFormLayout(this);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Image"), parameterization_);
    form->addRow(tr("Size"), size_);
    form->addRow(tr("Steps"), steps_);
    form->addRow(tr("Learning rate"), learningRate_);
    form->addRow(tr("Transforms"), transforms_);
    form->addRow(tr("TV weight"), tvWeight_);
    form->addRow(tr("Alpha-norm weight"), alphaWeight_);
}

viz::VizOptions VizSettingsForm::options() const {
    viz::VizOptions options;
    options.parameterization = parameterization_->currentIndex() == 0 ? viz::Parameterization::Fourier
                                                                      : viz::Parameterization::Pixels;
    options.size = size_->value();
    options.steps = steps_->value();
    options.learningRate = learningRate_->value();
    options.transforms = transforms_->isChecked();
    options.tvWeight = tvWeight_->value();
    options.alphaNormWeight = alphaWeight_->value();
    return options;
}

}  // namespace netsight::ui
