// mmc/knn/plugin.hpp — plug-in ("maximum likelihood") entropy, mutual
// information and conditional entropy of discrete variables, with the
// Miller–Madow bias correction as an option (docs/design.md §3.1).
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
// Symbols get dense codes in lexicographic order of the rows, no hashing, so
// results are reproducible bit for bit (detail/symbol_codes.hpp: column by
// column, by counting where a column or pair of codes spans few integers, by
// radix sort elsewhere).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <span>
#include <string_view>
#include <vector>

#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/knn/detail/symbol_codes.hpp"

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

/// log count[c] per cell: one log per cell instead of one per sample (the same
/// values, so the local terms are bit-identical).
inline std::vector<double> log_counts(const SymbolCodes& s) {
  std::vector<double> out(s.count.size());
  for (std::size_t c = 0; c < out.size(); ++c) out[c] = std::log(static_cast<double>(s.count[c]));
  return out;
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
  const std::vector<double> log_s = log_counts(s);
  for (Index i = 0; i < n; ++i) r.local(i) = log_n - log_s[s.code[i]];
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
  const std::vector<double> log_x = log_counts(x), log_y = log_counts(y), log_xy = log_counts(xy);
  for (Index i = 0; i < n; ++i)
    r.local(i) = log_xy[xy.code[i]] + log_n - log_x[x.code[i]] - log_y[y.code[i]];
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
  const std::vector<double> log_x = log_counts(x), log_xy = log_counts(xy);
  for (Index i = 0; i < n; ++i) r.local(i) = log_x[x.code[i]] - log_xy[xy.code[i]];
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
