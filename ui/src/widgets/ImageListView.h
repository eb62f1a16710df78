#pragma once

// A wrapping grid of titled thumbnails (a channel gallery, inversions side by side) that saves itself as
// one PNG montage.
#include <QImage>
#include <QListWidget>

#include "netsight/data/Image.h"

namespace netsight::ui {

class ImageListView : public QListWidget {
    Q_OBJECT
  public:
    explicit ImageListView(QWidget* parent = nullptr);
    void addImage(const QImage& image, const QString& title);
    void addImage(const data::RgbBuffer& buffer, const QString& title);
    /// The images, 128 px each, up to 8 a row, titles under them. Empty when there is nothing to show.
    QImage montage() const;
    /// Asks for a file name and writes montage(); returns an error message or an empty string.
    QString saveMontage(const QString& suggestedName);
};

}  // namespace netsight::ui
