#include "attribution/MapGrid.h"

#include <QGridLayout>
#include <QLabel>
#include <QLayoutItem>
#include <QPixmap>
#include <QVBoxLayout>

namespace netsight::ui {
namespace {

constexpr int kTilePixels = 136;

}  // namespace

MapGrid::MapGrid(QWidget* parent) : QWidget(parent) {
    auto* outer = new QVBoxLayout(this);
    grid_ = new QGridLayout;
    grid_->setHorizontalSpacing(10);
    grid_->setVerticalSpacing(14);
    outer->addLayout(grid_);
    outer->addStretch();
}

void MapGrid::clear() {
    while (QLayoutItem* item = grid_->takeAt(0)) {
        delete item->widget();
        delete item;
    }
    rows_ = 0;
    images_.clear();
    captions_.clear();
}

void MapGrid::addRow(const QString& title, const std::vector<std::pair<QImage, QString>>& tiles) {
    auto* heading = new QLabel(title, this);
    heading->setWordWrap(true);
    heading->setMaximumWidth(140);
    heading->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    grid_->addWidget(heading, rows_, 0);
    int column = 1;
    for (const auto& [image, caption] : tiles) {
        auto* tile = new QWidget(this);
        auto* layout = new QVBoxLayout(tile);
        layout->setContentsMargins(0, 0, 0, 0);
        auto* picture = new QLabel(tile);
        picture->setPixmap(QPixmap::fromImage(
            image.scaled(kTilePixels, kTilePixels, Qt::KeepAspectRatio,
                         image.width() < kTilePixels ? Qt::FastTransformation : Qt::SmoothTransformation)));
        auto* text = new QLabel(caption, tile);
        text->setWordWrap(true);
        text->setMaximumWidth(kTilePixels);
        text->setAlignment(Qt::AlignHCenter | Qt::AlignTop);
        layout->addWidget(picture, 0, Qt::AlignHCenter);
        layout->addWidget(text);
        grid_->addWidget(tile, rows_, column++, Qt::AlignTop);
        images_.push_back(image);
        captions_.push_back(caption);
    }
    ++rows_;
}

}  // namespace netsight::ui
