#include "LayerPicker.h"

#include <QComboBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QFutureWatcher>
#include <QLabel>
#include <QTreeWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrent>

#include "Formatting.h"
#include "netsight/ui/ExperimentSession.h"

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
}

void LayerPicker::refresh() {
    const QString current = classifier_->currentText();
    const QSignalBlocker blocker(classifier_);
    classifier_->clear();
    if (session_->isOpen())
        for (const auto& entry : session_->spec().classifiers) {
            const QString path = session_->modelPath(entry);
            if (QFileInfo::exists(path)) classifier_->addItem(QString::fromStdString(entry.name), path);
        }
    const int index = classifier_->findText(current);
    classifier_->setCurrentIndex(index >= 0 ? index : 0);
    if (classifier_->count() == 0)
        emit problem(tr("No trained classifier yet: run the probe or train one in Classifiers."));
    if (classifier_->currentText() != current || layers_->topLevelItemCount() == 0) readLayers();
}

void LayerPicker::selectClassifier(const QString& name) {
    refresh();
    classifier_->setCurrentIndex(classifier_->findText(name));
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
    auto* watcher = new QFutureWatcher<models::ModelSummary>(this);
    connect(watcher, &QFutureWatcher<models::ModelSummary>::finished, this, [this, watcher, generation] {
        watcher->deleteLater();
        if (generation != generation_) return;
        try {
            model_ = watcher->result();
        } catch (const std::exception& e) {
            emit problem(QString::fromStdString(e.what()));
            return;
        }
        // "layer2.0.conv1" is "conv1" under "0" under "layer2"; nodes that are only path prefixes carry no
        // shape and cannot be chosen.
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
    });
    watcher->setFuture(QtConcurrent::run([file = path.toStdString()] { return models::inspectModel(file); }));
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
