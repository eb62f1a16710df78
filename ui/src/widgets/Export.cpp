#include "widgets/Export.h"

#include <qcustomplot.h>

#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSettings>
#include <QSvgGenerator>

namespace netsight::ui {
namespace {

QString suffixOf(const QString& path) {
    return QFileInfo(path).suffix().toLower();
}

QString unknownFormat(const QString& path) {
    return QObject::tr("%1: unknown format; use .png, .pdf or .svg").arg(path);
}

}  // namespace

QString exportPlot(QCustomPlot* plot, const QString& path) {
    const QString suffix = suffixOf(path);
    const int width = plot->width(), height = plot->height();
    bool ok = false;
    if (suffix == "png") {
        ok = plot->savePng(path, width, height, 2.0);  // twice the pixels: sharp on slides
    } else if (suffix == "pdf") {
        ok = plot->savePdf(path, width, height);
    } else if (suffix == "svg") {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(QSize(width, height));
        svg.setViewBox(QRect(0, 0, width, height));
        svg.setTitle(plot->windowTitle());
        QCPPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            plot->toPainter(&painter, width, height);
            ok = painter.end();
        }
    } else {
        return unknownFormat(path);
    }
    return ok ? QString() : QObject::tr("%1: could not be written (is the folder writable?)").arg(path);
}

QString exportWidget(QWidget* widget, const QString& path) {
    const QString suffix = suffixOf(path);
    // A view on a tab never shown has no size yet: give it the size it asks for.
    if (!widget->isVisible()) widget->resize(widget->size().expandedTo(widget->sizeHint()));
    bool ok = false;
    if (suffix == "png") {
        const qreal scale = 2.0;  // twice the pixels: sharp on slides and in papers
        QImage image(widget->size() * scale, QImage::Format_ARGB32_Premultiplied);
        image.setDevicePixelRatio(scale);
        image.fill(Qt::transparent);
        widget->render(&image);
        ok = image.save(path, "PNG");
    } else if (suffix == "pdf") {
        QPdfWriter pdf(path);
        pdf.setResolution(96);
        pdf.setPageSize(QPageSize(QSizeF(widget->width(), widget->height()), QPageSize::Point));
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        QPainter painter;
        ok = painter.begin(&pdf);
        if (ok) {
            widget->render(&painter);
            ok = painter.end();
        }
    } else if (suffix == "svg") {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(widget->size());
        svg.setViewBox(widget->rect());
        QPainter painter;
        ok = painter.begin(&svg);
        if (ok) {
            widget->render(&painter);
            ok = painter.end();
        }
    } else {
        return unknownFormat(path);
    }
    return ok ? QString() : QObject::tr("%1: could not be written (is the folder writable?)").arg(path);
}

QString writeTextFile(const QString& path, const QString& text) {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Text) || file.write(text.toUtf8()) < 0 || !file.commit())
        return QObject::tr("%1: could not be written: %2").arg(path, file.errorString());
    return {};
}

ExportButton::ExportButton(const QString& baseName, FigureWriter figure, CsvMaker csv, QWidget* parent)
    : QToolButton(parent), baseName_(baseName), figure_(std::move(figure)), csv_(std::move(csv)) {
    setText(tr("Export"));
    setToolTip(tr("Save this figure as PNG, PDF or SVG, or its numbers as CSV"));
    setPopupMode(QToolButton::InstantPopup);
    auto* menu = new QMenu(this);
    for (const QString& suffix : {QStringLiteral("png"), QStringLiteral("pdf"), QStringLiteral("svg")})
        menu->addAction(tr("Figure as %1…").arg(suffix.toUpper()), this,
                        [this, suffix] { exportAs(suffix); });
    if (csv_) menu->addAction(tr("Data as CSV…"), this, [this] { exportAs("csv"); });
    setMenu(menu);
}

void ExportButton::exportAs(const QString& suffix) {
    QSettings settings;
    const QString folder = settings.value("export/folder", QDir::homePath()).toString();
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Export"), folder + "/" + baseName_ + "." + suffix,
                                     suffix.toUpper() + " (*." + suffix + ")");
    if (path.isEmpty()) return;
    settings.setValue("export/folder", QFileInfo(path).absolutePath());
    const QString error = suffix == "csv" ? writeTextFile(path, csv_()) : figure_(path);
    if (!error.isEmpty()) QMessageBox::warning(this, tr("Export failed"), error);
}

}  // namespace netsight::ui
