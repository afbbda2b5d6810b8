// mmc/estimators/mi_matrix.hpp — pairwise mutual information: every column of
// X against every column of Y (a matrix), or every column of X against one
// target variable (a ranking), with any non-neural estimator of the registry
// (docs/design.md §3.1).
//
// Each entry is exactly estimators::estimate_mi on the extracted column(s) with
// the same options: the pairs run in parallel (parallel_for, grain 1, fixed
// order), each estimate with threads = 1 and writing only its own cell, so the
// matrix equals the single calls bit for bit at any thread count
// (docs/design.md §2). No search structure is shared between pairs.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/core/preprocess.hpp"
#include "mmc/core/types.hpp"
#include "mmc/estimators/knn_dispatch.hpp"
#include "mmc/estimators/registry.hpp"

namespace mmc::estimators {

/// Pairwise estimates: values(i, j) = I(X_i; Y_j) in nats.
struct MiMatrix {
  Eigen::MatrixXd values;
  /// Warnings of the single estimates, prefixed "x column i, y column j: ".
  std::vector<std::string> warnings;
};

/// One entry of a ranking against a target.
struct MiRank {
  Index column = 0;  ///< column of X
  double value = 0.0;
};

/// Ranking of X's columns by I(X_i; target), descending (ties: smaller column first).
struct MiRanking {
  std::vector<MiRank> ranks;
  std::vector<std::string> warnings;
};

namespace detail {

inline void check_not_neural_matrix(std::string_view fn, Estimator id) {
  for (const auto& info : kMutualInformation) {
    if (info.id == id && info.family == Family::neural) {
      mmc::detail::throw_invalid(fn, "estimator", "is '" + std::string(info.name) + "', a neural estimator",
                                 "pairwise MI uses a kNN or discrete estimator");
    }
  }
}

inline void check_rows(std::string_view fn, std::string_view argument, Index rows, Index expected) {
  if (rows != expected) {
    mmc::detail::throw_invalid(fn, argument, "has " + std::to_string(rows) + " rows but x has " + std::to_string(expected),
                               "give one row per sample in every input");
  }
}

/// Runs f(); an mmc::invalid_argument it throws is rethrown with `where`
/// ("x column 2, y column 0") in front, so the user knows which pair failed.
template <class F>
auto naming_pair(const std::string& where, F&& f) {
  try {
    return f();
  } catch (const mmc::invalid_argument& e) {
    throw mmc::invalid_argument(where + ": " + e.what());
  }
}

/// Per-item errors of a parallel loop, rethrown deterministically: the error of
/// the lowest failing item, whatever the thread count or timing (items above a
/// known failure are skipped; items below it always run).
class FirstError {
 public:
  explicit FirstError(Index items) : errors_(static_cast<std::size_t>(items)), first_(items) {}
  bool skip(Index item) const noexcept { return item > first_.load(std::memory_order_relaxed); }
  void record(Index item, std::exception_ptr error) {
    errors_[static_cast<std::size_t>(item)] = std::move(error);
    Index seen = first_.load(std::memory_order_relaxed);
    while (item < seen && !first_.compare_exchange_weak(seen, item, std::memory_order_relaxed)) {
    }
  }
  void rethrow() const {
    for (const auto& error : errors_)
      if (error) std::rethrow_exception(error);
  }

