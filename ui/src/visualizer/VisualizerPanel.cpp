#include "visualizer/VisualizerPanel.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPainter>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTabWidget>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "netsight/data/Dataset.h"
#include "netsight/ui/ExperimentSession.h"
#include "netsight/viz/Visualize.h"
#include "visualizer/DataExamplesView.h"
#include "visualizer/LayerPicker.h"
#include "visualizer/VizSettingsForm.h"
#include "widgets/Export.h"
#include "widgets/ImageListView.h"
#include "widgets/PlotStyle.h"

namespace netsight::ui {
namespace {

enum Target { kChannel, kNeuron, kClass, kClassProbability, kLayer };

const QString kHint = QObject::tr("Choose a classifier, a layer and a target, then Start.");

// Nearest-neighbour enlargement: a 32 px visualization stays crisp pixels.
QPixmap enlarged(const QImage& image, int side) {
    return QPixmap::fromImage(image.scaled(side, side, Qt::KeepAspectRatio, Qt::FastTransformation));
}

}  // namespace

VisualizerPanel::VisualizerPanel(ExperimentSession* session, QWidget* parent)
    : QWidget(parent), session_(session) {
    auto* splitter = new QSplitter(Qt::Horizontal, this);
    splitter->addWidget(buildControls());
    splitter->addWidget(buildViews());
    splitter->setStretchFactor(0, 1);
    splitter->setStretchFactor(1, 2);
    auto* layout = new QVBoxLayout(this);
    layout->addWidget(splitter);
    connectControls();
    followSession();
    picker_->refresh();
    setRunning(false);
}

// The left side: the layer tree, the target and the settings, the buttons that start jobs.
QWidget* VisualizerPanel::buildControls() {
    picker_ = new LayerPicker(session_, this);
    target_ = new QComboBox(this);
    target_->addItems({tr("Channel (mean)"), tr("Neuron (channel at x, y)"), tr("Class logit"),
                       tr("Class probability"), tr("Whole layer (DeepDream)")});
    index_ = new QSpinBox(this);
    index_->setToolTip(tr("Channel or class index"));
    x_ = new QSpinBox(this);
    y_ = new QSpinBox(this);
    for (auto* box : {x_, y_}) {
        box->setRange(-1, 4096);
        box->setValue(-1);
        box->setSpecialValueText(tr("centre"));
    }
    settings_ = new VizSettingsForm(this);
    galleryCount_ = new QSpinBox(this);
    galleryCount_->setRange(1, 64);
    galleryCount_->setValue(16);
    imageIndex_ = new QSpinBox(this);
    imageIndex_->setRange(0, 100000);
    imageIndex_->setToolTip(tr("Index of the test image of the experiment's data to invert"));

    start_ = new QPushButton(tr("Start"), this);
    start_->setToolTip(tr("Maximize the target; the image updates live"));
    stop_ = new QPushButton(tr("Stop"), this);
    gallery_ = new QPushButton(tr("Channel gallery"), this);
    gallery_->setToolTip(tr("One image per channel of the layer, from the index above"));
    invert_ = new QPushButton(tr("Invert at this and earlier layers"), this);
    invert_->setToolTip(
        tr("Find images whose representation matches the test image's (Mahendran & Vedaldi)"));

    auto* form = new QFormLayout;
    form->addRow(tr("Target"), target_);
    form->addRow(tr("Index"), index_);
    channelNote_ = new QLabel(this);
    channelNote_->setWordWrap(true);
    form->addRow(QString(), channelNote_);
    auto* position = new QHBoxLayout;
    position->addWidget(x_);
    position->addWidget(y_);
    form->addRow(tr("Neuron x, y"), position);
    form->addRow(settings_);
    form->addRow(tr("Gallery channels"), galleryCount_);
    form->addRow(tr("Test image"), imageIndex_);
    imageFile_ = new QLineEdit(this);
    imageFile_->setPlaceholderText(tr("or an image file…"));
    imageFile_->setToolTip(tr("An image file to invert instead of the test image (PNG, JPEG, …)"));
    auto* browse = new QPushButton(tr("…"), this);
    browse->setMaximumWidth(32);
    connect(browse, &QPushButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Image to invert"), QString(), tr("Images (*.png *.jpg *.jpeg *.bmp *.tif *.tiff)"));
        if (!path.isEmpty()) imageFile_->setText(path);
    });
    auto* fileRow = new QHBoxLayout;
    fileRow->addWidget(imageFile_, 1);
    fileRow->addWidget(browse);
    form->addRow(tr("Image file"), fileRow);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(start_);
    buttons->addWidget(stop_);
    auto* controls = new QWidget(this);
    auto* controlsLayout = new QVBoxLayout(controls);
    controlsLayout->addWidget(picker_, 1);
    controlsLayout->addLayout(form);
    controlsLayout->addLayout(buttons);
    controlsLayout->addWidget(gallery_);
    controlsLayout->addWidget(invert_);

