// The probe's stages across runs and experiments: starting from a given pretrained autoencoder, reusing
// one from the user's cache, refusing stages made with other settings, and warning of unchecked ones.
#include <gtest/gtest.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <opencv2/imgproc.hpp>
#include <set>
#include <thread>

#include "ErrorOf.h"
#include "TempDir.h"
#include "TestJob.h"
#include "TinySpec.h"
#include "TorchTest.h"
#include "netsight/data/Dataset.h"
#include "netsight/experiment/ProbePipeline.h"
#include "netsight/experiment/ProbeSpec.h"
#include "netsight/models/Classifier.h"
#include "netsight/probe/ProbeResults.h"
#include "netsight/probe/SegNet.h"
#include "probe/AutoencoderTraining.h"

using namespace netsight;
namespace fs = std::filesystem;

namespace {

using ProbeJob = test::TestJob;
using test::readAll;
using test::tinySpec;

// autoencoder.pretrained: an experiment starts from another's pretrained AE (copied, not retrained), and a
// missing, unreadable or wrong-channel file is refused before any work, naming the field or the file.
TEST(ProbeRun, StartsFromAGivenPretrainedAutoencoder) {
    test::TempDir first, second;
    experiment::writeProbeSpec(tinySpec(), (first.path() / "experiment.json").string());
    ProbeJob run;
    experiment::runProbe(first.path().string(), run.context);
    const fs::path given = first.path() / "models" / "ae-pretrained.pt";

    auto spec = tinySpec();
    spec.pretrainedAutoencoder = given.string();
    experiment::writeProbeSpec(spec, (second.path() / "experiment.json").string());
    EXPECT_EQ(experiment::readProbeSpec((second.path() / "experiment.json").string()).pretrainedAutoencoder,
              given.string());
    ProbeJob reuse;
    const auto summary = experiment::runProbe(second.path().string(), reuse.context);
    {
        auto original = probe::loadAutoencoder(given.string()),
             copy = probe::loadAutoencoder((second.path() / "models" / "ae-pretrained.pt").string());
        const auto a = original->parameters(), b = copy->parameters();
        ASSERT_EQ(a.size(), b.size());
        for (std::size_t i = 0; i < a.size(); ++i)
            EXPECT_TRUE(torch::equal(a[i], b[i])) << "parameter " << i;
    }
    bool pretrained = false, said = false;
    for (const auto& event : reuse.sink.drain()) {
        if (const auto* metric = std::get_if<runtime::MetricEvent>(&event))
            pretrained |= metric->series.rfind("pretrain", 0) == 0;
        if (const auto* log = std::get_if<runtime::LogEvent>(&event))
            said |= log->text.find("starting from " + given.string()) != std::string::npos;
    }
    EXPECT_FALSE(pretrained) << "the given autoencoder should not be pretrained again";
    EXPECT_TRUE(said);
    EXPECT_EQ(summary.rows.size(), 4u);
    // Once copied, the experiment no longer needs the file it came from.
    fs::remove_all(first.path() / "models");
    ProbeJob again;
    EXPECT_NO_THROW(experiment::runProbe(second.path().string(), again.context));

    auto errorWith = [&](const experiment::ProbeSpec& bad) {
        test::TempDir dir;
        experiment::writeProbeSpec(bad, (dir.path() / "experiment.json").string());
        ProbeJob failing;
        const auto message = test::errorOf<std::runtime_error>(
            [&] { experiment::runProbe(dir.path().string(), failing.context); });
        EXPECT_FALSE(fs::exists(dir.path() / "models" / "a.nsm")) << "no work before the check";
        return message;
    };
    spec.pretrainedAutoencoder = "no-such-ae.pt";
    EXPECT_NE(errorWith(spec).find("field 'autoencoder.pretrained' names"), std::string::npos);
    spec.pretrainedAutoencoder = (first.path() / "experiment.json").string();
    EXPECT_NE(errorWith(spec).find("experiment.json: not a readable autoencoder file"), std::string::npos);
    spec.pretrainedAutoencoder = (second.path() / "models" / "ae-pretrained.pt").string();
    spec.data = "factorworld:classes=3,size=16,train=300,val=60,test=60,grey=1";
    EXPECT_NE(errorWith(spec).find("reconstructs 3-channel images but"), std::string::npos);
}

// The pretrained autoencoder is trained once per data and pretraining settings and kept in the user's cache:
// the next experiment on the same data starts from it (not stale: same recipe), one with other pretraining
// settings pretrains its own; NETSIGHT_AUTOENCODER_CACHE=off turns reuse off.
TEST(ProbeRun, APretrainedAutoencoderIsReusedByTheNextExperimentOnTheSameData) {
    test::TempDir cache, first, second, other;
    struct CacheVariable {  // the test's own cache, and the suite's "off" back afterwards
        explicit CacheVariable(const fs::path& folder) {
            setenv("NETSIGHT_AUTOENCODER_CACHE", folder.c_str(), 1);
        }
        ~CacheVariable() { setenv("NETSIGHT_AUTOENCODER_CACHE", "off", 1); }
    } variable(cache.path());
    auto spec = tinySpec();
    spec.replicas = 1;
    experiment::writeProbeSpec(spec, (first.path() / "experiment.json").string());
    ProbeJob run;
    experiment::runProbe(first.path().string(), run.context);
    std::size_t kept = 0;
    for (const auto& item : fs::directory_iterator(cache.path()))
        kept += item.path().extension() == ".pt";
    EXPECT_EQ(kept, 1u);

    experiment::writeProbeSpec(spec, (second.path() / "experiment.json").string());
    ProbeJob reuse;
    experiment::runProbe(second.path().string(), reuse.context);
    bool pretrained = false, said = false;
    for (const auto& event : reuse.sink.drain()) {
        if (const auto* metric = std::get_if<runtime::MetricEvent>(&event))
            pretrained |= metric->series.rfind("pretrain", 0) == 0;
        if (const auto* log = std::get_if<runtime::LogEvent>(&event))
            said |= log->text.find("reusing the pretrained autoencoder") != std::string::npos;
    }
    EXPECT_FALSE(pretrained);
    EXPECT_TRUE(said);
    EXPECT_EQ(readAll(first.path() / "models" / "ae-pretrained.pt"),
              readAll(second.path() / "models" / "ae-pretrained.pt"));
    EXPECT_TRUE(experiment::staleStages(second.path().string()).empty());

    spec.pretrainEpochs = 3;  // other pretraining settings: its own autoencoder
    experiment::writeProbeSpec(spec, (other.path() / "experiment.json").string());
    ProbeJob own;
    experiment::runProbe(other.path().string(), own.context);
    bool pretrainedOwn = false;
    for (const auto& event : own.sink.drain())
        if (const auto* metric = std::get_if<runtime::MetricEvent>(&event))
            pretrainedOwn |= metric->series.rfind("pretrain", 0) == 0;
    EXPECT_TRUE(pretrainedOwn);
    kept = 0;
    for (const auto& item : fs::directory_iterator(cache.path()))
        kept += item.path().extension() == ".pt";
    EXPECT_EQ(kept, 2u);
}

// Replicas are stages of their own: each fine-tuned from another seed (so they differ), resumable, checked
// for staleness; the matrix is their mean and the intervals and relation tests are in the results.
TEST(ProbeRun, ReplicasAreStagesOfTheirOwnAndTheirSpreadEntersTheResults) {
    test::TempDir dir;
    auto spec = tinySpec();
    spec.replicas = 2;
    experiment::writeProbeSpec(spec, (dir.path() / "experiment.json").string());
    ProbeJob only;  // one replica as a job of its own, as --finetune a --replica 2 runs it
    experiment::finetuneExperimentAutoencoder(dir.path().string(), "a", only.context, "", 1);
    EXPECT_TRUE(fs::exists(dir.path() / "models" / "ae-a.r2.pt"));
    EXPECT_FALSE(fs::exists(dir.path() / "models" / "ae-a.pt"));
    ProbeJob run;
    const auto summary = experiment::runProbe(dir.path().string(), run.context);
    auto first = probe::loadAutoencoder((dir.path() / "models" / "ae-a.pt").string()),
         second = probe::loadAutoencoder((dir.path() / "models" / "ae-a.r2.pt").string());
    bool differ = false;
    const auto p = first->decoderParameters(), q = second->decoderParameters();
    for (std::size_t i = 0; i < p.size(); ++i)
        differ |= !torch::equal(p[i], q[i]);
    EXPECT_TRUE(differ) << "replicas fine-tuned from other seeds";
    const auto& u = summary.uncertainty;
    EXPECT_EQ(u.replicas, 2);
    EXPECT_EQ(u.images, 60u);
    ASSERT_EQ(u.relations.size(), 1u);
    ASSERT_EQ(u.accuracy.size(), 4u);
    for (std::size_t r = 0; r < 4; ++r)
        for (std::size_t c = 0; c < 2; ++c) {
            EXPECT_NEAR(u.accuracy[r][c].estimate, summary.accuracy[r][c], 1e-12);
            EXPECT_LE(u.accuracy[r][c].low, u.accuracy[r][c].estimate);
            EXPECT_GE(u.accuracy[r][c].high, u.accuracy[r][c].estimate);
        }
    EXPECT_TRUE(summary.pretrainedQuality.measured);
    EXPECT_GT(summary.pretrainedQuality.psnr, 5.0);
    EXPECT_GT(summary.pretrainedQuality.ssim, 0.0);
    EXPECT_EQ(summary.pretrainedQuality.accuracyRatio, summary.relative[1]);
    const auto reread = probe::readProbeResults(dir.path().string());
    ASSERT_TRUE(reread.has_value());
    EXPECT_EQ(reread->summary.uncertainty.relations.size(), 1u);
    EXPECT_NEAR(reread->summary.uncertainty.relations[0].pValue, u.relations[0].pValue, 1e-9);
    EXPECT_NEAR(reread->summary.pretrainedQuality.psnr, summary.pretrainedQuality.psnr, 1e-9);
    ASSERT_EQ(reread->nmi.rows.size(), 3u);
    EXPECT_EQ(reread->nmi.intra[1].size(), 120u);  // two replicas of 60 images
    EXPECT_EQ(reread->nmi.replica[1].back(), 1);
    EXPECT_NE(readAll(dir.path() / "results" / "order.json").find("\"relations\""), std::string::npos);

    // A replica made with other settings is stale like any stage.
    auto changed = spec;
    changed.finetuneEpochs = 3;
    const auto stale = experiment::staleStagesUnder(dir.path().string(), changed);
    std::set<std::string> files;
    for (const auto& stage : stale)
        files.insert(fs::path(stage.file).filename().string());
    EXPECT_TRUE(files.count("ae-a.r2.pt"));
    EXPECT_TRUE(files.count("ae-b.r2.pt"));
    ProbeJob bad;
    EXPECT_NE(test::errorOf<std::runtime_error>([&] {
                  experiment::finetuneExperimentAutoencoder(dir.path().string(), "a", bad.context, "", 2);
              }).find("evaluation.replicas is 2"),
              std::string::npos);
}

// A stage done with other settings than experiment.json gives now is refused before any work, naming the
// files, the fields that changed and what to do; nothing is lost, set back the run goes on, and discarding
// the stale stages redoes just those.
TEST(ProbeRun, RefusesStagesMadeWithOtherSettings) {
    test::TempDir dir;
    const auto folder = dir.path().string();
    const auto specFile = (dir.path() / "experiment.json").string();
    experiment::writeProbeSpec(tinySpec(), specFile);
    ProbeJob first;
    experiment::runProbe(folder, first.context);
    const auto pretrained = readAll(dir.path() / "models" / "ae-pretrained.pt");
    const auto finetuned = readAll(dir.path() / "models" / "ae-b.pt");
    EXPECT_TRUE(experiment::staleStages(folder).empty());

    auto errorWith = [&](const experiment::ProbeSpec& changed) {
        experiment::writeProbeSpec(changed, specFile);
        ProbeJob run;
        return test::errorOf<std::runtime_error>([&] { experiment::runProbe(folder, run.context); });
    };
    auto contains = [](const std::string& text, const std::string& part) {
        return text.find(part) != std::string::npos;
    };
    auto spec = tinySpec();
    spec.pretrainEpochs = 3;
    auto message = errorWith(spec);
    EXPECT_TRUE(contains(message, "experiment.json has changed since these were made:")) << message;
    EXPECT_TRUE(contains(message, "models/ae-pretrained.pt:\n    autoencoder.pretrain_epochs: was 2, now 3"))
        << message;
    EXPECT_TRUE(contains(message, "models/ae-b.pt:")) << "fine-tuned from the stale one: " << message;
    EXPECT_TRUE(contains(message, "--discard-stale")) << message;
    EXPECT_EQ(experiment::staleStages(folder).size(), 3u);

    spec = tinySpec();
    spec.classifiers[1].architecture = "grey+vgg-s";
    message = errorWith(spec);
    EXPECT_TRUE(
        contains(message, "models/b.nsm:\n    architecture: was \"grey+resnet-s\", now \"grey+vgg-s\""))
        << message;
    EXPECT_TRUE(contains(message, "models/ae-b.pt:\n    its classifier b is to be trained again")) << message;
    EXPECT_FALSE(contains(message, "ae-a.pt")) << message;

    // Nothing was touched; set back, the run only measures again.
    EXPECT_EQ(readAll(dir.path() / "models" / "ae-pretrained.pt"), pretrained);
    EXPECT_EQ(readAll(dir.path() / "models" / "ae-b.pt"), finetuned);
    experiment::writeProbeSpec(tinySpec(), specFile);
    ProbeJob again;
    EXPECT_NO_THROW(experiment::runProbe(folder, again.context));

    // A new fine-tuning rate makes both fine-tuned AEs stale, not the pretrained one; discarding them and
    // running again redoes those two only.
    spec = tinySpec();
    spec.finetuneLearningRate = 1e-3;
    message = errorWith(spec);
    EXPECT_TRUE(
        contains(message, "models/ae-a.pt:\n    autoencoder.finetune_learning_rate: was 0.0002, now 0.001"))
        << message;
    EXPECT_FALSE(contains(message, "ae-pretrained.pt")) << message;
    const auto discarded = experiment::discardStaleStages(folder);
    ASSERT_EQ(discarded.size(), 2u);
    EXPECT_FALSE(fs::exists(dir.path() / "models" / "ae-a.pt"));
    ProbeJob redo;
    EXPECT_NO_THROW(experiment::runProbe(folder, redo.context));
    EXPECT_EQ(readAll(dir.path() / "models" / "ae-pretrained.pt"), pretrained);
    EXPECT_NE(readAll(dir.path() / "models" / "ae-b.pt"), finetuned);
    EXPECT_TRUE(experiment::staleStages(folder).empty());

    // The classifiers' epoch count is compared too (the training record keeps what was asked for).
    auto moreEpochs = spec;
    moreEpochs.classifierEpochs = 2;
    message = errorWith(moreEpochs);
    EXPECT_TRUE(contains(message, "models/a.nsm:\n    classifier_training.epochs: was 1, now 2")) << message;
    // A pretrained AE gone (to be trained again) makes the AEs fine-tuned from it stale.
    const auto pretrainedFile = dir.path() / "models" / "ae-pretrained.pt";
    fs::rename(pretrainedFile, dir.path() / "aside.pt");
    message = errorWith(spec);
    EXPECT_TRUE(contains(message, "models/ae-a.pt:\n    its pretrained autoencoder is gone")) << message;
    fs::rename(dir.path() / "aside.pt", pretrainedFile);

    // A classifier's model file replaced makes its fine-tuned autoencoder stale.
    fs::copy_file(dir.path() / "models" / "a.nsm", dir.path() / "models" / "b.nsm",
                  fs::copy_options::overwrite_existing);
    spec.classifiers[1].architecture = "resnet-s";
    message = errorWith(spec);
    EXPECT_TRUE(contains(message, "models/ae-b.pt:\n    model file of classifier b: was")) << message;
}

// An autoencoder made before NetSight recorded the settings of each stage is used as it is, with a warning
// that it cannot be checked.
TEST(ProbeRun, WarnsOfStagesFromBeforeRecipes) {
    test::TempDir dir;
    experiment::writeProbeSpec(tinySpec(), (dir.path() / "experiment.json").string());
    ProbeJob first;
    experiment::runProbe(dir.path().string(), first.context);
    const auto old = (dir.path() / "models" / "ae-a.pt").string();
    {
        std::string preset;
        auto autoencoder = probe::loadAutoencoder(old, &preset);
        probe::saveAutoencoder(autoencoder, preset, old,
                               experiment::Recipe());  // as an older version wrote it
    }
    auto spec = tinySpec();
    spec.finetuneEpochs = 3;
    experiment::writeProbeSpec(spec, (dir.path() / "experiment.json").string());
    ProbeJob again;
    const auto message =
        test::errorOf<std::runtime_error>([&] { experiment::runProbe(dir.path().string(), again.context); });
    EXPECT_EQ(message.find("ae-a.pt:"), std::string::npos) << "unchecked, not stale: " << message;
    EXPECT_NE(message.find("ae-b.pt:"), std::string::npos) << message;
    bool warned = false;
    for (const auto& event : again.sink.drain())
        if (const auto* log = std::get_if<runtime::LogEvent>(&event))
            warned |= log->level == runtime::LogLevel::Warning && log->text.rfind(old, 0) == 0 &&
                      log->text.find("unchecked against experiment.json") != std::string::npos;
    EXPECT_TRUE(warned);
}

}  // namespace
