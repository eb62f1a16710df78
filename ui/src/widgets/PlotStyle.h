#pragma once

// Shared look of NetSight's plots: follows the system palette (light or dark), a readable colour cycle.
#include <QColor>

class QCustomPlot;
class QString;
class QWidget;

namespace netsight::ui {

/// Colours the plot's background, axes, grid and legend from the application palette.
void stylePlot(QCustomPlot* plot);
/// The i-th colour of a qualitative cycle that reads on light and dark backgrounds.
QColor seriesColour(int index);

/// A plot with a bold title row, axis labels, the legend at its right, drag and zoom, styled.
QCustomPlot* titledPlot(const QString& title, const QString& xLabel, const QString& yLabel, QWidget* parent);
/// Bar charts need no legend: gives its column back to the plot (the legend stays, hidden, in the inset).
void withoutLegend(QCustomPlot* plot);
/// `figure` under a bar holding `button` (an ExportButton) at the right.
QWidget* withExport(QWidget* figure, QWidget* button, QWidget* parent);

}  // namespace netsight::ui
