#include "robustness/RobustnessPanel.h"

#include <qcustomplot.h>
#include <algorithm>

#include <QCheckBox>
#include <QComboBox>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QProgressBar>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>
#include <cmath>

#include "netsight/robustness/ExperimentRobustness.h"
#include "netsight/ui/ExperimentSession.h"
#include "widgets/Export.h"
#include "widgets/ImageListView.h"
#include "widgets/JobProgress.h"
#include "widgets/PlotStyle.h"

namespace netsight::ui {
namespace {

QString scaleSuffix(int scale) {
    return scale < 0 ? QString() : "@" + QString::fromStdString(robustness::scaleName(scale));
}

// Title and axis labels of a figure from its key.
struct FigureText {
    QString title, x, y;
};

FigureText figureText(const QString& figure) {
    const QString base = figure.section('@', 0, 0);
    const QString scale =
        figure.contains('@') ? QObject::tr(" (%1 scale alone)").arg(figure.section('@', 1)) : "";
    if (base == "minimal-l2")
        return {QObject::tr("Images fooled by an L2 perturbation of at most r") + scale,
                QObject::tr("L2 radius r, images in [0, 1]"), QObject::tr("share fooled")};
    if (const auto perturbation = robustness::perturbationNamed(base.toStdString()))
        return {QObject::tr("Accuracy under %1").arg(base),
                QString::fromUtf8(robustness::strengthMeaning(*perturbation)), QObject::tr("accuracy")};
    if (const auto attack = robustness::attackNamed(base.toStdString()))
        return {QObject::tr("Accuracy under %1").arg(base) + scale,
                QString::fromUtf8(robustness::radiusMeaning(attack->norm)), QObject::tr("accuracy")};
    return {figure, QString(), QObject::tr("accuracy")};
}

}  // namespace

RobustnessPanel::RobustnessPanel(ExperimentSession* session, QWidget* parent)
    : QWidget(parent), session_(session) {
    classifiers_ = new QListWidget(this);
    classifiers_->setToolTip(tr("The classifiers to measure (missing zoo classifiers are trained first)"));
    perturbations_ = new QCheckBox(tr("Perturbation curves"), this);
    perturbations_->setChecked(true);
    perturbations_->setToolTip(tr("Noise, salt and pepper, blur, contrast, JPEG, shifts, rotations"));
    attacks_ = new QCheckBox(tr("Attacks (PGD L∞ and L2, minimal L2)"), this);
    attacks_->setChecked(true);
    scales_ = new QCheckBox(tr("Scale ablation (topdown, bottomup)"), this);
    scales_->setChecked(true);
    scales_->setToolTip(tr("Also attack each scale of the input pyramid alone: full, half, quarter"));
    images_ = new QSpinBox(this);
    images_->setRange(10, 100000);
    images_->setValue(200);
    images_->setToolTip(
        tr("Test images attacked (the first of the test split); the perturbation curves use 500"));
    run_ = new QPushButton(tr("Run"), this);
    stop_ = new QPushButton(tr("Stop"), this);
    stop_->setEnabled(false);
    progress_ = new QProgressBar(this);
    progress_->setRange(0, 1000);
    progress_->setTextVisible(true);
    status_ = new QLabel(this);
    status_->setWordWrap(true);
    verdict_ = new QLabel(this);
    verdict_->setWordWrap(true);
    verdict_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    QFont bold = verdict_->font();
    bold.setBold(true);
    verdict_->setFont(bold);

    auto* settings = new QGroupBox(tr("Bench"), this);
    auto* form = new QFormLayout(settings);
    form->addRow(perturbations_);
    form->addRow(attacks_);
    form->addRow(scales_);
    form->addRow(tr("Attacked images"), images_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(run_);
    buttons->addWidget(stop_);
    form->addRow(buttons);
    form->addRow(progress_);
    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->addWidget(new QLabel(tr("Classifiers"), this));
    leftLayout->addWidget(classifiers_, 1);
    leftLayout->addWidget(settings);
    leftLayout->addWidget(status_);
    leftLayout->addWidget(verdict_);

    figure_ = new QComboBox(this);
    figure_->setToolTip(tr("One plot per perturbation, attack and scale; a line per classifier"));
    figure_->setSizeAdjustPolicy(QComboBox::AdjustToContents);
    plot_ = titledPlot(tr("Robustness"), QString(), tr("accuracy"), this);
    auto* curves = new QWidget(this);
    auto* curvesLayout = new QVBoxLayout(curves);
    auto* bar = new QHBoxLayout;
    bar->addWidget(new QLabel(tr("Figure"), this));
    bar->addWidget(figure_);
    bar->addStretch();
    curvesLayout->addLayout(bar);
    curvesLayout->addWidget(
        withExport(plot_,
                   new ExportButton(
                       "robustness", [this](const QString& path) { return exportPlot(plot_, path); },
                       [this] { return csv(); }, this),
                   this),
        1);
    examples_ = new QLabel(this);
    examples_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    auto* scroll = new QScrollArea(this);
    scroll->setWidget(examples_);
    scroll->setWidgetResizable(true);
    // Perturbed examples: the curve's images at a chosen strength, with a classifier's answers.
    exampleClassifier_ = new QComboBox(this);
    examplePerturbation_ = new QComboBox(this);
    for (auto perturbation : robustness::allPerturbations())
        examplePerturbation_->addItem(QString::fromUtf8(robustness::perturbationName(perturbation)));
    exampleStrength_ = new QComboBox(this);
    perturbed_ = new ImageListView(this);
    perturbedStatus_ = new QLabel(this);
    perturbedStatus_->setWordWrap(true);
    auto* perturbedPage = new QWidget(this);
    auto* perturbedLayout = new QVBoxLayout(perturbedPage);
    auto* choice = new QHBoxLayout;
    choice->addWidget(new QLabel(tr("Classifier"), this));
    choice->addWidget(exampleClassifier_);
    choice->addWidget(new QLabel(tr("Perturbation"), this));
    choice->addWidget(examplePerturbation_);
    choice->addWidget(new QLabel(tr("Strength"), this));
    choice->addWidget(exampleStrength_);
    choice->addStretch();
    perturbedLayout->addLayout(choice);
    perturbedLayout->addWidget(perturbedStatus_);
    perturbedLayout->addWidget(perturbed_, 1);
    views_ = new QTabWidget(this);
    views_->addTab(curves, tr("Curves"));
    views_->addTab(scroll, tr("Adversarial examples"));
    views_->addTab(perturbedPage, tr("Perturbed examples"));

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(views_);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 3);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(run_, &QPushButton::clicked, this, &RobustnessPanel::start);
    connect(stop_, &QPushButton::clicked, this, [this] { session_->cancel(runningJob_); });
    connect(figure_, &QComboBox::currentIndexChanged, this, &RobustnessPanel::showFigure);
    auto fillStrengths = [this] {
        const bool blocked = exampleStrength_->blockSignals(true);
        const int previous = std::max(0, exampleStrength_->currentIndex());
        exampleStrength_->clear();
        const auto perturbation =
            robustness::perturbationNamed(examplePerturbation_->currentText().toStdString());
        if (perturbation) {
            for (double strength : robustness::defaultStrengths(*perturbation))
                exampleStrength_->addItem(QString::number(strength));
            exampleStrength_->setToolTip(QString::fromUtf8(robustness::strengthMeaning(*perturbation)));
        }
        exampleStrength_->setCurrentIndex(std::min(previous, exampleStrength_->count() - 1));
        exampleStrength_->blockSignals(blocked);
    };
    fillStrengths();
    exampleStrength_->setCurrentIndex(3);
    connect(examplePerturbation_, &QComboBox::currentIndexChanged, this, [this, fillStrengths] {
        fillStrengths();
        showPerturbedExamples();
    });
    connect(exampleStrength_, &QComboBox::currentIndexChanged, this, &RobustnessPanel::showPerturbedExamples);
    connect(exampleClassifier_, &QComboBox::currentIndexChanged, this,
            &RobustnessPanel::showPerturbedExamples);
    connect(views_, &QTabWidget::currentChanged, this, [this](int index) {
        if (index == 2 && perturbed_->count() == 0) showPerturbedExamples();
    });
    connect(session_, &ExperimentSession::opened, this, &RobustnessPanel::refresh);
    connect(session_, &ExperimentSession::specChanged, this, &RobustnessPanel::refresh);
    connect(session_, &ExperimentSession::stagesChanged, this, &RobustnessPanel::refreshExampleClassifiers);
    connect(session_, &ExperimentSession::jobsChanged, this,
            [this] { showJobProgress(*session_, runningJob_, progress_); });
    // Live: each point as the bench measures it.
    connect(session_, &ExperimentSession::vizMetric, this,
            [this](const QString& job, const QString& series, double step, double value) {
                if (job != runningJob_ || !series.contains('/')) return;
                const QString classifier = series.section('/', 0, 0), figure = series.section('/', 1);
                addFigure(figure);
                lines_[figure][classifier][step] = Point{value, value, value};
                if (figure_->currentText() == figure || figure_->count() == 1) showFigure();
                emit updated();
            });
    connect(session_, &ExperimentSession::jobFinished, this,
            [this](const QString& job, JobState state, const QString& message) {
                if (job != runningJob_) return;
                runningJob_.clear();
                run_->setEnabled(true);
                stop_->setEnabled(false);
                showJobEnd(progress_, state);
                refreshExampleClassifiers();  // it may have trained some
                if (state == JobState::Succeeded) {
                    loadResults();
                    status_->setText(tr("Written to %1 (report.html there; the experiment's report has a "
                                        "Robustness section).")
                                         .arg(resultsDirectory()));
                } else {
                    error_ = state == JobState::Cancelled ? tr("Stopped.") : tr("Failed: %1").arg(message);
                    status_->setText(error_);
                }
                emit finished(state == JobState::Succeeded);
            });
    refresh();
}

QString RobustnessPanel::resultsDirectory() const {
    if (!session_->isOpen()) return {};
    return QString::fromStdString(robustness::robustnessDirectory(session_->directory().toStdString()));
}

void RobustnessPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (runningJob_.isEmpty()) refresh();
}

