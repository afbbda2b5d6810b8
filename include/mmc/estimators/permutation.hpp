// mmc/estimators/permutation.hpp — permutation tests of independence I(X;Y) = 0
// and of conditional independence I(X;Y|Z) = 0 for every non-neural estimator
// of the registry (docs/design.md §3.1), with the bias-corrected estimate
// "estimate − mean of the null" that users of kNN estimators ask for.
//
// MI: permutation r shuffles the rows of y with Rng(seed, streams::permutation::
// mi_first + r) (a Fisher–Yates shuffle), which keeps both marginals and breaks
// the dependence; the null distribution is the estimator applied to (x, y_r).
//
// CMI: a global shuffle would also break I(X;Z) and test the wrong hypothesis.
// The local permutation scheme of Runge (2018, "Conditional independence
// testing based on a nearest-neighbor estimator of conditional mutual
// information", AISTATS, §3 and the published CMIknn code) is used instead:
//   1. once: N_i = the k_perm nearest neighbours of z_i in Z, i itself included
//      (max-norm, on the standardised z when options.knn.standardize; ties by
//      the smaller index);
//   2. per permutation r, with Rng(seed, streams::permutation::cmi_first + r):
//      shuffle each list N_i (Fisher–Yates), draw a random order of the samples,
//      and for each sample i in that order take the first j of its shuffled N_i
//      not used yet — sampling without replacement; when all k_perm are used,
//      the last one of the list is taken (a repeat, as in Runge's code);
//   3. x_r(i) = x(j_i); the null value is the estimator on (x_r, y, z).
// x_r is x moved within Z-neighbourhoods only, so the null keeps I(X;Z) and
// I(Y;Z) while X ⟂ Y | Z holds approximately.
//
// p-value with the +1 correction (Phipson & Smyth 2010; Davison & Hinkley 1997):
// p = (1 + #{null_r ≥ estimate}) / (R + 1), which is never 0 and is a valid
// (slightly conservative) p-value; with R permutations the smallest p is 1/(R+1).
//
// Determinism: the permutations run in parallel (parallel_for, grain 1), each
// estimate with threads = 1, each writing only its own slot; the null
// statistics are reduced serially in permutation order. Same inputs and seed ⇒
// the same bits at any thread count (docs/design.md §2).
//
// Speed: each permutation is a full estimate (R + 1 estimates in all). The
// marginal search structures of KSG-type estimators do not change under a
// permutation of y's rows and could be reused, but that needs access to
// knn/ksg.hpp internals; it is not done here.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <string>
#include <string_view>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/core/preprocess.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/streams.hpp"
#include "mmc/core/types.hpp"
#include "mmc/estimators/knn_dispatch.hpp"
#include "mmc/estimators/registry.hpp"
#include "mmc/neighbors/kd_tree.hpp"

