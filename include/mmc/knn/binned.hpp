// mmc/knn/binned.hpp — the binned ("direct") estimator of entropy and mutual
// information for continuous data (docs/design.md §3.1, `--estimator plugin --bins B`).
//
// Every column is cut into B bins on its own, then the row of bin indices is a
// discrete symbol and the plug-in estimator of plugin.hpp does the rest, with
// the Miller–Madow correction on by default (it removes the leading O(m/N)
// bias of the plug-in entropy, m = occupied cells).
//   equal_width:     bin = floor((v - min) / (max - min) * B), the maximum in
//                    bin B-1; a constant column is one bin.
//   equal_frequency: bin = floor(rank(v) * B / N), rank(v) = #{values < v} in
//                    that column, so equal values share a bin and each bin
//                    holds about N/B samples (fewer bins are occupied when
//                    values repeat).
// The estimate of a continuous MI is biased by the binning itself (it is the
// MI of the discretised variables, <= the true MI) and needs N >> B^d samples
// in the joint space: prefer KSG for d > 2 (docs/estimators/binned.md).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/preprocess.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/knn/plugin.hpp"

namespace mmc::knn {

/// How BinnedEntropy / BinnedMutualInformation cut each column.
enum class Binning { equal_width, equal_frequency };

/// Options of the binned estimators.
struct BinnedOptions {
  /// Bins per column (B >= 1).
  Index bins = 10;
  /// Equal-width bins between the column's min and max, or equal-frequency
  /// (quantile) bins.
  Binning binning = Binning::equal_width;
  /// Miller–Madow correction of each entropy (on by default, docs/design.md §3.1).
  bool miller_madow = true;
};

namespace detail {

/// Bin index of every entry of a validated matrix, column by column.
inline RowMatrix<Index> bin_columns(std::string_view function, std::string_view argument,
                                    const RowMatrix<double>& x, Index bins, Binning binning) {
  const Index n = x.rows();
  RowMatrix<Index> result(n, x.cols());
  std::vector<double> sorted(static_cast<std::size_t>(n));
  for (Index c = 0; c < x.cols(); ++c) {
    for (Index i = 0; i < n; ++i) sorted[static_cast<std::size_t>(i)] = x(i, c);
    std::sort(sorted.begin(), sorted.end());
    if (binning == Binning::equal_frequency) {
      // B >= N gives every distinct rank its own bin, the same partition as B = N
      // (which also keeps rank * B from overflowing).
      const Index b = std::min(bins, n);
      for (Index i = 0; i < n; ++i) {
        const Index rank = std::lower_bound(sorted.begin(), sorted.end(), x(i, c)) - sorted.begin();
        result(i, c) = rank * b / n;
      }
      continue;
    }
    const double lo = sorted.front(), range = sorted.back() - sorted.front();
    if (!std::isfinite(range)) {
      mmc::detail::throw_invalid(function, argument,
                                 "has column " + std::to_string(c) +
                                     " whose range max - min overflows a double",
                                 "rescale the column (e.g. options.standardize upstream)");
    }
    for (Index i = 0; i < n; ++i) {
      const double t = range > 0 ? (x(i, c) - lo) / range : 0.0;
      const double bin = std::floor(t * static_cast<double>(bins));  // in [0, B]
      result(i, c) = bin >= static_cast<double>(bins - 1) ? bins - 1 : static_cast<Index>(bin);
    }
  }
  return result;
}

/// Validates and bins one input.
template <class Derived>
RowMatrix<Index> binned_symbols(std::string_view function, std::string_view argument,
                                const Eigen::DenseBase<Derived>& x, const BinnedOptions& options) {
  mmc::detail::check_data(function, argument, x);
  return bin_columns(function, argument, to_row_major<double>(x), options.bins, options.binning);
}

inline void check_bins(std::string_view function, const BinnedOptions& options) {
  mmc::detail::check_at_least(function, "bins", options.bins, 1);
}

}  // namespace detail

/// Binned plug-in entropy of continuous data (one sample per row), in nats.
/// The differential entropy is not what it estimates: it is H of the bins,
/// which grows like d log B; use it for comparisons at fixed binning.
class BinnedEntropy {
 public:
  using Options = BinnedOptions;

  BinnedEntropy() = default;
  explicit BinnedEntropy(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  template <class Derived>
  PluginEntropyResult estimate(const Eigen::DenseBase<Derived>& x) const {
    constexpr std::string_view function = "mmc::knn::BinnedEntropy::estimate";
    detail::check_bins(function, options_);
    return detail::plugin_entropy(
        detail::code_rows(function, "x", detail::binned_symbols(function, "x", x, options_)),
        options_.miller_madow);
  }

 private:
  Options options_;
};

/// Binned plug-in mutual information I(X;Y) of continuous data, in nats.
class BinnedMutualInformation {
 public:
  using Options = BinnedOptions;

  BinnedMutualInformation() = default;
  explicit BinnedMutualInformation(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// MI between the rows of x and y (same number of rows), each column binned
  /// on its own.
  template <class DerivedX, class DerivedY>
  PluginMutualInformationResult estimate(const Eigen::DenseBase<DerivedX>& x,
                                         const Eigen::DenseBase<DerivedY>& y) const {
    constexpr std::string_view function = "mmc::knn::BinnedMutualInformation::estimate";
    detail::check_bins(function, options_);
    const RowMatrix<Index> bx = detail::binned_symbols(function, "x", x, options_);
    const RowMatrix<Index> by = detail::binned_symbols(function, "y", y, options_);
    mmc::detail::check_same_rows(function, "y", by.rows(), "x", bx.rows());
    return detail::plugin_mi(detail::code_rows(function, "x", bx),
                             detail::code_rows(function, "y", by), options_.miller_madow);
  }

 private:
  Options options_;
};

}  // namespace mmc::knn
