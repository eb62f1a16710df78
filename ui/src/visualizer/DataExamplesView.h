#pragma once

// Channels explained by data, for the Visualizer: how each channel of a layer responds to the experiment's
// test images (which are silent, which is most active), and the test images that drive the current target
// most, each with where it responds, shown as a strip beside the synthetic image.
#include <QString>
#include <QWidget>
#include <vector>

#include "netsight/viz/Visualize.h"

class QLabel;

namespace netsight::ui {

class ExperimentSession;
class ImageListView;

class DataExamplesView : public QWidget {
    Q_OBJECT
  public:
    explicit DataExamplesView(ExperimentSession* session, QWidget* parent = nullptr);

    /// Reads the activity of `layer`'s channels on the test images; activityShown() follows.
    void showLayer(const QString& modelPath, const QString& layer);
    /// Finds the test images that drive `term` most; examplesShown() follows.
    void showExamples(const QString& modelPath, const viz::ObjectiveTerm& term);
    /// The layer whose activity is known, and that activity (empty until it is).
    QString layer() const { return layer_; }
    const std::vector<viz::ChannelActivity>& activity() const { return activity_; }
    /// "active on 93% of the test images" or "silent on the test images", empty when unknown.
    QString describeChannel(int channel) const;
    bool isSilent(int channel) const;
    ImageListView* examples() const { return examples_; }

  signals:
    void activityShown();
    void examplesShown();

  private:
    ExperimentSession* session_;
    QLabel* title_;
    ImageListView* examples_;
    QString layer_;
    std::vector<viz::ChannelActivity> activity_;
    int activityGeneration_ = 0, examplesGeneration_ = 0;
};

}  // namespace netsight::ui
