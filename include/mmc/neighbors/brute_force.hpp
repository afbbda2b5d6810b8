// mmc/neighbors/brute_force.hpp — the O(N) per query oracle every fast search
// path is tested against (docs/design.md §3.1). Obviously correct, deliberately simple.
#pragma once

#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/neighbors/distance.hpp"
#include "mmc/neighbors/knn_list.hpp"

namespace mmc::neighbors {

template <class T = double>
class BruteForce {
 public:
  /// Views n points of dimension d stored row-major at `data` (not copied: the
  /// data must outlive the searcher).
  BruteForce(const T* data, Index n, Index d, Norm norm = Norm::max) noexcept
      : data_(data), n_(n), d_(d), norm_(norm) {}

  Index size() const noexcept { return n_; }
  Index dim() const noexcept { return d_; }
  Norm norm() const noexcept { return norm_; }
  const T* point(Index i) const noexcept { return data_ + i * d_; }

  /// The k nearest points to `query`, skipping the point with index `exclude`
  /// (pass -1 to skip none), in (distance, index) order. Writes k entries
  /// (fewer if the set is smaller) and returns how many were written.
  Index knn(const T* query, Index k, Index exclude, T* distances, Index* indices) const noexcept {
    KnnList<T> list(k, distances, indices);
    for (Index j = 0; j < n_; ++j) {
      if (j == exclude) continue;
      list.offer(distance(norm_, query, point(j), d_), j);
    }
    return list.size();
  }

  /// Number of points at distance < r (strict) or <= r from `query`, the query
  /// point itself included when it belongs to the set.
  Index count_within(const T* query, T r, bool strict) const noexcept {
    Index count = 0;
    for (Index j = 0; j < n_; ++j) count += within(distance(norm_, query, point(j), d_), r, strict);
    return count;
  }

  /// Indices of the points within r, in increasing index order.
  std::vector<Index> indices_within(const T* query, T r, bool strict) const {
    std::vector<Index> result;
    for (Index j = 0; j < n_; ++j)
      if (within(distance(norm_, query, point(j), d_), r, strict)) result.push_back(j);
    return result;
  }

 private:
  const T* data_;
  Index n_, d_;
  Norm norm_;
};

}  // namespace mmc::neighbors
