#pragma once

// A labelled heatmap with the numbers in the cells and a colour scale: the transfer matrix, the pairwise
// wins. Painted by hand so that PNG, PDF and SVG exports are the same picture.
#include <QStringList>
#include <QVector>
#include <QWidget>
#include <functional>

namespace netsight::ui {

class HeatmapWidget : public QWidget {
    Q_OBJECT
  public:
    using Tooltip = std::function<QString(int row, int column)>;
    explicit HeatmapWidget(QWidget* parent = nullptr);
    void setMatrix(const QStringList& rows, const QStringList& columns,
                   const QVector<QVector<double>>& values, double low, double high, int decimals,
                   const QString& scaleTitle);
    void setTooltip(Tooltip tooltip) { tooltip_ = std::move(tooltip); }
    /// A second, smaller line in each cell (e.g. "±0.021"), and cells marked with a dashed outline (e.g. an
    /// undecided relation); both cleared by setMatrix.
    void setDetails(const QVector<QVector<QString>>& details, const QVector<QVector<bool>>& marked);
    QString cellDetail(int row, int column) const;
    bool cellMarked(int row, int column) const;
    void setAxisTitles(const QString& rows, const QString& columns);
    /// The text in a cell as shown ("0.812"), for tests.
    QString cellText(int row, int column) const;
    int rowCount() const { return static_cast<int>(rows_.size()); }
    int columnCount() const { return static_cast<int>(columns_.size()); }
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override { return {320, 200}; }

  protected:
    void paintEvent(QPaintEvent* event) override;
    bool event(QEvent* event) override;

  private:
    struct Layout {
        QRect cells, scale;
        int rowLabelWidth = 0;
        double cellWidth = 0, cellHeight = 0;
    };
    Layout layoutFor(const QSize& size) const;

    QStringList rows_, columns_;
    QVector<QVector<double>> values_;
    QVector<QVector<QString>> details_;
    QVector<QVector<bool>> marked_;
    double low_ = 0, high_ = 1;
    int decimals_ = 2;
    QString scaleTitle_, rowsTitle_, columnsTitle_;
    Tooltip tooltip_;
};

/// A perceptually ordered colour for t in [0, 1] (dark blue-violet -> teal -> yellow, like viridis).
QColor heatColour(double t);

}  // namespace netsight::ui
