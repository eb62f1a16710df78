#include "attribution/AttributionPanel.h"

#include <QComboBox>
#include <QDir>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QScrollArea>
#include <QSlider>
#include <QSplitter>
#include <QTabWidget>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>
#include <memory>

#include "attribution/AttributionSummary.h"
#include "attribution/MapGrid.h"
#include "netsight/ui/ExperimentSession.h"
#include "widgets/Export.h"
#include "widgets/ImageConversion.h"
#include "widgets/ImageListView.h"
#include "widgets/PlotStyle.h"

namespace netsight::ui {
namespace {

constexpr std::size_t kBrowsedImages = 200;

QString number(double value) {
    return std::isnan(value) ? QStringLiteral("–") : QString::number(value, 'f', 3);
}

QImage picture(const data::Image& image) {
    return toQImage(data::toRgbBuffer(image));
}

}  // namespace

AttributionPanel::AttributionPanel(ExperimentSession* session, QWidget* parent)
    : QWidget(parent), session_(session) {
    classifiers_ = new QListWidget(this);
    classifiers_->setToolTip(tr("The classifiers to explain side by side (trained ones)"));
    methods_ = new QListWidget(this);
    for (auto method : attribution::allMethods()) {
        auto* item = new QListWidgetItem(QString::fromStdString(attribution::methodName(method)), methods_);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        const bool preset =
            method == attribution::Method::GradCam || method == attribution::Method::IntegratedGradients ||
            method == attribution::Method::SmoothGrad || method == attribution::Method::Occlusion;
        item->setCheckState(preset ? Qt::Checked : Qt::Unchecked);
        item->setData(Qt::UserRole, static_cast<int>(method));
    }
    filter_ = new QComboBox(this);
    filter_->setToolTip(tr("Which test images to list, with the first checked classifier's answers"));
    browser_ = new ImageListView(this);
    browser_->setViewMode(QListView::ListMode);
    browser_->setIconSize(QSize(48, 48));
    browser_->setWordWrap(false);
    browser_->setToolTip(tr("Test images (label → prediction, probability); double-click to explain one"));
    target_ = new QComboBox(this);
    target_->setToolTip(tr("The class whose logit each map explains"));
    scale_ = new QComboBox(this);
    scale_->addItems({tr("per method"), tr("absolute"), tr("signed"), tr("positive")});
    scale_->setToolTip(tr("Signed maps show evidence against the class in blue"));
    opacity_ = new QSlider(Qt::Horizontal, this);
    opacity_->setRange(0, 100);
    opacity_->setValue(70);
    explain_ = new QPushButton(tr("Explain"), this);
    explain_->setToolTip(tr("Maps of the chosen image by every checked method, with their checks"));
    file_ = new QPushButton(tr("Image file…"), this);
    stimulus_ = new QPushButton(tr("Factor lab stimulus"), this);
    stimulus_->setToolTip(tr("Explain the stimulus the Factor lab's sliders render now"));
    stimulus_->setEnabled(false);
    status_ = new QLabel(this);
    status_->setWordWrap(true);

    auto* settings = new QGroupBox(tr("Maps"), this);
    auto* form = new QFormLayout(settings);
    form->addRow(tr("Target"), target_);
    form->addRow(tr("Colours"), scale_);
    form->addRow(tr("Opacity"), opacity_);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(explain_);
    buttons->addWidget(file_);
    form->addRow(buttons);
    form->addRow(stimulus_);
    auto* left = new QWidget(this);
    auto* leftLayout = new QVBoxLayout(left);
    leftLayout->addWidget(new QLabel(tr("Classifiers"), this));
    leftLayout->addWidget(classifiers_, 1);
    leftLayout->addWidget(new QLabel(tr("Methods"), this));
    leftLayout->addWidget(methods_, 2);
    leftLayout->addWidget(settings);
    leftLayout->addWidget(status_);
    auto* middle = new QWidget(this);
    auto* middleLayout = new QVBoxLayout(middle);
    middleLayout->addWidget(filter_);
    middleLayout->addWidget(browser_, 1);
    middle->setMinimumWidth(260);

    maps_ = new MapGrid(this);
    auto* mapsScroll = new QScrollArea(this);
    mapsScroll->setWidget(maps_);
    mapsScroll->setWidgetResizable(true);
    summary_ = new AttributionSummary(
        session_, [this] { return checkedClassifierNames(); }, [this] { return checkedMethods(); }, this);
    views_ = new QTabWidget(this);
    views_->addTab(
        withExport(mapsScroll,
                   new ExportButton(
                       "attribution-maps", [this](const QString& path) { return exportWidget(maps_, path); },
                       [this] { return mapsCsv(); }, this),
                   this),
        tr("Maps"));
    views_->addTab(summary_, tr("Dataset summary"));

    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(left);
    splitter->addWidget(middle);
    splitter->addWidget(views_);
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 1);
    splitter->setStretchFactor(2, 3);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(splitter);

