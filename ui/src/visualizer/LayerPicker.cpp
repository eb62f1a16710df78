#include "visualizer/LayerPicker.h"

#include <QComboBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "netsight/ui/ExperimentSession.h"
#include "widgets/Formatting.h"

namespace netsight::ui {
LayerPicker::LayerPicker(ExperimentSession* session, QWidget* parent) : QWidget(parent), session_(session) {
    classifier_ = new QComboBox(this);
    classifier_->setToolTip(tr("A trained classifier of the experiment"));
    layers_ = new QTreeWidget(this);
    layers_->setHeaderLabels({tr("Layer"), tr("Output")});
    layers_->setToolTip(tr("Module paths of the classifier, with the shape of their output"));
    auto* form = new QFormLayout;
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("Classifier"), classifier_);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(form);
    layout->addWidget(new QLabel(tr("Layer"), this));
    layout->addWidget(layers_, 1);
    connect(classifier_, &QComboBox::currentIndexChanged, this, &LayerPicker::readLayers);
    connect(layers_, &QTreeWidget::itemSelectionChanged, this, &LayerPicker::layerChanged);
    // A classifier trained by any job, here or in another process, appears as soon as its file is complete.
    connect(session_, &ExperimentSession::stagesChanged, this, &LayerPicker::refresh);
    connect(session_, &ExperimentSession::specChanged, this, &LayerPicker::refresh);
}

void LayerPicker::refresh() {
    const QString current = classifier_->currentText();
    const int countBefore = classifier_->count();
    QStringList names, paths;
    if (session_->isOpen())
        for (const auto& entry : session_->spec().classifiers)
            if (session_->classifierReady(entry)) {
                names << QString::fromStdString(entry.name);
                paths << session_->modelPath(entry);
            }
    bool same = names.size() == classifier_->count();
    for (int i = 0; same && i < names.size(); ++i)
        same = classifier_->itemText(i) == names[i] && classifier_->itemData(i).toString() == paths[i];
    if (same && (names.isEmpty() || layers_->topLevelItemCount() > 0)) return;  // nothing new
    {
        const QSignalBlocker blocker(classifier_);
        classifier_->clear();
        for (int i = 0; i < names.size(); ++i)
            classifier_->addItem(names[i], paths[i]);
        const int index = classifier_->findText(current);
        classifier_->setCurrentIndex(index >= 0 ? index : 0);
    }
    if (classifier_->count() == 0)
        emit problem(tr("No trained classifier yet: run the probe or train one in Classifiers."));
    else if (countBefore == 0)
        emit problem({});  // the hint above no longer holds
    if (classifier_->currentText() != current || layers_->topLevelItemCount() == 0) readLayers();
}

void LayerPicker::selectClassifier(const QString& name) {
    refresh();
    classifier_->setCurrentIndex(classifier_->findText(name));
}

QString LayerPicker::classifierName() const {
    return classifier_->currentText();
}

QString LayerPicker::modelPath() const {
    return classifier_->currentData().toString();
}

void LayerPicker::readLayers() {
    layers_->clear();
    model_ = models::ModelSummary{};
    const QString path = modelPath();
    if (path.isEmpty()) return;
    const int generation = ++generation_;
    const QString name = classifier_->currentText();
    session_->query<models::ModelSummary>(
        tr("layers of %1").arg(name), this,
        [file = path.toStdString()](runtime::JobContext&) { return models::inspectModel(file); },
        [this, generation](models::ModelSummary summary) {
            if (generation != generation_) return;  // superseded by a later read
            model_ = std::move(summary);
            showLayers();
        },
        [this, generation](const QString& message) {
            if (generation == generation_) emit problem(message);
        });
}

// "layer2.0.conv1" is "conv1" under "0" under "layer2"; nodes that are only path prefixes carry no shape
// and cannot be chosen.
void LayerPicker::showLayers() {
    QHash<QString, QTreeWidgetItem*> items;
    for (const auto& layer : model_.layers) {
        const QString name = QString::fromStdString(layer.name);
        const QStringList parts = name.split('.');
        QTreeWidgetItem* parent = nullptr;
        QString prefix;
        for (int i = 0; i < parts.size(); ++i) {
            prefix = i == 0 ? parts[0] : prefix + "." + parts[i];
            QTreeWidgetItem* item = items.value(prefix);
            if (!item) {
                item = parent ? new QTreeWidgetItem(parent) : new QTreeWidgetItem(layers_);
                item->setText(0, parts[i]);
                item->setToolTip(0, prefix);
                item->setFlags(item->flags() & ~Qt::ItemIsSelectable);
                items.insert(prefix, item);
            }
            parent = item;
        }
        parent->setText(1, shapeText(layer.shape));
        parent->setData(0, Qt::UserRole, name);
        parent->setFlags(parent->flags() | Qt::ItemIsSelectable);
    }
    layers_->expandAll();
    layers_->resizeColumnToContents(0);
    emit layersShown();
}

bool LayerPicker::selectLayer(const QString& name) {
    for (QTreeWidgetItemIterator it(layers_); *it; ++it)
        if ((*it)->data(0, Qt::UserRole).toString() == name) {
            layers_->setCurrentItem(*it);
            return true;
        }
    return false;
}

QString LayerPicker::selectedLayer() const {
    const auto* item = layers_->currentItem();
    return item ? item->data(0, Qt::UserRole).toString() : QString();
}

}  // namespace netsight::ui
