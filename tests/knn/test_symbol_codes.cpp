// Symbol coding (knn/detail/symbol_codes.hpp) against the obviously correct
// reference: sort the row indices by lexicographic comparison of the rows
// (code_by_order) and number the distinct rows in that order. Every path of
// code_rows — counting a small integer column, radix-sorting a column's keys,
// counting or radix-sorting the paired codes, stopping once every row is
// distinct — must give the reference's codes and counts exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <random>

#include "mmc/knn/binned.hpp"
#include "mmc/knn/detail/symbol_codes.hpp"

namespace {

using mmc::Index;
using mmc::knn::detail::code_by_order;
using mmc::knn::detail::code_rows;
using mmc::knn::detail::SymbolCodes;

template <class Scalar>
using Rows = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <class Scalar>
SymbolCodes reference_codes(const Rows<Scalar>& rows) {
  const Index d = rows.cols();
  return code_by_order(rows.rows(), [&](Index a, Index b) {
    const Scalar* ra = rows.data() + a * d;
    const Scalar* rb = rows.data() + b * d;
    return std::lexicographical_compare(ra, ra + d, rb, rb + d);
  });
}

template <class Scalar>
void expect_reference_codes(const Rows<Scalar>& rows, const char* what) {
  const SymbolCodes expected = reference_codes(rows);
  const SymbolCodes got = code_rows("test", "x", rows);
  EXPECT_EQ(got.code, expected.code) << what;
  EXPECT_EQ(got.count, expected.count) << what;
}

// n x d matrix with entries drawn uniformly from `values`.
template <class Scalar>
Rows<Scalar> draw(Index n, Index d, const std::vector<Scalar>& values, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::size_t> pick(0, values.size() - 1);
  Rows<Scalar> rows(n, d);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < d; ++j) rows(i, j) = values[pick(rng)];
  return rows;
}

std::vector<Index> integers(Index lo, Index count) {
  std::vector<Index> v;
  for (Index i = 0; i < count; ++i) v.push_back(lo + i);
  return v;
}

TEST(SymbolCodes, SmallIntegerColumnsAreCountedLikeTheReference) {
  // Bin indices, labels: every column and every pairing spans few integers.
  for (Index d : {1, 2, 3, 5})
    for (Index alphabet : {1, 2, 10})
      expect_reference_codes(draw<Index>(2000, d, integers(-3, alphabet), 10 * d + alphabet), "small");
}

TEST(SymbolCodes, WideIntegerColumnsAreRadixSortedLikeTheReference) {
  // Ranges far beyond 4N + 1024: the column keys are radix-sorted, and so are
  // the paired codes once cells x cells exceeds the counting limit.
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  const std::int64_t hi = std::numeric_limits<std::int64_t>::max();
  const std::vector<std::int64_t> extremes = {lo, lo + 1, -1000000007, -1, 0, 1, 999999937, hi - 1, hi};
  for (Index d : {1, 2, 4}) expect_reference_codes(draw<std::int64_t>(3000, d, extremes, d), "extremes");
  std::vector<std::int64_t> wide;
  for (int i = 0; i < 300; ++i) wide.push_back((static_cast<std::int64_t>(i) - 150) * 1000003);
  for (Index d : {2, 3}) expect_reference_codes(draw<std::int64_t>(5000, d, wide, 7 + d), "wide");
  const std::vector<int> ints = {std::numeric_limits<int>::min(), -5, 0, 7, std::numeric_limits<int>::max()};
  expect_reference_codes(draw<int>(1000, 3, ints, 3), "int");
  const std::vector<std::uint64_t> unsigned_values = {0, 1, std::uint64_t{1} << 63, ~std::uint64_t{0}, 12345};
  expect_reference_codes(draw<std::uint64_t>(1000, 2, unsigned_values, 4), "uint64");
  const std::vector<std::uint8_t> bytes = {0, 3, 200, 255};
  expect_reference_codes(draw<std::uint8_t>(500, 4, bytes, 5), "uint8");
}

TEST(SymbolCodes, FloatingColumnsCompareExactlyWithSignedZerosEqual) {
  const std::vector<double> values = {-0.0, 0.0, 1e-300, -1e-300, 0.5, -2.5, 1e300, -1e300, 3.0,
                                      std::numeric_limits<double>::denorm_min(), 0.1, 0.1 + 1e-16};
  for (Index d : {1, 2, 3}) expect_reference_codes(draw<double>(4000, d, values, 20 + d), "double");
  const std::vector<float> floats = {-0.0f, 0.0f, 1.5f, -1.5f, 1e-30f, 3e38f, 0.25f};
  for (Index d : {1, 3}) expect_reference_codes(draw<float>(2000, d, floats, 30 + d), "float");
  // Integral doubles of a small range take the counting path, others the radix sort.
  expect_reference_codes(draw<double>(2000, 2, {-2.0, -1.0, 0.0, -0.0, 4.0}, 5), "integral doubles");
  // Signed zeros alone: one symbol.
  Rows<double> zeros(3, 2);
  zeros << -0.0, 0.0, 0.0, -0.0, 0.0, 0.0;
  const SymbolCodes z = code_rows("test", "x", zeros);
  EXPECT_EQ(z.cells(), 1);
}

