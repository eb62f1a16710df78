#pragma once

#include <torch/script.h>

#include <map>
#include <memory>

#include "netsight/models/Classifier.h"

namespace netsight::models {

/// Name of the metadata file inside a TorchScript archive (written in Python with _extra_files=).
inline constexpr const char* kTorchScriptMetaFile = "netsight.json";

/// An imported TorchScript model, scripted or traced. Layer taps work for any module called from
/// forward (also non-sequential models such as ResNet or Inception): the forward graph is copied, the
/// calls leading to the wanted modules are inlined, and their outputs become extra graph outputs.
class TorchScriptClassifier : public Classifier {
  public:
    TorchScriptClassifier(ClassifierMeta meta, torch::jit::Module module);
    ~TorchScriptClassifier() override;

    torch::Tensor forward(const torch::Tensor& normalized) override;
    TapOutput forwardWithTaps(const torch::Tensor& normalized,
                              const std::vector<std::string>& layers) override;
    void setTraining(bool training) override { module_.train(training); }
    bool training() const override { return module_.is_training(); }
    std::vector<torch::Tensor> parameters() override;
    std::vector<std::pair<std::string, torch::Tensor>> namedParameters() override;
    void to(const torch::Device& device) override { module_.to(device); }
    void save(const std::string& path) override;

    /// Loads an archive; metadata from netsight.json inside, else PATH.json beside, else `fallback`.
    static std::unique_ptr<TorchScriptClassifier> load(const std::string& path,
                                                       const ClassifierMeta* fallback);

  protected:
    std::vector<std::pair<std::string, torch::Tensor>> forwardAllLayers(
        const torch::Tensor& normalized) override;

  private:
    struct Tapped;
    /// A function returning (logits, taps...) for these layers; cached per layer set.
    Tapped& tapped(const std::vector<std::string>& layers, bool skipMissing);
    std::vector<torch::Tensor> runTapped(Tapped& function, const torch::Tensor& normalized);

    torch::jit::Module module_;
    std::map<std::string, std::unique_ptr<Tapped>> tappedCache_;
};

}  // namespace netsight::models