 private:
  std::vector<std::exception_ptr> errors_;
  std::atomic<Index> first_;
};

inline void check_columns(std::string_view fn, std::string_view argument, Index cols) {
  if (cols < 1) {
    mmc::detail::throw_invalid(fn, argument, "has no columns", "give at least one column");
  }
}

}  // namespace detail

/// values(i, j) = estimate_mi(id, x.col(i), y.col(j), options).value for every
/// column pair. Threads: options.knn.threads (0 = all cores).
template <class DerivedX, class DerivedY>
MiMatrix mi_matrix(Estimator id, const Eigen::DenseBase<DerivedX>& x, const Eigen::DenseBase<DerivedY>& y,
                   const NonNeuralOptions& options) {
  constexpr std::string_view fn = "mmc::estimators::mi_matrix";
  detail::check_not_neural_matrix(fn, id);
  detail::check_columns(fn, "x", x.cols());
  detail::check_columns(fn, "y", y.cols());
  detail::check_rows(fn, "y", y.rows(), x.rows());
  const RowMatrix<double> xs = to_row_major<double>(x);
  const RowMatrix<double> ys = to_row_major<double>(y);
  const Index dx = xs.cols(), dy = ys.cols();
  NonNeuralOptions single = options;
  single.knn.threads = 1;
  MiMatrix result;
  result.values.resize(dx, dy);
  std::vector<std::vector<std::string>> warnings(static_cast<std::size_t>(dx * dy));
  detail::FirstError errors(dx * dy);
  parallel_for(dx * dy, options.knn.threads, 1, [&](Index begin, Index end) {
    for (Index p = begin; p < end; ++p) {
      if (errors.skip(p)) continue;
      try {
        const Index i = p / dy, j = p % dy;
        const RowMatrix<double> xi = xs.col(i);
        const RowMatrix<double> yj = ys.col(j);
        Estimate e = detail::naming_pair("x column " + std::to_string(i) + ", y column " + std::to_string(j),
                                         [&] { return estimate_mi(id, xi, yj, single); });
        result.values(i, j) = e.value;
        for (auto& w : e.warnings)
          warnings[static_cast<std::size_t>(p)].push_back("x column " + std::to_string(i) + ", y column " +
                                                          std::to_string(j) + ": " + w);
      } catch (...) {
        errors.record(p, std::current_exception());
      }
    }
  });
  errors.rethrow();
  for (auto& list : warnings)
    for (auto& w : list) result.warnings.push_back(std::move(w));
  return result;
}

/// Ranks X's columns by estimate_mi(id, x.col(i), target, options).value,
/// descending; `target` is one variable (all its columns together; for ross
/// one column of integer labels). Threads: options.knn.threads.
template <class DerivedX, class DerivedT>
MiRanking mi_ranking(Estimator id, const Eigen::DenseBase<DerivedX>& x, const Eigen::DenseBase<DerivedT>& target,
                     const NonNeuralOptions& options) {
  constexpr std::string_view fn = "mmc::estimators::mi_ranking";
  detail::check_not_neural_matrix(fn, id);
  detail::check_columns(fn, "x", x.cols());
  detail::check_columns(fn, "target", target.cols());
  detail::check_rows(fn, "target", target.rows(), x.rows());
  const RowMatrix<double> xs = to_row_major<double>(x);
  const RowMatrix<double> ts = to_row_major<double>(target);
  NonNeuralOptions single = options;
  single.knn.threads = 1;
  const Index dx = xs.cols();
  std::vector<MiRank> ranks(static_cast<std::size_t>(dx));
  std::vector<std::vector<std::string>> warnings(static_cast<std::size_t>(dx));
  detail::FirstError errors(dx);
  parallel_for(dx, options.knn.threads, 1, [&](Index begin, Index end) {
    for (Index i = begin; i < end; ++i) {
      if (errors.skip(i)) continue;
      try {
        const RowMatrix<double> xi = xs.col(i);
        Estimate e = detail::naming_pair("x column " + std::to_string(i),
                                         [&] { return estimate_mi(id, xi, ts, single); });
        ranks[static_cast<std::size_t>(i)] = {i, e.value};
        for (auto& w : e.warnings)
          warnings[static_cast<std::size_t>(i)].push_back("x column " + std::to_string(i) + ": " + w);
      } catch (...) {
        errors.record(i, std::current_exception());
      }
    }
  });
  errors.rethrow();
  std::stable_sort(ranks.begin(), ranks.end(), [](const MiRank& a, const MiRank& b) { return a.value > b.value; });
  MiRanking result;
  result.ranks = std::move(ranks);
  for (auto& list : warnings)
    for (auto& w : list) result.warnings.push_back(std::move(w));
  return result;
}

/// The plug-in (maximum-likelihood, no Miller–Madow) entropy of the rows of y
/// as discrete symbols, in nats (docs/design.md §3.1, "Plug-in"): the
/// denominator of the normalised MI I(X;Y)/H(Y), Theil's uncertainty
/// coefficient U(Y|X) (Theil 1970; Press et al., Numerical Recipes, §14.7).
template <class DerivedY>
double plugin_entropy_of(const Eigen::DenseBase<DerivedY>& y) {
  knn::PluginOptions plain{};
  plain.miller_madow = false;
  return knn::PluginEntropy(plain).estimate(y).value;
}

}  // namespace mmc::estimators
