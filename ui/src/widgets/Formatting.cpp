#include "widgets/Formatting.h"

#include <QObject>
#include <QStringList>
#include <cmath>

namespace netsight::ui {

QString shapeText(const std::vector<std::int64_t>& shape) {
    QStringList parts;
    for (auto d : shape)
        parts << QString::number(d);
    return parts.join(QStringLiteral("×"));
}

QString formatDuration(double seconds) {
    if (seconds < 0 || !std::isfinite(seconds)) return QStringLiteral("–");
    const auto total = static_cast<long long>(std::llround(seconds));
    if (total >= 3600)
        return QObject::tr("%1 h %2 min").arg(total / 3600).arg((total % 3600) / 60, 2, 10, QChar('0'));
    if (total >= 60) return QObject::tr("%1 min %2 s").arg(total / 60).arg(total % 60, 2, 10, QChar('0'));
    return QObject::tr("%1 s").arg(total);
}

}  // namespace netsight::ui