    connect(explain_, &QPushButton::clicked, this, &AttributionPanel::explain);
    connect(browser_, &QListWidget::itemDoubleClicked, this, &AttributionPanel::explain);
    connect(file_, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Explain an image"), QString(), tr("Images (*.png *.jpg *.jpeg *.bmp *.ppm *.pgm)"));
        if (!path.isEmpty()) explainFile(path);
    });
    connect(stimulus_, &QPushButton::clicked, this, &AttributionPanel::explainStimulus);
    connect(filter_, &QComboBox::currentIndexChanged, this, &AttributionPanel::applyFilter);
    connect(opacity_, &QSlider::valueChanged, this, &AttributionPanel::showMaps);
    connect(scale_, &QComboBox::currentIndexChanged, this, &AttributionPanel::showMaps);
    connect(classifiers_, &QListWidget::itemChanged, this, [this] {
        if (!answers_.empty()) return;  // the browser follows the first classifier checked when it is listed
        listImages();
    });
    connect(session_, &ExperimentSession::opened, this, &AttributionPanel::refresh);
    connect(session_, &ExperimentSession::stagesChanged, this, [this] {
        if (classifiers_->count() == 0) refresh();
    });
    refresh();
}

void AttributionPanel::showEvent(QShowEvent* event) {
    QWidget::showEvent(event);
    if (classifiers_->count() == 0) refresh();
}

void AttributionPanel::refresh() {
    classifiers_->blockSignals(true);
    classifiers_->clear();
    answers_.clear();
    if (!session_->isOpen()) {
        classifiers_->blockSignals(false);
        status_->setText(tr("Open or create an experiment first."));
        return;
    }
    for (const auto& entry : session_->spec().classifiers) {
        if (!session_->classifierReady(entry)) continue;
        auto* item = new QListWidgetItem(QString::fromStdString(entry.name), classifiers_);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(classifiers_->count() <= 2 ? Qt::Checked : Qt::Unchecked);
        item->setData(Qt::UserRole, session_->modelPath(entry));
    }
    classifiers_->blockSignals(false);
    if (classifiers_->count() == 0) {
        status_->setText(tr("No trained classifier yet: train one in the Classifiers view."));
        return;
    }
    listImages();
}

std::vector<attribution::Method> AttributionPanel::checkedMethods() const {
    std::vector<attribution::Method> methods;
    for (int i = 0; i < methods_->count(); ++i)
        if (methods_->item(i)->checkState() == Qt::Checked)
            methods.push_back(
                static_cast<attribution::Method>(methods_->item(i)->data(Qt::UserRole).toInt()));
    return methods;
}

QStringList AttributionPanel::checkedClassifierNames() const {
    QStringList names;
    checkedModels(&names);
    return names;
}

std::vector<QString> AttributionPanel::checkedModels(QStringList* names) const {
    std::vector<QString> models;
    for (int i = 0; i < classifiers_->count(); ++i)
        if (classifiers_->item(i)->checkState() == Qt::Checked) {
            models.push_back(classifiers_->item(i)->data(Qt::UserRole).toString());
            if (names) *names << classifiers_->item(i)->text();
        }
    return models;
}