    return controls;
}

// The right side: the live image with its objective curve, the gallery, the inversions, the saved results.
QWidget* VisualizerPanel::buildViews() {
    image_ = new QLabel(this);
    image_->setMinimumSize(256, 256);
    image_->setAlignment(Qt::AlignCenter);
    image_->setFrameShape(QFrame::StyledPanel);
    status_ = new QLabel(kHint, this);
    status_->setWordWrap(true);
    plot_ = new QCustomPlot(this);
    plot_->setMinimumHeight(160);
    plot_->xAxis->setLabel(tr("step"));
    plot_->yAxis->setLabel(tr("objective"));
    plot_->addGraph();
    stylePlot(plot_);
    plot_->graph(0)->setPen(QPen(seriesColour(0), 1.6));
    galleryList_ = new ImageListView(this);
    inversionList_ = new ImageListView(this);
    savedList_ = new ImageListView(this);
    savedList_->setToolTip(
        tr("What the visualizer made in this experiment (results/visualizer), with the "
           "settings of each in its JSON file"));

    auto* saveImage = new QPushButton(tr("Save image…"), this);
    auto* saveGallery = new QPushButton(tr("Save gallery…"), this);
    auto* saveInversion = new QPushButton(tr("Save inversions…"), this);
    auto* live = new QWidget(this);
    auto* liveLayout = new QVBoxLayout(live);
    auto* liveTop = new QHBoxLayout;
    liveTop->addWidget(image_, 1);
    liveLayout->addLayout(liveTop, 2);
    liveLayout->addWidget(status_);
    liveLayout->addWidget(plot_, 1);
    dataExamples_ = new DataExamplesView(session_, this);
    liveLayout->addWidget(dataExamples_, 1);
    liveLayout->addWidget(saveImage, 0, Qt::AlignRight);
    auto* galleryPage = new QWidget(this);
    auto* galleryLayout = new QVBoxLayout(galleryPage);
    galleryLayout->addWidget(galleryList_, 1);
    galleryLayout->addWidget(saveGallery, 0, Qt::AlignRight);
    auto* inversionPage = new QWidget(this);
    auto* inversionLayout = new QVBoxLayout(inversionPage);
    inversionLayout->addWidget(inversionList_, 1);
    inversionLayout->addWidget(saveInversion, 0, Qt::AlignRight);
    auto* views = new QTabWidget(this);
    views->addTab(live, tr("Live"));
    views->addTab(galleryPage, tr("Gallery"));
    views->addTab(inversionPage, tr("Inversion"));
    views->addTab(savedList_, tr("Saved"));

    connect(saveImage, &QPushButton::clicked, this, &VisualizerPanel::saveImage);
    connect(saveGallery, &QPushButton::clicked, this,
            [this] { status_->setText(galleryList_->saveMontage("gallery")); });
    connect(saveInversion, &QPushButton::clicked, this,
            [this] { status_->setText(inversionList_->saveMontage("inversions")); });
    return views;
}

