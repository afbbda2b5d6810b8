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
#include <cstdio>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

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
  /// Problems that did not stop the estimate but may bias it (e.g. a few tied
  /// samples, docs/design.md §3.1); empty for clean data.
  std::vector<std::string> warnings;
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
  RowMatrix<double> data = to_row_major<double>(input, options.threads);
  if (options.standardize) standardize_columns(data, function, argument, options.threads);
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

// ---------------------------------------------------------------------------
// Ties (docs/design.md §3.1). KSG-type estimators (KSG 1 and 2, KSG-CMI, LNC)
// assume continuous data: their counts compare distances to a neighbour radius
// that is positive and that no other sample shares. Sample i is *tied* when it
// and all k of its nearest neighbours in the joint space share one value in
// some column, i.e. its k-th neighbour distance in that column is 0 (always
// the case when its k-th joint distance is 0). Its counts then measure the
// size of an atom, not a density: 10 symbols repeated give KSG 1 = 9.7 nats
// for H(X) = 2.3, and x + 1e15 (rounded to steps of 0.125) gives 4.8 nats for
// 0.15. Continuous data never tie (any such coincidence has probability 0);
// data written with few digits tie when the rounding step is comparable to
// the neighbour distances. The flag costs O(d) per sample on continuous data
// (the first neighbour already differs in every column), on neighbours the
// estimator has found anyway.
// Rule: more than kMaxTiedFraction of the samples tied -> mmc::invalid_argument
// naming options.jitter and the estimators built for discrete data; fewer
// (but some) -> a warning in KnnResult::warnings.

/// Fraction of tied samples above which an estimate is refused. A tied
/// sample's local value is off by up to about log N nats (its counts collapse
/// to the atom), so the bias grows like (tied fraction) x log N. Measured
/// (N = 1e4, Gaussians with I = 0.154 nats, groups of 4 identical rows, KSG 1):
/// 0.1 % of the samples tied give +0.009 nats (about one standard error of
/// the estimate there), 0.3 % +0.03, 1 % +0.11, 3 % +0.33; continuous x
/// rounded to steps of 0.01 sd ties 0.85 % and gives +0.08. Hence refuse above
/// 0.1 %, and below it only warn: the effect is then within the estimator's
/// own error. Continuous data tie only by coincidence of rounding (k = 1 with
/// coarse data; with k = 3 essentially never).
inline constexpr double kMaxTiedFraction = 0.001;

/// Shared advice for tied data (the argument names are the library's).
inline constexpr std::string_view kTieFix =
    "if the data are continuous but rounded, set options.jitter to about the rounding step in "
    "standard deviations (e.g. 1e-3; it breaks ties, it cannot restore lost digits)";

/// The first column in which point `self` and all k of its neighbours share
/// one value, or -1. `row(j)` returns a pointer to the `columns` coordinates of
/// sample j. O(columns) when the first neighbour differs everywhere.
template <class Row>
Index tied_column(Row&& row, Index self, const Index* neighbours, Index k, Index columns) {
  const double* a = row(self);
  for (Index c = 0; c < columns; ++c) {
    Index j = 0;
    while (j < k && row(neighbours[j])[c] == a[c]) ++j;
    if (j == k) return c;
  }
  return -1;
}

/// A block of columns of a joint space, named by the argument it came from
/// (the joint space [x | y] is {{"x", d_x}, {"y", d_y}}).
struct ColumnBlock {
  std::string_view argument;
  Index columns = 0;
};

/// The one tie check of the kNN estimators (see above). tied[i] is the joint
/// column in which sample i is tied, or -1 (tied_column). Throws
/// mmc::invalid_argument when more than kMaxTiedFraction of the samples are
/// tied, naming the argument and column of the first tied sample; otherwise
/// appends a warning to `warnings` when any sample is tied. `alternatives`
/// names the estimators meant for such data (appended to kTieFix).
inline void check_ties(std::string_view function, std::initializer_list<ColumnBlock> blocks,
                       const std::vector<Index>& tied, Index k, std::string_view alternatives,
                       std::vector<std::string>& warnings) {
  const auto n = static_cast<Index>(tied.size());
  Index count = 0, first = -1;
  for (Index i = 0; i < n; ++i) {  // index order: the report never depends on threads
    if (tied[static_cast<std::size_t>(i)] < 0) continue;
    if (count++ == 0) first = i;
  }
  if (count == 0) return;
  Index column = tied[static_cast<std::size_t>(first)];
  std::string_view argument = "x";
  for (const ColumnBlock& block : blocks) {
    argument = block.argument;
    if (column < block.columns) break;
    column -= block.columns;
  }
  char percent[32];
  std::snprintf(percent, sizeof percent, "%.3g %%",
                100.0 * static_cast<double>(count) / static_cast<double>(n));
  const std::string what =
      "has tied values: for " + std::to_string(count) + " of " + std::to_string(n) +
      " samples (" + percent + ") all k = " + std::to_string(k) +
      " nearest neighbours share the sample's value in one column (first: row " +
      std::to_string(first) + ", column " + std::to_string(column) + " of '" +
      std::string(argument) + "')";
  const std::string fix = std::string(kTieFix) + "; " + std::string(alternatives);
  if (static_cast<double>(count) > kMaxTiedFraction * static_cast<double>(n)) {
    mmc::detail::throw_invalid(function, argument,
                               what + ", so the kNN counts, which assume continuous data, "
                                      "measure the ties instead of a density",
                               fix);
  }
  warnings.push_back(std::string(function) + ": argument '" + std::string(argument) + "' " + what +
                     "; their local values are unreliable; " + fix);
}

}  // namespace detail
}  // namespace mmc::knn
