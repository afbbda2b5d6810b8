// Plug-in entropy, MI and conditional entropy (docs/design.md §3.1): exact values
// on hand-computable tables, the Miller–Madow correction to the last bit of
// its definition, rows of integers or doubles as symbols, and per-sample local
// values against an O(N^2) counting oracle.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <mmc/knn/plugin.hpp>
#include <vector>

#include <mmc/core/rng.hpp>

namespace {

using mmc::Index;
using mmc::knn::PluginConditionalEntropy;
using mmc::knn::PluginEntropy;
using mmc::knn::PluginMutualInformation;
using mmc::knn::PluginOptions;

const PluginOptions kMillerMadow{true};

TEST(PluginEntropy, HandComputedTable) {
  // Symbols a a b c: p = (1/2, 1/4, 1/4), H = 1.5 log 2; 3 cells, N = 4.
  const std::vector<int> x = {5, 5, -1, 9};
  const auto h = PluginEntropy().estimate(x);
  EXPECT_NEAR(h.value, 1.5 * std::log(2.0), 1e-15);
  EXPECT_EQ(h.cells, 3);
  EXPECT_EQ(h.n, 4);
  EXPECT_EQ(h.correction, 0.0);
  const auto mm = PluginEntropy(kMillerMadow).estimate(x);
  EXPECT_EQ(mm.correction, 2.0 / 8.0);  // (m - 1)/(2N)
  EXPECT_EQ(mm.value, h.value + 0.25);
  EXPECT_EQ(h.local(0), std::log(4.0) - std::log(2.0));
  EXPECT_EQ(h.local(1), h.local(0));
  EXPECT_EQ(h.local(2), std::log(4.0) - std::log(1.0));
}

TEST(PluginEntropy, RowsAreSymbolsComparedExactly) {
  // Rows (1,2) (1,2) (2,1) (1,3): the same counts {2,1,1} as above.
  Eigen::MatrixXi rows(4, 2);
  rows << 1, 2, 1, 2, 2, 1, 1, 3;
  EXPECT_NEAR(PluginEntropy().estimate(rows).value, 1.5 * std::log(2.0), 1e-15);
  // Doubles: -0.0 == 0.0 is one symbol; 0.1 and the next double are two.
  Eigen::MatrixXd reals(4, 1);
  reals << 0.0, -0.0, 0.1, std::nextafter(0.1, 1.0);
  EXPECT_EQ(PluginEntropy().estimate(reals).cells, 3);
  // 64-bit symbols are not squeezed through double: 2^53 and 2^53 + 1 differ.
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1> big(2);
  big << (std::int64_t{1} << 53), (std::int64_t{1} << 53) + 1;
  EXPECT_EQ(PluginEntropy().estimate(big).cells, 2);
  // A single symbol: H = 0 exactly.
  EXPECT_EQ(PluginEntropy().estimate(std::vector<int>(7, 3)).value, 0.0);
}

TEST(PluginMutualInformation, HandComputedTable) {
  // Joint counts [[3,1],[1,3]], N = 8: I = 2 (3/8) log(3/2) + 2 (1/8) log(1/2).
  const std::vector<int> x = {0, 0, 0, 0, 1, 1, 1, 1};
  const std::vector<int> y = {0, 0, 0, 1, 1, 1, 1, 0};
  const double expected = 0.75 * std::log(1.5) - 0.25 * std::log(2.0);
  const auto mi = PluginMutualInformation().estimate(x, y);
  EXPECT_NEAR(mi.value, expected, 1e-15);
  EXPECT_NEAR(mi.h_x, std::log(2.0), 1e-15);
  EXPECT_NEAR(mi.h_y, std::log(2.0), 1e-15);
  EXPECT_NEAR(mi.h_xy, -(0.75 * std::log(3.0 / 8.0) + 0.25 * std::log(1.0 / 8.0)), 1e-15);
  EXPECT_EQ(mi.cells_x, 2);
  EXPECT_EQ(mi.cells_y, 2);
  EXPECT_EQ(mi.cells_xy, 4);
  // Miller–Madow: (m_x + m_y - m_xy - 1)/(2N) = (2 + 2 - 4 - 1)/16 = -1/16.
  const auto mm = PluginMutualInformation(kMillerMadow).estimate(x, y);
  EXPECT_EQ(mm.correction, -1.0 / 16.0);
  EXPECT_EQ(mm.value, mi.value - 1.0 / 16.0);
  EXPECT_EQ(mm.h_x, mi.h_x + 1.0 / 16.0);
  EXPECT_EQ(mm.h_xy, mi.h_xy + 3.0 / 16.0);
  EXPECT_NEAR(mm.value, mm.h_x + mm.h_y - mm.h_xy, 1e-15);
  // Independent uniform table [[1,1],[1,1]]: I = 0.
  EXPECT_NEAR(PluginMutualInformation().estimate(std::vector<int>{0, 0, 1, 1},
                                                 std::vector<int>{0, 1, 0, 1})
                  .value,
              0.0, 1e-15);
}

TEST(PluginConditionalEntropy, HandComputedTable) {
  // Same table: H(Y|X) = H(X,Y) - H(X) = h(3/4) binary entropy.
  const std::vector<int> x = {0, 0, 0, 0, 1, 1, 1, 1};
  const std::vector<int> y = {0, 0, 0, 1, 1, 1, 1, 0};
  const double binary = -(0.75 * std::log(0.75) + 0.25 * std::log(0.25));
  const auto h = PluginConditionalEntropy().estimate(y, x);
  EXPECT_NEAR(h.value, binary, 1e-15);
  EXPECT_NEAR(h.value, h.h_xy - h.h_x, 1e-15);
  const auto mm = PluginConditionalEntropy(kMillerMadow).estimate(y, x);
  EXPECT_EQ(mm.correction, (4.0 - 2.0) / 16.0);  // (m_xy - m_x)/(2N)
  EXPECT_EQ(mm.value, h.value + 0.125);
  // Y a function of X: H(Y|X) = 0.
  EXPECT_EQ(PluginConditionalEntropy().estimate(std::vector<int>{1, 1, 2, 2},
                                                std::vector<int>{7, 7, 8, 8})
                .value,
            0.0);
}

/// n(row i) by comparing every pair of rows.
std::vector<double> count_equal_rows(const Eigen::MatrixXi& m) {
  std::vector<double> count(static_cast<std::size_t>(m.rows()), 0.0);
  for (Index i = 0; i < m.rows(); ++i)
    for (Index j = 0; j < m.rows(); ++j) count[static_cast<std::size_t>(i)] += m.row(i) == m.row(j);
  return count;
}

TEST(Plugin, LocalValuesEqualTheCountingOracle) {
  const Index n = 400;
  mmc::Rng rng(17);
  Eigen::MatrixXi x(n, 2), y(n, 1);
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = static_cast<int>(rng.uniform_int(3));
    x(i, 1) = static_cast<int>(rng.uniform_int(4));
    y(i, 0) = rng.uniform() < 0.5 ? x(i, 0) : static_cast<int>(rng.uniform_int(5));
  }
  Eigen::MatrixXi xy(n, 3);
  xy << x, y;
  const auto nx = count_equal_rows(x), ny = count_equal_rows(y), nxy = count_equal_rows(xy);
  const double log_n = std::log(static_cast<double>(n));
  const auto h = PluginEntropy().estimate(x);
  const auto mi = PluginMutualInformation().estimate(x, y);
  const auto cond = PluginConditionalEntropy().estimate(y, x);
  for (Index i = 0; i < n; ++i) {
    const auto s = static_cast<std::size_t>(i);
    ASSERT_EQ(h.local(i), log_n - std::log(nx[s]));
    ASSERT_EQ(mi.local(i), std::log(nxy[s]) + log_n - std::log(nx[s]) - std::log(ny[s]));
    ASSERT_EQ(cond.local(i), std::log(nx[s]) - std::log(nxy[s]));
  }
  EXPECT_NEAR(h.value, h.local.mean(), 1e-12);
  EXPECT_NEAR(mi.value, mi.h_x + mi.h_y - mi.h_xy, 1e-12);
  EXPECT_NEAR(cond.value, cond.h_xy - cond.h_x, 1e-12);
  // Symmetry of MI, and I(X;Y) = H(Y) - H(Y|X).
  EXPECT_NEAR(PluginMutualInformation().estimate(y, x).value, mi.value, 1e-12);
  EXPECT_NEAR(mi.value, mi.h_y - cond.value, 1e-12);
}