void VisualizerPanel::connectControls() {
    connect(picker_, &LayerPicker::layerChanged, this, &VisualizerPanel::refreshTargetRange);
    connect(picker_, &LayerPicker::layersShown, this, &VisualizerPanel::refreshTargetRange);
    connect(picker_, &LayerPicker::layersShown, this, &VisualizerPanel::layersShown);
    connect(picker_, &LayerPicker::problem, this,
            [this](const QString& message) { status_->setText(message.isEmpty() ? kHint : message); });
    connect(target_, &QComboBox::currentIndexChanged, this, &VisualizerPanel::refreshTargetRange);
    // Channels explained by data: the layer's activity on the test images picks a channel that responds.
    connect(picker_, &LayerPicker::layerChanged, this,
            [this] { dataExamples_->showLayer(modelPath(), selectedLayer()); });
    connect(picker_, &LayerPicker::layersShown, this,
            [this] { dataExamples_->showLayer(modelPath(), selectedLayer()); });
    connect(dataExamples_, &DataExamplesView::activityShown, this, [this] {
        const bool channelTarget = target_->currentIndex() == kChannel || target_->currentIndex() == kNeuron;
        if (channelTarget && (!indexChosen_ || dataExamples_->isSilent(index_->value()))) {
            const QSignalBlocker block(index_);
            index_->setValue(viz::mostActiveChannel(dataExamples_->activity()));
        }
        showChannelNote();
    });
    connect(index_, &QSpinBox::valueChanged, this, [this] {
        indexChosen_ = true;
        showChannelNote();
    });
    connect(start_, &QPushButton::clicked, this, &VisualizerPanel::startVisualization);
    connect(gallery_, &QPushButton::clicked, this, &VisualizerPanel::startGallery);
    connect(invert_, &QPushButton::clicked, this, &VisualizerPanel::startInversion);
    connect(stop_, &QPushButton::clicked, this, [this] { session_->cancel(runningJob_); });
}

// The session's events for this view's jobs, and its opening and closing of experiments.
void VisualizerPanel::followSession() {
    connect(session_, &ExperimentSession::specChanged, picker_, &LayerPicker::refresh);
    connect(session_, &ExperimentSession::jobFinished, this,
            [this](const QString& job, JobState state, const QString& message) {
                if (job != runningJob_) return;
                setRunning(false);
                status_->setText(state == JobState::Succeeded   ? tr("Done.")
                                 : state == JobState::Cancelled ? tr("Stopped.")
                                                                : tr("Failed: %1").arg(message));
                if (state == JobState::Failed) error_ = message;
                if (state == JobState::Succeeded) loadSaved();
                if (state == JobState::Succeeded && job == "viz:visualize")
                    dataExamples_->showExamples(modelPath(), currentTerm());
                emit finished(job, state == JobState::Succeeded);
            });
    connect(session_, &ExperimentSession::vizMetric, this,
            [this](const QString& job, const QString&, double step, double value) {
                if (job != runningJob_) return;
                plot_->graph(0)->addData(step, value);
                plot_->rescaleAxes();
                plot_->replot(QCustomPlot::rpQueuedReplot);
            });
    connect(session_, &ExperimentSession::vizPreview, this,
            [this](const QString& job, const QString& key, const QVector<QImage>& images) {
                if (job != runningJob_ || images.isEmpty()) return;
                if (key == "image" || key == "inversion") showImage(images.front());
                if (key == "gallery") showImage(images.front());
            });
    connect(session_, &ExperimentSession::opened, this, &VisualizerPanel::loadSaved);
    connect(session_, &ExperimentSession::closed, savedList_, &ImageListView::clear);
}

viz::SavedVisualization VisualizerPanel::recordOf(const QString& kind, const QString& title) const {
    viz::SavedVisualization record;
    record.kind = kind.toStdString();
    record.classifier = picker_->classifierName().toStdString();
    record.title = (picker_->classifierName() + ": " + title).toStdString();
    return record;
}

