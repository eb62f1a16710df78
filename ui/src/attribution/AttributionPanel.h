#pragma once

// The Attribution view: where does a classifier look? Pick classifiers and a test image (browse with
// filters: misclassified, least confident, per class) or an image file, see each method's map over it with
// its checks' numbers (deletion and insertion areas, the share on the object); the Dataset summary tab
// (AttributionSummary) checks a whole test set as a job. Every figure exports; numbers as CSV.
#include <QImage>
#include <QString>
#include <QWidget>
#include <functional>
#include <vector>

#include "netsight/attribution/Attribution.h"

class QComboBox;
class QLabel;
class QListWidget;
class QPushButton;
class QSlider;
class QTabWidget;

namespace netsight::ui {

class AttributionSummary;
class ExperimentSession;
class ImageListView;
class MapGrid;

class AttributionPanel : public QWidget {
    Q_OBJECT
  public:
    explicit AttributionPanel(ExperimentSession* session, QWidget* parent = nullptr);

    /// Lists the trained classifiers (checked: the first two) and asks for the test images' answers.
    void refresh();
    /// Explains the chosen image with the checked methods and classifiers; mapsShown() follows.
    bool explain();
    /// Explains this image file instead of a test image.
    bool explainFile(const QString& path);
    /// Where the Factor lab's live stimulus comes from (the main window wires it); its button explains it.
    void setStimulusSource(std::function<QImage()> source);
    /// Explains the Factor lab's live stimulus (saved as results/attribution/stimulus.png).
    bool explainStimulus();
    QString lastError() const { return error_; }

    QListWidget* classifierList() const { return classifiers_; }
    QListWidget* methodList() const { return methods_; }
    QComboBox* filterBox() const { return filter_; }
    ImageListView* browser() const { return browser_; }
    MapGrid* mapsView() const { return maps_; }
    QSlider* opacitySlider() const { return opacity_; }
    QTabWidget* views() const { return views_; }
    AttributionSummary* summary() const { return summary_; }
    /// The shown maps' numbers as CSV: classifier, image, method, deletion, insertion, object energy.
    QString mapsCsv() const;
    QString status() const;

  signals:
    void imagesListed();
    void mapsShown();

  protected:
    void showEvent(QShowEvent* event) override;

  private:
    void listImages();
    void applyFilter();
    void showMaps();
    std::vector<attribution::Method> checkedMethods() const;
    std::vector<QString> checkedModels(QStringList* names = nullptr) const;
    QStringList checkedClassifierNames() const;
    bool startExplaining(attribution::AttributeOptions options, const QString& what);

    ExperimentSession* session_;
    QListWidget* classifiers_;
    QListWidget* methods_;
    QComboBox* filter_;
    ImageListView* browser_;
    QComboBox* target_;
    QComboBox* scale_;
    QSlider* opacity_;
    QPushButton* explain_;
    QPushButton* file_;
    QPushButton* stimulus_;
    std::function<QImage()> stimulusSource_;
    QLabel* status_;
    QTabWidget* views_;
    MapGrid* maps_;
    AttributionSummary* summary_;
    std::vector<attribution::TestImageAnswer> answers_;
    std::vector<std::size_t> shownIndices_;  // browser row -> test index
    std::vector<attribution::AttributionResults> explained_;
    int generation_ = 0;
    QString error_;
};

}  // namespace netsight::ui
