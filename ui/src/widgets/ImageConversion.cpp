#include "widgets/ImageConversion.h"

namespace netsight::ui {

QImage toQImage(const data::RgbBuffer& buffer) {
    const QImage view(buffer.rgb.data(), buffer.width, buffer.height, buffer.width * 3,
                      QImage::Format_RGB888);
    return view.copy();
}

}  // namespace netsight::ui
