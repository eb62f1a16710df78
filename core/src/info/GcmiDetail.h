#pragma once

// What the scalar and the per-unit Gaussian-copula estimators share (Gcmi.cpp defines it; GcmiUnits.cpp
// uses it). Internal to core.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <exception>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "netsight/info/Gcmi.h"

namespace netsight::info::detail {

inline const double kLn2 = std::log(2.0);

std::string str(std::size_t n);
/// The analytic bias correction of a d-dimensional Gaussian entropy from n samples, in nats (added).
double entropyBias(std::size_t d, std::size_t n);
/// Throws InfoError unless n >= dims + 2.
void requireSamples(std::size_t n, std::size_t dims, const std::string& what);
/// Φ⁻¹((r + 1) / (n + 1)) for r = 0..n-1, kept for the last n asked for.
std::shared_ptr<const std::vector<double>> copulaTable(std::size_t n);
/// A fixed pseudo-random order of the samples: ties are broken by position in it. Kept for the last
/// (n, seed) asked for.
std::shared_ptr<const std::vector<std::uint32_t>> tieOrder(std::size_t n, std::uint64_t seed);
/// Samples of each class; throws for labels out of range or classes too small for `dims`.
std::vector<std::vector<std::size_t>> classMembers(const std::vector<int>& labels, std::size_t samples,
                                                   std::size_t dims, const std::string& what);
/// Lower Cholesky factor of a d×d covariance (row-major); throws InfoError naming `what` when singular.
std::vector<double> choleskyOf(const std::vector<double>& covariance, std::size_t d, const std::string& what);
/// |L⁻¹ c|² by forward substitution (d ≤ 64).
double mahalanobis(const std::vector<double>& l, const double* c, std::size_t d);

/// A variable centred over all samples or a subset, with its covariance.
struct Centred {
    std::size_t d = 0, n = 0;
    std::vector<double> values;  // by variable
    std::vector<double> covariance;
};
Centred centre(const Variables& v, const std::vector<std::size_t>* subset = nullptr);

// Runs body(begin, end) over [0, n) on every core, in chunks of `grain` items handed out as threads ask
// for them (a core that a busy machine slows down takes fewer). The first exception a chunk throws stops
// the handing out and is rethrown here, after every thread has been joined.
template <typename Body>
void parallelFor(std::size_t n, std::size_t grain, const Body& body) {
    grain = std::max<std::size_t>(grain, 1);
    const std::size_t chunks = (n + grain - 1) / grain;
    const std::size_t workers =
        std::min<std::size_t>(std::max(1u, std::thread::hardware_concurrency()), chunks);
    if (workers <= 1) {
        if (n > 0) body(std::size_t{0}, n);
        return;
    }
    std::atomic<std::size_t> next{0};
    std::atomic<bool> failed{false};
    std::vector<std::exception_ptr> errors(workers);
    auto run = [&](std::size_t worker) {
        try {
            for (std::size_t c = next++; c < chunks && !failed; c = next++)
                body(c * grain, std::min(n, (c + 1) * grain));
        } catch (...) {
            errors[worker] = std::current_exception();
            failed = true;
        }
    };
    std::vector<std::thread> threads;
    try {
        for (std::size_t w = 1; w < workers; ++w)
            threads.emplace_back(run, w);
    } catch (...) {  // no more threads to be had: the ones running and this one share the chunks
    }
    run(0);
    for (auto& thread : threads)
        thread.join();
    for (const auto& error : errors)
        if (error) std::rethrow_exception(error);
}

}  // namespace netsight::info::detail
