#pragma once

// Special functions the estimators need, in double precision.
namespace netsight::info {

/// Φ⁻¹(p), the standard normal quantile, for p in (0, 1); relative error below 1e-14.
double normalQuantile(double p);
/// ψ(x), the digamma function, for x > 0.
double digamma(double x);

}  // namespace netsight::info
