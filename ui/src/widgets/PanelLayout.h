#pragma once

// The layout most panels share: two parts side by side (or one above the other) in a splitter filling it.
#include <QSplitter>
#include <QVBoxLayout>
#include <QWidget>

namespace netsight::ui {

/// Fills `panel` with a splitter holding `first` and `second`, sized in the ratio of the stretches.
inline QSplitter* fillWithSplitter(QWidget* panel, Qt::Orientation orientation, QWidget* first,
                                   QWidget* second, int firstStretch, int secondStretch) {
    auto* splitter = new QSplitter(orientation, panel);
    splitter->addWidget(first);
    splitter->addWidget(second);
    splitter->setStretchFactor(0, firstStretch);
    splitter->setStretchFactor(1, secondStretch);
    auto* layout = new QVBoxLayout(panel);
    layout->addWidget(splitter);
    return splitter;
}

}  // namespace netsight::ui
