// The factor lab's live probe: one stimulus rendered and classified at a time, for the sliders.
#include <torch/torch.h>

#include "factors/FactorStimuli.h"
#include "netsight/factors/FactorLab.h"

namespace netsight::factors {
using namespace netsight::info;  // the GCMI estimators

using namespace detail;

struct FactorProbe::State {
    std::unique_ptr<models::Classifier> classifier;
    World world;
};

FactorProbe::FactorProbe(const std::string& modelPath, const std::string& dataSource,
                         const std::string& device)
    : state_(std::make_unique<State>()) {
    state_->classifier = models::loadFrozenClassifier(modelPath, device);
    state_->world = worldFor(state_->classifier->meta(), modelPath, dataSource);
}

FactorProbe::~FactorProbe() = default;

const std::vector<data::Identity>& FactorProbe::identities() const {
    return state_->world.identities;
}
const std::vector<std::string>& FactorProbe::classNames() const {
    return state_->classifier->meta().classNames;
}
const std::string& FactorProbe::dataSource() const {
    return state_->world.source;
}

LivePrediction FactorProbe::predict(const data::Identity& identity, const data::Extrinsics& view) const {
    torch::NoGradGuard noGrad;
    const data::Render render = state_->world.world->render(identity, view);
    const auto& shape = render.image.shape;
    const torch::Tensor image = torch::from_blob(const_cast<float*>(render.image.pixels.data()),
                                                 {1, shape.channels, shape.height, shape.width})
                                    .clone()
                                    .to(state_->classifier->device());
    const torch::Tensor p =
        torch::softmax(state_->classifier->forward(state_->classifier->normalize(image)), 1)
            .to(torch::kCPU, torch::kDouble);
    LivePrediction prediction;
    prediction.image = data::toRgbBuffer(render.image);
    prediction.probabilities.assign(p.data_ptr<double>(), p.data_ptr<double>() + p.numel());
    prediction.classNames = classNames();
    return prediction;
}

}  // namespace netsight::factors
