// mmc/neighbors/axis_order.hpp — one column of data sorted once: the sorted
// values, the original index at each sorted position and each sample's rank.
// The 1-D searches (SortedLine), the rank-bin grid (Grid2D) and the KSG 1 + 1
// path all start from it.
//
// Order: by (value, original index). The pairs are distinct, so the order is
// unique: it never depends on how the sort is split between threads.
//
// Algorithm, for float and double: a stable least-significant-digit radix
// sort of (key, index) pairs, 11 bits per pass, where the key is the value's
// bit pattern mapped to an unsigned integer of the same order (sign bit
// flipped for positive values, all bits flipped for negative ones; -0 is
// keyed as +0 because the two compare equal). Pairs start in index order and
// every pass is stable, so equal values end in index order: exactly the
// (value, index) order. Digits that are the same in every key are skipped,
// and only the 3 most significant varying digits get a pass: keys that agree
// on those are left in runs, in index order, which a final scan sorts by full
// key (stably). Continuous doubles then take 3 passes instead of 6 (or 8 of
// one byte): 1.35-1.6x faster at N = 10^6 and 10^7 than 8 byte passes. Each
// pass counts its digit per fixed chunk and scatters the chunks in parallel
// to offsets computed bucket by bucket, chunk by chunk (so the result is the
// stable order whatever the thread count). At N = 10^6 this is
// several times faster than std::sort on the pairs (bench_ksg's sort phase),
// and it scales with cores, where a sort-then-merge keeps a serial final merge.
// Other value types fall back to a comparison sort of the pairs: fixed blocks
// sorted in parallel, then merged pairwise. (A sample sort was also tried: its
// classification alone cost two thirds of a whole std::sort at N = 10^6.)
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "mmc/core/large_vector.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"

namespace mmc::neighbors {

/// A non-owning view of one column sorted by (value, original index) — what
/// Grid2D and the KSG 1 + 1 path read of an AxisOrder.
template <class T>
struct AxisView {
  const T* values = nullptr;     // the n values in sorted order
  const Index* order = nullptr;  // sorted position -> original index
  const Index* rank = nullptr;   // original index -> sorted position
  Index n = 0;
};

/// One column sorted by (value, original index).
template <class T>
struct AxisOrder {
  LargeVector<T> values;
  LargeVector<Index> order;
  LargeVector<Index> rank;

