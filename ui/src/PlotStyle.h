#pragma once

// Shared look of NetSight's plots: follows the system palette (light or dark), a readable colour cycle.
#include <QColor>

class QCustomPlot;

namespace netsight::ui {

/// Colours the plot's background, axes, grid and legend from the application palette.
void stylePlot(QCustomPlot* plot);
/// The i-th colour of a qualitative cycle that reads on light and dark backgrounds.
QColor seriesColour(int index);

}  // namespace netsight::ui
