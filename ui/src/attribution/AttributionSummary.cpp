#include "attribution/AttributionSummary.h"

#include <QDir>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <cmath>
#include <memory>

#include "netsight/ui/ExperimentSession.h"
#include "widgets/Export.h"
#include "widgets/JobProgress.h"
#include "widgets/PlotStyle.h"

namespace netsight::ui {
namespace {

const QString kJob = "attribution summary";

QString number(double value) {
    return std::isnan(value) ? QStringLiteral("–") : QString::number(value, 'f', 3);
}

QString interval(const probe::Interval& value) {
    if (std::isnan(value.estimate)) return QStringLiteral("–");
    return QString("%1 [%2, %3]").arg(number(value.estimate), number(value.low), number(value.high));
}

void fill(QTableWidget* table, const QStringList& headers, const std::vector<QStringList>& rows) {
    table->clear();
    table->setColumnCount(static_cast<int>(headers.size()));
    table->setHorizontalHeaderLabels(headers);
    table->setRowCount(static_cast<int>(rows.size()));
    for (int r = 0; r < static_cast<int>(rows.size()); ++r)
        for (int c = 0; c < rows[static_cast<std::size_t>(r)].size(); ++c)
            table->setItem(r, c, new QTableWidgetItem(rows[static_cast<std::size_t>(r)][c]));
}

}  // namespace

AttributionSummary::AttributionSummary(ExperimentSession* session, Classifiers classifiers, Methods methods,
                                       QWidget* parent)
    : QWidget(parent), session_(session), classifiers_(std::move(classifiers)), methods_(std::move(methods)) {
    images_ = new QSpinBox(this);
    images_->setRange(4, 100000);
    images_->setValue(64);
    images_->setToolTip(tr("Test images summarized (the first of the split)"));
    run_ = new QPushButton(tr("Summarize test set"), this);
    run_->setToolTip(
        tr("The checked methods on the first test images of each checked classifier: deletion and "
           "insertion, the drop in confidence, the share on the object, per class, and the "
           "randomization check"));
    stop_ = new QPushButton(tr("Stop"), this);
    stop_->setEnabled(false);
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    status_ = new QLabel(tr("Summarize a test set to check the methods on many images."), this);
    status_->setWordWrap(true);
    table_ = new QTableWidget(this);
    perClass_ = new QTableWidget(this);
    for (auto* table : {table_, perClass_}) {
        table->setEditTriggers(QAbstractItemView::NoEditTriggers);
        table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    }
    auto* tables = new QWidget(this);
    auto* tablesLayout = new QVBoxLayout(tables);
    tablesLayout->setContentsMargins(0, 0, 0, 0);
    tablesLayout->addWidget(table_, 1);
    tablesLayout->addWidget(new QLabel(tr("Per class (by label)"), this));
    tablesLayout->addWidget(perClass_, 1);

    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Images"), this));
    bar->addWidget(images_);
    bar->addWidget(run_);
    bar->addWidget(stop_);
    bar->addWidget(progress_, 1);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(status_);
    layout->addWidget(withExport(tables,
                                 new ExportButton(
                                     "attribution-summary",
                                     [tables](const QString& path) { return exportWidget(tables, path); },
                                     [this] { return csv(); }, this),
                                 this),
                      1);

    connect(run_, &QPushButton::clicked, this, &AttributionSummary::start);
    connect(stop_, &QPushButton::clicked, this, [this] { session_->cancel(runningJob_); });
    connect(session_, &ExperimentSession::jobsChanged, this,
            [this] { showJobProgress(*session_, runningJob_, progress_); });
    connect(session_, &ExperimentSession::opened, this, &AttributionSummary::loadSaved);
    connect(session_, &ExperimentSession::closed, this, [this] { show({}); });
    loadSaved();
}

bool AttributionSummary::loadSaved() {
    const QString directory = session_->directory();
    if (directory.isEmpty()) return false;
    const QDir saved(QDir(directory).filePath(QStringLiteral("results/attribution")));
    std::vector<attribution::AttributionResults> runs;
    QStringList names;
    // The experiment's classifiers in its order, then any other saved ones.
    QStringList order;
    for (const auto& entry : session_->spec().classifiers)
        order << QString::fromStdString(entry.name);
    for (const QString& name : saved.entryList(QDir::Dirs | QDir::NoDotAndDotDot, QDir::Name))
        if (!order.contains(name)) order << name;
    for (const QString& name : order) {
        attribution::AttributionResults run;
        run.summaries = attribution::readAttributionSummaries(saved.filePath(name).toStdString());
        if (run.summaries.empty()) continue;
        names << name;
        runs.push_back(std::move(run));
    }
    show(runs);
    if (!runs.empty())
        status_->setText(
            tr("The last summary of %1, read from results/attribution/ (summarize again to refresh).")
                .arg(names.join(QStringLiteral(", "))));
    return !runs.empty();
}

bool AttributionSummary::start() {
    error_.clear();
    if (!session_->isOpen()) {
        error_ = tr("Open or create an experiment first.");
        status_->setText(error_);
        return false;
    }
    std::vector<std::string> classifiers;
    for (const auto& name : classifiers_())
        classifiers.push_back(name.toStdString());
    attribution::AttributeOptions options;
    options.methods = methods_();
    if (classifiers.empty() || options.methods.empty()) {
        error_ = tr("Check at least one classifier and one method.");
        status_->setText(error_);
        return false;
    }
    options.count = static_cast<std::size_t>(images_->value());
    auto runs = std::make_shared<std::vector<attribution::AttributionResults>>();
    const std::string directory = session_->directory().toStdString();
    if (!session_->submitJob({kJob.toStdString(), runtime::JobKind::Attribution, "attribution view"},
                             [directory, classifiers, options, runs](runtime::JobContext& job) {
                                 *runs =
                                     attribution::attributeExperiment(directory, classifiers, options, job);
                             })) {
        error_ = session_->error();
        status_->setText(error_);
        return false;
    }
    runningJob_ = kJob;
    run_->setEnabled(false);
    stop_->setEnabled(true);
    progress_->setValue(0);
    status_->setText(tr("Summarizing (see also the Jobs view)…"));
    // The job's results are complete before its end is announced; they are read on the GUI thread only then.
    auto* connection = new QMetaObject::Connection;
    *connection = connect(
        session_, &ExperimentSession::jobFinished, this,
        [this, runs, connection](const QString& job, JobState state, const QString& message) {
            if (job != kJob) return;
            disconnect(*connection);
            delete connection;
            runningJob_.clear();
            run_->setEnabled(true);
            stop_->setEnabled(false);
            showJobEnd(progress_, state);
            if (state == JobState::Succeeded) {
                show(*runs);
                status_->setText(tr("Written to %1/results/attribution (report.html for each "
                                    "classifier).")
                                     .arg(session_->directory()));
            } else {
                error_ = state == JobState::Cancelled ? tr("Stopped.") : tr("Failed: %1").arg(message);
                status_->setText(error_);
            }
            emit finished(state == JobState::Succeeded);
        });
    return true;
}

void AttributionSummary::show(const std::vector<attribution::AttributionResults>& runs) {
    std::vector<QStringList> rows, classRows;
    for (const auto& run : runs)
        for (const auto& s : run.summaries) {
            const QString method = QString::fromStdString(attribution::methodName(s.method));
            const QString classifier = QString::fromStdString(s.classifier);
            rows.push_back({classifier, method, interval(s.deletionArea), interval(s.insertionArea),
                            interval(s.averageDrop), interval(s.maskEnergy), interval(s.pointing),
                            interval(s.cueEnergy),
                            s.randomizationRank.empty() ? "–" : interval(s.randomizationRank.back()),
                            QString::number(s.imagesPerSecond, 'f', 1)});
            for (const auto& c : s.perClass)
                classRows.push_back({classifier, method, QString::fromStdString(c.name),
                                     QString::number(c.images), number(c.accuracy), number(c.deletionArea),
                                     number(c.maskEnergy)});
        }
    fill(table_,
         {tr("classifier"), tr("method"), tr("deletion ↓"), tr("insertion ↑"), tr("average drop ↓"),
          tr("on the object ↑"), tr("pointing game ↑"), tr("on the cue"), tr("randomized: rank corr. ↓"),
          tr("images/s")},
         rows);
    fill(perClass_,
         {tr("classifier"), tr("method"), tr("class"), tr("images"), tr("accuracy"), tr("deletion"),
          tr("on the object")},
         classRows);
}

QString AttributionSummary::csv() const {
    QString text;
    for (int c = 0; c < table_->columnCount(); ++c)
        text += (c ? "," : "") + table_->horizontalHeaderItem(c)->text();
    text += "\n";
    for (int r = 0; r < table_->rowCount(); ++r) {
        for (int c = 0; c < table_->columnCount(); ++c)
            text += (c ? ",\"" : "\"") + (table_->item(r, c) ? table_->item(r, c)->text() : QString()) + "\"";
        text += "\n";
    }
    return text;
}

}  // namespace netsight::ui
