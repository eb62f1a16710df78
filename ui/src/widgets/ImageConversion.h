#pragma once

#include <QImage>

#include "netsight/data/Image.h"

namespace netsight::ui {

/// A deep copy of core's RGB pixels as a QImage, safe to hand across threads.
QImage toQImage(const data::RgbBuffer& buffer);

}  // namespace netsight::ui