namespace mmc::estimators {

/// The result of a permutation test.
struct PermutationResult {
  Estimate estimate;           ///< the estimate on the data as given (with its local values)
  double p_value = 1.0;        ///< (1 + #{null >= estimate}) / (permutations + 1)
  double null_mean = 0.0;      ///< mean of the null values
  double null_sd = 0.0;        ///< sample standard deviation of the null values (0 when R = 1)
  double corrected = 0.0;      ///< estimate.value − null_mean (bias-corrected estimate)
  Index permutations = 0;      ///< R
  Eigen::VectorXd null;        ///< the R null values, in permutation order
};

/// Most permutations one test accepts (streams first + r stay disjoint, and the
/// null vector stays small).
inline constexpr Index kMaxPermutations = 10'000'000;

/// k_perm of the local permutation scheme when the caller does not choose
/// (Runge 2018 recommends 5–10).
inline constexpr Index kDefaultLocalPermutationNeighbours = 5;

namespace detail {

inline void check_permutations(std::string_view fn, Index permutations) {
  if (permutations < 1 || permutations > kMaxPermutations) {
    mmc::detail::throw_invalid(fn, "permutations", "is " + std::to_string(permutations),
                               "use between 1 and " + std::to_string(kMaxPermutations) +
                                   " permutations (99 or 999 are customary)");
  }
}

inline void check_not_neural(std::string_view fn, Estimator id) {
  for (const auto& info : kMutualInformation) {
    if (info.id == id && info.family == Family::neural) {
      mmc::detail::throw_invalid(fn, "estimator", "is '" + std::string(info.name) + "', a neural estimator",
                                 "permutation tests retrain nothing; use a kNN or discrete estimator");
    }
  }
}

/// Fills the null statistics and p-value of `result` from result.null.
inline void summarise_null(PermutationResult& result) {
  const Index r = result.null.size();
  const double value = result.estimate.value;
  Index at_least = 0;
  for (Index i = 0; i < r; ++i)
    if (result.null(i) >= value) ++at_least;
  result.permutations = r;
  result.p_value = static_cast<double>(1 + at_least) / static_cast<double>(r + 1);
  result.null_mean = accurate_sum(result.null.data(), result.null.data() + r) / static_cast<double>(r);
  double squares = 0.0;
  for (Index i = 0; i < r; ++i) squares += (result.null(i) - result.null_mean) * (result.null(i) - result.null_mean);
  result.null_sd = r > 1 ? std::sqrt(squares / static_cast<double>(r - 1)) : 0.0;
  result.corrected = value - result.null_mean;
}

/// rows(i) = m(order[i]) for every row.
inline RowMatrix<double> gather_rows(const RowMatrix<double>& m, const std::vector<Index>& order) {
  RowMatrix<double> out(m.rows(), m.cols());
  for (Index i = 0; i < m.rows(); ++i) out.row(i) = m.row(order[static_cast<std::size_t>(i)]);
  return out;
}

}  // namespace detail

/// Permutation test of I(X;Y) = 0 with the non-neural estimator `id` (any of
/// kMutualInformation except the neural ones): R = `permutations` shuffles of
/// y's rows, permutation r drawn from Rng(seed, streams::permutation::mi_first + r).
/// Threads: options.knn.threads (0 = all cores); the result does not depend on it.
template <class DerivedX, class DerivedY>
PermutationResult permutation_test_mi(Estimator id, const Eigen::DenseBase<DerivedX>& x,
                                      const Eigen::DenseBase<DerivedY>& y, const NonNeuralOptions& options,
                                      Index permutations, std::uint64_t seed) {
  constexpr std::string_view fn = "mmc::estimators::permutation_test_mi";
  detail::check_not_neural(fn, id);
  detail::check_permutations(fn, permutations);
  const RowMatrix<double> xs = to_row_major<double>(x);
  const RowMatrix<double> ys = to_row_major<double>(y);
  PermutationResult result;
  result.estimate = estimate_mi(id, xs, ys, options);  // validates shapes and rows first

  NonNeuralOptions single = options;
  single.knn.threads = 1;
  result.null.resize(permutations);
  const Index n = ys.rows();
  parallel_for(permutations, options.knn.threads, 1, [&](Index begin, Index end) {
    std::vector<Index> order(static_cast<std::size_t>(n));
    for (Index r = begin; r < end; ++r) {
      std::iota(order.begin(), order.end(), Index{0});
      Rng rng(seed, streams::permutation::mi_first + static_cast<std::uint64_t>(r));
      rng.shuffle(order.begin(), order.end());
      result.null(r) = estimate_mi(id, xs, detail::gather_rows(ys, order), single).value;
    }
  });
  detail::summarise_null(result);
  return result;
}

/// The k_perm nearest neighbours of every z_i in Z (max-norm, i itself
/// included, (distance, index) order), row i of the returned n × k_perm matrix;
/// z is standardised first when `standardize`. Step 1 of the local scheme above.
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

/// One local permutation (step 2 of the scheme above): x_r(i) = x(result[i]).
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

/// Local permutation test of I(X;Y|Z) = 0 (Runge 2018, scheme above) with ksg1
/// or ksg2; `k_perm` neighbours in Z. Permutation r draws from
/// Rng(seed, streams::permutation::cmi_first + r). Threads: options.knn.threads.
template <class DerivedX, class DerivedY, class DerivedZ>
PermutationResult permutation_test_cmi(Estimator id, const Eigen::DenseBase<DerivedX>& x,
                                       const Eigen::DenseBase<DerivedY>& y, const Eigen::DenseBase<DerivedZ>& z,
                                       const NonNeuralOptions& options, Index permutations, std::uint64_t seed,
                                       Index k_perm = kDefaultLocalPermutationNeighbours) {
  constexpr std::string_view fn = "mmc::estimators::permutation_test_cmi";
  detail::check_permutations(fn, permutations);
  const RowMatrix<double> xs = to_row_major<double>(x);
  const RowMatrix<double> ys = to_row_major<double>(y);
  const RowMatrix<double> zs = to_row_major<double>(z);
  PermutationResult result;
  result.estimate = estimate_cmi(id, xs, ys, zs, options);  // validates estimator, shapes and rows first
  const auto neighbours = local_permutation_neighbours(zs, k_perm, options.knn.standardize, options.knn.threads);

  NonNeuralOptions single = options;
  single.knn.threads = 1;
  result.null.resize(permutations);
  parallel_for(permutations, options.knn.threads, 1, [&](Index begin, Index end) {
    for (Index r = begin; r < end; ++r) {
      Rng rng(seed, streams::permutation::cmi_first + static_cast<std::uint64_t>(r));
      const std::vector<Index> order = local_permutation(neighbours, rng);
      result.null(r) = estimate_cmi(id, detail::gather_rows(xs, order), ys, zs, single).value;
    }
  });
  detail::summarise_null(result);
  return result;
}

}  // namespace mmc::estimators
