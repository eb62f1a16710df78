#pragma once

// The order of classifiers from the transfer matrix: ranking, pairwise wins, cycles, rank correlations.
#include <QWidget>

class QLabel;
class QTableWidget;

namespace netsight::ui {

class ExperimentSession;
class HeatmapWidget;

class OrderPanel : public QWidget {
    Q_OBJECT
  public:
    explicit OrderPanel(ExperimentSession* session, QWidget* parent = nullptr);
    QTableWidget* ranking() const { return ranking_; }
    HeatmapWidget* wins() const { return wins_; }
    /// One row per pair: its difference, interval, Holm-adjusted p, replicas agreeing and verdict.
    QTableWidget* relations() const { return relations_; }
    QString verdict() const;
    QString csv() const;

  private:
    void refresh();
    ExperimentSession* session_;
    QTableWidget* ranking_;
    QTableWidget* relations_;
    HeatmapWidget* wins_;
    QLabel* verdict_;
    QLabel* correlations_;
};

}  // namespace netsight::ui
