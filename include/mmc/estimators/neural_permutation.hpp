// mmc/estimators/neural_permutation.hpp — permutation tests of I(X;Y) = 0 with
// the neural MI estimators (mine, nwj, infonce, js, smile, doe: any type E of
// estimators::visit_neural_mi, docs/design.md §3.2–3.3), the counterpart of
// permutation.hpp's permutation_test_mi for the estimators that train.
//
// Permutation r shuffles the rows of y with Rng(seed, streams::permutation::
// mi_first + r) (the same shuffles as the non-neural tests) and retrains the
// estimator from scratch on (x, y_r) with its own seed
// derive_seed(seed, streams::permutation::neural_seed_first + r), seed =
// options.seed; the null value is that run's held-out estimate. Retraining is
// the point: a network trained once on (x, y) would remember the pairing.
//
// Determinism: the permutations run one after another, each training with
// options.threads, and the neural estimators give the same bits at any thread
// count (docs/design.md §2), so the null does too. Cost: R + 1 trainings; use
// small networks and few steps for the null when the estimate itself is slow.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <numeric>
#include <string_view>
#include <vector>

#include "mmc/core/preprocess.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/streams.hpp"
#include "mmc/core/types.hpp"
#include "mmc/estimators/permutation_null.hpp"

namespace mmc::estimators {

/// The R null values of the neural estimator E (e.g. neural::NeuralMi<Bound::dv,
/// float, nn::CpuBackend<float>>, neural::Doe<...>): null(r) =
/// E(options_r).estimate(x, y_r).value as described above (options_r: options
/// with the seed of permutation r and no progress callback).
template <class E, class DerivedX, class DerivedY>
Eigen::VectorXd neural_permutation_null(const typename E::Options& options, const Eigen::DenseBase<DerivedX>& x,
                                        const Eigen::DenseBase<DerivedY>& y, Index permutations) {
  constexpr std::string_view fn = "mmc::estimators::neural_permutation_null";
  detail::check_permutations(fn, permutations);
  const RowMatrix<double> xs = to_row_major<double>(x);
  const RowMatrix<double> ys = to_row_major<double>(y);
  const Index n = ys.rows();
  typename E::Options single = options;
  single.progress = {};
  Eigen::VectorXd null(permutations);
  std::vector<Index> order(static_cast<std::size_t>(n));
  RowMatrix<double> shuffled(n, ys.cols());
  for (Index r = 0; r < permutations; ++r) {
    std::iota(order.begin(), order.end(), Index{0});
    Rng rng(options.seed, streams::permutation::mi_first + static_cast<std::uint64_t>(r));
    rng.shuffle(order.begin(), order.end());
    for (Index i = 0; i < n; ++i) shuffled.row(i) = ys.row(order[static_cast<std::size_t>(i)]);
    single.seed = derive_seed(options.seed, streams::permutation::neural_seed_first + static_cast<std::uint64_t>(r));
    null(r) = E(single).estimate(xs, shuffled).value;
  }
  return null;
}

/// The estimate of E on (x, y), its R-permutation null and the null's summary.
template <class Result>
struct NeuralPermutationResult {
  Result estimate;       ///< E(options).estimate(x, y), as without a test
  NullSummary test;      ///< p_value, null_mean, null_sd, corrected, permutations
  Eigen::VectorXd null;  ///< the R null values, in permutation order
};

/// Permutation test of I(X;Y) = 0 with the neural estimator E: the estimate
/// first (it validates the inputs), then neural_permutation_null.
template <class E, class DerivedX, class DerivedY>
auto permutation_test_neural_mi(const typename E::Options& options, const Eigen::DenseBase<DerivedX>& x,
                                const Eigen::DenseBase<DerivedY>& y, Index permutations) {
  detail::check_permutations("mmc::estimators::permutation_test_neural_mi", permutations);
  NeuralPermutationResult<typename E::Result> result{E(options).estimate(x, y), {}, {}};
  result.null = neural_permutation_null<E>(options, x, y, permutations);
  result.test = summarise_null(result.estimate.value, result.null);
  return result;
}

}  // namespace mmc::estimators
