#include "widgets/PlotStyle.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QVBoxLayout>

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

QCustomPlot* titledPlot(const QString& title, const QString& xLabel, const QString& yLabel, QWidget* parent) {
    auto* plot = new QCustomPlot(parent);
    plot->setWindowTitle(title);
    plot->setMinimumSize(320, 200);
    plot->plotLayout()->insertRow(0);
    auto* heading = new QCPTextElement(plot, title, QFont(plot->font().family(), 10, QFont::Bold));
    plot->plotLayout()->addElement(0, 0, heading);
    plot->xAxis->setLabel(xLabel);
    plot->yAxis->setLabel(yLabel);
    // The legend sits right of the plot, not on the curves: there may be many.
    plot->legend->setVisible(true);
    plot->legend->setFont(QFont(plot->font().family(), 8));
    plot->axisRect()->insetLayout()->take(plot->legend);
    plot->plotLayout()->addElement(1, 1, plot->legend);
    plot->plotLayout()->setColumnStretchFactor(1, 0.001);
    plot->legend->setMargins(QMargins(4, 2, 4, 2));
    plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
    stylePlot(plot);
    heading->setTextColor(plot->xAxis->labelColor());
    return plot;
}

QWidget* withExport(QWidget* figure, QWidget* button, QWidget* parent) {
    auto* box = new QWidget(parent);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    auto* bar = new QHBoxLayout;
    bar->addStretch();
    bar->addWidget(button);
    layout->addLayout(bar);
    layout->addWidget(figure, 1);
    return box;
}

void withoutLegend(QCustomPlot* plot) {
    plot->legend->setVisible(false);
    plot->plotLayout()->take(plot->legend);
    plot->plotLayout()->simplify();
    plot->axisRect()->insetLayout()->addElement(plot->legend, Qt::AlignTop | Qt::AlignRight);
}

}  // namespace netsight::ui