void RobustnessPanel::refresh() {
    QStringList checked;
    for (int i = 0; i < classifiers_->count(); ++i)
        if (classifiers_->item(i)->checkState() == Qt::Checked) checked << classifiers_->item(i)->text();
    const bool first = classifiers_->count() == 0;
    classifiers_->clear();
    if (!session_->isOpen()) {
        status_->setText(tr("Open or create an experiment first."));
        return;
    }
    refreshExampleClassifiers();
    for (const auto& entry : session_->spec().classifiers) {
        const QString name = QString::fromStdString(entry.name);
        auto* item = new QListWidgetItem(name, classifiers_);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(first || checked.contains(name) ? Qt::Checked : Qt::Unchecked);
        if (!session_->classifierReady(entry))
            item->setToolTip(entry.architecture.empty() ? tr("model file missing")
                                                        : tr("not trained yet: the run trains it first"));
    }
    if (runningJob_.isEmpty()) loadResults();
}

// The classifiers whose examples can be shown: the trained ones.
void RobustnessPanel::refreshExampleClassifiers() {
    if (!session_->isOpen()) return;
    const QString exampleChoice = exampleClassifier_->currentText();
    const bool blocked = exampleClassifier_->blockSignals(true);
    exampleClassifier_->clear();
    for (const auto& entry : session_->spec().classifiers)
        if (session_->classifierReady(entry))
            exampleClassifier_->addItem(QString::fromStdString(entry.name), session_->modelPath(entry));
    const int exampleIndex = exampleClassifier_->findText(exampleChoice);
    exampleClassifier_->setCurrentIndex(exampleIndex >= 0                 ? exampleIndex
                                        : exampleClassifier_->count() > 0 ? 0
                                                                          : -1);
    exampleClassifier_->blockSignals(blocked);
}

