#pragma once

// A grid of attribution maps: a row per classifier, its image first, then one tile per method, each scaled
// up (nearest neighbour: a map's pixels stay visible) to the same size with its caption under it.
#include <QImage>
#include <QString>
#include <QWidget>
#include <vector>

class QGridLayout;

namespace netsight::ui {

class MapGrid : public QWidget {
    Q_OBJECT
  public:
    explicit MapGrid(QWidget* parent = nullptr);

    void clear();
    /// Adds a row: a title on the left, then the tiles.
    void addRow(const QString& title, const std::vector<std::pair<QImage, QString>>& tiles);
    int tileCount() const { return static_cast<int>(images_.size()); }
    /// Tile i in the order added (row by row), as given (not scaled), and its caption.
    QImage image(int i) const { return images_.at(static_cast<std::size_t>(i)); }
    QString caption(int i) const { return captions_.at(static_cast<std::size_t>(i)); }

  private:
    QGridLayout* grid_;
    int rows_ = 0;
    std::vector<QImage> images_;
    std::vector<QString> captions_;
};

}  // namespace netsight::ui
