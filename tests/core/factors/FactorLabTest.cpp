// The factor lab's analyses on small trained FactorWorld classifiers (issue 7, "Done when").
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <filesystem>
#include <fstream>

#include "ErrorOf.h"
#include "TempDir.h"
#include "TestJob.h"
#include "netsight/factors/FactorLab.h"
#include "netsight/models/Classifier.h"
#include "netsight/train/Training.h"

using namespace netsight;
namespace fs = std::filesystem;

namespace {

// Rotation varies over the whole circle in training (FactorWorld's default range).
constexpr const char* kWorld = "factorworld:classes=4,size=32,train=2000,val=200,test=200";

// Trained once per build (ctest runs each test in its own process): kept in the fixture folder, which
// the factor_lab_clean test empties before the suite.
std::string trained(const std::string& architecture, const fs::path& dir) {
    if (fs::exists(dir / (architecture + ".nsm"))) return (dir / (architecture + ".nsm")).string();
    fs::create_directories(dir);
    train::TrainOptions options;
    options.architecture = architecture;
    options.dataSource = kWorld;
    options.outputPath = (dir / (architecture + ".nsm")).string();
    options.epochs = 2;
    options.learningRate = 2e-3;
    test::TestJob job;
    train::trainClassifier(options, job.context);
    return options.outputPath;
}

factors::FactorOptions quickOptions() {
    factors::FactorOptions options;
    options.samples = 800;
    options.morphViews = 8;
    options.reverseCorrelationSamples = 400;
    options.reverseCorrelationIdentities = 2;
    options.device = "cpu";
    return options;
}

const factors::LayerInfo& layerNamed(const factors::FactorReport& report, const std::string& name) {
    for (const auto& layer : report.layers)
        if (layer.layer == name) return layer;
    throw std::runtime_error("no layer " + name);
}

double bitsOf(const factors::FactorReport& report, const std::string& factor) {
    for (const auto& d : report.decision)
        if (d.factor == factor) return d.bits;
    throw std::runtime_error("no factor " + factor);
}

double colourDrop(const factors::FactorReport& report) {
    for (const auto& m : report.morphs)
        if (m.kind == "colour") return m.probability.front() - m.probability.back();
    throw std::runtime_error("no colour morph");
}

// Trains an ordinary and a luminance-only classifier once for the whole suite, and analyses both.
class FactorLabTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        torch::manual_seed(0);
        dir_ = new test::TempDir;
        const fs::path models = fs::path(NETSIGHT_FIXTURE_DIR) / "factor-lab";
        plainModel_ = trained("resnet-s", models);
        greyModel_ = trained("grey+resnet-s", models);
        test::TestJob job;
        plain_ = new factors::FactorReport(factors::analyzeFactors(plainModel_, quickOptions(), job.context));
        grey_ = new factors::FactorReport(factors::analyzeFactors(greyModel_, quickOptions(), job.context));
    }
    static void TearDownTestSuite() {
        delete plain_;
        delete grey_;
        delete dir_;
    }
    static test::TempDir* dir_;
    static std::string plainModel_, greyModel_;
    static factors::FactorReport *plain_, *grey_;
};

test::TempDir* FactorLabTest::dir_ = nullptr;
std::string FactorLabTest::plainModel_, FactorLabTest::greyModel_;
factors::FactorReport* FactorLabTest::plain_ = nullptr;
factors::FactorReport* FactorLabTest::grey_ = nullptr;

}  // namespace

TEST_F(FactorLabTest, ClassifiersLearnedTheirIdentities) {
    EXPECT_GT(plain_->stimulusAccuracy, 0.7);
    EXPECT_GT(grey_->stimulusAccuracy, 0.6);
    EXPECT_GT(bitsOf(*plain_, "identity"), 1.0);  // of log2(4) = 2 bits
    EXPECT_LE(bitsOf(*plain_, "identity"), 2.0 + 1e-9);
}

