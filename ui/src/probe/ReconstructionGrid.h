#pragma once

// The reconstruction grid: test images as rows; original | pretrained AE | one column per classifier.
#include <QImage>
#include <QMap>
#include <QStringList>
#include <QVector>
#include <QWidget>

namespace netsight::ui {

class ReconstructionGrid : public QWidget {
    Q_OBJECT
  public:
    explicit ReconstructionGrid(QWidget* parent = nullptr);
    /// Column keys (preview keys) and their titles, left to right.
    void setColumns(const QStringList& keys, const QStringList& titles);
    void setImages(const QMap<QString, QVector<QImage>>& images);
    /// Sizes the cells so that every column fits in `width` pixels (cells 48-128 px).
    void setAvailableWidth(int width);
    /// Number of cells that hold a picture (for tests).
    int filledCells() const;
    QSize sizeHint() const override;

  signals:
    void imageClicked(const QString& title, const QImage& image);

  protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;

  private:
    int rows() const;
    QRect cellRect(int column, int row) const;
    QStringList keys_, titles_;
    QMap<QString, QVector<QImage>> images_;
    int cell_ = 88;
    int header_ = 40;
};

}  // namespace netsight::ui
