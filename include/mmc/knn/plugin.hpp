// mmc/knn/plugin.hpp — plug-in ("maximum likelihood") entropy, mutual
// information and conditional entropy of discrete variables, with the
// Miller–Madow bias correction as an option (DESIGN.md §3.1).
//
// Each row of the input is one symbol: a row of integers (a label vector, a
// matrix of codes) or of floating-point values compared exactly (rows equal
// under == are the same symbol; -0.0 == 0.0). With n(s) the count of symbol s
// among N samples and m the number of occupied cells (distinct symbols):
//   H = (1/N) sum_i [log N - log n(x_i)]                  = -sum_s p_s log p_s
//   I(X;Y) = (1/N) sum_i [log n(x_i,y_i) + log N - log n(x_i) - log n(y_i)]
//   H(Y|X) = (1/N) sum_i [log n(x_i) - log n(x_i,y_i)]     = H(X,Y) - H(X)
// The bracketed terms are the per-sample `local` values (evaluated left to
// right as written). Miller–Madow adds (m - 1)/(2N) to every entropy, so the
// MI gains (m_x + m_y - m_xy - 1)/(2N) and H(Y|X) gains (m_xy - m_x)/(2N);
// `local` stays uncorrected and `value` = mean(local) + `correction`.
//
// Symbols are coded by sorting the row indices (lexicographic order of the
// rows), O(N d log N), no hashing: codes come out in symbol order, so results
// are reproducible bit for bit.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>
#include <string_view>
#include <vector>

#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"

namespace mmc::knn {

/// Options of the plug-in estimators.
struct PluginOptions {
  /// Add the Miller–Madow correction (m - 1)/(2N) to every entropy
  /// (m = occupied cells). Off by default: the plain plug-in value.
  bool miller_madow = false;
};

/// Result of PluginEntropy (and BinnedEntropy).
struct PluginEntropyResult {
  /// The entropy in nats: mean(local) + correction.
  double value = 0.0;
  /// -log p^(x_i) = log N - log n(x_i), uncorrected.
  Eigen::VectorXd local;
  /// Number of samples.
  Index n = 0;
  /// Occupied cells (distinct symbols).
  Index cells = 0;
  /// Miller–Madow correction added to mean(local) (0 when off).
  double correction = 0.0;
};

/// Result of PluginMutualInformation (and BinnedMutualInformation).
struct PluginMutualInformationResult {
  /// I(X;Y) in nats: mean(local) + correction (= h_x + h_y - h_xy up to rounding).
  double value = 0.0;
  /// log n(x_i,y_i) + log N - log n(x_i) - log n(y_i), uncorrected.
  Eigen::VectorXd local;
  Index n = 0;
  /// The three entropies, each with its own correction when Miller–Madow is on.
  double h_x = 0.0, h_y = 0.0, h_xy = 0.0;
  Index cells_x = 0, cells_y = 0, cells_xy = 0;
  /// Miller–Madow correction added to mean(local): (m_x + m_y - m_xy - 1)/(2N).
  double correction = 0.0;
};

/// Result of PluginConditionalEntropy.
struct PluginConditionalEntropyResult {
  /// H(Y|X) in nats: mean(local) + correction (= h_xy - h_x up to rounding).
  double value = 0.0;
  /// log n(x_i) - log n(x_i,y_i), uncorrected.
  Eigen::VectorXd local;
  Index n = 0;
  double h_x = 0.0, h_xy = 0.0;
  Index cells_x = 0, cells_xy = 0;
  /// Miller–Madow correction added to mean(local): (m_xy - m_x)/(2N).
  double correction = 0.0;
};

namespace detail {

/// Dense symbol codes: code[i] in [0, cells) in increasing symbol order, and
/// count[c] = number of samples with code c.
struct SymbolCodes {
  std::vector<Index> code;
  std::vector<Index> count;
  Index cells() const noexcept { return static_cast<Index>(count.size()); }
};

/// Codes n samples by sorting their indices with a strict weak order `less`.
template <class Less>
SymbolCodes code_by_order(Index n, Less less) {
  std::vector<Index> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), Index{0});
  std::sort(order.begin(), order.end(), less);
  SymbolCodes result;
  result.code.resize(static_cast<std::size_t>(n));
  for (std::size_t p = 0; p < order.size(); ++p) {
    if (p == 0 || less(order[p - 1], order[p])) result.count.push_back(0);
    ++result.count.back();
    result.code[static_cast<std::size_t>(order[p])] = result.cells() - 1;
  }
  return result;
}

