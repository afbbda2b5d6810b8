// The binned ("direct") estimator (docs/design.md §3.1): bin assignment by hand
// and against an O(N^2) rank-counting oracle, then the estimate on a
// discretised problem whose answer is known in closed form — continuous
// values whose bins are exactly the cells of a given contingency table.
#include <gtest/gtest.h>

#include <cmath>
#include <mmc/knn/binned.hpp>
#include <vector>

#include "knn2_test_util.hpp"

namespace {

using knn2_test::Kind;
using knn2_test::Matrix;
using mmc::Index;
using mmc::knn::Binning;
using mmc::knn::BinnedEntropy;
using mmc::knn::BinnedMutualInformation;
using mmc::knn::BinnedOptions;

mmc::RowMatrix<Index> bins_of(const Eigen::VectorXd& v, Index bins, Binning binning) {
  return mmc::knn::detail::bin_columns("test", "x", Matrix(v), bins, binning);
}

TEST(Binned, EqualWidthBinsByHand) {
  // 0..9 into 5 bins of width 9/5: floor(v * 5/9), the maximum in bin 4.
  Eigen::VectorXd v(10);
  for (Index i = 0; i < 10; ++i) v(i) = static_cast<double>(i);
  const auto b = bins_of(v, 5, Binning::equal_width);
  const Index expected[] = {0, 0, 1, 1, 2, 2, 3, 3, 4, 4};
  for (Index i = 0; i < 10; ++i) EXPECT_EQ(b(i, 0), expected[i]) << i;
  // A constant column is a single bin.
  EXPECT_EQ(bins_of(Eigen::VectorXd::Constant(5, 2.5), 4, Binning::equal_width).maxCoeff(), 0);
}

TEST(Binned, EqualFrequencyBinsByHandWithTies) {
  // Sorted 0 1 2 2 2 3 4 5: rank(v) = #{< v} = 0 1 2 2 2 5 6 7; bin = rank*4/8.
  const Eigen::VectorXd v = (Eigen::VectorXd(8) << 3, 1, 2, 2, 5, 4, 2, 0).finished();
  const auto b = bins_of(v, 4, Binning::equal_frequency);
  const Index expected[] = {2, 0, 1, 1, 3, 3, 1, 0};
  for (Index i = 0; i < 8; ++i) EXPECT_EQ(b(i, 0), expected[i]) << i;
}

TEST(Binned, BinsEqualTheRankCountingOracle) {
  const Matrix x = ksg_test::make_data(300, 3, Kind::grid, 5);  // ties
  const Matrix z = ksg_test::make_data(300, 2, Kind::continuous, 6);
  for (const Matrix* m : {&x, &z}) {
    for (const Index bins : {1, 3, 10, 1000}) {
      const auto freq = mmc::knn::detail::bin_columns("test", "x", *m, bins, Binning::equal_frequency);
      const auto width = mmc::knn::detail::bin_columns("test", "x", *m, bins, Binning::equal_width);
      for (Index c = 0; c < m->cols(); ++c) {
        const double lo = m->col(c).minCoeff(), hi = m->col(c).maxCoeff();
        const double w = (hi - lo) / static_cast<double>(bins);
        for (Index i = 0; i < m->rows(); ++i) {
          Index rank = 0;
          for (Index j = 0; j < m->rows(); ++j) rank += (*m)(j, c) < (*m)(i, c);
          ASSERT_EQ(freq(i, c), rank * std::min<Index>(bins, m->rows()) / m->rows());
          // Equal width: the value lies in its bin's interval (up to rounding).
          const double v = (*m)(i, c);
          ASSERT_GE(v, lo + static_cast<double>(width(i, c)) * w - 1e-12);
          ASSERT_LE(v, lo + static_cast<double>(width(i, c) + 1) * w + 1e-12);
        }
      }
    }
  }
}

/// Joint table with 7 on the diagonal and 1 elsewhere (4 x 4), repeated 25
/// times: N = 1000, uniform marginals. Values c + u with u in [0.1, 0.9] and
/// the extremes 0.1 and 3.9 present, so both 4-bin binnings recover c exactly.
std::pair<Eigen::VectorXd, Eigen::VectorXd> table_sample() {
  std::vector<std::pair<int, int>> cells;
  for (int rep = 0; rep < 25; ++rep)
    for (int a = 0; a < 4; ++a)
      for (int b = 0; b < 4; ++b)
        for (int t = 0; t < (a == b ? 7 : 1); ++t) cells.emplace_back(a, b);
  mmc::Rng rng(3);
  const Index n = static_cast<Index>(cells.size());
  Eigen::VectorXd x(n), y(n);
  for (Index i = 0; i < n; ++i) {
    x(i) = cells[static_cast<std::size_t>(i)].first + rng.uniform(0.1, 0.9);
    y(i) = cells[static_cast<std::size_t>(i)].second + rng.uniform(0.1, 0.9);
  }
  x(0) = y(0) = 0.1;  // cells[0] = (0, 0)
  x(n - 1) = y(n - 1) = 3.9;  // cells.back() = (3, 3)
  return {x, y};
}

TEST(Binned, DiscretisedTableGivesTheClosedFormMi) {
  const auto [x, y] = table_sample();
  const double n = 1000.0;
  // p = 7/40 on the diagonal, 1/40 off it, p_x = p_y = 1/4.
  const double mi = 0.7 * std::log(2.8) + 0.3 * std::log(0.4);
  for (const Binning binning : {Binning::equal_width, Binning::equal_frequency}) {
    SCOPED_TRACE(binning == Binning::equal_width ? "equal width" : "equal frequency");
    BinnedOptions options;
    options.bins = 4;
    options.binning = binning;
    options.miller_madow = false;
    const auto plain = BinnedMutualInformation(options).estimate(x, y);
    EXPECT_NEAR(plain.value, mi, 1e-12);
    EXPECT_EQ(plain.cells_xy, 16);
    EXPECT_NEAR(BinnedEntropy(options).estimate(x).value, std::log(4.0), 1e-12);
    options.miller_madow = true;  // the default
    const auto mm = BinnedMutualInformation(options).estimate(x, y);
    EXPECT_NEAR(mm.value, mi + (4.0 + 4.0 - 16.0 - 1.0) / (2.0 * n), 1e-12);
    EXPECT_NEAR(BinnedEntropy(options).estimate(x).value, std::log(4.0) + 3.0 / (2.0 * n), 1e-12);
  }
  // 2 bins merge the table into [[0.4, 0.1], [0.1, 0.4]] (equal width:
  // the boundary 2.0 lies between the cells 1 and 2).
  BinnedOptions two;
  two.bins = 2;
  two.miller_madow = false;
  EXPECT_NEAR(BinnedMutualInformation(two).estimate(x, y).value,
              0.8 * std::log(1.6) + 0.2 * std::log(0.4), 1e-12);
}

TEST(Binned, EdgeCases) {
  const Matrix z = ksg_test::make_data(50, 2, Kind::continuous, 9);
  BinnedOptions options;
  options.miller_madow = false;
  options.bins = 1;  // one cell: no information
  EXPECT_EQ(BinnedMutualInformation(options).estimate(z.col(0), z.col(1)).value, 0.0);
  EXPECT_EQ(BinnedEntropy(options).estimate(z).value, 0.0);
  options.bins = 1000;  // equal frequency, B >= N: every distinct value alone
  options.binning = Binning::equal_frequency;
  EXPECT_NEAR(BinnedEntropy(options).estimate(z.col(0)).value, std::log(50.0), 1e-12);
  // Columns are binned separately: a 2-column input has up to B^2 cells.
  options.bins = 2;
  EXPECT_EQ(BinnedEntropy(options).estimate(z).cells, 4);
}

}  // namespace
