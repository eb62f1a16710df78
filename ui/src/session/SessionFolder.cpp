// What the experiment's folder says, followed for the session: the stages (this process's jobs and other
// processes' alike), the stale ones and their discarding, and the log, curves, results and pictures read
// back when an experiment opens.
#include <QImage>

#include "netsight/experiment/JobRecorder.h"
#include "netsight/experiment/ProbePipeline.h"
#include "netsight/ui/ExperimentSession.h"

namespace netsight::ui {

QStringList ExperimentSession::staleStages() {
    return describeStale([this] { return experiment::staleStages(directory_.toStdString()); });
}

QStringList ExperimentSession::staleStagesUnder(const experiment::ProbeSpec& spec) {
    return describeStale(
        [this, &spec] { return experiment::staleStagesUnder(directory_.toStdString(), spec); });
}

QStringList ExperimentSession::describeStale(
    const std::function<std::vector<experiment::StaleStage>()>& find) {
    QStringList lines;
    error_.clear();
    if (!isOpen()) return lines;
    try {
        for (const auto& stage : find())
            lines << QString::fromStdString(experiment::describeStaleStage(stage, directory_.toStdString()));
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
    }
    return lines;
}

bool ExperimentSession::discardStaleStages() {
    if (busy()) {
        error_ = tr("A job is running; cancel it before discarding stages.");
        return false;
    }
    try {
        for (const auto& stage : experiment::discardStaleStages(directory_.toStdString()))
            showLog(QString::fromStdString(recorder_->note(
                "discarded " + experiment::describeStaleStage(stage, directory_.toStdString()) +
                " (made with other settings)")));
    } catch (const std::exception& e) {
        error_ = QString::fromStdString(e.what());
        return false;
    }
    watchFolder();
    return true;
}

// Another process (a CLI fine-tuning beside the app) or a job of this one may have finished or started a
// stage: when the folder's stamp changes, the stages are read again (cheaply, at once) and the views told;
// which of them are stale is then checked on the interactive lane (it reads the stage files) and the views
// told again.
void ExperimentSession::watchFolder() {
    if (!experiment_) return;
    try {
        const std::string stamp = experiment_->stamp();
        if (stamp == folderStamp_) return;
        folderStamp_ = stamp;
        stages_ = experiment_->stages();
    } catch (const std::exception&) {  // a stage file being replaced, say: look again at the next tick
        folderStamp_.clear();
        return;
    }
    checkStaleStages();
    // Results another process measured (a CLI run of this experiment) come in too, once nothing here runs.
    if (!busy()) {
        try {
            auto fresh = probe::readProbeResults(directory_.toStdString());
            const bool changed = fresh.has_value() != results_.has_value() ||
                                 (fresh && results_ && fresh->summary.accuracy != results_->summary.accuracy);
            if (changed) {
                results_ = std::move(fresh);
                loadPreviews();
                emit resultsChanged();
                emit previewsChanged();
            }
        } catch (const std::exception&) {  // half written: the next tick reads it whole
        }
    }
    emit stagesChanged();
}

void ExperimentSession::checkStaleStages() {
    const std::string stamp = folderStamp_;
    query<std::vector<experiment::StageStatus>>(
        tr("check the stages"), this,
        [experiment = *experiment_, stages = stages_](runtime::JobContext&) mutable {
            experiment.markStale(stages);
            return stages;
        },
        [this, stamp](std::vector<experiment::StageStatus> checked) {
            if (!experiment_ || stamp != folderStamp_) return;  // the folder changed again meanwhile
            stages_ = std::move(checked);
            emit stagesChanged();
        },
        [](const QString&) {});  // unreadable stages: the next run names them, and the settings dialog does
}

void ExperimentSession::showLog(const QString& line) {
    log_.push_back(line);
    emit logged(line);
}

void ExperimentSession::loadSeries() {
    series_.clear();
    for (const auto& point : experiment::readMetrics(experiment_->metricsPath())) {
        Series& series = series_[QString::fromStdString(point.series)];
        series.steps.push_back(point.step);
        series.values.push_back(point.value);
    }
}

void ExperimentSession::loadResults() {
    results_.reset();
    try {
        results_ = probe::readProbeResults(directory_.toStdString());
    } catch (const std::exception& e) {
        showLog(tr("error: %1").arg(QString::fromStdString(e.what())));
    }
    if (results_) loadPreviews();
}

void ExperimentSession::loadPreviews() {
    if (!results_) return;
    const auto& files = results_->gridFiles;
    const auto& rows = results_->summary.rows;
    for (std::size_t column = 0; column < files.size() && column < rows.size(); ++column) {
        QVector<QImage> images;
        for (const auto& file : files[column]) {
            QImage image(QString::fromStdString(file));
            if (!image.isNull()) images.push_back(image.convertToFormat(QImage::Format_RGB888));
        }
        if (!images.isEmpty()) previews_[QString::fromStdString(rows[column])] = images;
    }
}

}  // namespace netsight::ui
