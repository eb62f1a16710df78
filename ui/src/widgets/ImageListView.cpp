#include "widgets/ImageListView.h"

#include <QFileDialog>
#include <QPainter>

#include "widgets/ImageConversion.h"

namespace netsight::ui {
namespace {
constexpr int kThumbnail = 96;
constexpr int kTile = 128;
constexpr int kCaption = 20;
}  // namespace

ImageListView::ImageListView(QWidget* parent) : QListWidget(parent) {
    setViewMode(QListView::IconMode);
    setIconSize(QSize(kThumbnail, kThumbnail));
    setResizeMode(QListView::Adjust);
    setMovement(QListView::Static);
    setSpacing(4);
}

void ImageListView::addImage(const QImage& image, const QString& title) {
    // Nearest-neighbour: a 32 px image stays crisp pixels.
    const QPixmap thumbnail =
        QPixmap::fromImage(image.scaled(kThumbnail, kThumbnail, Qt::KeepAspectRatio, Qt::FastTransformation));
    auto* item = new QListWidgetItem(QIcon(thumbnail), title, this);
    item->setData(Qt::UserRole, image);
    item->setToolTip(title);
}

void ImageListView::addImage(const data::RgbBuffer& buffer, const QString& title) {
    addImage(toQImage(buffer), title);
}

QImage ImageListView::montage() const {
    if (count() == 0) return {};
    const int columns = std::min(8, count());
    const int rows = (count() + columns - 1) / columns;
    QImage sheet(columns * (kTile + 8), rows * (kTile + kCaption + 8), QImage::Format_RGB888);
    sheet.fill(Qt::white);
    QPainter painter(&sheet);
    for (int i = 0; i < count(); ++i) {
        const QImage image = item(i)->data(Qt::UserRole).value<QImage>();
        const QRect cell((i % columns) * (kTile + 8) + 4, (i / columns) * (kTile + kCaption + 8) + 4, kTile,
                         kTile);
        painter.drawImage(cell, image.scaled(kTile, kTile, Qt::KeepAspectRatio, Qt::FastTransformation));
        painter.drawText(QRect(cell.left(), cell.bottom() + 2, kTile, kCaption), Qt::AlignCenter,
                         item(i)->text());
    }
    return sheet;
}

QString ImageListView::saveMontage(const QString& suggestedName) {
    const QImage sheet = montage();
    if (sheet.isNull()) return tr("Nothing to save yet.");
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Save montage"), suggestedName + ".png", "PNG (*.png)");
    if (path.isEmpty() || sheet.save(path, "PNG")) return {};
    return tr("%1: could not be written").arg(path);
}

}  // namespace netsight::ui