TEST_F(FactorLabTest, DecisionCarriesLittleRotationWhenTrainingVariedIt) {
    const double rotation = bitsOf(*plain_, "rotation");
    std::cout << "decision: identity " << bitsOf(*plain_, "identity") << " bits, rotation " << rotation
              << ", colour " << bitsOf(*plain_, "colour") << "\n";
    EXPECT_LT(rotation, 0.05);
    EXPECT_GT(bitsOf(*plain_, "colour"), 10 * std::max(rotation, 0.01));
}

TEST_F(FactorLabTest, IdentityInformationRisesWithDepth) {
    const auto& layers = plain_->layers;
    ASSERT_GE(layers.size(), 4u);
    EXPECT_EQ(layers.back().layer, "fc");  // the last tapped layer is the logits: not repeated
    std::cout << "identity bits by depth:";
    for (const auto& layer : layers)
        std::cout << " " << layer.layer << "=" << layer.meanBits.front();
    std::cout << "\n";
    const double first = layers.front().meanBits.front();
    const double last = layers.back().meanBits.front();
    EXPECT_GT(last, 3 * first);
    // Mostly monotone: each half's best is above the previous half's.
    const std::size_t half = layers.size() / 2;
    double early = 0, late = 0;
    for (std::size_t l = 0; l < layers.size(); ++l)
        (l < half ? early : late) = std::max(l < half ? early : late, layers[l].meanBits.front());
    EXPECT_GT(late, early);
    // Informative units: a larger share late than at the stem.
    EXPECT_GT(layers.back().informativeShare.front(), layers.front().informativeShare.front());
}

TEST_F(FactorLabTest, PoseInvarianceGrowsWithDepth) {
    const auto& first = plain_->layers.front();
    // A copy: GCC 14 warns of a reference bound to what a call with a temporary argument returns.
    const factors::LayerInfo pool = layerNamed(*plain_, "pool");
    std::cout << "stem: pose " << first.poseBits << ", identity|pose " << first.identityGivenPoseBits
              << "; pool: pose " << pool.poseBits << ", identity|pose " << pool.identityGivenPoseBits << "\n";
    EXPECT_GT(pool.identityGivenPoseBits / std::max(pool.poseBits, 1e-3),
              2 * first.identityGivenPoseBits / std::max(first.poseBits, 1e-3));
}

TEST_F(FactorLabTest, ColourMorphMovesALuminanceOnlyClassifierLess) {
    std::cout << "colour morph drop: plain " << colourDrop(*plain_) << ", grey+ " << colourDrop(*grey_)
              << "\n";
    EXPECT_LT(colourDrop(*grey_), colourDrop(*plain_));
    for (const auto& m : plain_->morphs) {
        EXPECT_EQ(m.distance.size(), 9u);
        EXPECT_DOUBLE_EQ(m.distance.front(), 0.0);
        EXPECT_DOUBLE_EQ(m.distance.back(), 1.0);
    }
    // At distance 0 the three morphs are the same pictures.
    EXPECT_NEAR(plain_->morphs[0].probability.front(), plain_->morphs[2].probability.front(), 1e-6);
}

TEST_F(FactorLabTest, ClassificationImagesAreAboveTheirNoiseFloor) {
    ASSERT_EQ(plain_->classificationImages.size(), 2u);
    for (const auto& image : plain_->classificationImages) {
        EXPECT_EQ(image.correlation.size(), 3u * 32 * 32);
        EXPECT_GT(factors::signalToNoise(image), 3.0) << image.className;
        const auto picture = factors::correlationPicture(image);
        EXPECT_EQ(picture.rgb.size(), 32u * 32 * 3);
    }
}

