// mmc/estimators/permutation.hpp — permutation tests of independence I(X;Y) = 0
// and of conditional independence I(X;Y|Z) = 0 for every non-neural estimator
// of the registry (docs/design.md §3.1), with the bias-corrected estimate
// "estimate − mean of the null" that users of kNN estimators ask for. The
// neural estimators retrain per permutation: estimators/neural_permutation.hpp.
// The local scheme's code is in estimators/local_permutation.hpp and the
// p-value and null summary in estimators/permutation_null.hpp.
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
// Speed: ksg1 and ksg2 build the marginal searchers of x and y once
// (knn::detail::KsgPermuted): a permutation of y's rows relabels y's points
// without moving them, so each permutation redoes only the joint kd-tree and
// its k-NN search, then counts in the kept searchers; x and y are standardised
// once. The null values are the same bits as full estimates (tested; a
// permutation where that could fail, e.g. with jitter, falls back to the full
// estimate). Every other estimator runs a full estimate per permutation
// (R + 1 estimates in all). The saving of the reuse alone is small, since the
// joint search dominates a KSG estimate: benchmarks/bench_permutation, R = 100
// at N = 10^4 on 1 thread, took 0.83–1.27 (1 + 1 dimensions, within the
// noise of a shared machine) and 0.88–0.96 (5 + 5) of the time of 100
// independent estimates, and 0.40–0.46 on 2 threads (docs/significance.md); the larger
// gain is running the permutations in parallel, in one process.
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
#include "mmc/estimators/local_permutation.hpp"
#include "mmc/estimators/permutation_null.hpp"
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

namespace detail {

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
  const NullSummary s = estimators::summarise_null(result.estimate.value, result.null);
  result.permutations = s.permutations;
  result.p_value = s.p_value;
  result.null_mean = s.null_mean;
  result.null_sd = s.null_sd;
  result.corrected = s.corrected;
}

/// rows(i) = m(order[i]) for every row.
inline RowMatrix<double> gather_rows(const RowMatrix<double>& m, const std::vector<Index>& order) {
  RowMatrix<double> out(m.rows(), m.cols());
  for (Index i = 0; i < m.rows(); ++i) out.row(i) = m.row(order[static_cast<std::size_t>(i)]);
  return out;
}

/// The null of ksg1/ksg2 with the marginal searchers built once
/// (knn::detail::KsgPermuted; "Speed" above). Permutation r whose prepared
/// (standardised, jittered) y_r is not exactly the prepared y permuted -- with
/// jitter, whose noise follows the row order, or where standardising in another
/// order rounds differently -- is computed by the full estimator instead, so
/// every null value is the same bits as estimate_mi(id, x, y_r).value.
inline void ksg_null(Estimator id, const RowMatrix<double>& xs, const RowMatrix<double>& ys,
                     const NonNeuralOptions& options, std::uint64_t seed, Eigen::VectorXd& null) {
  constexpr std::string_view ksg_fn = "mmc::knn::Ksg::estimate";  // the messages of the full path
  const knn::KsgOptions ksg{options.knn, id == Estimator::ksg1 ? 1 : 2};
  const knn::detail::KsgPermuted engine(knn::detail::prepare(ksg_fn, "x", xs, ksg, 0),
                                        knn::detail::prepare(ksg_fn, "y", ys, ksg, 1), ksg.k, ksg.algorithm,
                                        options.knn.threads);
  NonNeuralOptions single = options;
  single.knn.threads = 1;
  const Index n = ys.rows();
  // Without standardisation and jitter, prepare() only copies (the data passed
  // its checks in the estimate): the prepared y_r is the permuted y.
  const bool prepare_copies = !ksg.standardize && ksg.jitter == 0.0;
  parallel_for(null.size(), options.knn.threads, 1, [&](Index begin, Index end) {
    std::vector<Index> order(static_cast<std::size_t>(n));
    std::vector<Index> tied;
    std::vector<std::string> warnings;
    for (Index r = begin; r < end; ++r) {
      std::iota(order.begin(), order.end(), Index{0});
      Rng rng(seed, streams::permutation::mi_first + static_cast<std::uint64_t>(r));
      rng.shuffle(order.begin(), order.end());
      if (!prepare_copies) {
        const RowMatrix<double> y_r = gather_rows(ys, order);
        if (knn::detail::prepare(ksg_fn, "y", y_r, ksg, 1) != gather_rows(engine.y(), order)) {
          null(r) = estimate_mi(id, xs, y_r, single).value;
          continue;
        }
      }
      const Eigen::VectorXd local = engine.local_values(order, 1, &tied);
      warnings.clear();
      knn::detail::check_ties(ksg_fn, {{"x", xs.cols()}, {"y", ys.cols()}}, tied, ksg.k,
                              knn::detail::kKsgTieAlternatives, warnings);
      null(r) = knn::detail::finish(Eigen::VectorXd(local), ksg.k).value;
    }
  });
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

  result.null.resize(permutations);
  if (id == Estimator::ksg1 || id == Estimator::ksg2) {
    detail::ksg_null(id, xs, ys, options, seed, result.null);
    detail::summarise_null(result);
    return result;
  }
  NonNeuralOptions single = options;
  single.knn.threads = 1;
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
