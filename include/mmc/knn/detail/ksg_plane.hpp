// mmc/knn/detail/ksg_plane.hpp — KSG for one x column against one y column
// (1 + 1 dimensions, the most common case), on sorted axes.
//
// Same estimator, same bits as the general path of knn/ksg.hpp (docs/design.md
// §3.1); only the data layout differs, chosen so that no pass gathers by
// original index:
//   sort   both columns once (neighbors::sort_axis): the sorted values, the
//          original index at each sorted position, each sample's rank;
//   pass 1 the k joint neighbours on neighbors::Grid2D, built from those ranks,
//          queried in cell order. Each sample's radius is written at its x
//          rank and at its y rank: cells of one grid column are one run of x
//          ranks, so the x writes stay in a small region;
//   pass 2 per axis, in sorted order: the marginal count at that position's
//          radius (count_within_sorted: a vectorised count in a window
//          around the predicted boundary, galloping when it misses),
//          replaced in place by psi(count + shift), read sequentially;
//   pass 3 local(i) = base - psi_x[rank_x(i)] - psi_y[rank_y(i)], evaluated in
//          the order ksg_local_from_counts evaluates it.
// Memory: the two axes (3 arrays each), the grid (freed after pass 1), two
// radius arrays; nothing of size n^2 or per neighbour.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <vector>

#include "mmc/core/large_vector.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/knn/common.hpp"
#include "mmc/knn/detail/digamma_table.hpp"
#include "mmc/knn/detail/joint_knn.hpp"
#include "mmc/neighbors/distance.hpp"
#include "mmc/neighbors/grid_2d.hpp"
#include "mmc/neighbors/sorted_line.hpp"

