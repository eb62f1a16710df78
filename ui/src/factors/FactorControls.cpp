#include "factors/FactorControls.h"

#include <QComboBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QToolButton>
#include <QVBoxLayout>
#include <cmath>

#include "netsight/factors/FactorLab.h"

namespace netsight::ui {
namespace {

constexpr int kSteps = 1000;

struct Range {
    const char* name;
    const char* label;
    double minimum, maximum;
};

// Extrinsic factors and the ranges the sliders span (wider than the training ranges: that is the point).
const Range kExtrinsic[] = {{"rotation", "Rotation (°)", -180, 180},
                            {"yaw", "Tilt: yaw (°)", -75, 75},
                            {"pitch", "Tilt: pitch (°)", -75, 75},
                            {"scale", "Scale", 0.3, 1.6},
                            {"tx", "Shift x", -0.4, 0.4},
                            {"ty", "Shift y", -0.4, 0.4},
                            {"light.azimuth", "Light direction (°)", 0, 360},
                            {"light.strength", "Light strength", 0, 1},
                            {"background", "Background", 0, 1}};

Range intrinsicRange(const std::string& name) {
    if (name.rfind("shape.", 0) == 0) return {"", "", -0.35, 0.35};
    if (name == "texture.orientation") return {"", "", 0, M_PI};
    if (name == "texture.frequency") return {"", "", 0.5, 6};
    if (name == "texture.noise") return {"", "", 0, 1};
    if (name == "texture.contrast") return {"", "", 0, 2};
    return {"", "", 0, 1};  // colours
}

}  // namespace

FactorControls::FactorControls(QWidget* parent) : QWidget(parent) {
    base_ = new QComboBox(this);
    base_->setToolTip(tr("The identity (class) to render"));
    target_ = new QComboBox(this);
    target_->setToolTip(tr("The identity the morph sliders move towards"));
    auto* stimulus = new QGroupBox(tr("Identity"), this);
    auto* stimulusForm = new QFormLayout(stimulus);
    stimulusForm->addRow(tr("Identity"), base_);
    stimulusForm->addRow(tr("Morph towards"), target_);
    for (const auto& [name, label] :
         {std::pair{"morph.shape", tr("Shape morph")}, std::pair{"morph.texture", tr("Texture morph")},
          std::pair{"morph.colour", tr("Colour morph")}}) {
        Slider* s = add(morphs_, name, label, 0, 1, stimulus);
        auto* row = new QHBoxLayout;
        row->addWidget(s->slider, 1);
        row->addWidget(s->value);
        stimulusForm->addRow(label, row);
    }
    auto* view = new QGroupBox(tr("View"), this);
    auto* viewForm = new QFormLayout(view);
    for (const auto& r : kExtrinsic) {
        Slider* s = add(extrinsic_, r.name, tr(r.label), r.minimum, r.maximum, view);
        auto* row = new QHBoxLayout;
        row->addWidget(s->slider, 1);
        row->addWidget(s->value);
        viewForm->addRow(tr(r.label), row);
    }
    auto* resetButton = new QPushButton(tr("Reset view"), view);
    resetButton->setToolTip(tr("The identity in the default view, no morph"));
    viewForm->addRow(resetButton);

    // Every intrinsic coefficient, folded away by default.
    auto* intrinsic = new QGroupBox(tr("Intrinsic coefficients"), this);
    intrinsic->setCheckable(true);
    intrinsic->setChecked(false);
    intrinsic->setToolTip(tr("Every shape, texture and colour coefficient of the identity"));
    auto* intrinsicBody = new QWidget(intrinsic);
    auto* intrinsicForm = new QFormLayout(intrinsicBody);
    intrinsicForm->setContentsMargins(0, 0, 0, 0);
    for (const auto& name : data::intrinsicFactorNames()) {
        const Range r = intrinsicRange(name);
        Slider* s = add(intrinsic_, QString::fromStdString(name), QString::fromStdString(name), r.minimum,
                        r.maximum, intrinsicBody);
        auto* row = new QHBoxLayout;
        row->addWidget(s->slider, 1);
        row->addWidget(s->value);
        intrinsicForm->addRow(QString::fromStdString(name), row);
    }
    auto* intrinsicLayout = new QVBoxLayout(intrinsic);
    intrinsicLayout->addWidget(intrinsicBody);
    intrinsicBody->setVisible(false);
    connect(intrinsic, &QGroupBox::toggled, intrinsicBody, &QWidget::setVisible);

    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(stimulus);
    layout->addWidget(view);
    layout->addWidget(intrinsic);
    layout->addStretch();

    connect(base_, &QComboBox::currentIndexChanged, this, [this] { rebuildIdentity(); });
    connect(target_, &QComboBox::currentIndexChanged, this, [this] { rebuildIdentity(); });
    connect(resetButton, &QPushButton::clicked, this, &FactorControls::reset);
    for (auto& s : morphs_)
        connect(s.slider, &QSlider::valueChanged, this, [this] { rebuildIdentity(); });
    for (auto& s : extrinsic_)
        connect(s.slider, &QSlider::valueChanged, this, [this] { readView(); });
    for (std::size_t i = 0; i < intrinsic_.size(); ++i)
        connect(intrinsic_[i].slider, &QSlider::valueChanged, this, [this, i] {
            if (updating_) return;
            factors::setIntrinsicFactor(identity_, i, valueOf(intrinsic_[i]));
            show(intrinsic_[i], valueOf(intrinsic_[i]));
            emit changed();
        });
    reset();
}

FactorControls::Slider* FactorControls::add(std::vector<Slider>& group, const QString& name,
                                            const QString& label, double minimum, double maximum,
                                            QWidget* owner) {
    auto* slider = new QSlider(Qt::Horizontal, owner);
    slider->setRange(0, kSteps);
    slider->setToolTip(label);
    slider->setAccessibleName(name);
    auto* value = new QLabel(owner);
    value->setMinimumWidth(value->fontMetrics().horizontalAdvance("-180.00"));
    value->setAlignment(Qt::AlignRight | Qt::AlignVCenter);
    group.push_back({name, minimum, maximum, slider, value});
    return &group.back();
}

double FactorControls::valueOf(const Slider& s) {
    return s.minimum + (s.maximum - s.minimum) * s.slider->value() / kSteps;
}

void FactorControls::show(Slider& s, double value) {
    const bool blocked = s.slider->blockSignals(true);
    s.slider->setValue(static_cast<int>(std::lround((value - s.minimum) / (s.maximum - s.minimum) * kSteps)));
    s.slider->blockSignals(blocked);
    const double span = s.maximum - s.minimum;
    s.value->setText(QString::number(value, 'f', span >= 100 ? 0 : 2));
}

void FactorControls::setIdentities(const std::vector<data::Identity>& identities, const QStringList& names) {
    identities_ = identities;
    updating_ = true;
    for (auto* box : {base_, target_}) {
        const bool blocked = box->blockSignals(true);
        box->clear();
        box->addItems(names);
        box->blockSignals(blocked);
    }
    if (target_->count() > 1) target_->setCurrentIndex(1);
    updating_ = false;
    reset();
}

void FactorControls::selectIdentity(int index) {
    base_->setCurrentIndex(index);
}

void FactorControls::reset() {
    updating_ = true;
    for (auto& s : morphs_)
        show(s, 0.0);
    view_ = data::Extrinsics{};
    for (auto& s : extrinsic_)
        show(s, view_.get(s.name.toStdString()));
    updating_ = false;
    rebuildIdentity();
}

void FactorControls::rebuildIdentity() {
    if (updating_) return;
    const int base = base_->currentIndex(), target = target_->currentIndex();
    if (base < 0 || base >= static_cast<int>(identities_.size())) {
        identity_ = data::Identity{};
    } else {
        identity_ = identities_[static_cast<std::size_t>(base)];
        if (target >= 0 && target < static_cast<int>(identities_.size())) {
            const auto& other = identities_[static_cast<std::size_t>(target)];
            const data::MorphKind kinds[] = {data::MorphKind::Shape, data::MorphKind::Texture,
                                             data::MorphKind::Colour};
            for (std::size_t k = 0; k < morphs_.size(); ++k) {
                const double amount = valueOf(morphs_[k]);
                show(morphs_[k], amount);
                if (amount > 0) identity_ = data::FactorWorld::morph(identity_, other, kinds[k], amount);
            }
        }
    }
    showIdentity();
    emit changed();
}

void FactorControls::showIdentity() {
    updating_ = true;
    const auto values = data::FactorWorld::intrinsicFactors(identity_);
    for (std::size_t i = 0; i < intrinsic_.size() && i < values.size(); ++i)
        show(intrinsic_[i], values[i]);
    updating_ = false;
}

void FactorControls::readView() {
    if (updating_) return;
    for (auto& s : extrinsic_) {
        const double value = valueOf(s);
        view_.set(s.name.toStdString(), value);
        show(s, value);
    }
    emit changed();
}

bool FactorControls::setFactor(const QString& name, double value) {
    for (auto* group : {&morphs_, &extrinsic_, &intrinsic_})
        for (auto& s : *group)
            if (s.name == name) {
                s.slider->setValue(
                    static_cast<int>(std::lround((value - s.minimum) / (s.maximum - s.minimum) * kSteps)));
                return true;
            }
    return false;
}

}  // namespace netsight::ui
