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
// Symbols are coded by sorting the row indices (lexicographic order of the
// rows), O(N d log N), no hashing: codes come out in symbol order, so results
// are reproducible bit for bit. Fast path, same codes: a single column of
// integer values (labels, or integral floating-point values) spanning at most
// 4N + 1024 consecutive integers, and the (x, y) pairs when m_x m_y is within
// that bound, are coded by one counting pass instead of a sort (O(N + range)).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <span>
#include <string_view>
#include <type_traits>
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

/// Codes n samples by integer keys in [0, range): the codes code_by_order
/// would give (increasing key), by counting instead of sorting.
inline SymbolCodes code_by_key(const std::vector<Index>& key, Index range) {
  std::vector<Index> code_of_key(static_cast<std::size_t>(range), 0);
  for (const Index k : key) ++code_of_key[static_cast<std::size_t>(k)];  // counts first
  SymbolCodes result;
  for (auto& slot : code_of_key) {
    if (slot == 0) continue;
    result.count.push_back(slot);
    slot = result.cells() - 1;  // the count becomes the key's code
  }
  result.code.resize(key.size());
  for (std::size_t i = 0; i < key.size(); ++i)
    result.code[i] = code_of_key[static_cast<std::size_t>(key[i])];
  return result;
}

/// Largest key range coded by counting: memory O(N), like the sort's.
inline Index counting_range_limit(Index n) { return 4 * n + 1024; }

/// Keys v - min for one column of integer values spanning at most
/// counting_range_limit(n) integers; empty when the column does not qualify.
/// Integer types subtract in unsigned 64-bit arithmetic (exact for any values);
/// floating-point values must be integral, and v - min is then exact (both
/// are within 4N + 1024 of each other, Sterbenz).
template <class Scalar>
std::vector<Index> small_integer_keys(const Scalar* values, Index n, Index& range) {
  const auto [lo, hi] = std::minmax_element(values, values + n);
  const auto limit = static_cast<std::uint64_t>(counting_range_limit(n));
  std::vector<Index> key(static_cast<std::size_t>(n));
  if constexpr (std::is_integral_v<Scalar>) {
    const auto base = static_cast<std::uint64_t>(static_cast<std::int64_t>(*lo));
    const std::uint64_t span = static_cast<std::uint64_t>(static_cast<std::int64_t>(*hi)) - base;
    if (span >= limit) return {};
    for (Index i = 0; i < n; ++i)
      key[static_cast<std::size_t>(i)] = static_cast<Index>(
          static_cast<std::uint64_t>(static_cast<std::int64_t>(values[i])) - base);
    range = static_cast<Index>(span) + 1;
  } else {
    const double base = static_cast<double>(*lo);
    const double span = static_cast<double>(*hi) - base;
    if (!(span < static_cast<double>(limit))) return {};
    for (Index i = 0; i < n; ++i) {
      const double v = static_cast<double>(values[i]);
      if (v != std::floor(v)) return {};  // not an integer: sort instead
      key[static_cast<std::size_t>(i)] = static_cast<Index>(v - base);
    }
    range = static_cast<Index>(span) + 1;
  }
  return key;
}

/// Validates an input (non-empty, finite) and codes its rows as symbols.
template <class Derived>
SymbolCodes code_rows(std::string_view function, std::string_view argument,
                      const Eigen::DenseBase<Derived>& x) {
  mmc::detail::check_data(function, argument, x);
  const RowMatrix<typename Derived::Scalar> rows = x.derived();
  const Index d = rows.cols();
  if (d == 1) {
    Index range = 0;
    const std::vector<Index> key = small_integer_keys(rows.data(), rows.rows(), range);
    if (!key.empty()) return code_by_key(key, range);
  }
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
  const Index range = x.cells() * y.cells();  // <= N^2: no overflow for N < 3e9
  if (range <= counting_range_limit(static_cast<Index>(key.size()))) return code_by_key(key, range);
  return code_by_order(static_cast<Index>(key.size()),
                       [&](Index a, Index b) { return key[a] < key[b]; });
}

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
