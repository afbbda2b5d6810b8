// Tests of core/preprocess.hpp: the estimators' private copy (to_row_major),
// column moments, standardisation and seeded jitter. The contract
// (docs/design.md §2): the caller's data is never modified; standardisation gives zero mean and
// unit population variance per column; jitter adds scale * sd_c * N(0,1) noise
// (sd 1 for a constant column), reproducibly for a given seed and stream.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <mmc/core/errors.hpp>
#include <mmc/core/preprocess.hpp>
#include <mmc/core/rng.hpp>
#include <string>

namespace {

using mmc::Index;
using mmc::RowMatrix;

// A column-major caller matrix with columns of different location and scale
// and one constant column.
Eigen::MatrixXd make_input(Index n) {
  mmc::Rng rng(4);
  Eigen::MatrixXd m(n, 3);
  for (Index r = 0; r < n; ++r) {
    m(r, 0) = 5.0 + 2.0 * rng.normal();
    m(r, 1) = -1.0 + 0.01 * rng.uniform();
    m(r, 2) = 3.0;
  }
  return m;
}

TEST(Preprocess, ToRowMajorCopiesAndCasts) {
  const Eigen::MatrixXd input = make_input(50);
  const RowMatrix<double> copy = mmc::to_row_major<double>(input);
  EXPECT_TRUE(copy.isApprox(input, 0.0));
  EXPECT_NE(copy.data(), input.data());
  const RowMatrix<float> f = mmc::to_row_major<float>(input.leftCols(2));
  ASSERT_EQ(f.cols(), 2);
  EXPECT_EQ(f(7, 1), static_cast<float>(input(7, 1)));
}

TEST(Preprocess, ColumnMomentsArePopulationMoments) {
  Eigen::MatrixXd m(4, 2);
  m << 1, 10, 2, 10, 3, 10, 6, 10;
  const auto moments = mmc::column_moments(m);
  EXPECT_DOUBLE_EQ(moments.mean(0), 3.0);
  EXPECT_DOUBLE_EQ(moments.stddev(0), std::sqrt(14.0 / 4.0));  // divide by n, not n-1
  EXPECT_DOUBLE_EQ(moments.mean(1), 10.0);
  EXPECT_EQ(moments.stddev(1), 0.0);
}

TEST(Preprocess, StandardizeGivesZeroMeanUnitVarianceWithoutTouchingInput) {
  const Eigen::MatrixXd input = make_input(1000).leftCols(2);
  const Eigen::MatrixXd before = input;
  RowMatrix<double> work = mmc::to_row_major<double>(input);
  mmc::standardize_columns(work, "f", "x");
  EXPECT_TRUE(input.isApprox(before, 0.0)) << "caller data modified";
  const auto moments = mmc::column_moments(input);
  for (Index c = 0; c < 2; ++c) {
    // The documented result, (x - mean) / sd, element by element.
    for (Index r = 0; r < input.rows(); ++r) {
      ASSERT_NEAR(work(r, c), (input(r, c) - moments.mean(c)) / moments.stddev(c), 1e-12);
    }
    EXPECT_NEAR(work.col(c).mean(), 0.0, 1e-12);
    EXPECT_NEAR(work.col(c).squaredNorm() / static_cast<double>(work.rows()), 1.0, 1e-12);
  }
}

TEST(Preprocess, StandardizeRejectsConstantColumn) {
  RowMatrix<double> work = mmc::to_row_major<double>(make_input(20));
  try {
    mmc::standardize_columns(work, "mmc::knn::Ksg::estimate", "y");
    FAIL() << "constant column accepted";
  } catch (const mmc::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("mmc::knn::Ksg::estimate: argument 'y'"), std::string::npos) << message;
    EXPECT_NE(message.find("constant column 2"), std::string::npos) << message;
  }
}

TEST(Preprocess, ZeroJitterIsANoOp) {
  const Eigen::MatrixXd input = make_input(100);
  RowMatrix<double> work = mmc::to_row_major<double>(input);
  mmc::add_jitter(work, 0.0, 1, 0);
  EXPECT_TRUE(work.isApprox(input, 0.0));
}

TEST(Preprocess, JitterIsScaledPerColumnAndReproducible) {
  constexpr Index n = 20000;
  constexpr double scale = 1e-3;
  const Eigen::MatrixXd input = make_input(n);
  const Eigen::MatrixXd before = input;
  RowMatrix<double> a = mmc::to_row_major<double>(input);
  RowMatrix<double> b = a, c = a;
  mmc::add_jitter(a, scale, 7, 0);
  mmc::add_jitter(b, scale, 7, 0);
  mmc::add_jitter(c, scale, 7, 1);
  EXPECT_TRUE(input.isApprox(before, 0.0)) << "caller data modified";
  EXPECT_TRUE(a.isApprox(b, 0.0)) << "same seed and stream must give the same jitter";
  EXPECT_FALSE(a.isApprox(c, 0.0)) << "another stream must give other jitter";

  // The noise in column j has standard deviation scale * sd_j (sd 1 for the
  // constant column) and mean 0. The sample sd of n normals has relative
  // standard error 1/sqrt(2n) = 0.5 %; we allow 5 of those. The mean has
  // standard error sd/sqrt(n).
  const auto moments = mmc::column_moments(input);
  for (Index col = 0; col < 3; ++col) {
    const double want = scale * (moments.stddev(col) > 0 ? moments.stddev(col) : 1.0);
    const Eigen::VectorXd noise = a.col(col) - input.col(col);
    const double mean = noise.mean();
    const double sd = std::sqrt((noise.array() - mean).square().mean());
    EXPECT_NEAR(sd / want, 1.0, 5.0 / std::sqrt(2.0 * n)) << "column " << col;
    EXPECT_NEAR(mean / want, 0.0, 5.0 / std::sqrt(static_cast<double>(n))) << "column " << col;
  }
}

}  // namespace
