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
  /// `leaf_size` is passed to the kd-tree (radius counts in a few dimensions
  /// prefer larger leaves, 64, than k-NN queries, 8); `threads` (0 = all cores)
  /// builds either structure in parallel, with the same result for any value.
  Searcher(const T* data, Index n, Index d, Norm norm = Norm::max, Index leaf_size = 8,
           int threads = 1)
      : d_(d) {
    if (d == 1 && norm == Norm::max) {
      line_ = std::make_unique<SortedLine<T>>(data, n, 1, threads);
    } else {
      tree_ = std::make_unique<KdTree<T>>(data, n, d, norm, leaf_size, threads);
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

  /// Storage order: the original index of the point stored at position p
  /// (sorted order of the line, tree order of the kd-tree). Looping over
  /// positions 0..n-1 gives spatially coherent, cache-friendly queries.
  Index original_index(Index position) const noexcept {
    return line_ ? line_->original_index(position) : tree_->original_index(position);
  }

  /// The kd-tree behind the searcher, or nullptr where it is the sorted line
  /// (callers use the tree's leaf-batched searches).
  const KdTree<T>* tree() const noexcept { return tree_.get(); }

  /// Same as count_within_point(original_index(position), r, strict).
  Index count_within_position(Index position, T r, bool strict) const noexcept {
    return line_ ? line_->count_within_position(position, r, strict)
                 : tree_->count_within(tree_->point_at_position(position), r, strict);
  }

 private:
  Index d_;
  std::unique_ptr<SortedLine<T>> line_;
  std::unique_ptr<KdTree<T>> tree_;
};

}  // namespace mmc::neighbors
