#include "jobs/JobsPanel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <cmath>
#include <filesystem>

#include "netsight/experiment/Slurm.h"
#include "netsight/ui/ExperimentSession.h"
#include "widgets/Formatting.h"
#include "widgets/PanelLayout.h"

namespace netsight::ui {
namespace {

enum Column { kJob, kDevice, kState, kProgress, kRate, kEta, kMessage, kColumns };

QString stateText(JobState state) {
    switch (state) {
        case JobState::Queued:
            return QObject::tr("queued");
        case JobState::Running:
            return QObject::tr("running");
        case JobState::Succeeded:
            return QObject::tr("done");
        case JobState::Failed:
            return QObject::tr("FAILED");
        case JobState::Cancelled:
            return QObject::tr("cancelled");
    }
    return {};
}

}  // namespace

JobsPanel::JobsPanel(ExperimentSession* session, QWidget* parent) : QWidget(parent), session_(session) {
    table_ = new QTableWidget(0, kColumns, this);
    table_->setHorizontalHeaderLabels(
        {tr("Job"), tr("Device"), tr("State"), tr("Progress"), tr("Rate"), tr("ETA"), tr("Message")});
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setSectionResizeMode(kProgress, QHeaderView::Interactive);
    table_->setColumnWidth(kProgress, 260);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->verticalHeader()->setVisible(false);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    cancel_ = new QPushButton(tr("Cancel"), this);
    cancel_->setToolTip(tr("Stop the selected job after its current batch; its checkpoint is kept"));
    retry_ = new QPushButton(tr("Retry / resume"), this);
    retry_->setToolTip(tr("Run the selected job again; it resumes from its last checkpoint"));
    log_ = new QPlainTextEdit(this);
    log_->setReadOnly(true);
    log_->setMaximumBlockCount(5000);

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(cancel_);
    buttons->addWidget(retry_);
    buttons->addStretch();
    clusterBox_ = new QWidget(this);
    cluster_ = new QTableWidget(0, 6, clusterBox_);
    cluster_->setHorizontalHeaderLabels(
        {tr("Stage"), tr("Slurm job"), tr("State"), tr("Reason"), tr("Node"), tr("Files")});
    cluster_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    cluster_->horizontalHeader()->setStretchLastSection(true);
    cluster_->verticalHeader()->setVisible(false);
    cluster_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    cluster_->setMinimumHeight(9 * cluster_->fontMetrics().height() *
                               2);  // a probe's stages without scrolling
    auto* clusterRefresh = new QPushButton(tr("Refresh"), clusterBox_);
    clusterRefresh->setToolTip(tr("Ask Slurm again (it is asked every 15 s while this view shows)"));
    auto* clusterHeader = new QHBoxLayout;
    clusterLabel_ = new QLabel(clusterBox_);
    clusterLabel_->setWordWrap(true);
    clusterHeader->addWidget(clusterLabel_, 1);
    clusterHeader->addWidget(clusterRefresh);
    auto* clusterLayout = new QVBoxLayout(clusterBox_);
    clusterLayout->setContentsMargins(0, 0, 0, 0);
    clusterLayout->addLayout(clusterHeader);
    clusterLayout->addWidget(cluster_, 1);
    clusterBox_->hide();
    clusterTimer_ = new QTimer(this);
    clusterTimer_->setInterval(15000);
    connect(clusterTimer_, &QTimer::timeout, this, [this] {
        if (isVisible()) refreshCluster();
    });
    connect(clusterRefresh, &QPushButton::clicked, this, &JobsPanel::refreshCluster);

    auto* top = new QWidget(this);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(table_, 1);
    topLayout->addLayout(buttons);
    topLayout->addWidget(clusterBox_, 2);
    auto* bottom = new QWidget(this);
    auto* bottomLayout = new QVBoxLayout(bottom);
    bottomLayout->setContentsMargins(0, 0, 0, 0);
    bottomLayout->addWidget(new QLabel(tr("Log (also in log.txt of the experiment)"), bottom));
    bottomLayout->addWidget(log_, 1);
    fillWithSplitter(this, Qt::Vertical, top, bottom, 1, 1);

    connect(cancel_, &QPushButton::clicked, this, [this] { session_->cancel(selectedJob()); });
    connect(retry_, &QPushButton::clicked, this, [this] { session_->retry(selectedJob()); });
    connect(table_, &QTableWidget::itemSelectionChanged, this, &JobsPanel::refresh);
    connect(session_, &ExperimentSession::jobsChanged, this, &JobsPanel::refresh);
    connect(session_, &ExperimentSession::logged, log_, &QPlainTextEdit::appendPlainText);
    connect(session_, &ExperimentSession::opened, this, [this] {
        log_->setPlainText(session_->log().join('\n'));
        refresh();
        refreshCluster();
    });
    connect(session_, &ExperimentSession::closed, log_, &QPlainTextEdit::clear);
    connect(session_, &ExperimentSession::closed, clusterBox_, &QWidget::hide);
    clusterTimer_->start();
    refresh();
}

void JobsPanel::refreshCluster() {
    const QString directory = session_->directory();
    if (directory.isEmpty() || clusterQueryPending_ ||
        !std::filesystem::exists(std::filesystem::path(directory.toStdString()) / "slurm" / "jobs.json")) {
        if (directory.isEmpty()) clusterBox_->hide();
        return;
    }
    clusterQueryPending_ = true;
    const std::string folder = directory.toStdString();
    // The answer belongs to this experiment: one closed or replaced meanwhile does not get it.
    auto current = [this, directory] { return session_->directory() == directory; };
    const bool asked = session_->query<std::vector<experiment::SlurmTask>>(
        tr("Slurm status"), this,
        [folder](runtime::JobContext&) { return experiment::slurmProbeStatus(folder); },
        [this, current](std::vector<experiment::SlurmTask> tasks) {
            clusterQueryPending_ = false;
            if (!current()) return;
            clusterBox_->setVisible(!tasks.empty());
            cluster_->clearContents();
            cluster_->clearSpans();
            cluster_->setRowCount(static_cast<int>(tasks.size()));
            // Slurm not reachable from this machine: said once, above the table; the rows show what the
            // experiment's files say.
            QString unanswered;
            for (const auto& task : tasks)
                if (!task.unanswered.empty()) unanswered = QString::fromStdString(task.unanswered);
            clusterLabel_->setText(unanswered.isEmpty()
                                       ? tr("On the Slurm cluster (netsight-cli probe DIR --slurm; --slurm "
                                            "again resubmits what failed)")
                                       : tr("On the Slurm cluster, as the experiment's files tell: Slurm "
                                            "cannot be asked from here "
                                            "(%1); run netsight-cli probe DIR --status on a login node")
                                             .arg(unanswered));
            for (int row = 0; row < cluster_->rowCount(); ++row) {
                const auto& task = tasks[static_cast<std::size_t>(row)];
                const bool unasked = task.state.empty() && !task.unanswered.empty();
                const bool lost = task.state.empty() && !task.done && !unasked;
                const QString state = task.state.empty() ? (task.done ? tr("finished")
                                                            : unasked ? tr("not asked")
                                                                      : tr("unknown"))
                                                         : QString::fromStdString(task.state);
                const QString reason = lost ? tr("Slurm no longer knows it and it is not done: resubmit")
                                            : QString::fromStdString(task.reason);
                const QStringList cells = {QString::fromStdString(task.stage),
                                           QString::fromStdString(task.jobId),
                                           state,
                                           reason,
                                           QString::fromStdString(task.node),
                                           task.done ? tr("done") : QStringLiteral("–")};
                for (int column = 0; column < cells.size(); ++column) {
                    auto* item = new QTableWidgetItem(cells[column]);
                    if (column == 3) item->setToolTip(cells[column]);
                    const bool bad = lost || task.state == "FAILED" || task.state == "CANCELLED" ||
                                     task.state == "TIMEOUT" || task.state == "OUT_OF_MEMORY" ||
                                     task.reason == "DependencyNeverSatisfied";
                    if (column == 2 && bad) item->setForeground(QColor(192, 57, 43));
                    cluster_->setItem(row, column, item);
                }
            }
        },
        [this, current](const QString& message) {
            clusterQueryPending_ = false;
            if (!current()) return;
            clusterBox_->show();
            cluster_->clearContents();
            cluster_->clearSpans();
            cluster_->setRowCount(1);
            cluster_->setSpan(0, 0, 1, cluster_->columnCount());
            auto* item = new QTableWidgetItem(tr("Slurm status failed: %1").arg(message));
            item->setForeground(QColor(192, 57, 43));
            item->setToolTip(item->text());
            cluster_->setItem(0, 0, item);
        });
    if (!asked) clusterQueryPending_ = false;
}

QString JobsPanel::selectedJob() const {
    const auto rows = table_->selectionModel()->selectedRows();
    if (!rows.isEmpty()) return table_->item(rows.first().row(), kJob)->text();
    return table_->rowCount() > 0 ? table_->item(0, kJob)->text() : QString();
}

void JobsPanel::refresh() {
    const auto& jobs = session_->jobs();
    const QSignalBlocker blocker(table_);
    table_->setRowCount(static_cast<int>(jobs.size()));
    for (int row = 0; row < jobs.size(); ++row) {
        const JobStatus& job = jobs[row];
        auto set = [&](int column, const QString& text) {
            auto* item = table_->item(row, column);
            if (!item) table_->setItem(row, column, item = new QTableWidgetItem);
            item->setText(text);
            if (column == kMessage) item->setToolTip(text);
            if (column == kState && job.state == JobState::Failed) item->setForeground(QColor(192, 57, 43));
        };
        set(kJob, job.name);
        set(kDevice, job.device);
        set(kState, stateText(job.state));
        set(kRate,
            job.ratePerSecond > 0 ? tr("%1 img/s").arg(job.ratePerSecond, 0, 'f', 0) : QStringLiteral("–"));
        set(kEta, job.state == JobState::Running ? formatDuration(job.etaSeconds) : QStringLiteral("–"));
        set(kMessage, job.state == JobState::Failed ? job.message : job.phase);
        auto* bar = qobject_cast<QProgressBar*>(table_->cellWidget(row, kProgress));
        if (!bar) table_->setCellWidget(row, kProgress, bar = new QProgressBar);
        bar->setRange(0, 1000);
        bar->setValue(job.total > 0 ? static_cast<int>(1000 * job.done / job.total) : 0);
        bar->setFormat(job.total > 0 ? QStringLiteral("%1 — %p%").arg(job.phase) : job.phase);
    }
    const QString selected = selectedJob();
    JobState state = JobState::Succeeded;
    for (const auto& job : jobs)
        if (job.name == selected) state = job.state;
    cancel_->setEnabled(!selected.isEmpty() && (state == JobState::Running || state == JobState::Queued));
    retry_->setEnabled(!selected.isEmpty() && state != JobState::Running && state != JobState::Queued);
}

}  // namespace netsight::ui
