#include "visualizer/DataExamplesView.h"

#include <QLabel>
#include <QVBoxLayout>

#include "netsight/attribution/Attribution.h"
#include "netsight/ui/ExperimentSession.h"
#include "widgets/ImageConversion.h"
#include "widgets/ImageListView.h"

namespace netsight::ui {
namespace {

constexpr std::size_t kTestImages = 200;  // looked at for activity and examples
constexpr std::size_t kExamples = 8;

}  // namespace

DataExamplesView::DataExamplesView(ExperimentSession* session, QWidget* parent)
    : QWidget(parent), session_(session) {
    title_ = new QLabel(tr("Test images that drive the target most appear here after a run."), this);
    title_->setWordWrap(true);
    examples_ = new ImageListView(this);
    examples_->setMinimumHeight(130);
    examples_->setToolTip(
        tr("The test images (of the first %1) that drive the target most; warm: where").arg(kTestImages));
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(title_);
    layout->addWidget(examples_, 1);
}

void DataExamplesView::showLayer(const QString& modelPath, const QString& layer) {
    const int generation = ++activityGeneration_;
    activity_.clear();
    layer_.clear();
    if (modelPath.isEmpty() || layer.isEmpty() || !session_->isOpen()) return;
    session_->query<std::vector<viz::ChannelActivity>>(
        tr("channel activity"), this,
        [model = modelPath.toStdString(), data = session_->spec().data, device = session_->spec().device,
         name = layer.toStdString()](runtime::JobContext& job) {
            return viz::channelActivity(model, data, name, kTestImages, device, job);
        },
        [this, generation, layer](std::vector<viz::ChannelActivity> activity) {
            if (generation != activityGeneration_) return;
            activity_ = std::move(activity);
            layer_ = layer;
            emit activityShown();
        },
        [this](const QString& message) { title_->setText(message); });
}

void DataExamplesView::showExamples(const QString& modelPath, const viz::ObjectiveTerm& term) {
    const int generation = ++examplesGeneration_;
    if (modelPath.isEmpty() || !session_->isOpen()) return;
    title_->setText(
        tr("Finding the test images that drive %1…").arg(QString::fromStdString(viz::describe(term))));
    session_->query<std::vector<viz::DataExample>>(
        tr("data examples"), this,
        [model = modelPath.toStdString(), data = session_->spec().data, device = session_->spec().device,
         term](runtime::JobContext& job) {
            return viz::topImages(model, data, term, kExamples, kTestImages, device, job);
        },
        [this, generation, term](std::vector<viz::DataExample> examples) {
            if (generation != examplesGeneration_) return;
            examples_->clear();
            for (const auto& example : examples)
                examples_->addImage(toQImage(data::toRgbBuffer(attribution::overlay(
                                        example.image, example.map, attribution::MapScale::Positive, 0.6))),
                                    QString("#%1 %2 (%3)")
                                        .arg(example.index)
                                        .arg(example.value, 0, 'g', 3)
                                        .arg(QString::fromStdString(example.labelName)));
            title_->setText(
                tr("The test images that drive %1 most (of the first %2), warm where it responds:")
                    .arg(QString::fromStdString(viz::describe(term)))
                    .arg(kTestImages));
            emit examplesShown();
        },
        [this](const QString& message) { title_->setText(message); });
}

bool DataExamplesView::isSilent(int channel) const {
    return channel >= 0 && channel < static_cast<int>(activity_.size()) &&
           activity_[static_cast<std::size_t>(channel)].silent();
}

QString DataExamplesView::describeChannel(int channel) const {
    if (channel < 0 || channel >= static_cast<int>(activity_.size())) return {};
    const auto& a = activity_[static_cast<std::size_t>(channel)];
    if (a.silent())
        return tr("silent on the test images (most active: %1)").arg(viz::mostActiveChannel(activity_));
    return tr("active on %1% of the test images").arg(a.activeShare * 100, 0, 'f', 0);
}

}  // namespace netsight::ui
