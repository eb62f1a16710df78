#pragma once

#include "models/ZooLayers.h"
#include "netsight/models/Classifier.h"

namespace netsight::models {

/// Key under which a NetSight model file keeps its metadata JSON.
inline constexpr const char* kMetaKey = "netsight.meta";

/// A network of the zoo with its metadata.
class ZooClassifier : public Classifier {
  public:
    ZooClassifier(ClassifierMeta meta, std::shared_ptr<zoo::ZooNetImpl> net);

    torch::Tensor forward(const torch::Tensor& normalized) override;
    TapOutput forwardWithTaps(const torch::Tensor& normalized,
                              const std::vector<std::string>& layers) override;
    int inputScales() override { return net_->inputScales(); }
    bool setRedirectedRelu(bool on) override {
        net_->setRedirectedRelu(on);
        return true;
    }
    torch::Tensor forwardWithScaleOffset(const torch::Tensor& normalized, int scale,
                                         const torch::Tensor& offset) override;
    void setTraining(bool training) override { net_->train(training); }
    bool training() const override { return net_->is_training(); }
    std::vector<torch::Tensor> parameters() override { return net_->parameters(); }
    std::vector<std::pair<std::string, torch::Tensor>> namedParameters() override;
    void to(const torch::Device& device) override { net_->to(device); }
    void save(const std::string& path) override;

    zoo::ZooNetImpl& net() { return *net_; }
    /// Reads a NetSight model file; throws std::runtime_error naming it.
    static std::unique_ptr<ZooClassifier> load(const std::string& path);

  protected:
    std::vector<std::pair<std::string, torch::Tensor>> forwardAllLayers(
        const torch::Tensor& normalized) override;

  private:
    std::shared_ptr<zoo::ZooNetImpl> net_;
};

}  // namespace netsight::models