void AttributionPanel::listImages() {
    const auto models = checkedModels();
    if (models.empty() || !session_->isOpen()) return;
    status_->setText(tr("Reading the test images…"));
    const int generation = ++generation_;
    session_->query<std::vector<attribution::TestImageAnswer>>(
        tr("attribution images"), this,
        [model = models.front().toStdString(), data = session_->spec().data,
         device = session_->spec().device](runtime::JobContext& job) {
            return attribution::answerTestImages(model, data, kBrowsedImages, device, job);
        },
        [this, generation](std::vector<attribution::TestImageAnswer> answers) {
            if (generation != generation_) return;
            answers_ = std::move(answers);
            const QString current = filter_->currentText();
            filter_->blockSignals(true);
            filter_->clear();
            filter_->addItems({tr("All"), tr("Misclassified"), tr("Least confident")});
            std::vector<std::string> classes;
            for (const auto& answer : answers_)
                if (std::find(classes.begin(), classes.end(), answer.labelName) == classes.end())
                    classes.push_back(answer.labelName);
            for (const auto& name : classes)
                filter_->addItem(tr("Class: %1").arg(QString::fromStdString(name)));
            filter_->setCurrentIndex(std::max(0, filter_->findText(current)));
            filter_->blockSignals(false);
            target_->clear();
            target_->addItem(tr("predicted class"), "predicted");
            for (std::size_t c = 0; c < classes.size(); ++c)
                target_->addItem(QString::fromStdString(classes[c]), QString("class:%1").arg(c));
            applyFilter();
            status_->setText(
                tr("Double-click an image (or press Explain) to see where the classifiers look."));
            emit imagesListed();
        },
        [this](const QString& message) { status_->setText(message); });
}

void AttributionPanel::applyFilter() {
    std::vector<const attribution::TestImageAnswer*> shown;
    const QString filter = filter_->currentText();
    for (const auto& answer : answers_) {
        if (filter == tr("Misclassified") && answer.label == answer.predicted) continue;
        if (filter.startsWith(tr("Class: ")) &&
            QString::fromStdString(answer.labelName) != filter.mid(tr("Class: ").size()))
            continue;
        shown.push_back(&answer);
    }
    if (filter == tr("Least confident")) {
        std::sort(shown.begin(), shown.end(), [](auto* a, auto* b) { return a->confidence < b->confidence; });
        shown.resize(std::min<std::size_t>(shown.size(), 40));
    }
    browser_->clear();
    shownIndices_.clear();
    for (const auto* answer : shown) {
        browser_->addImage(picture(answer->image), QString("#%1 %2 %3→%4 %5")
                                                       .arg(answer->index)
                                                       .arg(answer->label == answer->predicted ? "✓" : "✗")
                                                       .arg(QString::fromStdString(answer->labelName),
                                                            QString::fromStdString(answer->predictedName))
                                                       .arg(answer->confidence, 0, 'f', 2));
        shownIndices_.push_back(answer->index);
    }
    if (browser_->count() > 0) browser_->setCurrentRow(0);
}

bool AttributionPanel::explain() {
    const int row = browser_->currentRow();
    if (row < 0 || row >= static_cast<int>(shownIndices_.size())) {
        error_ = tr("Choose a test image first (or an image file).");
        status_->setText(error_);
        return false;
    }
    attribution::AttributeOptions options;
    options.testIndices = {shownIndices_[static_cast<std::size_t>(row)]};
    return startExplaining(options, tr("test image %1").arg(options.testIndices.front()));
}

bool AttributionPanel::explainFile(const QString& path) {
    attribution::AttributeOptions options;
    options.imageFiles = {path.toStdString()};
    return startExplaining(options, path);
}

void AttributionPanel::setStimulusSource(std::function<QImage()> source) {
    stimulusSource_ = std::move(source);
    stimulus_->setEnabled(static_cast<bool>(stimulusSource_));
}

bool AttributionPanel::explainStimulus() {
    const QImage image = stimulusSource_ ? stimulusSource_() : QImage();
    if (image.isNull() || session_->directory().isEmpty()) {
        error_ = tr("The Factor lab has no stimulus yet: open it and move a slider, then come back.");
        status_->setText(error_);
        return false;
    }
    const QString folder = QDir(session_->directory()).filePath(QStringLiteral("results/attribution"));
    QDir().mkpath(folder);
    const QString path = QDir(folder).filePath(QStringLiteral("stimulus.png"));
    if (!image.save(path)) {
        error_ = tr("Cannot write %1").arg(path);
        status_->setText(error_);
        return false;
    }
    return explainFile(path);
}

