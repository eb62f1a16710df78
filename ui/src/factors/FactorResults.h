#pragma once

// The factor lab's result views, as tabs: Decision, Layers (mean / max / informative share across depth),
// Invariance, Shape or texture (generalization gradients), Classification images; each exports its
// figure (PNG, PDF, SVG) and numbers (CSV).
#include <QTabWidget>

#include "netsight/factors/FactorLab.h"

class QComboBox;
class QCustomPlot;
class QLabel;

namespace netsight::ui {

class ImageListView;

class FactorResults : public QTabWidget {
    Q_OBJECT
  public:
    explicit FactorResults(QWidget* parent = nullptr);
    /// Shows `report` in every view; an empty report clears them.
    void setReport(const factors::FactorReport& report);
    QCustomPlot* depthPlot() const { return depthPlot_; }
    QCustomPlot* morphPlot() const { return morphPlot_; }

  private:
    void showDepth();
    QString csv(factors::FactorTable table) const;

    QCustomPlot* decisionPlot_;
    QCustomPlot* depthPlot_;
    QComboBox* statistic_;
    QCustomPlot* invariancePlot_;
    QCustomPlot* morphPlot_;
    ImageListView* maps_;
    QLabel* mapsStatus_;
    factors::FactorReport report_;
};

}  // namespace netsight::ui