TEST_F(FactorLabTest, ReportIsWrittenAndReadsBack) {
    test::TempDir out;
    factors::writeFactorReport(*plain_, out.path().string());
    for (const char* name :
         {"decision.csv", "layers.csv", "invariance.csv", "morphs.csv", "factors.json", "report.html",
          "mi_by_depth.svg", "invariance.svg", "morphs.svg", "decision.svg", "classification_images.png"})
        EXPECT_TRUE(fs::exists(out.path() / name)) << name;
    const auto back = factors::readFactorReport(out.path().string());
    ASSERT_EQ(back.layers.size(), plain_->layers.size());
    EXPECT_NEAR(back.layers.back().meanBits.front(), plain_->layers.back().meanBits.front(), 1e-9);
    EXPECT_EQ(back.decision.size(), plain_->decision.size());
    ASSERT_EQ(back.classificationImages.size(), 2u);
    EXPECT_EQ(back.classificationImages[0].base.width, 32);
    EXPECT_EQ(back.morphs[2].probability, plain_->morphs[2].probability);
    std::ifstream html(out.path() / "report.html");
    const std::string text((std::istreambuf_iterator<char>(html)), std::istreambuf_iterator<char>());
    EXPECT_NE(text.find("<svg"), std::string::npos);
    EXPECT_NE(text.find("data:image/png;base64,"), std::string::npos);
    // A report without what the views index (an empty decision) is refused when read, naming the file.
    factors::FactorReport partial = *plain_;
    partial.decision.clear();
    factors::writeFactorReport(partial, out.path().string());
    EXPECT_NE(test::errorOf<std::exception>([&] {
                  factors::readFactorReport(out.path().string());
              }).find("holds no decision row"),
              std::string::npos);
    // A damaged factors.json names itself.
    std::ofstream(out.path() / "factors.json") << "{\"schema\": 1}";
    EXPECT_NE(test::errorOf<std::exception>([&] {
                  factors::readFactorReport(out.path().string());
              }).find("factors.json"),
              std::string::npos);
}

TEST_F(FactorLabTest, LiveProbeAnswersForAnyFactors) {
    factors::FactorProbe probe(plainModel_);
    ASSERT_EQ(probe.identities().size(), 4u);
    data::Extrinsics view;
    const auto a = probe.predict(probe.identities()[1], view);
    EXPECT_EQ(a.image.width, 32);
    ASSERT_EQ(a.probabilities.size(), 4u);
    double total = 0;
    for (double p : a.probabilities)
        total += p;
    EXPECT_NEAR(total, 1.0, 1e-6);
    view.rotationDeg = 90;
    const auto b = probe.predict(probe.identities()[1], view);
    EXPECT_NE(a.image.rgb, b.image.rgb);
}

TEST_F(FactorLabTest, BadSettingsAndModelsAreNamed) {
    test::TestJob job;
    auto options = quickOptions();
    options.dataSource = "factorworld:classes=7,size=32";
    EXPECT_NE(test::errorOf<std::exception>([&] {
                  factors::analyzeFactors(plainModel_, options, job.context);
              }).find("tells 4 classes apart but 'factorworld:classes=7,size=32' has 7 identities"),
              std::string::npos);
    options = quickOptions();
    options.samples = 50;
    EXPECT_NE(test::errorOf<std::exception>([&] {
                  factors::analyzeFactors(plainModel_, options, job.context);
              }).find("at least 200"),
              std::string::npos);
    options = quickOptions();
    options.samples = 2'000'000;
    options.maxUnitsPerLayer = 100'000;
    options.poolTo = 0;
    EXPECT_NE(test::errorOf<std::exception>([&] {
                  factors::analyzeFactors(plainModel_, options, job.context);
              }).find("GB of stimuli and activations"),
              std::string::npos);
    // A classifier trained on something else.
    auto other = models::createClassifier("vgg-s", {1, 28, 28}, {"a", "b"});
    other->meta().training.dataSource = "fashion-mnist";
    const std::string path = (dir_->path() / "fashion.nsm").string();
    other->save(path);
    EXPECT_NE(test::errorOf<std::exception>([&] {
                  factors::analyzeFactors(path, quickOptions(), job.context);
              }).find("not on FactorWorld"),
              std::string::npos);
    EXPECT_NE(test::errorOf<std::exception>([&] {
                  factors::analyzeFactors(path + ".missing", quickOptions(), job.context);
              }).find("fashion.nsm.missing"),
              std::string::npos);
}
