#pragma once

// The factor lab's sliders: an identity (optionally morphed towards another in shape, texture, colour),
// every extrinsic factor of the view, and every intrinsic coefficient. Emits changed() on any move.
#include <QWidget>
#include <vector>

#include "netsight/data/FactorWorld.h"

class QComboBox;
class QLabel;
class QSlider;

namespace netsight::ui {

class FactorControls : public QWidget {
    Q_OBJECT
  public:
    explicit FactorControls(QWidget* parent = nullptr);

    /// The identities of the classifier's FactorWorld, with their class names.
    void setIdentities(const std::vector<data::Identity>& identities, const QStringList& names);
    data::Identity identity() const { return identity_; }
    data::Extrinsics view() const { return view_; }
    /// Moves one slider by factor name (extrinsicFactorNames(), "morph.shape", "morph.texture",
    /// "morph.colour", or an intrinsic factor name); false for an unknown name.
    bool setFactor(const QString& name, double value);
    void selectIdentity(int index);
    /// Back to the chosen identity seen in the default view.
    void reset();

  signals:
    void changed();

  private:
    struct Slider {
        QString name;
        double minimum, maximum;
        QSlider* slider;
        QLabel* value;
    };
    Slider* add(std::vector<Slider>& group, const QString& name, const QString& label, double minimum,
                double maximum, QWidget* owner);
    static double valueOf(const Slider& s);
    static void show(Slider& s, double value);
    void rebuildIdentity();  // from the identity choice and the morphs
    void showIdentity();     // intrinsic sliders follow identity_
    void readView();

    QComboBox* base_;
    QComboBox* target_;
    std::vector<Slider> morphs_, extrinsic_, intrinsic_;
    std::vector<data::Identity> identities_;
    data::Identity identity_;
    data::Extrinsics view_;
    bool updating_ = false;
};

}  // namespace netsight::ui