/// Validates an input (non-empty, finite) and codes its rows as symbols.
template <class Derived>
SymbolCodes code_rows(std::string_view function, std::string_view argument,
                      const Eigen::DenseBase<Derived>& x) {
  mmc::detail::check_data(function, argument, x);
  const RowMatrix<typename Derived::Scalar> rows = x.derived();
  const Index d = rows.cols();
  return code_by_order(rows.rows(), [&](Index a, Index b) {
    const auto* ra = rows.data() + a * d;
    const auto* rb = rows.data() + b * d;
    return std::lexicographical_compare(ra, ra + d, rb, rb + d);
  });
}

/// Codes the pairs (x_i, y_i) of two codings of the same samples.
inline SymbolCodes code_pairs(const SymbolCodes& x, const SymbolCodes& y) {
  std::vector<Index> key(x.code.size());
  for (std::size_t i = 0; i < key.size(); ++i) key[i] = x.code[i] * y.cells() + y.code[i];
  return code_by_order(static_cast<Index>(key.size()),
                       [&](Index a, Index b) { return key[a] < key[b]; });
}

/// Mean of per-sample values, summed in index order.
inline double mean_of(const Eigen::VectorXd& local) {
  return accurate_sum(local.data(), local.data() + local.size()) / static_cast<double>(local.size());
}

/// Miller–Madow term (cells - 1)/(2N), or 0 when off.
inline double miller_madow(bool on, Index cells, Index n) {
  return on ? static_cast<double>(cells - 1) / (2.0 * static_cast<double>(n)) : 0.0;
}

inline PluginEntropyResult plugin_entropy(const SymbolCodes& s, bool mm) {
  const Index n = static_cast<Index>(s.code.size());
  const double log_n = std::log(static_cast<double>(n));
  PluginEntropyResult r;
  r.local.resize(n);
  for (Index i = 0; i < n; ++i)
    r.local(i) = log_n - std::log(static_cast<double>(s.count[s.code[i]]));
  r.n = n;
  r.cells = s.cells();
  r.correction = miller_madow(mm, r.cells, n);
  r.value = mean_of(r.local) + r.correction;
  return r;
}

inline PluginMutualInformationResult plugin_mi(const SymbolCodes& x, const SymbolCodes& y, bool mm) {
  const SymbolCodes xy = code_pairs(x, y);
  const Index n = static_cast<Index>(x.code.size());
  const double log_n = std::log(static_cast<double>(n));
  PluginMutualInformationResult r;
  r.local.resize(n);
  for (Index i = 0; i < n; ++i) {
    r.local(i) = std::log(static_cast<double>(xy.count[xy.code[i]])) + log_n -
                 std::log(static_cast<double>(x.count[x.code[i]])) -
                 std::log(static_cast<double>(y.count[y.code[i]]));
  }
  r.n = n;
  r.h_x = plugin_entropy(x, mm).value;
  r.h_y = plugin_entropy(y, mm).value;
  r.h_xy = plugin_entropy(xy, mm).value;
  r.cells_x = x.cells();
  r.cells_y = y.cells();
  r.cells_xy = xy.cells();
  r.correction = mm ? static_cast<double>(r.cells_x + r.cells_y - r.cells_xy - 1) /
                          (2.0 * static_cast<double>(n))
                    : 0.0;
  r.value = mean_of(r.local) + r.correction;
  return r;
}