TEST(SymbolCodes, ContinuousRowsStopAtTheFirstDistinctColumn) {
  std::mt19937_64 rng(9);
  std::normal_distribution<double> normal;
  Rows<double> rows(3000, 4);
  for (Index i = 0; i < rows.rows(); ++i)
    for (Index j = 0; j < rows.cols(); ++j) rows(i, j) = normal(rng);
  rows.row(17) = rows.row(5);  // one repeated row, so not all rows are distinct
  expect_reference_codes(rows, "continuous");
  rows(17, 0) = rows(5, 0);    // first column tied, later columns decide
  rows(17, 3) = 1.0 + rows(5, 3);
  expect_reference_codes(rows, "continuous, tie in the first column");
}

TEST(SymbolCodes, PairsOfManyCellsAreRadixSortedLikeTheReference) {
  // 200 values per column: after two columns up to 40000 cells, so the next
  // pairing's key range (cells x 200) exceeds 4N + 1024 and is radix-sorted.
  for (Index d : {3, 5}) expect_reference_codes(draw<Index>(5000, d, integers(0, 200), 40 + d), "many cells");
}

TEST(SymbolCodes, DegenerateShapes) {
  Rows<Index> one(1, 3);
  one << 4, 5, 6;
  expect_reference_codes(one, "one row");
  expect_reference_codes(Rows<Index>(Rows<Index>::Constant(100, 4, 7)), "constant");
  Rows<double> ramp(50, 1);
  for (Index i = 0; i < 50; ++i) ramp(i, 0) = 49 - i;
  expect_reference_codes(ramp, "decreasing integral doubles");
}

TEST(SymbolCodes, EveryInputLayoutGivesTheSameCodes) {
  // Row-major input is copied to columns; column-major input and its blocks
  // are read in place (outer stride).
  const Rows<Index> rows = draw<Index>(1000, 3, integers(0, 4), 8);
  const SymbolCodes expected = reference_codes(rows);
  const Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> columns = rows;
  EXPECT_EQ(code_rows("t", "x", columns).code, expected.code);
  Eigen::Matrix<Index, Eigen::Dynamic, Eigen::Dynamic> wider(1200, 5);
  wider.setConstant(-1);
  wider.block(100, 1, 1000, 3) = rows;
  EXPECT_EQ(code_rows("t", "x", wider.block(100, 1, 1000, 3)).code, expected.code);
  EXPECT_EQ(code_rows("t", "x", rows.transpose().transpose()).code, expected.code);
}

TEST(SymbolCodes, CodePairsMatchesTheReferenceOnBothPaths) {
  const Rows<Index> a = draw<Index>(3000, 1, integers(0, 3000), 1);
  const Rows<Index> b = draw<Index>(3000, 1, integers(0, 3000), 2);
  Rows<Index> both(3000, 2);
  both << a, b;
  const SymbolCodes pairs = mmc::knn::detail::code_pairs(code_rows("t", "a", a), code_rows("t", "b", b));
  const SymbolCodes expected = reference_codes(both);
  EXPECT_EQ(pairs.code, expected.code);
  EXPECT_EQ(pairs.count, expected.count);
}

// Binning against the obvious computation: sort the column, then equal width
// from its first and last values, equal frequency from lower_bound ranks.
mmc::RowMatrix<Index> reference_bins(const mmc::RowMatrix<double>& x, Index bins, mmc::knn::Binning binning) {
  const Index n = x.rows();
  mmc::RowMatrix<Index> result(n, x.cols());
  for (Index c = 0; c < x.cols(); ++c) {
    std::vector<double> sorted;
    for (Index i = 0; i < n; ++i) sorted.push_back(x(i, c));
    std::sort(sorted.begin(), sorted.end());
    for (Index i = 0; i < n; ++i) {
      if (binning == mmc::knn::Binning::equal_frequency) {
        const Index rank = std::lower_bound(sorted.begin(), sorted.end(), x(i, c)) - sorted.begin();
        result(i, c) = rank * std::min(bins, n) / n;
      } else {
        const double lo = sorted.front(), range = sorted.back() - lo;
        const double t = range > 0 ? (x(i, c) - lo) / range : 0.0;
        const double bin = std::floor(t * static_cast<double>(bins));
        result(i, c) = bin >= static_cast<double>(bins - 1) ? bins - 1 : static_cast<Index>(bin);
      }
    }
  }
  return result;
}

TEST(BinColumns, MatchTheSortedColumnReference) {
  std::mt19937_64 rng(4);
  std::normal_distribution<double> normal;
  mmc::RowMatrix<double> x(3001, 4);
  for (Index i = 0; i < x.rows(); ++i) {
    x(i, 0) = normal(rng);
    x(i, 1) = std::round(3 * normal(rng)) * 0.5;  // many ties
    x(i, 2) = (i % 3 == 0) ? -0.0 : (i % 3 == 1 ? 0.0 : std::round(normal(rng)));  // signed zeros
    x(i, 3) = 7.25;                                                                // constant
  }
  for (const auto binning : {mmc::knn::Binning::equal_width, mmc::knn::Binning::equal_frequency})
    for (Index bins : {1, 2, 10, 3001, 5000}) {
      const auto got = mmc::knn::detail::bin_columns("t", "x", x, bins, binning);
      EXPECT_EQ(got, reference_bins(x, bins, binning)) << "bins " << bins;
    }
}

}  // namespace
