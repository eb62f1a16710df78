#include "probe/ReconstructionGrid.h"

#include <QMouseEvent>
#include <QPainter>
#include <algorithm>

namespace netsight::ui {
namespace {
constexpr int kGap = 6;
constexpr int kMargin = 8;
}  // namespace

ReconstructionGrid::ReconstructionGrid(QWidget* parent) : QWidget(parent) {
    setToolTip(tr("Click an image to enlarge it"));
    setSizePolicy(QSizePolicy::Minimum, QSizePolicy::Minimum);
}

void ReconstructionGrid::setColumns(const QStringList& keys, const QStringList& titles) {
    keys_ = keys;
    titles_ = titles;
    updateGeometry();
    update();
}

void ReconstructionGrid::setImages(const QMap<QString, QVector<QImage>>& images) {
    images_ = images;
    updateGeometry();
    update();
}

void ReconstructionGrid::setAvailableWidth(int width) {
    const int columns = std::max(1, static_cast<int>(keys_.size()));
    cell_ = std::clamp((width - 2 * kMargin) / columns - kGap, 48, 128);
    updateGeometry();
    update();
}

int ReconstructionGrid::rows() const {
    int count = 0;
    for (const auto& column : images_)
        count = std::max(count, static_cast<int>(column.size()));
    return std::max(count, 1);
}

int ReconstructionGrid::filledCells() const {
    int count = 0;
    for (const auto& key : keys_)
        count += static_cast<int>(images_.value(key).size());
    return count;
}

QSize ReconstructionGrid::sizeHint() const {
    return {2 * kMargin + static_cast<int>(keys_.size()) * (cell_ + kGap),
            2 * kMargin + header_ + rows() * (cell_ + kGap)};
}

QRect ReconstructionGrid::cellRect(int column, int row) const {
    return {kMargin + column * (cell_ + kGap), kMargin + header_ + row * (cell_ + kGap), cell_, cell_};
}

void ReconstructionGrid::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().base());
    const QColor text = palette().color(QPalette::Text);
    const QColor placeholder = palette().color(QPalette::Mid);
    for (int c = 0; c < keys_.size(); ++c) {
        const QRect title(kMargin + c * (cell_ + kGap) - kGap / 2, kMargin, cell_ + kGap, header_ - 4);
        painter.setPen(text);
        const QString label =
            painter.fontMetrics().elidedText(titles_.value(c), Qt::ElideMiddle, 2 * title.width());
        painter.drawText(title, Qt::AlignHCenter | Qt::AlignBottom | Qt::TextWordWrap, label);
        const auto column = images_.value(keys_[c]);
        for (int r = 0; r < rows(); ++r) {
            const QRect cell = cellRect(c, r);
            if (r < column.size()) {
                // Nearest-neighbour: small images stay crisp pixels, as the network sees them.
                painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
                painter.drawImage(cell, column[r]);
            } else {
                painter.setPen(QPen(placeholder, 1, Qt::DashLine));
                painter.drawRect(cell.adjusted(0, 0, -1, -1));
                if (r == 0) {
                    painter.setPen(placeholder);
                    painter.drawText(cell, Qt::AlignCenter | Qt::TextWordWrap, tr("waiting"));
                }
            }
        }
    }
}

void ReconstructionGrid::mousePressEvent(QMouseEvent* event) {
    for (int c = 0; c < keys_.size(); ++c) {
        const auto column = images_.value(keys_[c]);
        for (int r = 0; r < column.size(); ++r)
            if (cellRect(c, r).contains(event->position().toPoint())) {
                emit imageClicked(tr("%1, test image %2").arg(titles_.value(c)).arg(r + 1), column[r]);
                return;
            }
    }
}

}  // namespace netsight::ui