// The experiment's saved results, oldest first; a damaged record is named in the status line.
void VisualizerPanel::loadSaved() {
    savedList_->clear();
    if (!session_->isOpen()) return;
    std::vector<std::string> problems;
    for (const auto& record :
         viz::readSavedVisualizations(session_->experiment().visualizerDirectory(), &problems))
        for (std::size_t i = 0; i < record.imageFiles.size(); ++i)
            savedList_->addImage(QImage(QString::fromStdString(record.imageFiles[i])),
                                 QString::fromStdString(record.title + " — " + record.labels[i]));
    if (!problems.empty())
        status_->setText(
            tr("Some saved results could not be read: %1").arg(QString::fromStdString(problems.front())));
}

QString VisualizerPanel::channelNote() const {
    return channelNote_->text();
}

int VisualizerPanel::savedCount() const {
    return savedList_->count();
}

void VisualizerPanel::selectClassifier(const QString& name) {
    picker_->selectClassifier(name);
}

bool VisualizerPanel::selectLayer(const QString& name) {
    return picker_->selectLayer(name);
}

QString VisualizerPanel::modelPath() const {
    return picker_->modelPath();
}

QString VisualizerPanel::selectedLayer() const {
    return picker_->selectedLayer();
}

void VisualizerPanel::refreshTargetRange() {
    const bool isClass = target_->currentIndex() == kClass || target_->currentIndex() == kClassProbability;
    int maximum = 0;
    if (isClass) {
        maximum = static_cast<int>(picker_->model().meta.classNames.size()) - 1;
    } else {
        for (const auto& layer : picker_->model().layers)
            if (QString::fromStdString(layer.name) == selectedLayer() && !layer.shape.empty())
                maximum = static_cast<int>(layer.shape[0]) - 1;
    }
    index_->setRange(0, std::max(0, maximum));
    index_->setEnabled(target_->currentIndex() != kLayer);
    x_->setEnabled(target_->currentIndex() == kNeuron);
    y_->setEnabled(target_->currentIndex() == kNeuron);
}

void VisualizerPanel::setRunning(bool running) {
    start_->setEnabled(!running);
    gallery_->setEnabled(!running);
    invert_->setEnabled(!running);
    stop_->setEnabled(running);
    if (!running) runningJob_.clear();
}

bool VisualizerPanel::submit(runtime::JobKind kind, std::function<void(runtime::JobContext&)> work) {
    error_.clear();
    if (modelPath().isEmpty()) {
        error_ = tr("Choose a trained classifier first.");
        status_->setText(error_);
        return false;
    }
    const QString name = QStringLiteral("viz:") + runtime::jobKindName(kind);
    if (!session_->submitJob({name.toStdString(), kind, "visualizer"}, std::move(work))) {
        error_ = session_->error();
        status_->setText(error_);
        return false;
    }
    runningJob_ = name;
    setRunning(true);
    plot_->graph(0)->data()->clear();
    plot_->replot();
    status_->setText(tr("Running…"));
    return true;
}

void VisualizerPanel::showChannelNote() {
    const bool channelTarget = target_->currentIndex() == kChannel || target_->currentIndex() == kNeuron;
    const bool known = dataExamples_->layer() == selectedLayer();
    channelNote_->setText(channelTarget && known ? dataExamples_->describeChannel(index_->value())
                                                 : QString());
}

viz::ObjectiveTerm VisualizerPanel::currentTerm() const {
    const QString layer = selectedLayer();
    viz::ObjectiveTerm term;
    switch (target_->currentIndex()) {
        case kChannel:
            term = {viz::ObjectiveKind::ChannelMean, layer.toStdString(), index_->value()};
            break;
        case kNeuron:
            term = {viz::ObjectiveKind::Neuron, layer.toStdString(), index_->value(), x_->value(),
                    y_->value()};
            break;
        case kClass:
            term = {viz::ObjectiveKind::ClassLogit, "", index_->value()};
            break;
        case kClassProbability:
            term = {viz::ObjectiveKind::ClassLogProbability, "", index_->value()};
            break;
        default:
            term = {viz::ObjectiveKind::Layer, layer.toStdString()};
            break;
    }
    return term;
}