void RobustnessPanel::loadResults() {
    lines_.clear();
    const QString current = figure_->currentText();
    figure_->blockSignals(true);
    figure_->clear();
    figure_->blockSignals(false);
    examples_->clear();
    verdict_->clear();
    const QString directory = resultsDirectory();
    if (directory.isEmpty() || !QFileInfo::exists(directory + "/robustness.json")) {
        status_->setText(tr("No robustness results yet: choose classifiers and press Run."));
        showFigure();
        return;
    }
    try {
        const auto summary = robustness::readRobustnessSummary(directory.toStdString());
        auto add = [this](const QString& figure, const std::string& classifier, const std::vector<double>& x,
                          const std::vector<probe::Interval>& y) {
            addFigure(figure);
            auto& line = lines_[figure][QString::fromStdString(classifier)];
            for (std::size_t k = 0; k < x.size() && k < y.size(); ++k)
                line[x[k]] = Point{y[k].estimate, y[k].low, y[k].high};
        };
        for (const auto& curve : summary.results.attacks)
            add(QString::fromStdString(curve.attack) + scaleSuffix(curve.scale), curve.classifier,
                curve.radii, curve.accuracy);
        for (const auto& minimal : summary.results.minimal)
            add("minimal-l2" + scaleSuffix(minimal.scale), minimal.classifier, minimal.grid, minimal.fooled);
        for (const auto& curve : summary.results.perturbations)
            add(robustness::perturbationName(curve.perturbation), curve.classifier, curve.strengths,
                curve.accuracy);
        verdict_->setText(QString::fromStdString(summary.verdict));
        if (!summary.examplesPng.empty()) {
            examples_->setPixmap(QPixmap(QString::fromStdString(summary.examplesPng)));
        } else {
            examples_->setText(tr("No adversarial examples (run the attacks)."));
        }
        status_->setText(tr("Results of %1 classifiers from %2.")
                             .arg(summary.results.classifiers().size())
                             .arg(directory));
    } catch (const std::exception& error) {
        status_->setText(QString::fromStdString(error.what()));
    }
    const int index = figure_->findText(current);
    if (index >= 0) figure_->setCurrentIndex(index);
    showFigure();
    emit updated();
}