// Oracle for the counting fast path of detail::code_rows / code_pairs: the
// sort-based coding (code_by_order with the lexicographic row order), which
// the fast path must reproduce exactly, codes and counts.
template <class Matrix>
mmc::knn::detail::SymbolCodes sorted_codes(const Matrix& m) {
  const Index d = m.cols();
  return mmc::knn::detail::code_by_order(m.rows(), [&](Index a, Index b) {
    for (Index j = 0; j < d; ++j) {
      if (m(a, j) < m(b, j)) return true;
      if (m(b, j) < m(a, j)) return false;
    }
    return false;
  });
}

void expect_same_codes(const mmc::knn::detail::SymbolCodes& got,
                       const mmc::knn::detail::SymbolCodes& want) {
  EXPECT_EQ(got.code, want.code);
  EXPECT_EQ(got.count, want.count);
}

TEST(Plugin, CountingFastPathGivesTheSortedCodes) {
  using mmc::knn::detail::code_pairs;
  using mmc::knn::detail::code_rows;
  const Index n = 500;
  mmc::Rng rng(29);
  // Small integer ranges (counting path), negative values, a range just inside
  // and just outside the 4N + 1024 limit, and int64 extremes (sort path).
  for (const long long span : std::vector<long long>{1, 7, 4 * n + 1023, 4 * n + 1024, 1LL << 40}) {
    Eigen::Matrix<long long, Eigen::Dynamic, 1> v(n);
    for (Index i = 0; i < n; ++i)
      v(i) = -span / 2 + static_cast<long long>(rng.uniform_int(static_cast<std::uint64_t>(span)));
    v(0) = -span / 2, v(1) = -span / 2 + span - 1;  // the whole span is used
    SCOPED_TRACE("span " + std::to_string(span));
    expect_same_codes(code_rows("f", "x", v), sorted_codes(v));
  }
  Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1> extremes(4);
  extremes << INT64_MIN, INT64_MAX, 0, INT64_MIN;
  expect_same_codes(code_rows("f", "x", extremes), sorted_codes(extremes));
  // Integral doubles (with -0.0 == 0.0 one symbol), and non-integral ones (sort path).
  Eigen::VectorXd integral(n), fractional(n);
  for (Index i = 0; i < n; ++i) {
    integral(i) = static_cast<double>(rng.uniform_int(9)) - 4.0;
    fractional(i) = integral(i) + (i % 3 == 0 ? 0.5 : 0.0);
  }
  integral(2) = -0.0, integral(3) = 0.0;
  expect_same_codes(code_rows("f", "x", integral), sorted_codes(integral));
  expect_same_codes(code_rows("f", "x", fractional), sorted_codes(fractional));
  EXPECT_EQ(code_rows("f", "x", integral).code[2], code_rows("f", "x", integral).code[3]);
  // Pairs: small m_x m_y (counting) and a pair coding beyond the limit (sort).
  for (const std::uint64_t cells : std::vector<std::uint64_t>{5, static_cast<std::uint64_t>(n)}) {
    Eigen::VectorXi a(n), b(n);
    for (Index i = 0; i < n; ++i) {
      a(i) = static_cast<int>(rng.uniform_int(cells));
      b(i) = static_cast<int>(rng.uniform_int(cells));
    }
    Eigen::MatrixXi ab(n, 2);
    ab << a, b;
    SCOPED_TRACE("cells " + std::to_string(cells));
    expect_same_codes(code_pairs(code_rows("f", "a", a), code_rows("f", "b", b)), sorted_codes(ab));
  }
}

}  // namespace
