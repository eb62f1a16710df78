#include "widgets/HeatmapWidget.h"

#include <QHelpEvent>
#include <QPainter>
#include <QToolTip>
#include <algorithm>
#include <cmath>

namespace netsight::ui {
namespace {
constexpr int kMargin = 10;
constexpr int kScaleWidth = 18;
constexpr int kScaleGap = 60;  // room for the scale's tick labels
}  // namespace

QColor heatColour(double t) {
    // Five control points sampled from viridis, linearly interpolated.
    static const double stops[5][3] = {
        {68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
    t = std::clamp(t, 0.0, 1.0) * 4.0;
    const int i = std::min(static_cast<int>(t), 3);
    const double f = t - i;
    return QColor::fromRgbF(static_cast<float>((stops[i][0] + f * (stops[i + 1][0] - stops[i][0])) / 255.0),
                            static_cast<float>((stops[i][1] + f * (stops[i + 1][1] - stops[i][1])) / 255.0),
                            static_cast<float>((stops[i][2] + f * (stops[i + 1][2] - stops[i][2])) / 255.0));
}

HeatmapWidget::HeatmapWidget(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setMouseTracking(true);
}

void HeatmapWidget::setMatrix(const QStringList& rows, const QStringList& columns,
                              const QVector<QVector<double>>& values, double low, double high, int decimals,
                              const QString& scaleTitle) {
    details_.clear();
    marked_.clear();
    rows_ = rows;
    columns_ = columns;
    values_ = values;
    low_ = low;
    high_ = high > low ? high : low + 1;
    decimals_ = decimals;
    scaleTitle_ = scaleTitle;
    updateGeometry();
    update();
}

void HeatmapWidget::setAxisTitles(const QString& rows, const QString& columns) {
    rowsTitle_ = rows;
    columnsTitle_ = columns;
    update();
}

QString HeatmapWidget::cellText(int row, int column) const {
    if (row < 0 || row >= values_.size() || column < 0 || column >= values_[row].size()) return {};
    const double value = values_[row][column];
    return std::isnan(value) ? QStringLiteral("–") : QString::number(value, 'f', decimals_);
}

QSize HeatmapWidget::sizeHint() const {
    const int labelWidth =
        fontMetrics().horizontalAdvance(QStringLiteral("AE for grey+resnet-s")) + 2 * kMargin;
    return {labelWidth + std::max(3, columnCount()) * 96 + kScaleGap + kScaleWidth + 2 * kMargin,
            60 + std::max(3, rowCount()) * 44 + 2 * kMargin};
}

HeatmapWidget::Layout HeatmapWidget::layoutFor(const QSize& size) const {
    Layout layout;
    const QFontMetrics metrics = fontMetrics();
    layout.rowLabelWidth = metrics.horizontalAdvance(rowsTitle_);
    for (const auto& row : rows_)
        layout.rowLabelWidth = std::max(layout.rowLabelWidth, metrics.horizontalAdvance(row));
    layout.rowLabelWidth += 2 * kMargin;
    const int top = kMargin + 2 * metrics.height() + 8;
    const int width =
        std::max(40, size.width() - layout.rowLabelWidth - kScaleGap - kScaleWidth - 2 * kMargin);
    const int height = std::max(40, size.height() - top - kMargin);
    // Cells no wider than 140 px and no taller than 64: a small matrix stays a compact table.
    layout.cellWidth = std::min(140.0, width / std::max(1.0, static_cast<double>(columnCount())));
    layout.cellHeight = std::min(64.0, height / std::max(1.0, static_cast<double>(rowCount())));
    layout.cells = QRect(layout.rowLabelWidth, top, static_cast<int>(layout.cellWidth * columnCount()),
                         static_cast<int>(layout.cellHeight * rowCount()));
    layout.scale = QRect(layout.cells.right() + 24, top, kScaleWidth, layout.cells.height());
    return layout;
}

void HeatmapWidget::setDetails(const QVector<QVector<QString>>& details,
                               const QVector<QVector<bool>>& marked) {
    details_ = details;
    marked_ = marked;
    update();
}

QString HeatmapWidget::cellDetail(int row, int column) const {
    return row < details_.size() && column < details_[row].size() ? details_[row][column] : QString();
}

bool HeatmapWidget::cellMarked(int row, int column) const {
    return row < marked_.size() && column < marked_[row].size() && marked_[row][column];
}

void HeatmapWidget::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);
    painter.fillRect(rect(), palette().base());
    const QColor text = palette().color(QPalette::Text);
    if (rows_.isEmpty() || columns_.isEmpty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter, tr("No results yet: run the probe (Ctrl+R)."));
        return;
    }
    const Layout layout = layoutFor(size());
    const QFontMetrics metrics = fontMetrics();
    painter.setPen(text);
    // Column title and labels above the cells, row labels to their left.
    painter.drawText(QRect(layout.cells.left(), kMargin, layout.cells.width(), metrics.height()),
                     Qt::AlignCenter, columnsTitle_);
    for (int c = 0; c < columnCount(); ++c) {
        const QRectF label(layout.cells.left() + c * layout.cellWidth, kMargin + metrics.height() + 4,
                           layout.cellWidth, metrics.height());
        painter.drawText(
            label, Qt::AlignCenter,
            metrics.elidedText(columns_[c], Qt::ElideMiddle, static_cast<int>(layout.cellWidth) - 4));
    }
    for (int r = 0; r < rowCount(); ++r) {
        const QRectF label(kMargin, layout.cells.top() + r * layout.cellHeight,
                           layout.rowLabelWidth - 2 * kMargin, layout.cellHeight);
        painter.drawText(label, Qt::AlignRight | Qt::AlignVCenter, rows_[r]);
        for (int c = 0; c < columnCount(); ++c) {
            const QRectF cell(layout.cells.left() + c * layout.cellWidth,
                              layout.cells.top() + r * layout.cellHeight, layout.cellWidth,
                              layout.cellHeight);
            const double value = r < values_.size() && c < values_[r].size() ? values_[r][c] : std::nan("");
            const QColor fill = std::isnan(value) ? palette().color(QPalette::Mid)
                                                  : heatColour((value - low_) / (high_ - low_));
            painter.fillRect(cell.adjusted(1, 1, -1, -1), fill);
            // Dark text on light cells, light on dark: readable everywhere on the scale.
            painter.setPen(fill.lightnessF() > 0.55 ? Qt::black : Qt::white);
            const QString detail = cellDetail(r, c);
            if (detail.isEmpty()) {
                painter.drawText(cell, Qt::AlignCenter, cellText(r, c));
            } else {
                const QRectF upper = cell.adjusted(0, 0, 0, -cell.height() / 2 + metrics.height() / 2.0);
                painter.drawText(upper, Qt::AlignHCenter | Qt::AlignBottom, cellText(r, c));
                QFont small = painter.font();
                small.setPointSizeF(small.pointSizeF() * 0.8);
                painter.save();
                painter.setFont(small);
                painter.drawText(cell.adjusted(0, cell.height() / 2 + metrics.height() / 2.0 - 2, 0, 0),
                                 Qt::AlignHCenter | Qt::AlignTop, detail);
                painter.restore();
            }
            if (cellMarked(r, c)) {
                painter.save();
                QPen dashed(QColor(230, 126, 34), 2.5, Qt::DashLine);
                painter.setPen(dashed);
                painter.drawRect(cell.adjusted(3, 3, -3, -3));
                painter.restore();
            }
        }
        painter.setPen(text);
    }
    // Colour scale with its ends and middle labelled.
    for (int y = 0; y < layout.scale.height(); ++y) {
        const double t = 1.0 - static_cast<double>(y) / std::max(1, layout.scale.height() - 1);
        painter.setPen(heatColour(t));
        painter.drawLine(layout.scale.left(), layout.scale.top() + y, layout.scale.right(),
                         layout.scale.top() + y);
    }
    painter.setPen(text);
    painter.drawRect(layout.scale);
    for (double t : {0.0, 0.5, 1.0}) {
        const int y = layout.scale.bottom() - static_cast<int>(t * layout.scale.height());
        painter.drawText(
            QRect(layout.scale.right() + 4, y - metrics.height() / 2, kScaleGap, metrics.height()),
            Qt::AlignLeft | Qt::AlignVCenter, QString::number(low_ + t * (high_ - low_), 'f', 2));
    }
    painter.save();
    painter.translate(layout.scale.left() - 4, layout.scale.center().y());
    painter.rotate(-90);
    painter.drawText(
        QRect(-layout.scale.height() / 2, -metrics.height(), layout.scale.height(), metrics.height()),
        Qt::AlignCenter, scaleTitle_);
    painter.restore();
    if (!rowsTitle_.isEmpty())
        painter.drawText(
            QRect(kMargin, kMargin + metrics.height() + 4, layout.rowLabelWidth, metrics.height()),
            Qt::AlignLeft, rowsTitle_);
}

bool HeatmapWidget::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip && tooltip_) {
        const auto* help = static_cast<QHelpEvent*>(event);
        const Layout layout = layoutFor(size());
        if (layout.cells.contains(help->pos())) {
            const int c = static_cast<int>((help->pos().x() - layout.cells.left()) / layout.cellWidth);
            const int r = static_cast<int>((help->pos().y() - layout.cells.top()) / layout.cellHeight);
            if (r < rowCount() && c < columnCount()) {
                QToolTip::showText(help->globalPos(), tooltip_(r, c), this);
                return true;
            }
        }
        QToolTip::hideText();
        event->ignore();
        return true;
    }
    return QWidget::event(event);
}

}  // namespace netsight::ui
