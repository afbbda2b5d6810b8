// mmc/knn/detail/joint_knn.hpp — the loop every kNN estimator starts with:
// the k nearest other points of every sample, found in a kd-tree.
//
// Why this shape: a kd-tree stores its points in tree order, so visiting the
// queries in that order (position 0..N-1) makes consecutive queries touch the
// same nodes and leaves — far fewer cache misses than original order. The
// positions are cut into fixed blocks (knn::detail::kPointGrain) handed to
// mmc::parallel_for, and every query is independent, so the per-sample results
// never depend on the thread count (docs/design.md §2). The visitor receives the
// sample's *original* index and writes only that sample's outputs.
// Marginal counts (KSG's n_x, n_y) run as a second pass over each marginal
// structure in *its* storage order, for the same reason: a 1-D count then
// gallops through sorted values the previous count has just read. The
// per-sample arrays, indexed by original index, are prefetched.
#pragma once

#include <vector>

#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/knn/common.hpp"
#include "mmc/neighbors/distance.hpp"
#include "mmc/neighbors/kd_tree.hpp"
#include "mmc/neighbors/searcher.hpp"

namespace mmc::knn::detail {

/// Leaf size of a max-norm kd-tree used for k-NN queries in d dimensions.
/// Leaves are scanned axis by axis in vectorised chunks, so in more than two
/// dimensions larger leaves pay (10-D, N = 1e5: 2.7 s with 8, 1.9 s with 32;
/// 2-D, N = 1e6: 0.60 s with 8, 0.74 s with 32).
inline Index knn_leaf_size(Index d) noexcept { return d <= 2 ? 8 : 32; }

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
/// 2's per-space radius, e.g. eps_x(i) (docs/design.md §3.1). Computed with
/// neighbors::max_norm_distance, so it equals the marginal-space distance.
template <class Points>
double max_subspace_distance(const Points& tree, Index first, Index count, Index i,
                             const Index* neighbours, Index k) noexcept {
  double eps = 0;
  const double* a = tree.point(i) + first;
  for (Index j = 0; j < k; ++j) {
    const double d = neighbors::max_norm_distance(a, tree.point(neighbours[j]) + first, count);
    eps = d > eps ? d : eps;
  }
  return eps;
}

/// Leaf size of the marginal-space kd-trees. Radius counts visit far fewer
/// nodes with larger leaves, whose scans are vectorised (KSG radii, CPU time of
/// all counts: 5-D, N = 1e5: 1.28 s with leaves of 16, 0.91 s with 32, 0.79 s
/// with 64, 0.78 s with 128; 2-D, N = 2e5: 0.25, 0.17, 0.14, 0.14 s).
inline constexpr Index kCountLeafSize = 64;

/// Software prefetch (a no-op where the builtin is missing): the per-sample
/// arrays are indexed by original index while the loops run in storage order,
/// so without it every sample costs one or two cache misses.
inline void prefetch(const void* address) noexcept {
#if defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(address);
#else
  (void)address;
#endif
}
inline constexpr Index kPrefetchDistance = 16;

/// Marginal counts of every sample: counts[i] = #{j != i : dist(i, j) < radius[i]}
/// (strict) or <= radius[i] (docs/design.md §3.1; i itself is never counted). The
/// samples are visited in the searcher's storage order, so consecutive queries
/// touch neighbouring memory; fixed blocks keep the result thread-count free.
inline std::vector<Index> count_others(const neighbors::Searcher<double>& searcher,
                                       const std::vector<double>& radius, bool strict,
                                       int threads) {
  const Index n = searcher.size();
  std::vector<Index> counts(static_cast<std::size_t>(n));
  parallel_for(n, threads, kPointGrain, [&](Index begin, Index end) {
    for (Index p = begin; p < end; ++p) {
      if (p + kPrefetchDistance < end) {  // radius[] and counts[] are read in scattered order
        const auto ahead = static_cast<std::size_t>(searcher.original_index(p + kPrefetchDistance));
        prefetch(&radius[ahead]);
        prefetch(&counts[ahead]);
      }
      const auto i = static_cast<std::size_t>(searcher.original_index(p));
      const double r = radius[i];
      // The searcher's count includes i exactly when distance 0 is within r.
      counts[i] = searcher.count_within_position(p, r, strict) -
                  (neighbors::within(0.0, r, strict) ? 1 : 0);
    }
  });
  return counts;
}

}  // namespace mmc::knn::detail