bool AttributionPanel::startExplaining(attribution::AttributeOptions options, const QString& what) {
    error_.clear();
    const auto models = checkedModels();
    options.methods = checkedMethods();
    if (models.empty() || options.methods.empty()) {
        error_ = tr("Check at least one classifier and one method.");
        status_->setText(error_);
        return false;
    }
    options.dataSource = session_->spec().data;
    options.device = session_->spec().device;
    options.randomization = false;  // a single image: the summary runs the check
    if (const auto target = attribution::targetNamed(target_->currentData().toString().toStdString()))
        options.target = *target;
    status_->setText(tr("Explaining %1…").arg(what));
    const int generation = ++generation_;
    std::vector<std::string> files;
    for (const auto& model : models)
        files.push_back(model.toStdString());
    session_->query<std::vector<attribution::AttributionResults>>(
        tr("attribution maps"), this,
        [files, options](runtime::JobContext& job) {
            std::vector<attribution::AttributionResults> results;
            for (const auto& file : files)
                results.push_back(attribution::attributeModel(file, options, job));
            return results;
        },
        [this, generation, what](std::vector<attribution::AttributionResults> results) {
            if (generation != generation_) return;
            explained_ = std::move(results);
            showMaps();
            status_->setText(
                tr("Maps of %1: warm is evidence for the class, blue (signed methods) against it; "
                   "del/ins: deletion and insertion areas, obj: share on the object.")
                    .arg(what));
            emit mapsShown();
        },
        [this](const QString& message) {
            error_ = message;
            status_->setText(message);
        });
    return true;
}

void AttributionPanel::showMaps() {
    maps_->clear();
    const double opacity = opacity_->value() / 100.0;
    for (const auto& results : explained_) {
        for (const auto& image : results.images) {
            std::vector<std::pair<QImage, QString>> tiles;
            tiles.emplace_back(picture(image.image), tr("%1 (%2)")
                                                         .arg(QString::fromStdString(image.predictedName))
                                                         .arg(image.confidence, 0, 'f', 2));
            for (std::size_t m = 0; m < results.methods.size() && m < image.maps.size(); ++m) {
                const auto method = results.methods[m];
                const auto scale = scale_->currentIndex() == 0
                                       ? attribution::defaultScale(method)
                                       : static_cast<attribution::MapScale>(scale_->currentIndex() - 1);
                const auto& s = results.summaries[m];
                QString caption = QString("<b>%1</b><br>del %2 · ins %3")
                                      .arg(QString::fromStdString(attribution::methodName(method)),
                                           number(s.deletionArea.estimate), number(s.insertionArea.estimate));
                if (!std::isnan(s.maskEnergy.estimate)) caption += " · obj " + number(s.maskEnergy.estimate);
                tiles.emplace_back(picture(attribution::overlay(image.image, image.maps[m], scale, opacity)),
                                   caption);
            }
            maps_->addRow(
                QString("<b>%1</b><br>%2")
                    .arg(QString::fromStdString(image.classifier), QString::fromStdString(image.source)),
                tiles);
        }
    }
}

QString AttributionPanel::mapsCsv() const {
    QString text = "classifier,image,method,deletion_area,insertion_area,object_energy\n";
    for (const auto& results : explained_)
        for (const auto& image : results.images)
            for (const auto& s : results.summaries)
                text +=
                    QString("%1,%2,%3,%4,%5,%6\n")
                        .arg(QString::fromStdString(image.classifier), QString::fromStdString(image.source),
                             QString::fromStdString(attribution::methodName(s.method)),
                             number(s.deletionArea.estimate), number(s.insertionArea.estimate),
                             number(s.maskEnergy.estimate));
    return text;
}

QString AttributionPanel::status() const {
    return status_->text();
}

}  // namespace netsight::ui
