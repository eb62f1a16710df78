#pragma once

// NMI per autoencoder as box plots: "intra" (original vs its reconstruction) and "inter" (reconstructions
// of different images). A classifier that lets little signal through gives low intra NMI.
#include <QWidget>

class QCustomPlot;

namespace netsight::ui {

class ExperimentSession;

class NmiPanel : public QWidget {
    Q_OBJECT
  public:
    explicit NmiPanel(ExperimentSession* session, QWidget* parent = nullptr);
    QCustomPlot* plot() const { return plot_; }
    /// Box plots drawn (two per autoencoder when there are results).
    int boxCount() const;
    /// Diamonds drawn for the medians of single fine-tuning runs (intra and inter, per replica of each
    /// fine-tuned AE; none when each AE was fine-tuned once).
    int replicaMedianCount() const;
    QString csv() const;

  private:
    void refresh();
    ExperimentSession* session_;
    QCustomPlot* plot_;
};

}  // namespace netsight::ui
