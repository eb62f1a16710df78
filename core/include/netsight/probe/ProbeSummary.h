#pragma once

// What a signal probe measured: the transfer matrix, the order of the classifiers and the NMI medians.
#include <cstddef>
#include <string>
#include <vector>

#include "netsight/probe/Order.h"
#include "netsight/probe/Uncertainty.h"

namespace netsight::probe {

/// How much the pretrained autoencoder keeps: the base every fine-tuned AE starts from.
struct AutoencoderQuality {
    bool measured = false;  ///< false for results of a NetSight from before it was measured
    double psnr = 0;        ///< on the test images, dB
    double ssim = 0;        ///< mean SSIM on the test images
    std::vector<double>
        accuracyRatio;           ///< per classifier: accuracy on its reconstructions / on the originals
    double validationPsnr = -1;  ///< what pretraining measured last (-1: not recorded)
    int epochs = 0;              ///< pretraining epochs run (0: not recorded)
    std::string stopped;         ///< "target", "plateau", "ceiling" or "" (not recorded)
};

/// Below this share of a classifier's accuracy kept by the pretrained AE, the results are hard to read.
constexpr double kPretrainedRatioFloor = 0.9;

struct ProbeSummary {
    std::vector<std::string> classifiers;       ///< column names
    std::vector<std::string> rows;              ///< "original", "pretrained", then one per classifier
    std::vector<std::vector<double>> accuracy;  ///< rows x classifiers: the transfer matrix A (replica means)
    std::vector<std::vector<double>> relative;  ///< A / A_original
    ClassifierOrder order;                      ///< over the fine-tuned rows
    double tauAccuracy = 0;                     ///< Kendall tau of the order's scores with accuracy
    double tauParameters = 0;                   ///< ... and with parameter count
    std::vector<double> parameterCounts;
    /// Per classifier, the input it was fed, "3x224x224 mean 0.485,0.456,0.406 std 0.229,0.224,0.225": the
    /// data's images and every reconstruction were brought to it (see Classifier::prepare). Empty in results
    /// of a NetSight from before per-classifier inputs.
    std::vector<std::string> inputs;
    std::string dataShape;               ///< the data's (and the autoencoder's) image shape, "3x64x64"
    std::vector<double> nmiIntraMedian;  ///< per AE row (pretrained, then one per classifier)
    std::vector<double> nmiInterMedian;
    std::size_t gridImages = 0;  ///< rows of the reconstruction grid
    /// Intervals of every number above and the tests of the order's relations (images == 0 for results
    /// of a NetSight from before intervals).
    ProbeUncertainty uncertainty;
    AutoencoderQuality pretrainedQuality;
    std::string reportPath;
};

/// A warning in plain words when the pretrained autoencoder keeps less than kPretrainedRatioFloor of some
/// classifier's accuracy (what it means for reading the matrix and the order, and what to do), or "" when
/// it keeps enough or was not measured. The CLI, the report and the GUI show it before the matrix.
std::string pretrainedQualityWarning(const ProbeSummary& summary);
/// "pretrained AE: 27.4 dB PSNR, SSIM 0.93 on 400 test images; keeps 0.95-0.99 of the classifiers' accuracy".
std::string pretrainedQualityLine(const ProbeSummary& summary);
/// The order's verdict in one plain sentence, the same in the CLI, the report and the Order view: an
/// established order only when every relation is significant; otherwise what the estimates rank and that
/// the order is not established (with how many relations are undecided), or the cycles.
std::string orderVerdict(const ProbeSummary& summary);
/// Whether the order is established: no cycle among the estimates, intervals measured, every relation
/// significant.
bool orderEstablished(const ProbeSummary& summary);

}  // namespace netsight::probe