  AxisView<T> view() const noexcept {
    return {values.data(), order.data(), rank.data(), static_cast<Index>(values.size())};
  }
};

/// True when some value occurs twice in the sorted column (equal values are
/// adjacent there). Without repeats no two samples share that coordinate.
template <class T>
bool has_repeated_value(AxisView<T> axis) noexcept {
  // Chunks of 256 neighbours compared without a branch (the loop vectorises),
  // the early exit between chunks: 10^6 values 0.33 -> 0.23 ms.
  constexpr Index kChunk = 256;
  for (Index first = 1; first < axis.n; first += kChunk) {
    const Index last = std::min(axis.n, first + kChunk);
    Index repeats = 0;
    for (Index p = first; p < last; ++p) repeats += axis.values[p - 1] == axis.values[p];
    if (repeats > 0) return true;
  }
  return false;
}

namespace detail {

/// Grain of the element-wise loops of sort_axis: fixed, so results never
/// depend on the thread count.
inline constexpr Index kSortGrain = Index{1} << 16;

template <class T>
struct SortPair {
  T value;
  Index index;
  bool operator<(const SortPair& other) const noexcept {
    return value < other.value || (value == other.value && index < other.index);
  }
};

/// Unsigned integer with the bits of a float or double.
template <class T>
using RadixKey = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;

template <class T>
inline constexpr bool kRadixSortable =
    std::is_floating_point_v<T> && std::numeric_limits<T>::is_iec559 && (sizeof(T) == 4 || sizeof(T) == 8);

/// The sign bit of a radix key.
template <class Key>
inline constexpr Key kRadixSign = Key{1} << (8 * sizeof(Key) - 1);

/// Order-preserving map of a value to its radix key: a < b  <=>  key(a) < key(b)
/// for non-NaN values, and key(-0) = key(+0).
template <class T>
RadixKey<T> radix_key(T value) noexcept {
  using Key = RadixKey<T>;
  constexpr Key kSign = kRadixSign<Key>;
  const Key bits = std::bit_cast<Key>(value == T(0) ? T(0) : value);
  return (bits & kSign) ? Key(~bits) : Key(bits | kSign);
}

/// Inverse of radix_key (it returns +0 for either zero).
template <class T>
T radix_value(RadixKey<T> key) noexcept {
  using Key = RadixKey<T>;
  constexpr Key kSign = kRadixSign<Key>;
  return std::bit_cast<T>((key & kSign) ? Key(key & ~kSign) : Key(~key));
}

template <class Key>
struct RadixPair {
  Key key;
  Index index;
};

/// Radix digits: 11 bits (2048 buckets; the bucket counts of one chunk fit in
/// L1, the scatter's 2048 write streams in L2), so a 64-bit key has 6 digits
/// (the top one 9 bits wide) and a 32-bit key 3.
inline constexpr int kRadixDigitBits = 11;
inline constexpr std::size_t kRadixBuckets = std::size_t{1} << kRadixDigitBits;
/// At most this many LSD passes: on the most significant digits that vary.
/// Keys that agree on all of those (runs, in index order after the stable
/// passes) are then put in (key, index) order by sort_equal_prefix_runs. For
/// doubles, 3 digits cover the sign, the exponent and the top 19 mantissa
/// bits: standard normal draws leave 19 % of the keys in such runs at
/// N = 10^6 (runs of at most 5) and 80 % at 10^7 (at most 16), which an
/// insertion sort finishes in one read; measured at both sizes, as fast as a
/// 4th pass or faster.
inline constexpr int kMaxRadixPasses = 3;

/// Sorts, by full key and stably, every run of consecutive pairs whose keys
/// agree on the bits of `prefix_mask`. Runs are assigned to the chunk in which
/// they start (a run may extend past its chunk's end), so the result never
/// depends on the thread count.
template <class Key>
void sort_equal_prefix_runs(LargeVector<RadixPair<Key>>& pairs, Key prefix_mask, int threads) {
  const auto n = static_cast<Index>(pairs.size());
  const auto prefix = [&](Index i) { return pairs[static_cast<std::size_t>(i)].key & prefix_mask; };
  const auto by_key = [](const RadixPair<Key>& a, const RadixPair<Key>& b) { return a.key < b.key; };
  constexpr Index kInsertionSortRun = 16;  // shorter runs: no stable_sort call (and its buffer)
  parallel_for(block_count(n, kSortGrain), threads, 1, [&](Index first, Index last) {
    for (Index c = first; c < last; ++c) {
      const Index begin = c * kSortGrain, end = std::min(begin + kSortGrain, n);
      Index i = begin;
      while (i > 0 && i < end && prefix(i) == prefix(i - 1)) ++i;  // that run is the previous chunk's
      while (i < end) {
        const Key run_prefix = prefix(i);
        Index j = i + 1;
        while (j < n && prefix(j) == run_prefix) ++j;
        const auto run = pairs.begin() + i;
        if (j - i > kInsertionSortRun) {
          std::stable_sort(run, run + (j - i), by_key);  // stable: equal keys stay in index order
        } else {
          for (Index a = 1; a < j - i; ++a) {  // insertion sort, as stable: moves past larger keys only
            const RadixPair<Key> pair = run[a];
            Index b = a;
            for (; b > 0 && pair.key < run[b - 1].key; --b) run[b] = run[b - 1];
            run[b] = pair;
          }
        }
        i = j;
      }
    }
  });
}

/// Stable LSD radix sort of `pairs` by key (kRadixDigitBits per pass), using
/// `spare` (same size) as the other buffer; returns whichever of the two holds
/// the result. See the file comment.
template <class Key>
LargeVector<RadixPair<Key>>& radix_sort_pairs(LargeVector<RadixPair<Key>>& pairs,
                                              LargeVector<RadixPair<Key>>& spare, int threads) {
  constexpr int kDigits = (8 * static_cast<int>(sizeof(Key)) + kRadixDigitBits - 1) / kRadixDigitBits;
  using Counts = std::array<Index, kRadixBuckets>;
  const auto n = static_cast<Index>(pairs.size());
  const Index chunks = block_count(n, kSortGrain);
  const auto chunk_begin = [&](Index c) { return std::min(c * kSortGrain, n); };
  const auto digit_of = [](Key key, int d) {
    return static_cast<std::size_t>((key >> (kRadixDigitBits * d)) & Key(kRadixBuckets - 1));
  };

  // One read of all keys: per chunk, the counts of every digit. The totals
  // tell which digits vary; the counts of the first pass are exact.
  std::vector<std::array<Counts, kDigits>> chunk_counts(static_cast<std::size_t>(chunks));
  parallel_for(chunks, threads, 1, [&](Index first, Index last) {
    for (Index c = first; c < last; ++c) {
      auto& counts = chunk_counts[static_cast<std::size_t>(c)];
      for (auto& digit_counts : counts) digit_counts.fill(0);
      for (Index i = chunk_begin(c); i < chunk_begin(c + 1); ++i) {
        const Key key = pairs[static_cast<std::size_t>(i)].key;
        for (int d = 0; d < kDigits; ++d) ++counts[static_cast<std::size_t>(d)][digit_of(key, d)];
      }
    }
  });
  std::array<bool, kDigits> needed{};
  int passes = 0, lowest_sorted = 0;
  bool unsorted_below = false;  // a varying digit below the passes' digits
  for (int d = kDigits - 1; d >= 0; --d) {  // most significant first: keep the top kMaxRadixPasses
    Counts total{};
    for (const auto& counts : chunk_counts)
      for (std::size_t v = 0; v < kRadixBuckets; ++v) total[v] += counts[static_cast<std::size_t>(d)][v];
    if (std::any_of(total.begin(), total.end(), [&](Index t) { return t == n; })) continue;  // constant
    if (passes == kMaxRadixPasses) {
      unsorted_below = true;
      break;
    }
    ++passes;
    needed[static_cast<std::size_t>(d)] = true;
    lowest_sorted = d;
  }
  // The bits the passes order by (and every constant bit between them).
  const Key prefix_mask = unsorted_below ? Key(~Key(0) << (kRadixDigitBits * lowest_sorted)) : ~Key(0);

  auto* source = &pairs;
  auto* target = &spare;
  std::vector<Counts> offsets(static_cast<std::size_t>(chunks));
  bool first_pass = true;
  for (int d = 0; d < kDigits; ++d) {
    if (!needed[static_cast<std::size_t>(d)]) continue;
    if (!first_pass) {  // the counts of this digit in the current order, per chunk
      parallel_for(chunks, threads, 1, [&](Index first, Index last) {
        for (Index c = first; c < last; ++c) {
          Counts& counts = chunk_counts[static_cast<std::size_t>(c)][static_cast<std::size_t>(d)];
          counts.fill(0);
          for (Index i = chunk_begin(c); i < chunk_begin(c + 1); ++i)
            ++counts[digit_of((*source)[static_cast<std::size_t>(i)].key, d)];
        }
      });
    }
    first_pass = false;
    Index running = 0;  // bucket-major, chunk-minor: the stable order
    for (std::size_t v = 0; v < kRadixBuckets; ++v) {
      for (Index c = 0; c < chunks; ++c) {
        offsets[static_cast<std::size_t>(c)][v] = running;
        running += chunk_counts[static_cast<std::size_t>(c)][static_cast<std::size_t>(d)][v];
      }
    }
    parallel_for(chunks, threads, 1, [&](Index first, Index last) {
      for (Index c = first; c < last; ++c) {
        Counts& next = offsets[static_cast<std::size_t>(c)];
        for (Index i = chunk_begin(c); i < chunk_begin(c + 1); ++i) {
          const auto& pair = (*source)[static_cast<std::size_t>(i)];
          (*target)[static_cast<std::size_t>(next[digit_of(pair.key, d)]++)] = pair;
        }
      }
    });
    std::swap(source, target);
  }
  if (unsorted_below) sort_equal_prefix_runs(*source, prefix_mask, threads);
  return *source;
}

/// Pairs {key_of(data[i * stride]), i} in index order, the input of both sorts.
template <class Pair, class KeyOf, class T>
LargeVector<Pair> index_ordered_pairs(const T* data, Index n, Index stride, int threads, KeyOf key_of) {
  LargeVector<Pair> pairs(static_cast<std::size_t>(n));
  parallel_for(n, threads, kSortGrain, [&](Index first, Index last) {
    for (Index i = first; i < last; ++i) pairs[static_cast<std::size_t>(i)] = {key_of(data[i * stride]), i};
  });
  return pairs;
}

/// The AxisOrder of pairs sorted by (value, index); value_of(pair) is the value.
template <class T, class Pair, class ValueOf>
AxisOrder<T> axis_of_sorted_pairs(const LargeVector<Pair>& sorted, int threads, ValueOf value_of) {
  const auto n = static_cast<Index>(sorted.size());
  AxisOrder<T> axis;
  axis.values.resize(sorted.size());
  axis.order.resize(sorted.size());
  axis.rank.resize(sorted.size());
  parallel_for(n, threads, kSortGrain, [&](Index first, Index last) {
    for (Index p = first; p < last; ++p) {
      const Pair& pair = sorted[static_cast<std::size_t>(p)];
      axis.values[static_cast<std::size_t>(p)] = value_of(pair);
      axis.order[static_cast<std::size_t>(p)] = pair.index;
      axis.rank[static_cast<std::size_t>(pair.index)] = p;
    }
  });
  return axis;
}

/// The comparison-sort path of sort_axis, for value types without a radix key.
template <class T>
AxisOrder<T> comparison_sort_axis(const T* data, Index n, Index stride, int threads) {
  using Pair = SortPair<T>;
  LargeVector<Pair> sorted = index_ordered_pairs<Pair>(data, n, stride, threads, [](T v) { return v; });
  const Index blocks = std::clamp<Index>(n / kSortGrain, 1, 16);
  const auto bound = [&](Index b) { return sorted.begin() + std::min(b, blocks) * n / blocks; };
  parallel_for(blocks, threads, 1, [&](Index first, Index last) {
    for (Index b = first; b < last; ++b) std::sort(bound(b), bound(b + 1));
  });
  for (Index width = 1; width < blocks; width *= 2) {
    parallel_for((blocks + 2 * width - 1) / (2 * width), threads, 1, [&](Index first, Index last) {
      for (Index t = first; t < last; ++t)
        std::inplace_merge(bound(2 * width * t), bound(2 * width * t + width), bound(2 * width * t + 2 * width));
    });
  }
  return axis_of_sorted_pairs<T>(sorted, threads, [](const Pair& pair) { return pair.value; });
}

}  // namespace detail

/// Sorts the n values data[i * stride] (see the file comment). `threads`
/// (0 = all cores) runs every step in parallel; the result never depends on it.
template <class T>
AxisOrder<T> sort_axis(const T* data, Index n, Index stride = 1, int threads = 1) {
  if constexpr (detail::kRadixSortable<T>) {
    using Pair = detail::RadixPair<detail::RadixKey<T>>;
    LargeVector<Pair> pairs = detail::index_ordered_pairs<Pair>(data, n, stride, threads, detail::radix_key<T>);
    LargeVector<Pair> spare(pairs.size());
    return detail::axis_of_sorted_pairs<T>(detail::radix_sort_pairs(pairs, spare, threads), threads,
                                           [](const Pair& pair) { return detail::radix_value<T>(pair.key); });
  } else {
    return detail::comparison_sort_axis(data, n, stride, threads);
  }
}

}  // namespace mmc::neighbors
