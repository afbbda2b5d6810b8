// mmc/estimators/local_permutation.hpp — the local permutation scheme of
// Runge (2018) that permutation.hpp describes (steps 1 and 2 there): permute
// the rows of X only within nearest-neighbour blocks of a conditioning
// variable Z, so that a null keeps the X–Z dependence. Used by the CMI test
// (permutation_test_cmi) and by the Gamma_i nulls of the complementarity metric
// (metric/complementarity.hpp, conditioning on the other modalities). Kept
// apart from permutation.hpp so that the metric does not pull in every kNN
// estimator (docs/significance.md).
#pragma once

#include <Eigen/Core>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/core/preprocess.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/neighbors/kd_tree.hpp"

namespace mmc::estimators {

/// k_perm of the local permutation scheme when the caller does not choose
/// (Runge 2018 recommends 5–10).
inline constexpr Index kDefaultLocalPermutationNeighbours = 5;

/// The k_perm nearest neighbours of every z_i in Z (max-norm, i itself
/// included, (distance, index) order), row i of the returned n × k_perm matrix;
/// z is standardised first when `standardize`. Step 1 of the scheme (permutation.hpp).
template <class DerivedZ>
Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> local_permutation_neighbours(
    const Eigen::DenseBase<DerivedZ>& z, Index k_perm, bool standardize, int threads) {
  constexpr std::string_view fn = "mmc::estimators::local_permutation_neighbours";
  const Index n = z.rows();
  if (k_perm < 1 || k_perm > n) {
    mmc::detail::throw_invalid(fn, "k_perm", "is " + std::to_string(k_perm) + " with " + std::to_string(n) + " samples",
                               "use 1 <= k_perm <= N (5 to 10 is customary)");
  }
  const RowMatrix<double> zs = to_working_copy<double>(z, standardize, fn, "z", "standardize z");
  const neighbors::KdTree<double> tree(zs.data(), n, zs.cols(), Norm::max, 8, threads);
  Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> out(n, k_perm);
  constexpr Index kGrain = 256;
  parallel_for(n, threads, kGrain, [&](Index begin, Index end) {
    std::vector<double> distances(static_cast<std::size_t>(k_perm));
    for (Index i = begin; i < end; ++i) tree.knn(zs.row(i).data(), k_perm, -1, distances.data(), &out(i, 0));
  });
  return out;
}

/// One local permutation (step 2 of the scheme in permutation.hpp): x_r(i) = x(result[i]).
inline std::vector<Index> local_permutation(
    const Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& neighbours, Rng& rng) {
  const Index n = neighbours.rows(), k = neighbours.cols();
  Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> shuffled = neighbours;
  for (Index i = 0; i < n; ++i) rng.shuffle(&shuffled(i, 0), &shuffled(i, 0) + k);
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  rng.shuffle(order.begin(), order.end());
  std::vector<char> used(static_cast<std::size_t>(n), 0);
  std::vector<Index> result(static_cast<std::size_t>(n));
  for (const Index i : order) {
    Index m = 0;
    Index j = shuffled(i, 0);
    while (used[static_cast<std::size_t>(j)] && m < k - 1) j = shuffled(i, ++m);
    result[static_cast<std::size_t>(i)] = j;
    used[static_cast<std::size_t>(j)] = 1;
  }
  return result;
}

}  // namespace mmc::estimators
