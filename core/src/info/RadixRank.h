#pragma once

// Ranks by radix sort: what the copula normalisation of floats (units of a layer) and of doubles (factors)
// share. Internal to core.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <type_traits>
#include <vector>

namespace netsight::info::detail {

// Ranks of floats or doubles, starting from a given tie order (equal values keep it). Stable LSD radix
// passes of 11 bits order the samples by the top bits of their keys (22 for floats: relative bins of
// 2^-13; 33 for doubles: 2^-21); an insertion sort then orders the runs that share those bits by the
// whole key, which takes few moves for data of any spread. Should it need many (many distinct values
// within one bin), radix passes over the low bits and again the top ones finish the job instead: the
// insertion sort only moves a value past greater ones, so equal values are still in tie order.
template <typename Value>
class RadixRanker {
    static_assert(std::is_same_v<Value, float> || std::is_same_v<Value, double>);

  public:
    using Key = std::conditional_t<std::is_same_v<Value, float>, std::uint32_t, std::uint64_t>;

    explicit RadixRanker(std::size_t n) {
        for (int b = 0; b < 2; ++b) {  // left uninitialised: rank() writes before it reads
            keys_[b].reset(new Key[n]);
            index_[b].reset(new std::uint32_t[n]);
        }
    }

    // Order-preserving unsigned key of a value (-0 and +0 are one value).
    static Key key(Value value) {
        if (value == Value(0)) value = Value(0);
        Key bits;
        std::memcpy(&bits, &value, sizeof bits);
        return (bits >> (kBits - 1)) ? ~bits : (bits | (Key(1) << (kBits - 1)));
    }

    // Writes table[rank of sample i] to out[i] (out may alias x), with samples taken in the tie order
    // `order` (a permutation of 0..n-1). Returns false, writing nothing, if every value is equal.
    template <typename Out>
    bool rank(const Value* x, std::size_t n, const std::uint32_t* order, const Out* table, Out* out) {
        Key lowest = ~Key(0), highest = 0;
        Key* keys = keys_[0].get();
        std::uint32_t* index = index_[0].get();
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint32_t s = order[k];
            const Key kv = key(x[s]);
            keys[k] = kv;
            index[k] = s;
            lowest = std::min(lowest, kv);
            highest = std::max(highest, kv);
        }
        if (lowest == highest) return false;
        from_ = 0;
        topPasses(n);
        if (!insertionSort(n, 8 * n)) {
            for (int shift = 0; shift < kPrefixShift; shift += 11)
                pass(n, shift, std::min(11, kPrefixShift - shift));
            topPasses(n);
        }
        const std::uint32_t* position = index_[from_].get();
        for (std::size_t r = 0; r < n; ++r)
            out[position[r]] = table[r];
        return true;
    }

    // Whether the last rank() needed the full sort (for tests).
    bool usedFullSort() const { return fullSort_; }

  private:
    static constexpr int kBits = 8 * sizeof(Key);
    static constexpr int kPrefixShift = std::is_same_v<Value, float> ? 10 : 31;  // 22 or 33 top bits

    void topPasses(std::size_t n) {
        for (int shift = kPrefixShift; shift < kBits; shift += 11)
            pass(n, shift, 11);
    }

    // One stable counting pass on the digit of `width` bits at `shift`; skipped when every key has the
    // same digit.
    void pass(std::size_t n, int shift, int width) {
        const Key mask = (Key(1) << width) - 1;
        const Key* key = keys_[from_].get();
        const std::uint32_t* position = index_[from_].get();
        std::uint32_t count[2048] = {};
        for (std::size_t k = 0; k < n; ++k)
            ++count[(key[k] >> shift) & mask];
        if (count[(key[0] >> shift) & mask] == n) return;
        std::uint32_t total = 0;
        for (std::size_t d = 0; d <= mask; ++d) {
            const std::uint32_t here = count[d];
            count[d] = total;
            total += here;
        }
        const int to = 1 - from_;
        Key* keyOut = keys_[to].get();
        std::uint32_t* positionOut = index_[to].get();
        for (std::size_t k = 0; k < n; ++k) {
            const std::uint32_t slot = count[(key[k] >> shift) & mask]++;
            keyOut[slot] = key[k];
            positionOut[slot] = position[k];
        }
        from_ = to;
    }

    // Stable insertion sort by the whole key; gives up (returns false) after `budget` moves.
    bool insertionSort(std::size_t n, std::size_t budget) {
        fullSort_ = false;
        Key* key = keys_[from_].get();
        std::uint32_t* position = index_[from_].get();
        std::size_t moves = 0;
        for (std::size_t i = 1; i < n; ++i) {
            const Key value = key[i];
            if (value >= key[i - 1]) continue;
            const std::uint32_t where = position[i];
            std::size_t j = i;
            for (; j > 0 && key[j - 1] > value; --j) {
                key[j] = key[j - 1];
                position[j] = position[j - 1];
            }
            key[j] = value;
            position[j] = where;
            moves += i - j;
            if (moves > budget) {
                fullSort_ = true;
                return false;
            }
        }
        return true;
    }

    std::unique_ptr<Key[]> keys_[2];
    std::unique_ptr<std::uint32_t[]> index_[2];
    int from_ = 0;
    bool fullSort_ = false;
};

}  // namespace netsight::info::detail