inline PluginConditionalEntropyResult plugin_conditional(const SymbolCodes& y, const SymbolCodes& x,
                                                         bool mm) {
  const SymbolCodes xy = code_pairs(x, y);
  const Index n = static_cast<Index>(x.code.size());
  PluginConditionalEntropyResult r;
  r.local.resize(n);
  for (Index i = 0; i < n; ++i) {
    r.local(i) = std::log(static_cast<double>(x.count[x.code[i]])) -
                 std::log(static_cast<double>(xy.count[xy.code[i]]));
  }
  r.n = n;
  r.h_x = plugin_entropy(x, mm).value;
  r.h_xy = plugin_entropy(xy, mm).value;
  r.cells_x = x.cells();
  r.cells_xy = xy.cells();
  r.correction =
      mm ? static_cast<double>(r.cells_xy - r.cells_x) / (2.0 * static_cast<double>(n)) : 0.0;
  r.value = mean_of(r.local) + r.correction;
  return r;
}

/// An int span as an Eigen column vector (no copy).
inline Eigen::Map<const Eigen::VectorXi> as_vector(std::span<const int> values) {
  return {values.data(), static_cast<Index>(values.size())};
}

}  // namespace detail

/// Plug-in entropy H(X) of discrete symbols (one per row), in nats.
class PluginEntropy {
 public:
  using Options = PluginOptions;

  PluginEntropy() = default;
  explicit PluginEntropy(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// Entropy of the rows of x (integer or floating, compared exactly).
  template <class Derived>
  PluginEntropyResult estimate(const Eigen::DenseBase<Derived>& x) const {
    return detail::plugin_entropy(detail::code_rows("mmc::knn::PluginEntropy::estimate", "x", x),
                                  options_.miller_madow);
  }
  /// Entropy of integer symbols given as a span (e.g. a std::vector<int>).
  PluginEntropyResult estimate(std::span<const int> x) const { return estimate(detail::as_vector(x)); }

 private:
  Options options_;
};

/// Plug-in mutual information I(X;Y) = H(X) + H(Y) - H(X,Y), in nats.
class PluginMutualInformation {
 public:
  using Options = PluginOptions;

  PluginMutualInformation() = default;
  explicit PluginMutualInformation(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// MI between the rows of x and y (same number of rows).
  template <class DerivedX, class DerivedY>
  PluginMutualInformationResult estimate(const Eigen::DenseBase<DerivedX>& x,
                                         const Eigen::DenseBase<DerivedY>& y) const {
    constexpr std::string_view function = "mmc::knn::PluginMutualInformation::estimate";
    const detail::SymbolCodes cx = detail::code_rows(function, "x", x);
    const detail::SymbolCodes cy = detail::code_rows(function, "y", y);
    mmc::detail::check_same_rows(function, "y", y.rows(), "x", x.rows());
    return detail::plugin_mi(cx, cy, options_.miller_madow);
  }
  /// Same, for integer symbols given as spans.
  PluginMutualInformationResult estimate(std::span<const int> x, std::span<const int> y) const {
    return estimate(detail::as_vector(x), detail::as_vector(y));
  }

 private:
  Options options_;
};

/// Plug-in conditional entropy H(Y|X) = H(X,Y) - H(X), in nats.
class PluginConditionalEntropy {
 public:
  using Options = PluginOptions;

  PluginConditionalEntropy() = default;
  explicit PluginConditionalEntropy(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// Entropy of the rows of y given the rows of x (same number of rows).
  template <class DerivedY, class DerivedX>
  PluginConditionalEntropyResult estimate(const Eigen::DenseBase<DerivedY>& y,
                                          const Eigen::DenseBase<DerivedX>& x) const {
    constexpr std::string_view function = "mmc::knn::PluginConditionalEntropy::estimate";
    const detail::SymbolCodes cy = detail::code_rows(function, "y", y);
    const detail::SymbolCodes cx = detail::code_rows(function, "x", x);
    mmc::detail::check_same_rows(function, "x", x.rows(), "y", y.rows());
    return detail::plugin_conditional(cy, cx, options_.miller_madow);
  }
  /// Same, for integer symbols given as spans.
  PluginConditionalEntropyResult estimate(std::span<const int> y, std::span<const int> x) const {
    return estimate(detail::as_vector(y), detail::as_vector(x));
  }

 private:
  Options options_;
};

}  // namespace mmc::knn
