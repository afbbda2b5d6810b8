// mmc/knn/detail/symbol_codes.hpp — dense codes of discrete symbols, the first
// step of the plug-in estimators (knn/plugin.hpp, knn/binned.hpp).
//
// A symbol is one row of the input, compared exactly (rows equal under == are
// the same symbol; -0.0 == 0.0). Its code is the rank of its row among the
// distinct rows in lexicographic order, so codes and counts do not depend on
// how they are computed, and the estimates are reproducible bit for bit.
//
// The obviously correct way (code_by_order) sorts the row indices with a
// lexicographic comparison: O(N d log N) comparisons, each up to d entries.
// code_rows gets the same codes column by column instead: it codes the first
// column, then pairs the codes so far with the next column's codes, key =
// prefix code * (cells of the column) + column code. Both codes are ranks, so
// the key order is the lexicographic order of (prefix, column), and the ranks
// of the keys are the codes of the longer prefix. Once every row has its own
// code the remaining columns cannot split a symbol, and coding stops. Each
// step is a counting pass when its keys span at most counting_range_limit(N)
// values (small integer columns, e.g. bin indices: O(N + range)) and a radix
// sort of (key, index) pairs otherwise (neighbors/axis_order.hpp), never a
// comparison sort. Binned data at N = 10^6 with 5 columns of 10 bins per
// side: every step counts (docs/benchmarks.md, "Plug-in and binned").
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mmc/core/large_vector.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/neighbors/axis_order.hpp"

