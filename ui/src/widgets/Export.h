#pragma once

// Figures leave NetSight as PNG, PDF or SVG, their data as CSV (plain files for Python, R or a paper).
#include <QString>
#include <QToolButton>
#include <functional>

class QCustomPlot;
class QWidget;

namespace netsight::ui {

/// Writes `plot` to `path`; the format follows the suffix (.png, .pdf, .svg). PDF and SVG are vector.
/// Returns an empty string on success, else the error naming the file.
QString exportPlot(QCustomPlot* plot, const QString& path);
/// Writes any widget as it is drawn (.png raster; .pdf and .svg hold the widget's own painting).
QString exportWidget(QWidget* widget, const QString& path);
/// Writes text atomically (temporary file, then rename).
QString writeTextFile(const QString& path, const QString& text);

/// A toolbar button "Export" with PNG / PDF / SVG / CSV entries. It asks for a file name (remembering the
/// last folder) and calls `figure(path)` or `csv()`; errors appear in a message box.
class ExportButton : public QToolButton {
    Q_OBJECT
  public:
    using FigureWriter = std::function<QString(const QString& path)>;
    using CsvMaker = std::function<QString()>;
    ExportButton(const QString& baseName, FigureWriter figure, CsvMaker csv, QWidget* parent = nullptr);

  private:
    void exportAs(const QString& suffix);
    QString baseName_;
    FigureWriter figure_;
    CsvMaker csv_;
};

}  // namespace netsight::ui
