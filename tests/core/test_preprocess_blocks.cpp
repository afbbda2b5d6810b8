// The blocked, threaded moments and standardisation of core/preprocess.hpp
// (detail::scaled_moments, standardize_columns with `threads`), against the
// obviously correct serial computation they replace: every value scaled by
// std::ldexp, one long double sum over all rows in order.
//   * PowerOfTwoScale (two exact multiplications) is std::ldexp bit for bit
//     over the whole range of column exponents, subnormal columns included;
//   * at most kRowBlock rows form one block, so the moments and the
//     standardised values are the serial oracle's bits;
//   * more rows: block sums added in order, within a few ulps of the oracle
//     (a long double sum of n terms is off by at most about n 2^-64 relative
//     to the sum of magnitudes, far below double's 2^-53 for n < 2^11 blocks);
//   * the results never depend on the thread count;
//   * to_row_major's parallel copy equals Eigen's serial cast for every kind
//     of input (row- and column-major, blocks, strided maps, transposes, lazy
//     expressions, float).
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mmc/core/preprocess.hpp>
#include <mmc/core/rng.hpp>
#include <vector>

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::detail::kRowBlock;

std::uint64_t bits(double v) {
  std::uint64_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

// The computation before blocking: ldexp per value, serial long double sums.
mmc::detail::ScaledMoments serial_oracle(const RowMatrix<double>& m, Index c) {
  mmc::detail::ScaledMoments s;
  const Index n = m.rows();
  double largest = 0.0;
  for (Index r = 0; r < n; ++r) largest = std::max(largest, std::fabs(m(r, c)));
  std::frexp(largest, &s.exponent);
  long double sum = 0;
  for (Index r = 0; r < n; ++r) sum += std::ldexp(m(r, c), -s.exponent);
  const long double mean = sum / static_cast<long double>(n);
  long double ss = 0;
  for (Index r = 0; r < n; ++r) {
    const long double d = std::ldexp(m(r, c), -s.exponent) - mean;
    ss += d * d;
  }
  s.mean = static_cast<double>(mean);
  s.stddev = static_cast<double>(std::sqrt(ss / static_cast<long double>(n)));
  return s;
}

// Columns of different location, scale and magnitude: a Gaussian, a large
// offset with a small spread (the sums' hard case), and tiny values.
RowMatrix<double> columns(Index n, std::uint64_t seed) {
  mmc::Rng rng(seed, 11);
  RowMatrix<double> m(n, 3);
  for (Index r = 0; r < n; ++r) {
    m(r, 0) = 5.0 + 2.0 * rng.normal();
    m(r, 1) = 1.7e9 + 0.01 * rng.normal();
    m(r, 2) = 3e-300 * rng.uniform();
  }
  return m;
}

TEST(PreprocessBlocks, PowerOfTwoScaleIsLdexpOverEveryExponent) {
  // Values of every magnitude a column with largest-magnitude exponent e can
  // hold (|v| < 2^e): mantissas at the top, in the middle and at the bottom of
  // [2^(e-60), 2^e), and the subnormals, each with both signs.
  mmc::Rng rng(5, 2);
  const double mantissas[] = {0.5, 0.75, std::nextafter(1.0, 0.0), 0.5 + 0x1p-53,
                              0.5 + rng.uniform() / 2};
  long checked = 0;
  for (int e = -1073; e <= 1024; ++e) {
    const mmc::detail::PowerOfTwoScale scale(e);
    for (int below = 0; below <= 60; below += 6) {
      for (const double f : mantissas) {
        for (const double sign : {1.0, -1.0}) {
          const double v = sign * std::ldexp(f, e - below);  // may round or flush for tiny e
          if (!(std::fabs(v) < std::ldexp(1.0, e)) && e <= 1023) continue;
          ASSERT_EQ(bits(scale(v)), bits(std::ldexp(v, -e))) << "v " << v << " e " << e;
          ++checked;
        }
      }
    }
    const double smallest = std::numeric_limits<double>::denorm_min();
    ASSERT_EQ(bits(scale(smallest)), bits(std::ldexp(smallest, -e))) << e;
    ASSERT_EQ(bits(scale(-3 * smallest)), bits(std::ldexp(-3 * smallest, -e))) << e;
  }
  EXPECT_GT(checked, 100000);
}

TEST(PreprocessBlocks, OneBlockIsTheSerialSumBitForBit) {
  for (const Index n : {Index{1}, Index{2}, Index{1000}, kRowBlock}) {
    const RowMatrix<double> m = columns(n, 1);
    const auto moments = mmc::detail::scaled_moments(m, 2);
    for (Index c = 0; c < m.cols(); ++c) {
      const auto oracle = serial_oracle(m, c);
      const auto& got = moments[static_cast<std::size_t>(c)];
      EXPECT_EQ(got.exponent, oracle.exponent) << n << " " << c;
      if (n == 1) continue;  // one row is constant: mean exact, stddev 0 (tested elsewhere)
      EXPECT_EQ(bits(got.mean), bits(oracle.mean)) << n << " " << c;
      EXPECT_EQ(bits(got.stddev), bits(oracle.stddev)) << n << " " << c;
    }
    RowMatrix<double> standardised = m;
    if (n > 1) {
      mmc::standardize_columns(standardised, "f", "x", 2);
      for (Index c = 0; c < m.cols(); ++c) {
        const auto oracle = serial_oracle(m, c);
        for (Index r = 0; r < n; ++r) {
          const double expected = (std::ldexp(m(r, c), -oracle.exponent) - oracle.mean) / oracle.stddev;
          ASSERT_EQ(bits(standardised(r, c)), bits(expected)) << n << " " << r << " " << c;
        }
      }
    }
  }
}

TEST(PreprocessBlocks, ManyBlocksStayWithinUlpsOfTheSerialSum) {
  // Rounding errors of a long double sum of n terms of magnitude < 1 behave as
  // a random walk of about sqrt(n) 2^-65 (here 1e-17, a tenth of a double ulp
  // of the scaled means), so both sums round to within a few ulps of each
  // other. The exception is the standard deviation of column 1 (1.7e9 with a
  // spread of 0.01: scaled mean 0.79, scaled sd 4.7e-12): a mean off by delta
  // changes the sum of squared deviations by the relative (delta / sd)^2,
  // about (1e-17 / 4.7e-12)^2 = 5e-12; 1e-9 allows 200 times that.
  const Index n = 7 * kRowBlock + 123;
  const RowMatrix<double> m = columns(n, 2);
  const auto moments = mmc::detail::scaled_moments(m, 2);
  const double eps = std::numeric_limits<double>::epsilon();
  for (Index c = 0; c < m.cols(); ++c) {
    const auto oracle = serial_oracle(m, c);
    const auto& got = moments[static_cast<std::size_t>(c)];
    EXPECT_EQ(got.exponent, oracle.exponent) << c;
    EXPECT_LE(std::fabs(got.mean - oracle.mean), 4 * eps * std::fabs(oracle.mean)) << c;
    const double sd_tolerance = c == 1 ? 1e-9 : 4 * eps;
    EXPECT_LE(std::fabs(got.stddev - oracle.stddev), sd_tolerance * oracle.stddev) << c;
  }
}

TEST(PreprocessBlocks, ResultsDoNotDependOnTheThreadCount) {
  const Index n = 3 * kRowBlock + 17;
  const RowMatrix<double> m = columns(n, 3);
  RowMatrix<double> one = m;
  const auto removed_one = mmc::standardize_columns(one, "f", "x", 1);
  for (const int threads : {2, 3, 0}) {
    RowMatrix<double> other = m;
    const auto removed = mmc::standardize_columns(other, "f", "x", threads);
    for (Index c = 0; c < m.cols(); ++c) {
      EXPECT_EQ(bits(removed.mean(c)), bits(removed_one.mean(c))) << threads;
      EXPECT_EQ(bits(removed.stddev(c)), bits(removed_one.stddev(c))) << threads;
    }
    EXPECT_EQ(std::memcmp(other.data(), one.data(), sizeof(double) * static_cast<std::size_t>(one.size())), 0)
        << threads << " threads";
    const auto moments = mmc::column_moments(m, threads);
    const auto moments_one = mmc::column_moments(m, 1);
    EXPECT_TRUE(moments.mean.cwiseEqual(moments_one.mean).all() &&
                moments.stddev.cwiseEqual(moments_one.stddev).all())
        << threads;
  }
  // The standardised columns: mean 0 and variance 1 to rounding. Column 1's
  // mean is removed as a double: its scaled mean 0.79 is rounded by up to
  // 2^-54, 1.2e-5 of its scaled sd 4.7e-12, and so is the centred column.
  for (Index c = 0; c < m.cols(); ++c) {
    EXPECT_NEAR(one.col(c).mean(), 0.0, c == 1 ? 2e-5 : 1e-12) << c;
    EXPECT_NEAR(one.col(c).squaredNorm() / static_cast<double>(n), 1.0, c == 1 ? 1e-9 : 1e-12) << c;
  }
}

TEST(PreprocessBlocks, ParallelCopyEqualsTheSerialCast) {
  const Index n = 2 * kRowBlock + 999;  // more than one block of the copy
  const RowMatrix<double> rows = columns(n, 4);  // 3 columns, seed 4
  const Eigen::MatrixXd cols = rows;  // column-major
  const Eigen::MatrixXf floats = cols.cast<float>();
  const Eigen::Map<const Eigen::MatrixXd, 0, Eigen::OuterStride<>> strided(cols.data(), n / 2, 2,
                                                                           Eigen::OuterStride<>(2 * n));
  const auto same = [](const RowMatrix<double>& got, const auto& expected) {
    const RowMatrix<double> want = expected.template cast<double>();
    return got.rows() == want.rows() && got.cols() == want.cols() &&
           std::memcmp(got.data(), want.data(), sizeof(double) * static_cast<std::size_t>(want.size())) == 0;
  };
  for (const int threads : {1, 2, 3, 0}) {
    EXPECT_TRUE(same(mmc::to_row_major<double>(rows, threads), rows)) << threads;
    EXPECT_TRUE(same(mmc::to_row_major<double>(cols, threads), cols)) << threads;
    EXPECT_TRUE(same(mmc::to_row_major<double>(cols.middleCols(1, 2), threads), cols.middleCols(1, 2))) << threads;
    EXPECT_TRUE(same(mmc::to_row_major<double>(strided, threads), strided)) << threads;
    EXPECT_TRUE(same(mmc::to_row_major<double>(floats, threads), floats)) << threads;
    EXPECT_TRUE(same(mmc::to_row_major<double>(cols.topRows(10).transpose(), threads), cols.topRows(10).transpose()))
        << threads;
    // A lazy product: evaluated once, serially, as Eigen evaluates it.
    const Eigen::MatrixXd product = cols * Eigen::MatrixXd::Identity(3, 3);
    EXPECT_TRUE(same(mmc::to_row_major<double>(cols * Eigen::MatrixXd::Identity(3, 3), threads), product))
        << threads;
  }
}

TEST(PreprocessBlocks, AConstantColumnSpanningBlocksStaysExact) {
  // Constant across several blocks, then one different value in the last.
  RowMatrix<double> m(2 * kRowBlock + 5, 1);
  m.setConstant(-1e-310);
  auto moments = mmc::column_moments(m, 2);
  EXPECT_EQ(moments.mean(0), -1e-310);
  EXPECT_EQ(moments.stddev(0), 0.0);
  m(m.rows() - 1, 0) = 2e-310;
  moments = mmc::column_moments(m, 2);
  EXPECT_GT(moments.stddev(0), 0.0);
  EXPECT_TRUE(std::isfinite(moments.mean(0)));
}

}  // namespace
