#pragma once

// A view's progress bar following the job it started: phase, share done and time left while it runs, how it
// ended once it has.
#include <QString>

#include "netsight/ui/ExperimentSession.h"

class QProgressBar;

namespace netsight::ui {

/// Shows job `name`'s progress in `bar` (range 0..1000): "PHASE 42% · 12 s left", "queued". Nothing when the
/// session has no such job.
void showJobProgress(const ExperimentSession& session, const QString& name, QProgressBar* bar);
/// The bar once the job has ended: full and "done", or as it was and "stopped" / "failed".
void showJobEnd(QProgressBar* bar, JobState state);

}  // namespace netsight::ui
