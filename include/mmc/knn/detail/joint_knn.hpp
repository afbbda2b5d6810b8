// mmc/knn/detail/joint_knn.hpp — the loop every kNN estimator starts with:
// the k nearest other points of every sample, found in a kd-tree.
//
// Why this shape: a kd-tree stores its points in tree order, and the points of
// one leaf are neighbours, so their searches walk nearly the same nodes: the
// queries are issued leaf by leaf, each leaf's points as one batch
// (KdTree::knn_of_leaf, one walk per leaf). The leaves are cut into fixed
// blocks (about knn::detail::kPointGrain points each) handed to
// mmc::parallel_for, and every query is independent, so the per-sample results
// never depend on the thread count (docs/design.md §2). The visitor receives the
// sample's *original* index and writes only that sample's outputs.
// Marginal counts (KSG's n_x, n_y) run as a second pass over each marginal
// structure in *its* storage order, for the same reason: leaf by leaf in a
// kd-tree (KdTree::count_within_leaf), and in sorted order on a line, where a
// 1-D count gallops through values the previous count has just read. The
// per-sample arrays, indexed by original index, are prefetched there.
#pragma once

#include <algorithm>
#include <limits>
#include <vector>

#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/knn/common.hpp"
#include "mmc/neighbors/axis_order.hpp"
#include "mmc/neighbors/distance.hpp"
#include "mmc/neighbors/grid_2d.hpp"
#include "mmc/neighbors/kd_tree.hpp"
#include "mmc/neighbors/searcher.hpp"

