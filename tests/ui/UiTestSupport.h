#pragma once

#include <QString>
#include <QTemporaryDir>

#include "netsight/experiment/ProbeSpec.h"

namespace netsight::test {

/// A probe small enough to run in seconds: 16 px FactorWorld, two classifiers, the tiny AE.
inline experiment::ProbeSpec tinyProbeSpec() {
    experiment::ProbeSpec spec;
    spec.data = "factorworld:classes=3,size=16,train=300,val=60,test=60";
    spec.classifiers = {{"plain", "resnet-s", ""}, {"grey", "grey+resnet-s", ""}};
    spec.classifierEpochs = 1;
    spec.autoencoder = "segnet-tiny";
    spec.pretrainEpochs = 2;
    spec.finetuneEpochs = 2;
    spec.testImages = 60;
    spec.gridImages = 4;
    return spec;
}

/// A temporary folder holding experiment.json of `spec`.
inline QString writeExperiment(const QTemporaryDir& dir, const experiment::ProbeSpec& spec) {
    experiment::writeProbeSpec(spec, (dir.path() + "/experiment.json").toStdString());
    return dir.path();
}

}  // namespace netsight::test
