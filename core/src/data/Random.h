#pragma once

#include <cstdint>

namespace netsight::data {

/// SplitMix64: a tiny generator whose streams are the same on every platform and standard library
/// (std::uniform_real_distribution is not), which FactorWorld's determinism relies on.
class Random {
  public:
    explicit Random(std::uint64_t seed) : state_(seed) {}

    std::uint64_t next() {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
    double uniform(double low, double high) { return low + (high - low) * uniform(); }

  private:
    std::uint64_t state_;
};

/// Combines values into one well-mixed seed.
inline std::uint64_t mixSeed(std::uint64_t a, std::uint64_t b, std::uint64_t c = 0) {
    Random random(a * 0x9E3779B97F4A7C15ull ^ (b + 0x632BE59BD9B4E019ull) ^ (c * 0xD1B54A32D192ED03ull));
    random.next();
    return random.next();
}

}  // namespace netsight::data
