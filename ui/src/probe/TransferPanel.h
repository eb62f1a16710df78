#pragma once

// The accuracy-transfer matrix: rows are the images a classifier sees (originals, pretrained AE, AE
// fine-tuned for classifier i), columns the classifiers; absolute accuracy or relative to the originals.
#include <QStringList>
#include <QWidget>
#include <string>
#include <vector>

class QComboBox;
class QLabel;

namespace netsight::ui {

class ExperimentSession;
class HeatmapWidget;

/// "original images", "pretrained AE", "AE for NAME": the titles of the probe's rows.
QStringList probeRowTitles(const std::vector<std::string>& rows);

class TransferPanel : public QWidget {
    Q_OBJECT
  public:
    enum class View { Absolute, Relative };
    explicit TransferPanel(ExperimentSession* session, QWidget* parent = nullptr);
    void setView(View view);
    HeatmapWidget* heatmap() const { return heatmap_; }
    /// The pretrained autoencoder's quality above the matrix, with the warning when it keeps too little.
    QString qualityText() const;
    QString csv() const;

  private:
    void refresh();
    ExperimentSession* session_;
    QComboBox* viewBox_;
    HeatmapWidget* heatmap_;
    QLabel* note_;
    QLabel* quality_;
};

}  // namespace netsight::ui
