#pragma once

// The experiment's classifiers: architecture, parameters, accuracy; add from the zoo (trained here) or from
// a model file; details with the layer list.
#include <QHash>
#include <QWidget>

#include "netsight/models/ModelFile.h"

class QLabel;
class QPushButton;
class QTableWidget;
class QTreeWidget;

namespace netsight::ui {

class ExperimentSession;

class ClassifiersPanel : public QWidget {
    Q_OBJECT
  public:
    explicit ClassifiersPanel(ExperimentSession* session, QWidget* parent = nullptr);
    QTableWidget* table() const { return table_; }
    QTreeWidget* layers() const { return layers_; }
    /// Adds a zoo classifier (e.g. "grey+resnet-s") under `name`; false with a message on error.
    bool addZooClassifier(const QString& name, const QString& architecture);
    /// Adds a model file (NetSight .nsm or TorchScript .pt) under a name made from the file name.
    bool addModelFile(const QString& path);
    QString lastError() const { return lastError_; }

  signals:
    /// A model file was inspected (its details are shown).
    void inspected(const QString& path);

  private:
    void refresh();
    void showDetails();
    void inspect(const QString& path);
    void askZooClassifier();
    void askModelFile();
    void removeSelected();
    QString modelPath(int row) const;
    QString uniqueName(const QString& wanted) const;

    ExperimentSession* session_;
    QTableWidget* table_;
    QTreeWidget* layers_;
    QLabel* details_;
    QPushButton* train_;
    QPushButton* finetune_;
    QPushButton* remove_;
    QHash<QString, models::ModelSummary> inspectedModels_;
    QHash<QString, QString> inspectErrors_;
    QString lastError_;
};

}  // namespace netsight::ui