void VisualizerPanel::startVisualization() {
    viz::VizOptions options = settings_->options();
    const QString layer = selectedLayer();
    const viz::ObjectiveTerm term = currentTerm();
    if (term.kind != viz::ObjectiveKind::ClassLogit && term.kind != viz::ObjectiveKind::ClassLogProbability &&
        layer.isEmpty()) {
        error_ = tr("Choose a layer in the tree.");
        status_->setText(error_);
        return;
    }
    options.objective = {term};
    options.device = session_->spec().device;
    const std::string path = modelPath().toStdString();
    const std::string folder = session_->experiment().visualizerDirectory();
    auto record = recordOf("visualize", QString::fromStdString(viz::describe(term)));
    record.settings = {{"objective", viz::describe(term)},
                       {"steps", std::to_string(options.steps)},
                       {"size", std::to_string(options.size)},
                       {"parameterization",
                        options.parameterization == viz::Parameterization::Fourier ? "fourier" : "pixels"},
                       {"transforms", options.transforms ? "on" : "off"},
                       {"learning rate", std::to_string(options.learningRate)},
                       {"seed", std::to_string(options.seed)},
                       {"model", path}};
    submit(runtime::JobKind::Visualize, [path, options, folder, record](runtime::JobContext& job) {
        const auto result = viz::visualize(path, options, job);
        auto saved = record;
        for (std::size_t i = 0; i < result.images.size(); ++i)
            saved.labels.push_back(result.images.size() == 1 ? "image" : "batch " + std::to_string(i));
        viz::saveVisualization(folder, saved, result.images);
    });
}

void VisualizerPanel::startGallery() {
    const QString layer = selectedLayer();
    if (layer.isEmpty()) {
        error_ = tr("Choose a layer in the tree.");
        status_->setText(error_);
        return;
    }
    viz::VizOptions options = viz::galleryOptions(settings_->options());
    options.device = session_->spec().device;
    const std::string path = modelPath().toStdString();
    const int first = index_->value(), count = galleryCount_->value();
    auto images = std::make_shared<std::vector<data::RgbBuffer>>();
    const std::string folder = session_->experiment().visualizerDirectory();
    auto record = recordOf("gallery", tr("channels %1.. of %2").arg(first).arg(layer));
    record.settings = {{"layer", layer.toStdString()},         {"first channel", std::to_string(first)},
                       {"channels", std::to_string(count)},    {"steps", std::to_string(options.steps)},
                       {"size", std::to_string(options.size)}, {"model", path}};
    const bool started = submit(runtime::JobKind::Gallery, [=](runtime::JobContext& job) {
        *images = viz::gallery(path, layer.toStdString(), first, count, options, job).images;
        auto saved = record;
        for (std::size_t i = 0; i < images->size(); ++i)
            saved.labels.push_back(layer.toStdString() + " #" + std::to_string(first + static_cast<int>(i)));
        viz::saveVisualization(folder, saved, *images);
    });
    if (!started) return;
    galleryList_->clear();
    // The thumbnails are filled in when the job ends (the live image shows its progress meanwhile).
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection = connect(
        session_, &ExperimentSession::jobFinished, this,
        [this, images, first, layer, connection](const QString& job, JobState state) {
            if (job != "viz:gallery") return;
            disconnect(*connection);
            if (state != JobState::Succeeded) return;
            for (std::size_t i = 0; i < images->size(); ++i) {
                const int channel = first + static_cast<int>(i);
                const bool silent = dataExamples_->layer() == layer && dataExamples_->isSilent(channel);
                galleryList_->addImage(
                    (*images)[i],
                    tr("%1 #%2%3").arg(layer).arg(channel).arg(silent ? tr(" (silent on data)") : QString()));
            }
        });
}