namespace mmc::knn::detail {

/// Pass 1, on the grid of the two axes: radius_x[rank_x(i)] and
/// radius_y[rank_y(i)] for every sample i —
/// the k-th joint distance for both (algorithm 1, `strict`), or the largest
/// x- and y-distances among the k neighbours (algorithm 2). When `tied` is
/// given, tied[rank_x(i)] = the joint column (0 = x, 1 = y) in which i and its
/// k neighbours share one value, or -1 (knn/common.hpp tied_column). Without
/// `tied`, algorithm 1 asks the grid for the k-th distance alone
/// (Grid2D::kth_distance_at_position: same bits, no neighbour identities).
inline void ksg_plane_radii(const neighbors::Grid2D& grid, Index k, bool strict, int threads,
                            LargeVector<double>& radius_x, LargeVector<double>& radius_y,
                            LargeVector<signed char>* tied) {
  const Index n = grid.size();
  radius_x.resize(static_cast<std::size_t>(n));
  radius_y.resize(static_cast<std::size_t>(n));
  if (strict && tied == nullptr) {  // the k-th joint distance alone
    for_each_kth_distance(grid, k, threads, [&](Index p, double eps) {
      radius_x[static_cast<std::size_t>(grid.x_rank(p))] = eps;
      radius_y[static_cast<std::size_t>(grid.y_rank(p))] = eps;
    });
    return;
  }
  if (tied != nullptr) tied->resize(static_cast<std::size_t>(n));
  parallel_for(n, threads, kPointGrain, [&](Index begin, Index end) {
    std::vector<double> distances(static_cast<std::size_t>(k));
    std::vector<Index> indices(static_cast<std::size_t>(k)), positions(static_cast<std::size_t>(k));
    const auto point = [&](Index position) { return grid.point_at_position(position); };
    for (Index p = begin; p < end; ++p) {
      grid.knn_at_position(p, k, distances.data(), indices.data(), positions.data());
      double eps_x = distances[static_cast<std::size_t>(k - 1)], eps_y = eps_x;
      if (!strict) {  // the marginal distances, as max_subspace_distance computes them
        eps_x = 0;
        eps_y = 0;
        const double* q = point(p);
        for (const Index j : positions) {
          const double dx = std::fabs(q[0] - point(j)[0]), dy = std::fabs(q[1] - point(j)[1]);
          eps_x = dx > eps_x ? dx : eps_x;
          eps_y = dy > eps_y ? dy : eps_y;
        }
      }
      const auto rx = static_cast<std::size_t>(grid.x_rank(p));
      radius_x[rx] = eps_x;
      radius_y[static_cast<std::size_t>(grid.y_rank(p))] = eps_y;
      if (tied != nullptr) {
        (*tied)[rx] = static_cast<signed char>(tied_column(point, p, positions.data(), k, 2));
      }
    }
  });
}

/// Pass 2 on one axis, in sorted order: radius[p] (the radius of the sample at
/// sorted position p) is replaced by value(count, r), where count = #{j :
/// |v_p - v_j| < r} when strict_for(r), else <= r, the sample itself included.
/// Shared by KSG (psi of the counts) and Gao et al.'s mixed estimator
/// (knn/mixed.hpp: log or psi of counts whose strictness depends on r).
template <class StrictFor, class Value>
void replace_radius_by_count(neighbors::AxisView<double> axis, LargeVector<double>& radius,
                             StrictFor strict_for, Value value, int threads) {
  parallel_for(axis.n, threads, kPointGrain, [&](Index begin, Index end) {
    // Neighbouring positions see about the same density of values, so the
    // previous count per unit radius predicts where this one's boundaries are
    // (a guess only: the count is exact whatever it is).
    double per_radius = 0;
    for (Index p = begin; p < end; ++p) {
      const double r = radius[static_cast<std::size_t>(p)];
      const double expected = per_radius * r;
      const Index guess = expected < 2.0 ? 1 : expected < 1e15 ? static_cast<Index>(expected) / 2 : axis.n;
      const Index count = neighbors::count_within_sorted(axis.values, axis.n, p, r, strict_for(r), guess);
      if (r > 0) per_radius = static_cast<double>(count) / r;
      radius[static_cast<std::size_t>(p)] = value(count, r);
    }
  });
}

/// KSG's pass 2 on one axis: radius[p] becomes psi(count + shift), count =
/// #{j != i : |v_i - v_j| < r} (strict, algorithm 1, shift 1) or <= r
/// (algorithm 2, shift 0).
inline void ksg_plane_psi_of_counts(neighbors::AxisView<double> axis, LargeVector<double>& radius, bool strict,
                                    const DigammaTable& psi, int threads) {
  const Index shift = strict ? 1 : 0;  // psi(n_x + 1) for algorithm 1, psi(n_x) for 2
  replace_radius_by_count(
      axis, radius, [strict](double) { return strict; },
      [&](Index count, double r) {
        // The sorted count includes the sample itself exactly when 0 is within r.
        return psi(count - (neighbors::within(0.0, r, strict) ? 1 : 0) + shift);
      },
      threads);
}

/// The local values base - psi_x - psi_y of every sample, in sample order
/// (psi_x, psi_y by sorted position: sample i's are at its ranks).
inline Eigen::VectorXd ksg_plane_combine(neighbors::AxisView<double> x, neighbors::AxisView<double> y, double base,
                                         const LargeVector<double>& psi_x, const LargeVector<double>& psi_y,
                                         int threads) {
  Eigen::VectorXd local(x.n);
  parallel_for(x.n, threads, kPointGrain, [&](Index first, Index last) {
    for (Index i = first; i < last; ++i) {
      local(i) = base - psi_x[static_cast<std::size_t>(x.rank[i])] - psi_y[static_cast<std::size_t>(y.rank[i])];
    }
  });
  return local;
}

/// KSG local values for x and y given by their sorted axes (same n samples).
/// `tied`, when given, receives every sample's tied column of [x | y] as
/// ksg_local_values documents — or stays empty when no sample is tied (which
/// check_ties reads as "none").
inline Eigen::VectorXd ksg_plane_local_values(neighbors::AxisView<double> x, neighbors::AxisView<double> y,
                                              Index k, int algorithm, int threads,
                                              std::vector<Index>* tied = nullptr) {
  const Index n = x.n;
  const bool strict = algorithm == 1;
  LargeVector<double> psi_x, psi_y;  // radii, then psi of the counts, by sorted position
  LargeVector<signed char> tied_by_x_rank;
  // Without repeats no sample is tied, and algorithm 1 then needs only the
  // k-th distances (the faster search of ksg_plane_radii).
  const bool may_tie = tied != nullptr && plane_may_tie(x, y);
  {
    const neighbors::Grid2D grid(x, y, threads);  // freed before the counts
    ksg_plane_radii(grid, k, strict, threads, psi_x, psi_y, may_tie ? &tied_by_x_rank : nullptr);
  }
  if (tied != nullptr) tied->clear();
  if (may_tie) {
    for (Index r = 0; r < n; ++r) {
      const signed char column = tied_by_x_rank[static_cast<std::size_t>(r)];
      if (column < 0) continue;
      if (tied->empty()) tied->assign(static_cast<std::size_t>(n), -1);
      (*tied)[static_cast<std::size_t>(x.order[r])] = column;
    }
  }
  const DigammaTable psi(n);
  ksg_plane_psi_of_counts(x, psi_x, strict, psi, threads);
  ksg_plane_psi_of_counts(y, psi_y, strict, psi, threads);
  const double base = strict ? psi(k) + psi(n) : psi(k) - 1.0 / static_cast<double>(k) + psi(n);
  return ksg_plane_combine(x, y, base, psi_x, psi_y, threads);
}

}  // namespace mmc::knn::detail
