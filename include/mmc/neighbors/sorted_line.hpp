// mmc/neighbors/sorted_line.hpp — the 1-D fast path: a sorted array with
// binary (and galloping) search for k-NN queries and radius counts.
//
// In one dimension every norm is |a - b|. Counting the points within r of a data
// point gallops outwards from that point's rank, so the cost is O(log count)
// rather than O(log n): KSG's marginal counts are usually small. Comparisons are
// made on the computed distance |q - v| itself (not on q - r < v, which rounds
// differently), so counts equal the brute-force oracle's exactly.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/neighbors/distance.hpp"
#include "mmc/neighbors/knn_list.hpp"

namespace mmc::neighbors {

template <class T = double>
class SortedLine {
 public:
  /// Copies n values read with stride `stride` from `data` (the first column of
  /// a row-major matrix with `stride` columns, or a plain array with stride 1).
  /// `threads` (0 = all cores) sorts in parallel; the result never depends on it.
  SortedLine(const T* data, Index n, Index stride = 1, int threads = 1) : n_(n) {
    // Sorting (value, index) pairs in place is much faster than sorting an
    // index array through an indirect comparator (no scattered reads). The
    // pairs are distinct, so the sorted order is unique: blocks fixed by n are
    // sorted in parallel and merged pairwise.
    std::vector<std::pair<T, Index>> sorted(static_cast<std::size_t>(n_));
    for (Index i = 0; i < n_; ++i) sorted[static_cast<std::size_t>(i)] = {data[i * stride], i};
    const Index blocks = std::clamp<Index>(n_ / 65536, 1, 16);
    const auto bound = [&](Index b) { return sorted.begin() + std::min(b, blocks) * n_ / blocks; };
    parallel_for(blocks, threads, 1, [&](Index first, Index last) {
      for (Index b = first; b < last; ++b) std::sort(bound(b), bound(b + 1));
    });
    for (Index width = 1; width < blocks; width *= 2) {
      parallel_for((blocks + 2 * width - 1) / (2 * width), threads, 1, [&](Index first, Index last) {
        for (Index t = first; t < last; ++t)
          std::inplace_merge(bound(2 * width * t), bound(2 * width * t + width),
                             bound(2 * width * t + 2 * width));
      });
    }
    values_.resize(static_cast<std::size_t>(n_));
    original_.resize(static_cast<std::size_t>(n_));
    rank_.resize(static_cast<std::size_t>(n_));
    original_values_.resize(static_cast<std::size_t>(n_));
    parallel_for(n_, threads, kFillGrain, [&](Index first, Index last) {
      for (Index p = first; p < last; ++p) {
        const auto& [value, original] = sorted[static_cast<std::size_t>(p)];
        values_[p] = value;
        original_[p] = original;
        rank_[original] = p;
        original_values_[p] = data[p * stride];
      }
    });
  }

  Index size() const noexcept { return n_; }
  Index dim() const noexcept { return 1; }
  /// The value of the point with original index i.
  const T* point(Index i) const noexcept { return &original_values_[i]; }
  /// Sorted position of the point with original index i.
  Index rank(Index i) const noexcept { return rank_[i]; }
  /// Original index of the point at sorted position p.
  Index original_index(Index position) const noexcept { return original_[position]; }

  /// k nearest values to *query, skipping original index `exclude` (-1: none),
  /// in (distance, index) order; returns the number written.
  Index knn(const T* query, Index k, Index exclude, T* distances, Index* indices) const noexcept {
    KnnList<T> list(k, distances, indices);
    if (k <= 0) return 0;
    const T q = *query;
    Index right = std::lower_bound(values_.begin(), values_.end(), q) - values_.begin();
    Index left = right - 1;
    for (;;) {
      const T dl = left >= 0 ? std::fabs(q - values_[left]) : std::numeric_limits<T>::infinity();
      const T dr = right < n_ ? std::fabs(q - values_[right]) : std::numeric_limits<T>::infinity();
      if (left < 0 && right >= n_) break;
      if (list.full() && dl > list.worst() && dr > list.worst()) break;
      if (dl <= dr) {
        if (original_[left] != exclude) list.offer(dl, original_[left]);
        --left;
      } else {
        if (original_[right] != exclude) list.offer(dr, original_[right]);
        ++right;
      }
    }
    return list.size();
  }

  /// Number of values at distance < r (strict) or <= r from *query.
  Index count_within(const T* query, T r, bool strict) const noexcept {
    const T q = *query;
    const auto mid = std::lower_bound(values_.begin(), values_.end(), q);
    // Right of mid, v >= q and the distance v - q grows with the position.
    const auto right_end = std::partition_point(
        mid, values_.end(), [&](T v) { return within(std::fabs(q - v), r, strict); });
    // Left of mid, v < q and the distance shrinks with the position.
    const auto left_begin = std::partition_point(
        values_.begin(), mid, [&](T v) { return !within(std::fabs(q - v), r, strict); });
    return static_cast<Index>(right_end - left_begin);
  }

  /// Same as count_within(point(i), r, strict), galloping from i's rank.
  Index count_within_point(Index i, T r, bool strict) const noexcept {
    return count_within_position(rank_[i], r, strict);
  }

  /// Same as count_within_point(original_index(position), r, strict). Callers
  /// that loop over positions in order read the sorted values sequentially.
  Index count_within_position(Index position, T r, bool strict) const noexcept {
    const Index start = position;
    const T q = values_[start];
    auto inside = [&](Index p) { return within(std::fabs(q - values_[p]), r, strict); };
    // Equal values sit on both sides of `start`, all at distance 0.
    if (!within(T(0), r, strict)) {
      // r <= 0 (strict) or r < 0: nothing is within, not even the point itself.
      return 0;
    }
    // Right: find the first position > start that is outside.
    Index lo = start, step = 1, hi = start + 1;
    while (hi < n_ && inside(hi)) {
      lo = hi;
      step *= 2;
      hi = start + step;
    }
    hi = std::min(hi, n_);
    while (hi - lo > 1) {  // invariant: inside(lo), hi outside or == n
      const Index m = lo + (hi - lo) / 2;
      const bool in = inside(m);  // selects, not branches: the outcome is unpredictable
      lo = in ? m : lo;
      hi = in ? hi : m;
    }
    const Index right_end = hi;
    // Left: find the last position < start that is outside.
    Index in = start;
    step = 1;
    Index out = start - 1;
    while (out >= 0 && inside(out)) {
      in = out;
      step *= 2;
      out = start - step;
    }
    out = std::max<Index>(out, -1);
    while (in - out > 1) {  // invariant: inside(in), out outside or == -1
      const Index m = out + (in - out) / 2;
      const bool is_in = inside(m);
      in = is_in ? m : in;
      out = is_in ? out : m;
    }
    return right_end - (out + 1);
  }

 private:
  static constexpr Index kFillGrain = Index{1} << 16;  // fixed: results never depend on threads

  Index n_;
  std::vector<T> values_;           // sorted by (value, original index)
  std::vector<Index> original_;     // sorted position -> original index
  std::vector<Index> rank_;         // original index -> sorted position
  std::vector<T> original_values_;  // values in original order
};

}  // namespace mmc::neighbors