void VisualizerPanel::startInversion() {
    const QString layer = selectedLayer();
    if (layer.isEmpty()) {
        error_ = tr("Choose a layer in the tree.");
        status_->setText(error_);
        return;
    }
    // This layer and up to three earlier ones with spatial output: what each still knows of the image.
    const auto names = viz::inversionDepths(picker_->model().layers, layer.toStdString());
    const std::string path = modelPath().toStdString(), source = session_->spec().data;
    const std::size_t index = static_cast<std::size_t>(imageIndex_->value());
    const std::string file = imageFile_->text().trimmed().toStdString();
    viz::InversionOptions options;
    options.steps = settings_->stepsBox()->value();
    options.device = session_->spec().device;
    auto results = std::make_shared<std::vector<std::pair<std::string, viz::InversionResult>>>();
    const std::string folder = session_->experiment().visualizerDirectory();
    auto record = recordOf(
        "invert", file.empty() ? tr("inversions of test image %1").arg(index)
                               : tr("inversions of %1").arg(QFileInfo(imageFile_->text()).fileName()));
    std::string depths;
    for (const auto& name : names)
        depths += (depths.empty() ? "" : ", ") + name;
    record.settings = {{"layers", depths},
                       {"image", file.empty() ? source + " test " + std::to_string(index) : file},
                       {"steps", std::to_string(options.steps)},
                       {"model", path}};
    const bool started = submit(runtime::JobKind::Invert, [=](runtime::JobContext& job) {
        data::Image target;
        if (!file.empty()) {
            target = data::readImageFile(file);
        } else {
            const auto dataset = data::openDataset(source, runtime::dataOpenOptions(job));
            if (index >= dataset->size(data::Split::Test))
                throw std::runtime_error("test image " + std::to_string(index) + " does not exist: " +
                                         source + " has " + std::to_string(dataset->size(data::Split::Test)));
            target = dataset->sample(data::Split::Test, index).image;
        }
        *results = viz::invertAtDepths(path, target, names, options, job);
        auto saved = record;
        std::vector<data::RgbBuffer> images{results->front().second.original};
        saved.labels.push_back("original");
        for (const auto& [name, result] : *results) {
            images.push_back(result.image);
            char loss[32];
            std::snprintf(loss, sizeof loss, "%.2f", result.featureLoss);
            saved.labels.push_back(name + " (loss " + loss + ")");
        }
        viz::saveVisualization(folder, saved, images);
    });
    if (!started) return;
    inversionList_->clear();
    auto connection = std::make_shared<QMetaObject::Connection>();
    *connection =
        connect(session_, &ExperimentSession::jobFinished, this,
                [this, results, connection](const QString& job, JobState state) {
                    if (job != "viz:invert") return;
                    disconnect(*connection);
                    if (state != JobState::Succeeded || results->empty()) return;
                    inversionList_->addImage(results->front().second.original, tr("original"));
                    for (const auto& [layerName, result] : *results)
                        inversionList_->addImage(result.image, tr("%1 (loss %2)")
                                                                   .arg(QString::fromStdString(layerName))
                                                                   .arg(result.featureLoss, 0, 'f', 2));
                });
}

QSpinBox* VisualizerPanel::stepsBox() const {
    return settings_->stepsBox();
}

void VisualizerPanel::setInversionFile(const QString& path) {
    imageFile_->setText(path);
}

int VisualizerPanel::galleryCount() const {
    return galleryList_->count();
}
int VisualizerPanel::inversionCount() const {
    return inversionList_->count();
}

void VisualizerPanel::showImage(const QImage& image) {
    current_ = image;
    const int side = std::min(image_->width(), image_->height()) - 8;
    image_->setPixmap(enlarged(image, std::max(64, side)));
}

void VisualizerPanel::saveImage() {
    if (current_.isNull()) return;
    const QString path =
        QFileDialog::getSaveFileName(this, tr("Save image"), "visualization.png", "PNG (*.png)");
    if (!path.isEmpty() && !current_.save(path, "PNG"))
        status_->setText(tr("%1: could not be written").arg(path));
}

}  // namespace netsight::ui