void RobustnessPanel::addFigure(const QString& figure) {
    if (figure_->findText(figure) < 0) figure_->addItem(figure);
}

QStringList RobustnessPanel::figures() const {
    QStringList list;
    for (int i = 0; i < figure_->count(); ++i)
        list << figure_->itemText(i);
    return list;
}

int RobustnessPanel::lineCount() const {
    return plot_->graphCount();
}

QString RobustnessPanel::verdict() const {
    return verdict_->text();
}

void RobustnessPanel::showFigure() {
    plot_->clearPlottables();
    const QString figure = figure_->currentText();
    const FigureText text = figureText(figure);
    if (auto* heading = qobject_cast<QCPTextElement*>(plot_->plotLayout()->element(0, 0)))
        heading->setText(figure.isEmpty() ? tr("Robustness") : text.title);
    plot_->xAxis->setLabel(text.x);
    plot_->yAxis->setLabel(text.y);
    int colour = 0;
    double left = 0, right = 1;
    bool any = false;
    for (auto it = lines_[figure].cbegin(); it != lines_[figure].cend(); ++it, ++colour) {
        QVector<double> x, y, minus, plus;
        for (const auto& [at, point] : it.value()) {
            if (!std::isfinite(point.y)) continue;
            x << at;
            y << point.y;
            minus << point.y - point.low;
            plus << point.high - point.y;
            left = any ? std::min(left, at) : at;
            right = any ? std::max(right, at) : at;
            any = true;
        }
        QCPGraph* graph = plot_->addGraph();
        graph->setName(it.key());
        graph->setPen(QPen(seriesColour(colour), 2));
        graph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 5));
        graph->setData(x, y, true);
        if (std::any_of(plus.begin(), plus.end(), [](double v) { return v > 0; })) {
            auto* bars = new QCPErrorBars(plot_->xAxis, plot_->yAxis);
            bars->removeFromLegend();
            bars->setDataPlottable(graph);
            bars->setData(minus, plus);
            bars->setPen(QPen(seriesColour(colour), 1));
        }
    }
    // JPEG's quality falls as the corruption grows: read the axis from best to worst.
    plot_->xAxis->setRangeReversed(figure == "jpeg");
    const double pad = (right - left) * 0.04 + 1e-9;
    plot_->xAxis->setRange(left - pad, right + pad);
    plot_->yAxis->setRange(0, 1.02);
    plot_->replot(QCustomPlot::rpQueuedReplot);
}

QString RobustnessPanel::csv() const {
    const QString figure = figure_->currentText();
    QString text = "classifier,figure,x,y,low,high\n";
    const auto lines = lines_.value(figure);
    for (auto it = lines.cbegin(); it != lines.cend(); ++it)
        for (const auto& [at, point] : it.value())
            text += QString("%1,%2,%3,%4,%5,%6\n")
                        .arg(it.key(), figure)
                        .arg(at, 0, 'g', 12)
                        .arg(point.y, 0, 'g', 12)
                        .arg(point.low, 0, 'g', 12)
                        .arg(point.high, 0, 'g', 12);
    return text;
}

