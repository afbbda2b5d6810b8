// mmc/neighbors/searcher.hpp — picks the fastest exact search structure for a
// point set: the sorted line in one dimension (max-norm), the kd-tree otherwise.
// Estimators use this for marginal-space counts (KSG's n_x, n_y).
#pragma once

#include <memory>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/neighbors/kd_tree.hpp"
#include "mmc/neighbors/sorted_line.hpp"

namespace mmc::neighbors {

template <class T = double>
class Searcher {
 public:
  /// Indexes n points of dimension d stored row-major at `data` (copied).
  Searcher(const T* data, Index n, Index d, Norm norm = Norm::max) : d_(d) {
    if (d == 1 && norm == Norm::max) {
      line_ = std::make_unique<SortedLine<T>>(data, n, 1);
    } else {
      tree_ = std::make_unique<KdTree<T>>(data, n, d, norm);
    }
  }

  Index size() const noexcept { return line_ ? line_->size() : tree_->size(); }
  Index dim() const noexcept { return d_; }
  const T* point(Index i) const noexcept { return line_ ? line_->point(i) : tree_->point(i); }

  /// k nearest neighbours of `query` (see KdTree::knn).
  Index knn(const T* query, Index k, Index exclude, T* distances, Index* indices) const noexcept {
    return line_ ? line_->knn(query, k, exclude, distances, indices)
                 : tree_->knn(query, k, exclude, distances, indices);
  }

  /// Number of points within r of `query`, the query itself included if present.
  Index count_within(const T* query, T r, bool strict) const noexcept {
    return line_ ? line_->count_within(query, r, strict) : tree_->count_within(query, r, strict);
  }

  /// Number of points within r of the data point i, i itself included.
  Index count_within_point(Index i, T r, bool strict) const noexcept {
    return line_ ? line_->count_within_point(i, r, strict)
                 : tree_->count_within(tree_->point(i), r, strict);
  }

 private:
  Index d_;
  std::unique_ptr<SortedLine<T>> line_;
  std::unique_ptr<KdTree<T>> tree_;
};

}  // namespace mmc::neighbors
