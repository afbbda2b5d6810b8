// mmc/knn/detail/ksg_joint_knn.hpp — the loop every kNN estimator starts with:
// the k nearest other points of every sample, found in a kd-tree.
//
// Why this shape: a kd-tree stores its points in tree order, so visiting the
// queries in that order (position 0..N-1) makes consecutive queries touch the
// same nodes and leaves — far fewer cache misses than original order. The
// positions are cut into fixed blocks (knn::detail::kPointGrain) handed to
// mmc::parallel_for, and every query is independent, so the per-sample results
// never depend on the thread count (DESIGN.md §2). The visitor receives the
// sample's *original* index and writes only that sample's outputs.
#pragma once

#include <vector>

#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/knn/common.hpp"
#include "mmc/neighbors/distance.hpp"
#include "mmc/neighbors/kd_tree.hpp"
#include "mmc/neighbors/searcher.hpp"

namespace mmc::knn::detail {

/// Calls visit(i, distances, indices) for every point i of `tree`, with its k
/// nearest other points in (distance, index) order (self excluded, ties broken
/// by the smaller index, exactly as neighbors::BruteForce). The tree must hold
/// more than k points.
template <class Visit>
void for_each_knn(const neighbors::KdTree<double>& tree, Index k, int threads, Visit&& visit) {
  parallel_for(tree.size(), threads, kPointGrain, [&](Index begin, Index end) {
    std::vector<double> distances(static_cast<std::size_t>(k));
    std::vector<Index> indices(static_cast<std::size_t>(k));
    for (Index p = begin; p < end; ++p) {
      const Index i = tree.original_index(p);
      tree.knn(tree.point_at_position(p), k, i, distances.data(), indices.data());
      visit(i, static_cast<const double*>(distances.data()), static_cast<const Index*>(indices.data()));
    }
  });
}

/// Largest max-norm distance, restricted to the columns [first, first + count)
/// of the tree's points, between point i and its k neighbours: KSG algorithm
/// 2's per-space radius, e.g. eps_x(i) (DESIGN.md §3.1). Computed with
/// neighbors::max_norm_distance, so it equals the marginal-space distance.
inline double max_subspace_distance(const neighbors::KdTree<double>& tree, Index first,
                                    Index count, Index i, const Index* neighbours,
                                    Index k) noexcept {
  double eps = 0;
  const double* a = tree.point(i) + first;
  for (Index j = 0; j < k; ++j) {
    const double d = neighbors::max_norm_distance(a, tree.point(neighbours[j]) + first, count);
    eps = d > eps ? d : eps;
  }
  return eps;
}

/// #{j != i : dist(i, j) < r} (strict) or <= r: a marginal count of point i
/// that excludes i itself (DESIGN.md §3.1). The searcher's count includes i
/// exactly when 0 is within r.
inline Index count_others(const neighbors::Searcher<double>& searcher, Index i, double r,
                          bool strict) noexcept {
  return searcher.count_within_point(i, r, strict) - (neighbors::within(0.0, r, strict) ? 1 : 0);
}

}  // namespace mmc::knn::detail
