#pragma once

// Live view of a probe: training curves and the reconstruction grid, refreshed while the AEs learn.
#include <QWidget>

class QCustomPlot;
class QLabel;
class QScrollArea;

namespace netsight::ui {

class ExperimentSession;
class ReconstructionGrid;

class ProbePanel : public QWidget {
    Q_OBJECT
  public:
    explicit ProbePanel(ExperimentSession* session, QWidget* parent = nullptr);
    QCustomPlot* lossPlot() const { return lossPlot_; }
    QCustomPlot* accuracyPlot() const { return accuracyPlot_; }
    ReconstructionGrid* grid() const { return grid_; }
    QString seriesCsv() const;
    /// The line of stage states above the grid (rich text): "pretrained AE: done · AE for a: running ...".
    QString stagesText() const;

  protected:
    bool eventFilter(QObject* watched, QEvent* event) override;

  private:
    void fitGrid();
    void replot();
    void refreshGrid();
    void refreshColumns();
    void refreshStages();
    void zoom(const QString& title, const QImage& image);

    ExperimentSession* session_;
    QCustomPlot* lossPlot_;
    QCustomPlot* accuracyPlot_;
    ReconstructionGrid* grid_;
    QLabel* hint_;
    QLabel* stages_;
    QScrollArea* scroll_;
};

}  // namespace netsight::ui
