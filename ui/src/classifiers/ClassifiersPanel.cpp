#include "classifiers/ClassifiersPanel.h"

#include <QComboBox>
#include <QDialog>
#include <QDialogButtonBox>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <algorithm>

#include "netsight/ui/ExperimentSession.h"
#include "widgets/Formatting.h"
#include "widgets/PanelLayout.h"

namespace netsight::ui {
namespace {

enum Column { kName, kSource, kParameters, kAccuracy, kStatus, kColumns };

}  // namespace

ClassifiersPanel::ClassifiersPanel(ExperimentSession* session, QWidget* parent)
    : QWidget(parent), session_(session) {
    table_ = new QTableWidget(0, kColumns, this);
    table_->setHorizontalHeaderLabels(
        {tr("Name"), tr("Architecture / file"), tr("Parameters"), tr("Accuracy"), tr("Status")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->verticalHeader()->setVisible(false);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layers_ = new QTreeWidget(this);
    layers_->setHeaderLabels({tr("Layer"), tr("Output shape")});
    layers_->setRootIsDecorated(false);
    details_ = new QLabel(tr("Select a classifier to see its layers."), this);
    details_->setWordWrap(true);
    details_->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* addZoo = new QPushButton(tr("Add from zoo…"), this);
    addZoo->setToolTip(tr("Add a zoo architecture; the probe trains it on the experiment's data"));
    auto* addFile = new QPushButton(tr("Add model file…"), this);
    addFile->setToolTip(
        tr("Add a NetSight model (.nsm) or a TorchScript archive (.pt); you can also drop it "
           "onto the window"));
    train_ = new QPushButton(tr("Train now"), this);
    train_->setToolTip(tr("Train the selected zoo classifier now (the probe would train it first anyway)"));
    finetune_ = new QPushButton(tr("Fine-tune AE"), this);
    finetune_->setToolTip(
        tr("Fine-tune the probe's autoencoder for the selected classifier now, as a job of its own "
           "(the probe would do it anyway; on several GPUs, run netsight-cli probe --finetune per device)"));
    remove_ = new QPushButton(tr("Remove"), this);
    auto* buttons = new QHBoxLayout;
    for (auto* button : {addZoo, addFile, train_, finetune_, remove_})
        buttons->addWidget(button);
    buttons->addStretch();

    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->setContentsMargins(0, 0, 0, 0);
    leftLayout->addLayout(buttons);
    leftLayout->addWidget(table_, 1);
    auto* right = new QWidget(this);
    auto* rightLayout = new QVBoxLayout(right);
    rightLayout->setContentsMargins(0, 0, 0, 0);
    rightLayout->addWidget(details_);
    rightLayout->addWidget(layers_, 1);
    fillWithSplitter(this, Qt::Horizontal, left, right, 3, 2);

    connect(addZoo, &QPushButton::clicked, this, &ClassifiersPanel::askZooClassifier);
    connect(addFile, &QPushButton::clicked, this, &ClassifiersPanel::askModelFile);
    connect(remove_, &QPushButton::clicked, this, &ClassifiersPanel::removeSelected);
    connect(train_, &QPushButton::clicked, this, [this] {
        const int row = table_->currentRow();
        if (row >= 0 && !session_->trainClassifier(table_->item(row, kName)->text()))
            QMessageBox::warning(this, tr("Train"), session_->error());
    });
    connect(finetune_, &QPushButton::clicked, this, [this] {
        const int row = table_->currentRow();
        if (row >= 0 && !session_->finetuneAutoencoder(table_->item(row, kName)->text()))
            QMessageBox::warning(this, tr("Fine-tune"), session_->error());
    });
    connect(table_, &QTableWidget::itemSelectionChanged, this, &ClassifiersPanel::showDetails);
    connect(session_, &ExperimentSession::specChanged, this, &ClassifiersPanel::refresh);
    connect(session_, &ExperimentSession::resultsChanged, this, &ClassifiersPanel::refresh);
    connect(session_, &ExperimentSession::closed, this, &ClassifiersPanel::refresh);
    connect(session_, &ExperimentSession::stagesChanged, this, &ClassifiersPanel::refresh);
    refresh();
}

QString ClassifiersPanel::modelPath(int row) const {
    const auto& entries = session_->spec().classifiers;
    if (row < 0 || row >= static_cast<int>(entries.size())) return {};
    return session_->modelPath(entries[static_cast<std::size_t>(row)]);
}

void ClassifiersPanel::refresh() {
    const auto& entries = session_->spec().classifiers;
    const auto& results = session_->results();
    const QLocale locale;
    const QSignalBlocker blocker(table_);
    table_->setRowCount(session_->isOpen() ? static_cast<int>(entries.size()) : 0);
    for (int row = 0; row < table_->rowCount(); ++row) {
        const auto& entry = entries[static_cast<std::size_t>(row)];
        const QString name = QString::fromStdString(entry.name);
        const QString path = modelPath(row);
        const bool exists = QFileInfo::exists(path);
        auto set = [&](int column, const QString& text, const QString& tip = {}) {
            auto* item = new QTableWidgetItem(text);
            if (column == kParameters || column == kAccuracy)
                item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
            item->setToolTip(tip.isEmpty() ? text : tip);
            table_->setItem(row, column, item);
        };
        set(kName, name);
        set(kSource,
            entry.architecture.empty() ? QFileInfo(path).fileName()
                                       : QString::fromStdString(entry.architecture),
            path);
        QString parameters = QStringLiteral("–"), accuracy = QStringLiteral("–"), status;
        if (inspectedModels_.contains(path)) {
            const auto& summary = inspectedModels_[path];
            parameters = locale.toString(static_cast<qlonglong>(summary.parameterCount));
            if (summary.meta.training.validationAccuracy >= 0)
                accuracy = tr("%1 (validation)").arg(summary.meta.training.validationAccuracy, 0, 'f', 3);
        }
        if (results) {
            const auto& columns = results->summary.classifiers;
            const auto found = std::find(columns.begin(), columns.end(), entry.name);
            if (found != columns.end())
                accuracy =
                    tr("%1 (test)").arg(results->summary.accuracy[0][found - columns.begin()], 0, 'f', 3);
        }
        if (inspectErrors_.contains(path))
            status = tr("unusable: %1").arg(inspectErrors_[path]);
        else
            status = QString::fromStdString(session_->experiment().classifierStatus(entry));
        set(kParameters, parameters);
        set(kAccuracy, accuracy);
        set(kStatus, status);
        if (exists && !inspectedModels_.contains(path) && !inspectErrors_.contains(path)) inspect(path);
    }
    showDetails();
}

// Model files are loaded off the GUI thread: a large TorchScript archive takes a moment.
void ClassifiersPanel::inspect(const QString& path) {
    inspectErrors_.remove(path);
    inspectedModels_.remove(path);
    session_->query<models::ModelSummary>(
        tr("read %1").arg(QFileInfo(path).fileName()), this,
        [file = path.toStdString()](runtime::JobContext&) { return models::inspectModel(file); },
        [this, path](models::ModelSummary summary) {
            inspectedModels_[path] = std::move(summary);
            refresh();
            emit inspected(path);
        },
        [this, path](const QString& message) {
            inspectErrors_[path] = message;
            refresh();
            emit inspected(path);
        });
}

void ClassifiersPanel::showDetails() {
    layers_->clear();
    const int row = table_->currentRow();
    const auto& entries = session_->spec().classifiers;
    const bool valid = row >= 0 && row < static_cast<int>(entries.size()) && session_->isOpen();
    remove_->setEnabled(valid && !session_->busy());
    train_->setEnabled(valid && !entries[static_cast<std::size_t>(row)].architecture.empty());
    finetune_->setEnabled(valid);
    if (!valid) {
        details_->setText(tr("Select a classifier to see its layers."));
        return;
    }
    const QString path = modelPath(row);
    if (inspectErrors_.contains(path)) {
        details_->setText(inspectErrors_[path]);
        return;
    }
    if (!inspectedModels_.contains(path)) {
        details_->setText(QFileInfo::exists(path) ? tr("Reading %1…").arg(path)
                                                  : tr("%1: not trained yet; its layers appear once it is.")
                                                        .arg(table_->item(row, kName)->text()));
        return;
    }
    const auto& summary = inspectedModels_[path];
    const auto& input = summary.meta.input;
    details_->setText(tr("<b>%1</b> — %2, input %3, %4 classes, %5 parameters")
                          .arg(table_->item(row, kName)->text(),
                               QString::fromStdString(summary.meta.architecture),
                               QString::fromStdString(data::toString(input.shape)))
                          .arg(summary.meta.classNames.size())
                          .arg(QLocale().toString(static_cast<qlonglong>(summary.parameterCount))));
    for (const auto& layer : summary.layers)
        layers_->addTopLevelItem(
            new QTreeWidgetItem({QString::fromStdString(layer.name), shapeText(layer.shape)}));
    layers_->resizeColumnToContents(0);
}

QString ClassifiersPanel::uniqueName(const QString& wanted) const {
    QString base = wanted;
    base.replace(QRegularExpression("[^A-Za-z0-9_+.-]"), "-");
    if (base.isEmpty()) base = "classifier";
    QString name = base;
    for (int n = 2;; ++n) {
        bool taken = false;
        for (const auto& entry : session_->spec().classifiers)
            taken = taken || QString::fromStdString(entry.name) == name;
        if (!taken) return name;
        name = base + "-" + QString::number(n);
    }
}

bool ClassifiersPanel::addZooClassifier(const QString& name, const QString& architecture) {
    auto spec = session_->spec();
    spec.classifiers.push_back({uniqueName(name).toStdString(), architecture.toStdString(), ""});
    if (!session_->updateSpec(spec)) {
        lastError_ = session_->error();
        return false;
    }
    return true;
}

bool ClassifiersPanel::addModelFile(const QString& path) {
    if (!QFileInfo::exists(path)) {
        lastError_ = tr("%1: no such file").arg(path);
        return false;
    }
    auto spec = session_->spec();
    spec.classifiers.push_back({uniqueName(QFileInfo(path).completeBaseName()).toStdString(), "",
                                QFileInfo(path).absoluteFilePath().toStdString()});
    if (!session_->updateSpec(spec)) {
        lastError_ = session_->error();
        return false;
    }
    return true;
}

void ClassifiersPanel::askZooClassifier() {
    QDialog dialog(this);
    dialog.setWindowTitle(tr("Add a zoo classifier"));
    auto* adapter = new QComboBox(&dialog);
    adapter->addItem(tr("none (sees the image as it is)"), QString());
    for (const auto& name : models::inputAdapters())
        adapter->addItem(QString::fromStdString(name), QString::fromStdString(name));
    adapter->setToolTip(tr("grey+: sees luminance only; lowpass+: a blurred image; highpass+: edges only"));
    auto* architecture = new QComboBox(&dialog);
    for (const auto& name : models::zooArchitectures())
        architecture->addItem(QString::fromStdString(name));
    architecture->setCurrentText("resnet-s");
    auto* name = new QLineEdit(&dialog);
    auto suggest = [&] {
        name->setText(uniqueName(adapter->currentData().toString() + architecture->currentText()));
    };
    suggest();
    connect(adapter, &QComboBox::currentIndexChanged, &dialog, suggest);
    connect(architecture, &QComboBox::currentIndexChanged, &dialog, suggest);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    auto* form = new QFormLayout(&dialog);
    form->addRow(tr("Input adapter"), adapter);
    form->addRow(tr("Architecture"), architecture);
    form->addRow(tr("Name"), name);
    form->addRow(buttons);
    if (dialog.exec() != QDialog::Accepted) return;
    if (!addZooClassifier(name->text(), adapter->currentData().toString() + architecture->currentText()))
        QMessageBox::warning(this, tr("Add classifier"), lastError_);
}

void ClassifiersPanel::askModelFile() {
    const QString path = QFileDialog::getOpenFileName(this, tr("Add a model file"), session_->directory(),
                                                      tr("Models (*.nsm *.pt *.pth);;All files (*)"));
    if (!path.isEmpty() && !addModelFile(path)) QMessageBox::warning(this, tr("Add classifier"), lastError_);
}

void ClassifiersPanel::removeSelected() {
    const int row = table_->currentRow();
    auto spec = session_->spec();
    if (row < 0 || row >= static_cast<int>(spec.classifiers.size())) return;
    spec.classifiers.erase(spec.classifiers.begin() + row);
    if (!session_->updateSpec(spec)) QMessageBox::warning(this, tr("Remove classifier"), session_->error());
}

}  // namespace netsight::ui
