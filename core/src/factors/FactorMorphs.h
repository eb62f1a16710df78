#pragma once

// The factor lab's two analyses that render stimuli of their own (internal to core): generalization
// gradients along morphs of each identity, and reverse correlation's classification images.
#include "factors/FactorStimuli.h"
#include "netsight/factors/FactorLab.h"

namespace netsight::factors::detail {

/// Generalization gradients: morph each identity away in one intrinsic group (shape, texture, colour) and
/// follow the probability of the original identity; appends one curve per group to report.morphs.
void generalizationGradients(models::Classifier& model, const World& w, int classes,
                             const FactorOptions& options, FactorReport& report,
                             const runtime::JobContext& job);

/// Reverse correlation: noise that drives each identity's logit margin, as a classification image;
/// appends one per identity mapped to report.classificationImages.
void reverseCorrelation(models::Classifier& model, const World& w, int classes, const FactorOptions& options,
                        FactorReport& report, const runtime::JobContext& job);

}  // namespace netsight::factors::detail
