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
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/knn/plugin.hpp"
#include "mmc/neighbors/axis_order.hpp"

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

/// Bin index of every entry of a validated matrix, column by column. Equal
/// width needs only the column's extremes (one pass); equal frequency takes
/// rank(v) = #{values < v} from the column's sorted order (radix sort,
/// neighbors/axis_order.hpp): the first sorted position holding v.
/// Column-major in and out: every pass reads and writes one contiguous column.
inline Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> bin_columns(
    std::string_view function, std::string_view argument, const Eigen::Ref<const Eigen::MatrixXd>& x,
    Index bins, Binning binning) {
  const Index n = x.rows();
  Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> result(n, x.cols());
  for (Index c = 0; c < x.cols(); ++c) {
    if (binning == Binning::equal_frequency) {
      // B >= N gives every distinct rank its own bin, the same partition as B = N
      // (which also keeps rank * B from overflowing).
      const Index b = std::min(bins, n);
      const neighbors::AxisOrder<double> axis = neighbors::sort_axis(x.col(c).data(), n);
      Index rank = 0;  // first sorted position of the current run of equal values
      for (Index p = 0; p < n; ++p) {
        if (p > 0 && axis.values[static_cast<std::size_t>(p)] != axis.values[static_cast<std::size_t>(p - 1)]) rank = p;
        result(axis.order[static_cast<std::size_t>(p)], c) = rank * b / n;
      }
      continue;
    }
    double lo = x(0, c), hi = x(0, c);
    for (Index i = 1; i < n; ++i) {
      lo = x(i, c) < lo ? x(i, c) : lo;
      hi = x(i, c) > hi ? x(i, c) : hi;
    }
    const double range = hi - lo;
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
Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> binned_symbols(std::string_view function,
                                                                    std::string_view argument,
                                                                    const Eigen::DenseBase<Derived>& x,
                                                                    const BinnedOptions& options) {
  mmc::detail::check_data(function, argument, x);
  return bin_columns(function, argument, x.derived().template cast<double>(), options.bins, options.binning);
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
    const auto bx = detail::binned_symbols(function, "x", x, options_);
    const auto by = detail::binned_symbols(function, "y", y, options_);
    mmc::detail::check_same_rows(function, "y", by.rows(), "x", bx.rows());
    return detail::plugin_mi(detail::code_rows(function, "x", bx),
                             detail::code_rows(function, "y", by), options_.miller_madow);
  }

 private:
  Options options_;
};

}  // namespace mmc::knn
