#include "widgets/JobProgress.h"

#include <QProgressBar>
#include <cmath>

namespace netsight::ui {

void showJobProgress(const ExperimentSession& session, const QString& name, QProgressBar* bar) {
    if (name.isEmpty()) return;
    for (const auto& job : session.jobs())
        if (job.name == name) {
            bar->setValue(job.total > 0 ? static_cast<int>(1000 * job.done / job.total) : 0);
            QString text = job.phase.isEmpty() ? QObject::tr("queued") : job.phase + " %p%";
            if (job.etaSeconds >= 0 && !job.phase.isEmpty())
                text += QObject::tr(" · %1 s left").arg(std::lround(job.etaSeconds));
            bar->setFormat(text);
        }
}

void showJobEnd(QProgressBar* bar, JobState state) {
    if (state == JobState::Succeeded) bar->setValue(bar->maximum());
    bar->setFormat(state == JobState::Succeeded   ? QObject::tr("done")
                   : state == JobState::Cancelled ? QObject::tr("stopped")
                                                  : QObject::tr("failed"));
}

}  // namespace netsight::ui
