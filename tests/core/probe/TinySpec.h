#pragma once

#include "netsight/experiment/ProbeSpec.h"

namespace netsight::test {

/// A tiny probe experiment for the tests that run the pipeline: 3 FactorWorld classes at 16 px, two
/// classifiers of one architecture (one luminance-only), segnet-tiny, a few epochs.
inline experiment::ProbeSpec tinySpec() {
    experiment::ProbeSpec spec;
    spec.data = "factorworld:classes=3,size=16,train=300,val=60,test=60";
    spec.classifiers = {{"a", "resnet-s", ""}, {"b", "grey+resnet-s", ""}};
    spec.classifierEpochs = 1;
    spec.autoencoder = "segnet-tiny";
    spec.pretrainEpochs = 2;
    spec.finetuneEpochs = 2;
    spec.testImages = 60;
    return spec;
}

}  // namespace netsight::test
