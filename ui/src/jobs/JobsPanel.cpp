#include "jobs/JobsPanel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>

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
    auto* top = new QWidget(this);
    auto* topLayout = new QVBoxLayout(top);
    topLayout->setContentsMargins(0, 0, 0, 0);
    topLayout->addWidget(table_, 1);
    topLayout->addLayout(buttons);
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
    });
    connect(session_, &ExperimentSession::closed, log_, &QPlainTextEdit::clear);
    refresh();
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