namespace mmc::knn::detail {

/// Dense symbol codes: code[i] in [0, cells) in increasing symbol order, and
/// count[c] = number of samples with code c.
struct SymbolCodes {
  std::vector<Index> code;
  std::vector<Index> count;
  Index cells() const noexcept { return static_cast<Index>(count.size()); }
};

/// Codes n samples by sorting their indices with a strict weak order `less`
/// (the reference the faster paths are tested against).
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

/// (key, sample index) pairs, in index order before sorting.
using KeyPairs = LargeVector<neighbors::detail::RadixPair<std::uint64_t>>;

/// Codes the samples of `pairs` (one per sample, key order = symbol order) by
/// a stable radix sort of the pairs: the codes code_by_order would give.
inline SymbolCodes code_by_radix(KeyPairs& pairs) {
  KeyPairs spare(pairs.size());
  const KeyPairs& sorted = neighbors::detail::radix_sort_pairs(pairs, spare, 1);
  SymbolCodes result;
  result.code.resize(sorted.size());
  for (std::size_t p = 0; p < sorted.size(); ++p) {
    if (p == 0 || sorted[p - 1].key != sorted[p].key) result.count.push_back(0);
    ++result.count.back();
    result.code[static_cast<std::size_t>(sorted[p].index)] = result.cells() - 1;
  }
  return result;
}

/// Whether a column of this type has an order-preserving 64-bit radix key.
template <class Scalar>
inline constexpr bool kHasRadixKey =
    (std::is_integral_v<Scalar> && sizeof(Scalar) <= 8) || neighbors::detail::kRadixSortable<Scalar>;

/// Order-preserving 64-bit key of a value (a < b <=> key(a) < key(b); equal
/// values, -0.0 and 0.0 included, get equal keys).
template <class Scalar>
std::uint64_t column_key(Scalar value) noexcept {
  if constexpr (std::is_floating_point_v<Scalar>) {
    return static_cast<std::uint64_t>(neighbors::detail::radix_key<Scalar>(value));
  } else if constexpr (std::is_signed_v<Scalar>) {
    // Two's complement with the sign bit flipped: INT64_MIN -> 0, -1 -> 2^63 - 1.
    return static_cast<std::uint64_t>(static_cast<std::int64_t>(value)) ^ (std::uint64_t{1} << 63);
  } else {
    return static_cast<std::uint64_t>(value);
  }
}

/// Keys v - min for n integer values spanning at most counting_range_limit(n)
/// consecutive integers; empty when the values do not qualify. Integer types subtract in unsigned 64-bit
/// arithmetic (exact for any values); floating-point values must be integral,
/// and v - min is then exact (both are within 4N + 1024 of each other,
/// Sterbenz).
template <class Scalar>
std::vector<Index> small_integer_keys(const Scalar* values, Index n, Index& range) {
  if (n == 0) return {};
  Scalar lo = values[0], hi = values[0];
  for (Index i = 1; i < n; ++i) {
    const Scalar v = values[i];
    lo = v < lo ? v : lo;
    hi = v > hi ? v : hi;
  }
  const auto limit = static_cast<std::uint64_t>(counting_range_limit(n));
  std::vector<Index> key(static_cast<std::size_t>(n));
  if constexpr (std::is_integral_v<Scalar>) {
    const auto base = static_cast<std::uint64_t>(static_cast<std::int64_t>(lo));
    const std::uint64_t span = static_cast<std::uint64_t>(static_cast<std::int64_t>(hi)) - base;
    if (span >= limit) return {};
    for (Index i = 0; i < n; ++i)
      key[static_cast<std::size_t>(i)] = static_cast<Index>(
          static_cast<std::uint64_t>(static_cast<std::int64_t>(values[i])) - base);
    range = static_cast<Index>(span) + 1;
  } else {
    const double base = static_cast<double>(lo);
    const double span = static_cast<double>(hi) - base;
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

/// Codes n values (one column): by counting when they are integers of a
/// small range, else by a radix sort of their keys (a comparison sort for
/// types without one).
template <class Scalar>
SymbolCodes code_column(const Scalar* values, Index n) {
  Index range = 0;
  const std::vector<Index> small = small_integer_keys(values, n, range);
  if (!small.empty()) return code_by_key(small, range);
  if constexpr (kHasRadixKey<Scalar>) {
    KeyPairs pairs(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) pairs[static_cast<std::size_t>(i)] = {column_key(values[i]), i};
    return code_by_radix(pairs);
  } else {
    return code_by_order(n, [&](Index a, Index b) { return values[a] < values[b]; });
  }
}

/// Codes the pairs (x_i, y_i) of two codings of the same samples, in
/// lexicographic order of (x code, y code).
inline SymbolCodes code_pairs(const SymbolCodes& x, const SymbolCodes& y) {
  const auto n = static_cast<Index>(x.code.size());
  const Index range = x.cells() * y.cells();  // <= N^2: no overflow for N < 3e9
  if (range <= counting_range_limit(n)) {
    std::vector<Index> key(x.code.size());
    for (std::size_t i = 0; i < key.size(); ++i) key[i] = x.code[i] * y.cells() + y.code[i];
    return code_by_key(key, range);
  }
  KeyPairs pairs(x.code.size());
  for (Index i = 0; i < n; ++i) {
    const auto s = static_cast<std::size_t>(i);
    pairs[s] = {static_cast<std::uint64_t>(x.code[s] * y.cells() + y.code[s]), i};
  }
  return code_by_radix(pairs);
}

/// Validates an input (non-empty, finite) and codes its rows as symbols:
/// column by column (see the file comment); the codes of code_by_order with
/// the lexicographic order of the rows.
template <class Derived>
SymbolCodes code_rows(std::string_view function, std::string_view argument,
                      const Eigen::DenseBase<Derived>& x) {
  mmc::detail::check_data(function, argument, x);
  // Column-major: every column contiguous (no copy when x already is).
  const Eigen::Ref<const Eigen::Matrix<typename Derived::Scalar, Eigen::Dynamic, Eigen::Dynamic>> columns =
      x.derived();
  const Index n = columns.rows(), d = columns.cols();
  SymbolCodes codes = code_column(columns.col(0).data(), n);
  for (Index c = 1; c < d && codes.cells() < n; ++c) codes = code_pairs(codes, code_column(columns.col(c).data(), n));
  return codes;
}

}  // namespace mmc::knn::detail