namespace mmc::knn::detail {

/// Leaf size of a kd-tree used for k-NN queries in d dimensions under `norm`.
/// Every leaf's points are searched as one batch (KdTree::knn_of_leaf) whose
/// leaf scans are vectorised blocks, so in more dimensions larger leaves pay.
/// Max-norm batched k-NN pass, k = 3, Gaussian rho = 0.9, one thread: 10-D,
/// N = 1e5: 0.54 s with 32, 0.51 s with 64 (rho = 0.5: 1.01 s, 0.83 s); 6-D:
/// 0.17 s, 0.15 s; 4-D: 0.075 s either way; 2-D, N = 1e6: 0.29 s with 8,
/// 0.32 s with 16, 0.35 s with 32. Euclidean trees are searched one query at
/// a time up to KdTree::kEuclideanBatchMinDims dimensions, where small leaves
/// prune best, and as batches above, which bound every child node by its tight
/// box (d operations per query) and so want shallower trees: bench_ksg
/// BM_EuclideanKnnPass (k = max(3, d), N = 1e5, one thread), 10-D batched:
/// 11.2 s with 8, 5.9 s with 16, 3.0 s with 32, 3.8 s with 64; 4-D one by
/// one: 0.25 s with 8, 0.23 s with 16, 0.26 s with 32. At most 64 (KdTree's
/// batch size).
inline Index knn_leaf_size(Index d, Norm norm = Norm::max) noexcept {
  if (norm == Norm::euclidean) return d <= neighbors::KdTree<double>::kEuclideanBatchMinDims ? 8 : 32;
  return d <= 2 ? 8 : (d <= 4 ? 32 : 64);
}

/// Blocks of whole leaves holding about kPointGrain points on average (fixed by
/// the tree alone, so the work split never depends on the thread count).
inline Index leaf_grain(const neighbors::KdTree<double>& tree) noexcept {
  return std::max<Index>(1, kPointGrain * tree.leaf_count() / std::max<Index>(tree.size(), 1));
}

/// Calls visit(i, distances, indices) for every point i of `tree`, with its k
/// nearest other points in (distance, index) order (self excluded, ties broken
/// by the smaller index, exactly as neighbors::BruteForce). The tree must hold
/// more than k points.
template <class Visit>
void for_each_knn(const neighbors::KdTree<double>& tree, Index k, int threads, Visit&& visit) {
  parallel_for(tree.leaf_count(), threads, leaf_grain(tree), [&](Index first, Index last) {
    std::vector<double> distances;
    std::vector<Index> indices;
    for (Index l = first; l < last; ++l) {
      const Index begin = tree.leaf_begin(l), end = tree.leaf_end(l);
      distances.resize(static_cast<std::size_t>((end - begin) * k));
      indices.resize(static_cast<std::size_t>((end - begin) * k));
      tree.knn_of_leaf(l, k, distances.data(), indices.data());
      for (Index p = begin; p < end; ++p) {
        const std::size_t row = static_cast<std::size_t>((p - begin) * k);
        visit(tree.original_index(p), static_cast<const double*>(distances.data() + row),
              static_cast<const Index*>(indices.data() + row));
      }
    }
  });
}

/// Whether a sample of the plane with sorted axes x and y can be tied
/// (knn/common.hpp tied_column): only in a column that repeats a value. When
/// neither does, the tie check has nothing to find, and the 1 + 1 paths need
/// no neighbour identities.
inline bool plane_may_tie(neighbors::AxisView<double> x, neighbors::AxisView<double> y) noexcept {
  return neighbors::has_repeated_value(x) || neighbors::has_repeated_value(y);
}

/// Calls visit(position, d) for every position stored in `grid`, with d the
/// distance to its k-th nearest other point (Grid2D::kth_distance_at_position:
/// no neighbour identities), in fixed blocks of positions run by
/// mmc::parallel_for. Requires 0 < k < grid.size().
template <class Visit>
void for_each_kth_distance(const neighbors::Grid2D& grid, Index k, int threads, Visit&& visit) {
  parallel_for(grid.size(), threads, kPointGrain, [&](Index first, Index last) {
    std::vector<double> scratch(static_cast<std::size_t>(k));
    for (Index p = first; p < last; ++p) visit(p, grid.kth_distance_at_position(p, k, scratch.data()));
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

/// Radius of a strict count (dist < radius) that counts dist < r where r > 0
/// and the ties dist <= 0 where r = 0, for estimators whose counts switch
/// between the two (Ross, Gao et al.'s reference variant): distances are
/// >= 0, and dist <= 0 <=> dist < denorm_min, so one strict count_others
/// serves both.
inline double strict_radius_counting_ties(double r) noexcept {
  return r > 0 ? r : std::numeric_limits<double>::denorm_min();
}

/// Marginal counts of every sample: counts[i] = #{j != i : dist(i, j) < radius[i]}
/// (strict) or <= radius[i] (docs/design.md §3.1; i itself is never counted).
/// The tree counts a leaf's samples together (KdTree::count_within_leaf).
inline std::vector<Index> count_others(const neighbors::KdTree<double>& tree, const std::vector<double>& radius,
                                       bool strict, int threads) {
  std::vector<Index> counts(static_cast<std::size_t>(tree.size()));
  parallel_for(tree.leaf_count(), threads, leaf_grain(tree), [&](Index first, Index last) {
    std::vector<double> radii;
    std::vector<Index> within;
    for (Index l = first; l < last; ++l) {
      const Index begin = tree.leaf_begin(l), end = tree.leaf_end(l);
      radii.resize(static_cast<std::size_t>(end - begin));
      within.resize(static_cast<std::size_t>(end - begin));
      for (Index p = begin; p < end; ++p) radii[static_cast<std::size_t>(p - begin)] = radius[static_cast<std::size_t>(tree.original_index(p))];
      tree.count_within_leaf(l, radii.data(), strict, within.data());
      for (Index p = begin; p < end; ++p) {
        const double r = radii[static_cast<std::size_t>(p - begin)];
        // The count includes the sample itself exactly when distance 0 is within r.
        counts[static_cast<std::size_t>(tree.original_index(p))] =
            within[static_cast<std::size_t>(p - begin)] - (neighbors::within(0.0, r, strict) ? 1 : 0);
      }
    }
  });
  return counts;
}

/// The same counts through a searcher: its kd-tree's, or on its sorted line
/// sample by sample in sorted order (consecutive counts gallop through
/// neighbouring values; fixed blocks keep the result thread-count free).
inline std::vector<Index> count_others(const neighbors::Searcher<double>& searcher,
                                       const std::vector<double>& radius, bool strict,
                                       int threads) {
  if (searcher.tree() != nullptr) return count_others(*searcher.tree(), radius, strict, threads);
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
