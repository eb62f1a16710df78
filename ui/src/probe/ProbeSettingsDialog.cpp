#include "probe/ProbeSettingsDialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>
#include <algorithm>
#include <limits>

namespace netsight::ui {
namespace {

QSpinBox* countBox(int minimum, int maximum, long long value, QWidget* parent) {
    auto* box = new QSpinBox(parent);
    box->setRange(minimum, maximum);
    box->setValue(static_cast<int>(std::clamp<long long>(value, minimum, maximum)));
    return box;
}

// The box's value, or `original` when the box still shows it: a rate of more decimals than the box has
// is kept as it is, so that opening and closing the dialog changes nothing.
double valueOr(const QDoubleSpinBox* box, double original) {
    const double shown = std::clamp(QString::number(original, 'f', box->decimals()).toDouble(),
                                    box->minimum(), box->maximum());
    return box->value() == shown ? original : box->value();
}

// Likewise for whole numbers beyond the box's range (a seed above 2^30, say).
template <typename T>
T countOr(const QSpinBox* box, T original) {
    const long long shown =
        std::clamp<long long>(static_cast<long long>(original), box->minimum(), box->maximum());
    return box->value() == shown ? original : static_cast<T>(box->value());
}

}  // namespace

ProbeSettingsDialog::ProbeSettingsDialog(const experiment::ProbeSpec& spec,
                                         const QString& experimentDirectory, QWidget* parent)
    : QDialog(parent), spec_(spec), directory_(experimentDirectory) {
    setWindowTitle(tr("Probe settings"));
    preset_ = new QComboBox(this);
    preset_->setObjectName("preset");
    for (const auto& name : experiment::autoencoderPresets())
        preset_->addItem(QString::fromStdString(name));
    preset_->setCurrentText(QString::fromStdString(spec.autoencoder));
    preset_->setToolTip(
        tr("segnet-small: a CPU-sized SegNet; segnet-vgg16: the paper's, for GPUs and "
           "large images; segnet-tiny: for quick tries"));
    pretrained_ = new QLineEdit(QString::fromStdString(spec.pretrainedAutoencoder), this);
    pretrained_->setObjectName("pretrained");
    pretrained_->setPlaceholderText(tr("none: pretrain here"));
    pretrained_->setToolTip(
        tr("An autoencoder file to start from instead of pretraining, such as another "
           "experiment's models/ae-pretrained.pt"));
    auto* browse = new QPushButton(tr("Browse…"), this);
    connect(browse, &QPushButton::clicked, this, &ProbeSettingsDialog::browseAutoencoder);
    auto* pretrainedRow = new QHBoxLayout;
    pretrainedRow->addWidget(pretrained_, 1);
    pretrainedRow->addWidget(browse);

    pretrainEpochs_ = countBox(1, 1000, spec.pretrainEpochs, this);
    pretrainEpochs_->setObjectName("pretrainEpochs");
    pretrainRate_ = rateBox(spec.autoencoderLearningRate);
    finetuneEpochs_ = countBox(1, 1000, spec.finetuneEpochs, this);
    finetuneEpochs_->setObjectName("finetuneEpochs");
    finetuneRate_ = rateBox(spec.finetuneLearningRate);
    finetuneRate_->setObjectName("finetuneRate");
    reconstructionWeight_ = new QDoubleSpinBox(this);
    reconstructionWeight_->setDecimals(4);
    reconstructionWeight_->setRange(0, 1000);
    reconstructionWeight_->setValue(spec.reconstructionWeight);
    reconstructionWeight_->setToolTip(
        tr("Weight of an extra reconstruction (MSE) term while fine-tuning; "
           "0 as in the paper: the decoder serves the classifier only"));
    batch_ = countBox(1, 4096, static_cast<long long>(spec.batchSize), this);
    batch_->setToolTip(tr("Images per step while fine-tuning"));
    pretrainBatch_ = countBox(1, 4096, static_cast<long long>(spec.pretrainBatchSize), this);
    pretrainBatch_->setToolTip(tr("Images per step while pretraining"));
    maxTrain_ = countBox(0, 10000000, static_cast<long long>(spec.maxTrainSamples), this);
    maxTrain_->setSpecialValueText(tr("all"));
    maxTrain_->setToolTip(tr("Training images per epoch of the autoencoder stages"));

    classifierEpochs_ = countBox(1, 1000, spec.classifierEpochs, this);
    classifierRate_ = rateBox(spec.classifierLearningRate);

    testImages_ = countBox(20, 1000000, static_cast<long long>(spec.testImages), this);
    testImages_->setToolTip(tr("Test images for the transfer matrix and NMI"));
    gridImages_ = countBox(1, 1000, static_cast<long long>(spec.gridImages), this);
    nmiBins_ = countBox(2, 256, spec.nmiBins, this);
    nmiVariant_ = new QComboBox(this);
    nmiVariant_->addItem(tr("Studholme: (H(X)+H(Y))/H(X,Y), 1 to 2"), "studholme");
    nmiVariant_->addItem(tr("arithmetic: MI / mean entropy, 0 to 1"), "arithmetic");
    nmiVariant_->setCurrentIndex(spec.nmiVariant == "arithmetic" ? 1 : 0);
    seed_ = countBox(0, std::numeric_limits<int>::max(), static_cast<long long>(spec.seed), this);

    auto* autoencoder = new QGroupBox(tr("Autoencoder"), this);
    auto* autoencoderForm = new QFormLayout(autoencoder);
    autoencoderForm->addRow(tr("Preset"), preset_);
    autoencoderForm->addRow(tr("Start from"), pretrainedRow);
    autoencoderForm->addRow(tr("Pretraining epochs"), pretrainEpochs_);
    autoencoderForm->addRow(tr("Pretraining learning rate"), pretrainRate_);
    autoencoderForm->addRow(tr("Fine-tuning epochs"), finetuneEpochs_);
    autoencoderForm->addRow(tr("Fine-tuning learning rate"), finetuneRate_);
    autoencoderForm->addRow(tr("Reconstruction weight"), reconstructionWeight_);
    autoencoderForm->addRow(tr("Pretraining batch"), pretrainBatch_);
    autoencoderForm->addRow(tr("Fine-tuning batch"), batch_);
    autoencoderForm->addRow(tr("Images per epoch"), maxTrain_);
    auto* classifiers = new QGroupBox(tr("Zoo classifiers"), this);
    auto* classifiersForm = new QFormLayout(classifiers);
    classifiersForm->addRow(tr("Epochs"), classifierEpochs_);
    classifiersForm->addRow(tr("Learning rate"), classifierRate_);
    auto* measuring = new QGroupBox(tr("Measuring"), this);
    auto* measuringForm = new QFormLayout(measuring);
    measuringForm->addRow(tr("Test images"), testImages_);
    measuringForm->addRow(tr("Grid rows"), gridImages_);
    measuringForm->addRow(tr("NMI bins"), nmiBins_);
    measuringForm->addRow(tr("NMI"), nmiVariant_);
    measuringForm->addRow(tr("Seed"), seed_);

    auto* note = new QLabel(tr("Stages already done with other settings are redone at the next run; "
                               "you are asked before anything is deleted."),
                            this);
    note->setWordWrap(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* columns = new QHBoxLayout;
    columns->addWidget(autoencoder, 3);
    auto* right = new QVBoxLayout;
    right->addWidget(classifiers);
    right->addWidget(measuring);
    right->addStretch(1);
    columns->addLayout(right, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(columns);
    layout->addWidget(note);
    layout->addWidget(buttons);
}

QDoubleSpinBox* ProbeSettingsDialog::rateBox(double value) {
    auto* box = new QDoubleSpinBox(this);
    box->setDecimals(6);
    box->setRange(1e-6, 1.0);
    box->setSingleStep(1e-4);
    box->setValue(value);
    return box;
}

void ProbeSettingsDialog::browseAutoencoder() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Start from an autoencoder"), directory_,
                                                      tr("Autoencoders (*.pt);;All files (*)"));
    if (file.isEmpty()) return;
    const QString relative = QDir(directory_).relativeFilePath(file);
    pretrained_->setText(relative.startsWith("..") ? file : relative);
}

experiment::ProbeSpec ProbeSettingsDialog::spec() const {
    experiment::ProbeSpec spec = spec_;
    spec.autoencoder = preset_->currentText().toStdString();
    spec.pretrainedAutoencoder = pretrained_->text().trimmed().toStdString();
    spec.pretrainEpochs = countOr(pretrainEpochs_, spec_.pretrainEpochs);
    spec.autoencoderLearningRate = valueOr(pretrainRate_, spec_.autoencoderLearningRate);
    spec.finetuneEpochs = countOr(finetuneEpochs_, spec_.finetuneEpochs);
    spec.finetuneLearningRate = valueOr(finetuneRate_, spec_.finetuneLearningRate);
    spec.reconstructionWeight = valueOr(reconstructionWeight_, spec_.reconstructionWeight);
    spec.batchSize = countOr(batch_, spec_.batchSize);
    spec.pretrainBatchSize = countOr(pretrainBatch_, spec_.pretrainBatchSize);
    spec.maxTrainSamples = countOr(maxTrain_, spec_.maxTrainSamples);
    spec.classifierEpochs = countOr(classifierEpochs_, spec_.classifierEpochs);
    spec.classifierLearningRate = valueOr(classifierRate_, spec_.classifierLearningRate);
    spec.testImages = countOr(testImages_, spec_.testImages);
    spec.gridImages = countOr(gridImages_, spec_.gridImages);
    spec.nmiBins = countOr(nmiBins_, spec_.nmiBins);
    spec.nmiVariant = nmiVariant_->currentData().toString().toStdString();
    spec.seed = countOr(seed_, spec_.seed);
    return spec;
}

StaleStagesBox::StaleStagesBox(const QStringList& stale, QWidget* parent)
    : QMessageBox(
          QMessageBox::Question, tr("Stages made with other settings"),
          (stale.size() == 1
               ? tr("1 stage done earlier was made with other settings.")
               : tr("%1 stages done earlier were made with other settings.").arg(stale.size())) +
              tr(" Discard them? They are redone at the next run; their old results stay until then."),
          QMessageBox::NoButton, parent) {
    constexpr int kShown = 6;
    setInformativeText(stale.mid(0, kShown).join("\n") + (stale.size() > kShown ? "\n…" : ""));
    if (stale.size() > kShown) setDetailedText(stale.join("\n"));
    discard_ = addButton(tr("Discard and redo"), QMessageBox::DestructiveRole);
    addButton(tr("Keep them"), QMessageBox::RejectRole);
}

}  // namespace netsight::ui
