#include "PlotStyle.h"

#include <qcustomplot.h>

#include <QApplication>
#include <QPalette>

namespace netsight::ui {

void stylePlot(QCustomPlot* plot) {
    const QPalette palette = QApplication::palette();
    const QColor base = palette.color(QPalette::Base), text = palette.color(QPalette::Text);
    QColor grid = text;
    grid.setAlpha(40);
    plot->setBackground(base);
    for (QCPAxis* axis : {plot->xAxis, plot->yAxis}) {
        axis->setBasePen(QPen(text));
        axis->setTickPen(QPen(text));
        axis->setSubTickPen(QPen(text));
        axis->setTickLabelColor(text);
        axis->setLabelColor(text);
        axis->grid()->setPen(QPen(grid, 1, Qt::DotLine));
    }
    plot->legend->setBrush(base);
    plot->legend->setTextColor(text);
    plot->legend->setBorderPen(QPen(grid));
}

QColor seriesColour(int index) {
    // Tableau-like qualitative colours: distinct, and none too light for a white background.
    static const QColor colours[] = {QColor(31, 119, 180),  QColor(255, 127, 14),  QColor(44, 160, 44),
                                     QColor(214, 39, 40),   QColor(148, 103, 189), QColor(140, 86, 75),
                                     QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34),
                                     QColor(23, 190, 207)};
    return colours[((index % 10) + 10) % 10];
}

}  // namespace netsight::ui
