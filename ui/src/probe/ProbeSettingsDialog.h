#pragma once

// The probe's settings of an experiment (experiment.json): the autoencoder and how it is pretrained and
// fine-tuned, how classifiers of the zoo are trained, what is measured. The classifiers and the data have
// views of their own.
#include <QDialog>
#include <QMessageBox>

#include "netsight/experiment/ProbeSpec.h"

class QComboBox;
class QDoubleSpinBox;
class QLineEdit;
class QSpinBox;

namespace netsight::ui {

class ProbeSettingsDialog : public QDialog {
    Q_OBJECT
  public:
    /// `experimentDirectory` is where relative paths (autoencoder.pretrained) start from.
    ProbeSettingsDialog(const experiment::ProbeSpec& spec, const QString& experimentDirectory,
                        QWidget* parent = nullptr);
    /// The spec given, with this dialog's fields.
    experiment::ProbeSpec spec() const;

  private:
    QDoubleSpinBox* rateBox(double value);
    void browseAutoencoder();

    experiment::ProbeSpec spec_;
    QString directory_;
    QComboBox* preset_;
    QLineEdit* pretrained_;
    QSpinBox* pretrainEpochs_;
    QDoubleSpinBox* pretrainRate_;
    QSpinBox* finetuneEpochs_;
    QDoubleSpinBox* finetuneRate_;
    QDoubleSpinBox* reconstructionWeight_;
    QSpinBox* batch_;
    QSpinBox* pretrainBatch_;
    QSpinBox* maxTrain_;
    QSpinBox* classifierEpochs_;
    QDoubleSpinBox* classifierRate_;
    QSpinBox* testImages_;
    QSpinBox* gridImages_;
    QSpinBox* nmiBins_;
    QComboBox* nmiVariant_;
    QSpinBox* seed_;
};

/// Asks whether to discard stages made with other settings (`stale`: one line each, as
/// ExperimentSession::staleStages gives them); clickedButton() == discardButton() means yes.
class StaleStagesBox : public QMessageBox {
  public:
    StaleStagesBox(const QStringList& stale, QWidget* parent = nullptr);
    QAbstractButton* discardButton() const { return discard_; }

  private:
    QAbstractButton* discard_;
};

}  // namespace netsight::ui
