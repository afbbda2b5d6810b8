// mmc/knn/detail/mixed_plane.hpp — Gao et al.'s mixed estimator (knn/mixed.hpp)
// for one x column against one y column, on sorted axes: the layout of
// KSG's 1 + 1 path (detail/ksg_plane.hpp), the same bits as the kd-tree path.
//
//   sort   both columns (neighbors::sort_axis);
//   pass 1 rho_i, the k-th joint distance, on neighbors::Grid2D (ksg_plane_radii
//          with algorithm 1 writes it at both of i's ranks);
//   ties   where rho_i = 0, k~_i = the number of samples equal to i in both
//          columns: samples are keyed by the first sorted position holding
//          their x value and the first holding their y value, and the keys of
//          the rho = 0 samples are sorted and counted (only when some rho is 0:
//          discrete data);
//   pass 2 per axis, in sorted order: the marginal count within rho (self
//          included; strict for the reference variant when rho > 0), replaced
//          by its log (paper) or psi (reference);
//   pass 3 local(i) = psi(k~_i) + log N - term_x - term_y, in the order
//          mixed_tree_local_values evaluates it.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <utility>

#include "mmc/core/large_vector.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/knn/detail/digamma_table.hpp"
#include "mmc/knn/detail/ksg_plane.hpp"
#include "mmc/neighbors/axis_order.hpp"
#include "mmc/neighbors/grid_2d.hpp"

namespace mmc::knn::detail {

/// group[p] = the first sorted position holding the value at sorted position p
/// (equal values are adjacent; -0 and +0 compare equal, as their distance is 0).
inline LargeVector<Index> first_equal_positions(neighbors::AxisView<double> axis) {
  LargeVector<Index> group(static_cast<std::size_t>(axis.n));
  for (Index p = 0; p < axis.n; ++p) {
    group[static_cast<std::size_t>(p)] =
        p > 0 && axis.values[p] == axis.values[p - 1] ? group[static_cast<std::size_t>(p - 1)] : p;
  }
  return group;
}

/// k_tilde[i] for every sample: k where rho_i > 0, else the number of samples
/// at joint distance 0 from i (i included). `rho_by_x_rank` as pass 1 leaves it.
inline LargeVector<Index> mixed_plane_k_tilde(neighbors::AxisView<double> x, neighbors::AxisView<double> y,
                                              const LargeVector<double>& rho_by_x_rank, Index k) {
  const Index n = x.n;
  LargeVector<Index> k_tilde(static_cast<std::size_t>(n), k);
  LargeVector<std::pair<Index, Index>> keyed;  // (joint value key, original index), rho = 0 only
  for (Index p = 0; p < n; ++p) {
    if (!(rho_by_x_rank[static_cast<std::size_t>(p)] > 0)) keyed.push_back({0, x.order[p]});
  }
  if (keyed.empty()) return k_tilde;
  const LargeVector<Index> x_group = first_equal_positions(x), y_group = first_equal_positions(y);
  for (auto& [key, i] : keyed) {  // n * n < 2^63 for any n an index can hold in memory
    key = x_group[static_cast<std::size_t>(x.rank[i])] * n + y_group[static_cast<std::size_t>(y.rank[i])];
  }
  std::sort(keyed.begin(), keyed.end());
  for (std::size_t begin = 0; begin < keyed.size();) {
    std::size_t end = begin + 1;
    while (end < keyed.size() && keyed[end].first == keyed[begin].first) ++end;
    // Every sample equal to one at rho = 0 is at rho = 0 too (it has the same k
    // duplicates), so the run holds all of them.
    for (std::size_t j = begin; j < end; ++j) {
      k_tilde[static_cast<std::size_t>(keyed[j].second)] = static_cast<Index>(end - begin);
    }
    begin = end;
  }
  return k_tilde;
}

/// Local values of Gao et al.'s estimator (`reference`: the authors' code's
/// strict counts and psi) for x and y given by their sorted axes.
inline Eigen::VectorXd mixed_plane_local_values(neighbors::AxisView<double> x, neighbors::AxisView<double> y,
                                                Index k, bool reference, int threads) {
  const Index n = x.n;
  LargeVector<double> term_x, term_y;  // rho, then the count terms, by sorted position
  {
    const neighbors::Grid2D grid(x, y, threads);  // freed before the counts
    ksg_plane_radii(grid, k, true, threads, term_x, term_y, nullptr);
  }
  const LargeVector<Index> k_tilde = mixed_plane_k_tilde(x, y, term_x, k);
  const DigammaTable psi(n);
  const auto count_terms = [&](neighbors::AxisView<double> axis, LargeVector<double>& radius) {
    if (reference) {
      replace_radius_by_count(
          axis, radius, [](double rho) { return rho > 0; }, [&](Index count, double) { return psi(count); },
          threads);
    } else {
      replace_radius_by_count(
          axis, radius, [](double) { return false; },
          [](Index count, double) { return std::log(static_cast<double>(count)); }, threads);
    }
  };
  count_terms(x, term_x);
  count_terms(y, term_y);
  const double log_n = std::log(static_cast<double>(n));
  Eigen::VectorXd local(n);
  parallel_for(n, threads, kPointGrain, [&](Index first, Index last) {
    for (Index i = first; i < last; ++i) {
      local(i) = psi(k_tilde[static_cast<std::size_t>(i)]) + log_n -
                 term_x[static_cast<std::size_t>(x.rank[i])] - term_y[static_cast<std::size_t>(y.rank[i])];
    }
  });
  return local;
}

}  // namespace mmc::knn::detail