void RobustnessPanel::showPerturbedExamples() {
    const int generation = ++perturbedGeneration_;
    const QString model = exampleClassifier_->currentData().toString();
    const auto perturbation =
        robustness::perturbationNamed(examplePerturbation_->currentText().toStdString());
    if (model.isEmpty() || !perturbation || exampleStrength_->currentIndex() < 0 || !session_->isOpen()) {
        perturbedStatus_->setText(tr("Train a classifier first (the Classifiers view, or Run here)."));
        return;
    }
    robustness::PerturbationOptions options;  // the curves' defaults and the experiment's seed
    options.seed = session_->spec().seed;
    options.device = session_->spec().device;
    const auto strength = static_cast<std::size_t>(exampleStrength_->currentIndex());
    perturbedStatus_->setText(tr("Perturbing…"));
    session_->query<std::vector<robustness::PerturbedExample>>(
        tr("perturbed examples"), this,
        [file = model.toStdString(), data = session_->spec().data, kind = *perturbation, strength,
         options](runtime::JobContext& job) {
            return robustness::perturbedExamples(file, data, kind, strength, 24, options, job);
        },
        [this, generation](std::vector<robustness::PerturbedExample> examples) {
            if (generation != perturbedGeneration_) return;
            perturbed_->clear();
            int right = 0;
            for (const auto& example : examples) {
                right += example.correct();
                perturbed_->addImage(example.image, QString("%1 %2 → %3 (%4)")
                                                        .arg(example.correct() ? "✓" : "✗")
                                                        .arg(QString::fromStdString(example.label),
                                                             QString::fromStdString(example.prediction))
                                                        .arg(example.confidence, 0, 'f', 2));
            }
            perturbedStatus_->setText(
                tr("%1 of %2 right: the first test images as the %3 curve measured them at "
                   "%4 (label → prediction, its probability).")
                    .arg(right)
                    .arg(examples.size())
                    .arg(examplePerturbation_->currentText(), exampleStrength_->currentText()));
            emit perturbedShown();
        },
        [this, generation](const QString& message) {
            if (generation != perturbedGeneration_) return;
            perturbedStatus_->setText(message);
        });
}

QString RobustnessPanel::perturbedSummary() const {
    return perturbedStatus_->text();
}

bool RobustnessPanel::start() {
    error_.clear();
    if (!session_->isOpen()) {
        error_ = tr("Open or create an experiment first.");
        status_->setText(error_);
        return false;
    }
    robustness::BenchOptions options;
    for (int i = 0; i < classifiers_->count(); ++i)
        if (classifiers_->item(i)->checkState() == Qt::Checked)
            options.classifiers.push_back(classifiers_->item(i)->text().toStdString());
    if (options.classifiers.empty()) {
        error_ = tr("Check at least one classifier to measure.");
        status_->setText(error_);
        return false;
    }
    options.perturbations = perturbations_->isChecked();
    options.attacks = attacks_->isChecked();
    options.scaleAblation = scales_->isChecked();
    if (!options.perturbations && !options.attacks) {
        error_ = tr("Choose perturbation curves, attacks or both.");
        status_->setText(error_);
        return false;
    }
    options.attack.testImages = static_cast<std::size_t>(images_->value());
    const std::string directory = session_->directory().toStdString();
    const QString name = "robustness";
    if (!session_->submitJob({name.toStdString(), runtime::JobKind::Robustness, "robustness view"},
                             [directory, options](runtime::JobContext& job) {
                                 robustness::runExperimentRobustness(directory, options, job);
                             })) {
        error_ = session_->error();
        status_->setText(error_);
        return false;
    }
    runningJob_ = name;
    lines_.clear();
    figure_->clear();
    verdict_->clear();
    run_->setEnabled(false);
    stop_->setEnabled(true);
    progress_->setValue(0);
    status_->setText(tr("Measuring (see also the Jobs view); the curves fill in as each point is measured…"));
    return true;
}

}  // namespace netsight::ui
