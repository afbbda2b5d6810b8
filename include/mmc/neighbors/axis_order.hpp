// mmc/neighbors/axis_order.hpp — one column of data sorted once: the sorted
// values, the original index at each sorted position and each sample's rank.
// The 1-D searches (SortedLine), the rank-bin grid (Grid2D) and the KSG 1 + 1
// path all start from it.
//
// Order: by (value, original index). The pairs are distinct, so the order is
// unique: it never depends on how the sort is split between threads.
//
// Algorithm: fixed blocks of (value, index) pairs sorted in parallel, then
// merged pairwise (sorting the pairs in place is much faster than sorting an
// index array through an indirect comparator: no scattered reads). A sample
// sort (splitters from a sample, parallel classification and scatter, buckets
// sorted in cache) was tried: its classification alone cost two thirds of a
// whole std::sort at N = 10^6, so it was no faster on one core.
#pragma once

#include <algorithm>
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

}  // namespace detail

/// Sorts the n values data[i * stride] (see the file comment). `threads`
/// (0 = all cores) runs every step in parallel; the result never depends on it.
template <class T>
AxisOrder<T> sort_axis(const T* data, Index n, Index stride = 1, int threads = 1) {
  using Pair = detail::SortPair<T>;
  using detail::kSortGrain;
  const auto size = static_cast<std::size_t>(n);
  LargeVector<Pair> sorted(size);
  parallel_for(n, threads, kSortGrain, [&](Index first, Index last) {
    for (Index i = first; i < last; ++i) sorted[static_cast<std::size_t>(i)] = {data[i * stride], i};
  });
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
  AxisOrder<T> axis;
  axis.values.resize(size);
  axis.order.resize(size);
  axis.rank.resize(size);
  parallel_for(n, threads, kSortGrain, [&](Index first, Index last) {
    for (Index p = first; p < last; ++p) {
      const auto [value, original] = sorted[static_cast<std::size_t>(p)];
      axis.values[static_cast<std::size_t>(p)] = value;
      axis.order[static_cast<std::size_t>(p)] = original;
      axis.rank[static_cast<std::size_t>(original)] = p;
    }
  });
  return axis;
}

}  // namespace mmc::neighbors
