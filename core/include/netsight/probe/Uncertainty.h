#pragma once

// How sure the probe's numbers are (DESIGN.md, "Signal probe"; README, "How sure is the answer?"). Two
// sources of variation enter every interval: which test images were drawn (a bootstrap over the images)
// and which fine-tuning run made an autoencoder (replicas: the same fine-tuning from other seeds). Plain
// values, no LibTorch: the UI and the report read them.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace netsight::probe {

/// An estimate with its 95% interval.
struct Interval {
    double estimate = 0;
    double low = 0;
    double high = 0;
    double halfWidth() const { return (high - low) / 2; }
};

/// The per-image outcomes a probe measured, every autoencoder row with its replicas.
/// correct[row][replica][classifier][image] is 1 when the classifier got the image (or its
/// reconstruction) right; row 0 holds the originals and row 1 the pretrained AE (one replica each), rows 2..
/// the AE fine-tuned for each classifier. intra/inter[row - 1][replica][image] hold the NMI of each AE row.
struct ProbeMeasurements {
    std::vector<std::vector<std::vector<std::vector<std::uint8_t>>>> correct;
    std::vector<std::vector<std::vector<double>>> intra, inter;
    std::size_t images() const;
    std::size_t classifiers() const;
};

/// One pairwise relation of the order: classifier i above j when d = R[i][j] - R[j][i] > 0 (Palacio et al.).
struct RelationTest {
    int i = 0, j = 0;     ///< classifier indices, i < j; the relation's sign says which is above
    Interval difference;  ///< d with its 95% interval (both sources of variation)
    double degreesOfFreedom = 0;
    double pValue = 1;         ///< two-sided, of d = 0
    double adjustedP = 1;      ///< Holm's step-down over all pairs
    bool significant = false;  ///< adjustedP < alpha
    int replicasAgreeing = 0;  ///< replica pairs (k of i with k of j) whose d has the estimate's sign
    int replicas = 0;
    int above() const { return difference.estimate > 0 ? i : j; }
    int below() const { return difference.estimate > 0 ? j : i; }
    /// The difference as "above minus below" (positive estimate), with its interval turned the same way.
    Interval margin() const {
        return difference.estimate > 0 ? difference
                                       : Interval{-difference.estimate, -difference.high, -difference.low};
    }
};

struct ProbeUncertainty {
    int replicas = 1;  ///< fine-tuning replicas per classifier
    std::size_t images = 0;
    int bootstrap = 0;  ///< image resamples
    double alpha = 0.05;
    std::vector<std::vector<Interval>> accuracy, relative;  ///< rows x classifiers, replica means
    std::vector<std::vector<double>> accuracySpread;        ///< SD over replicas (0 with one replica)
    std::vector<Interval> nmiIntraMedian, nmiInterMedian;   ///< per AE row (pretrained, then fine-tuned)
    std::vector<double> nmiIntraSpread, nmiInterSpread;     ///< SD of the medians over replicas
    Interval tauAccuracy, tauParameters;                    ///< of the order's scores
    std::vector<RelationTest> relations;                    ///< every pair i < j
    bool total = false;  ///< every relation significant and the significant ones without a cycle
    /// Whether the relation between classifiers a and b (either order) was measured and is not significant:
    /// the cells R[a][b] and R[b][a] of the fine-tuned square are then undecided.
    bool undecidedBetween(int a, int b) const;
    /// Relations that are not significant, as "a ? b (p = 0.21, 2 of 3 replicas agree)".
    std::vector<std::string> undecided(const std::vector<std::string>& classifiers) const;
};

struct UncertaintyOptions {
    int bootstrap = 1000;
    std::uint64_t seed = 0;
    double alpha = 0.05;
};

/// The intervals and the relation tests of a probe's measurements. Each cell's interval is
/// estimate +- t(0.975, df) * sqrt(v_images + s^2_replicas / K): v_images is the bootstrap variance of the
/// replica mean over the test images, s^2 the variance between replicas, df by Welch-Satterthwaite (with one
/// replica only the images vary, df = N - 1). Kendall tau's interval is the percentile interval of a
/// bootstrap that resamples images and replicas. Throws std::invalid_argument for ragged measurements.
ProbeUncertainty estimateUncertainty(const ProbeMeasurements& measurements,
                                     const std::vector<double>& parameterCounts,
                                     const UncertaintyOptions& options = {});

/// estimate +- t * sqrt(imageVariance + replicaVariance / replicas), with df by Welch-Satterthwaite.
Interval twoSourceInterval(double estimate, double imageVariance, double replicaVariance, int replicas,
                           std::size_t images, double* degreesOfFreedom = nullptr);

/// Student's t distribution: the CDF and its inverse (df > 0; df beyond 1e7 is the normal).
double studentTCdf(double t, double degreesOfFreedom);
double studentTQuantile(double p, double degreesOfFreedom);

/// Holm's step-down adjustment of p-values (same order as given).
std::vector<double> holmAdjusted(const std::vector<double>& pValues);

}  // namespace netsight::probe
