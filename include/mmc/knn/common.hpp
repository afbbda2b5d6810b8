// mmc/knn/common.hpp — what every kNN-family estimator shares: the options
// every one of them takes, the result type, and input preparation.
//
// Conventions (docs/design.md §2): inputs are any Eigen expressions with one sample
// per row; estimators copy them into a row-major double matrix (never touching
// caller data), validate, then optionally standardise and jitter the copy.
// Results are in nats and carry the per-sample local values; the estimate is
// their mean, summed in index order so it never depends on the thread count.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "mmc/core/parallel.hpp"
#include "mmc/core/preprocess.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"

namespace mmc::knn {

/// Options every kNN estimator has. Estimators with more options derive from it.
struct KnnOptions {
  /// Number of neighbours (docs/design.md §3.1 "k"); 3 is the customary default.
  Index k = 3;
  /// Standardise every column of every input to zero mean, unit variance first.
  bool standardize = false;
  /// Gaussian jitter, relative to each column's standard deviation, added to
  /// break ties between duplicated points (0 = none). Uses `seed`.
  double jitter = 0.0;
  /// Seed for jitter (and any other randomness of the estimator).
  std::uint64_t seed = 0;
  /// Worker threads (0 = all cores). Results never depend on it.
  int threads = 0;
};

/// The result of a kNN estimate.
struct KnnResult {
  /// The estimate in nats.
  double value = 0.0;
  /// Per-sample local values; `value` is their mean unless the estimator's
  /// documentation says otherwise (e.g. Ross drops singleton classes).
  Eigen::VectorXd local;
  /// Number of samples used.
  Index n = 0;
  /// Neighbour count used.
  Index k = 0;
};

namespace detail {

/// Row-major double copy of an input after validation, standardisation and
/// jitter according to the options. `stream` keeps jitter of different inputs
/// independent (use 0 for x, 1 for y, 2 for z, ...).
template <class Derived>
RowMatrix<double> prepare(std::string_view function, std::string_view argument,
                          const Eigen::DenseBase<Derived>& input, const KnnOptions& options,
                          std::uint64_t stream) {
  mmc::detail::check_data(function, argument, input);
  RowMatrix<double> data = to_row_major<double>(input);
  if (options.standardize) standardize_columns(data, function, argument);
  add_jitter(data, options.jitter, options.seed, stream);
  return data;
}

/// Validates the options shared by all kNN estimators against a sample count.
inline void check_options(std::string_view function, const KnnOptions& options, Index samples) {
  mmc::detail::check_k(function, options.k, samples);
  if (!(options.jitter >= 0.0) || !std::isfinite(options.jitter)) {
    mmc::detail::throw_invalid(function, "jitter", "must be a finite number >= 0",
                               "pass 0 for no jitter or a small scale such as 1e-10");
  }
}

/// [a | b]: the joint space of two inputs with the same rows.
inline RowMatrix<double> concat_columns(const RowMatrix<double>& a, const RowMatrix<double>& b) {
  RowMatrix<double> joint(a.rows(), a.cols() + b.cols());
  joint.leftCols(a.cols()) = a;
  joint.rightCols(b.cols()) = b;
  return joint;
}

/// Fills value = mean of local (Neumaier sum in index order), n and k.
inline KnnResult finish(Eigen::VectorXd local, Index k) {
  KnnResult result;
  result.n = local.size();
  result.k = k;
  result.value = local.size() > 0
                     ? accurate_sum(local.data(), local.data() + local.size()) /
                           static_cast<double>(local.size())
                     : 0.0;
  result.local = std::move(local);
  return result;
}

/// Grain (points per block) for parallel loops over samples: fixed, so block
/// boundaries never depend on the thread count.
inline constexpr Index kPointGrain = 1024;

}  // namespace detail
}  // namespace mmc::knn
