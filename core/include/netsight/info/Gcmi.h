#pragma once

// Gaussian-copula mutual information (Ince et al. 2017, "A statistical framework for neuroimaging data
// analysis based on mutual information estimated via a gaussian copula"). Plain C++, no LibTorch: the
// CLI, the UI and the benchmarks call it directly. Every result is in bits.
//
// Copula normalisation replaces each variable by the standard-normal quantile of its rank,
// Φ⁻¹((rank + 1) / (N + 1)); the MI of the normalised variables under a Gaussian model is a lower bound
// of their true MI that is invariant to monotone transforms of either variable. Entropies come from the
// Cholesky log-determinant of the covariance with the analytic bias correction (DESIGN.md, "Factor lab").
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "netsight/runtime/UserError.h"

namespace netsight::info {

/// Bad input to an estimator: too few samples for the dimension, an empty class, a constant variable,
/// mismatched sizes, NaN. The message names the variable and says what to do.
class InfoError : public runtime::UserError {
  public:
    using runtime::UserError::UserError;
};

/// `dims` variables observed on `samples` samples, stored by variable: variable j is
/// values[j * samples .. (j + 1) * samples).
struct Variables {
    std::size_t samples = 0;
    std::size_t dims = 0;
    std::vector<double> values;
    std::string name = "x";  ///< used in error messages

    Variables() = default;
    Variables(std::size_t samples, std::size_t dims, std::string name = "x");
    /// One variable from a vector of observations.
    static Variables column(const std::vector<double>& values, std::string name = "x");
    double* variable(std::size_t j) { return values.data() + j * samples; }
    const double* variable(std::size_t j) const { return values.data() + j * samples; }
    /// The variables of `a` followed by those of `b` (same samples).
    static Variables join(const Variables& a, const Variables& b);
};

/// Copula normalisation of every variable. Ties are broken in a fixed pseudo-random order of the
/// samples (seeded), never by sample index, so that ties cannot borrow structure from how the samples
/// are ordered. Throws InfoError for a constant variable or a NaN.
Variables copulaNormalize(const Variables& x, std::uint64_t tieSeed = 0);

/// Entropy of a Gaussian with the sample covariance of `x` (bits), bias-corrected unless told not to.
double gaussianEntropy(const Variables& x, bool biasCorrect = true);

/// MI of x and y under a joint Gaussian model (no copula step): the parametric estimator.
double gaussianMi(const Variables& x, const Variables& y, bool biasCorrect = true);
/// I(x; y | z) under a joint Gaussian model.
double gaussianCmi(const Variables& x, const Variables& y, const Variables& z, bool biasCorrect = true);

/// GCMI between two continuous (uni- or multivariate) variables.
double gcmi(const Variables& x, const Variables& y);
/// GCMI between a continuous variable and a discrete one (labels 0..classes-1) by class-conditional
/// Gaussians: I = H(x) − Σ_c p(c) H(x | c).
double gcmiDiscrete(const Variables& x, const std::vector<int>& labels);
/// Conditional GCMI I(x; y | z), all continuous.
double gccmi(const Variables& x, const Variables& y, const Variables& z);
/// Conditional GCMI I(x; labels | z): x and z continuous, labels discrete.
double gccmiDiscrete(const Variables& x, const std::vector<int>& labels, const Variables& z);
/// MI between two discrete variables from their joint histogram (plug-in, with the Miller–Madow
/// correction), bits.
double discreteMi(const std::vector<int>& a, const std::vector<int>& b);

// ---- Vectorized over many units (a layer has thousands) ------------------------------------------------

/// Many univariate variables on the same samples, stored by unit (unit u is values[u * samples ...]),
/// after copula normalisation. Constant units (dead ReLUs) are kept, flagged, and get MI 0.
/// An allocator that leaves new elements uninitialized (they are all written right after): a layer's
/// units are megabytes, and zeroing them first would be a serial pass over them.
template <typename T>
struct UninitializedAllocator : std::allocator<T> {
    template <typename U>
    struct rebind {
        using other = UninitializedAllocator<U>;
    };
    UninitializedAllocator() = default;
    template <typename U>
    UninitializedAllocator(const UninitializedAllocator<U>&) {}
    template <typename U>
    void construct(U* p) noexcept {
        ::new (static_cast<void*>(p)) U;
    }
    template <typename U, typename... Args>
    void construct(U* p, Args&&... args) {
        ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
};

struct CopulaUnits {
    std::size_t samples = 0;
    std::size_t units = 0;
    std::vector<float, UninitializedAllocator<float>> values;
    std::vector<unsigned char> constant;  ///< 1 for a unit with a single value on every sample
    /// Σ and Σ² of the values of every non-constant unit: each holds the same `samples` values, permuted.
    double valueSum = 0, valueSquares = 0;
    std::size_t constantCount() const;
    const float* unit(std::size_t u) const { return values.data() + u * samples; }
};

/// Copula-normalises `units` variables observed on `samples` samples. `data` is sample-major
/// (data[s * units + u], as a batch of flattened activations comes) unless `unitMajor`. Uses every
/// core. Throws InfoError naming the unit for a NaN or infinity.
CopulaUnits copulaNormalizeUnits(const float* data, std::size_t samples, std::size_t units,
                                 bool unitMajor = false, std::uint64_t tieSeed = 0);

/// Per unit: GCMI between the unit and the continuous (uni- or multivariate) `y`, which must be copula
/// normalised already (copulaNormalize).
std::vector<double> gcmiPerUnit(const CopulaUnits& units, const Variables& yCopula);
/// Per unit: GCMI between the unit and discrete labels.
std::vector<double> gcmiPerUnitDiscrete(const CopulaUnits& units, const std::vector<int>& labels);
/// Per unit: conditional GCMI I(unit; labels | z), z copula normalised already.
std::vector<double> gccmiPerUnitDiscrete(const CopulaUnits& units, const std::vector<int>& labels,
                                         const Variables& zCopula);
/// Per unit: I(unit; labels) and I(unit; labels | z) from one read of the units, what gcmiPerUnitDiscrete
/// and gccmiPerUnitDiscrete give, for the cost of the second.
struct DiscreteUnitMi {
    std::vector<double> mi, conditional;
};
DiscreteUnitMi gcmiAndGccmiPerUnitDiscrete(const CopulaUnits& units, const std::vector<int>& labels,
                                           const Variables& zCopula);

}  // namespace netsight::info
