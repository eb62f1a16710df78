#pragma once

// What a signal probe measured: the transfer matrix, the order of the classifiers and the NMI medians.
#include <cstddef>
#include <string>
#include <vector>

#include "netsight/probe/Order.h"
#include "netsight/probe/Uncertainty.h"

namespace netsight::probe {

struct ProbeSummary {
    std::vector<std::string> classifiers;       ///< column names
    std::vector<std::string> rows;              ///< "original", "pretrained", then one per classifier
    std::vector<std::vector<double>> accuracy;  ///< rows x classifiers: the transfer matrix A (replica means)
    std::vector<std::vector<double>> relative;  ///< A / A_original
    ClassifierOrder order;                      ///< over the fine-tuned rows
    double tauAccuracy = 0;                     ///< Kendall tau of the order's scores with accuracy
    double tauParameters = 0;                   ///< ... and with parameter count
    std::vector<double> parameterCounts;
    std::vector<double> nmiIntraMedian;  ///< per AE row (pretrained, then one per classifier)
    std::vector<double> nmiInterMedian;
    std::size_t gridImages = 0;  ///< rows of the reconstruction grid
    /// Intervals of every number above and the tests of the order's relations (images == 0 for results
    /// of a NetSight from before intervals).
    ProbeUncertainty uncertainty;
    std::string reportPath;
};

}  // namespace netsight::probe
