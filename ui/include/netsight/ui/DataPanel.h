#pragma once

#include <QWidget>
#include <memory>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QScrollArea;
class QSpinBox;

namespace netsight::data {
class Dataset;
}

namespace netsight::ui {

class ExperimentSession;

/// The Data panel: a source, its splits and classes, and a scrollable labelled contact sheet.
/// Opening a dataset and drawing the sheet run on the session's interactive lane, off the GUI thread.
class DataPanel : public QWidget {
    Q_OBJECT
  public:
    explicit DataPanel(ExperimentSession* session, QWidget* parent = nullptr);
    ~DataPanel() override;

    QString source() const;
    void setSource(const QString& source);
    /// Opens the source in the background; emits loaded() or failed().
    void load();
    /// The text shown about the dataset (name, shape, splits, classes).
    QString summary() const;
    /// The contact sheet currently shown.
    QImage sheet() const;
    /// Writes the current sheet as PNG; returns false and emits failed() on error.
    bool saveSheet(const QString& path);

  signals:
    void loaded();
    void sheetShown();
    void failed(const QString& message);

  private:
    void showSheet();
    void showError(const QString& message);
    void setBusy(bool busy);

    ExperimentSession* session_;
    QLineEdit* sourceEdit_;
    QPushButton* loadButton_;
    QComboBox* splitBox_;
    QComboBox* classBox_;
    QSpinBox* countBox_;
    QPushButton* saveButton_;
    QLabel* summaryLabel_;
    QLabel* errorLabel_;
    QLabel* sheetLabel_;
    QScrollArea* scroll_;
    std::shared_ptr<const data::Dataset> dataset_;
    QImage sheet_;
    int generation_ = 0;  // drops results of superseded background work
};

}  // namespace netsight::ui
