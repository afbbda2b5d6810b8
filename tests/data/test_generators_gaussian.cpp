// Tests of mmc/data/gaussian.hpp: the closed-form MI against independent
// formulas, the sample moments against Σ, determinism and bad input.
#include "mmc/data/gaussian.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <vector>

#include "generator_test_helpers.hpp"

namespace {

using mmc::Index;
using mmc::test::expect_invalid;
namespace data = mmc::data;

// log-determinant of the m x m equicorrelation matrix: (m-1) log(1-ρ) + log(1+(m-1)ρ)
// (eigenvalues 1-ρ with multiplicity m-1 and 1+(m-1)ρ).
double log_det_equicorrelation(Index m, double rho) {
  return static_cast<double>(m - 1) * std::log1p(-rho) + std::log1p(static_cast<double>(m - 1) * rho);
}

// A fixed, non-trivial covariance: A Aᵀ + I for a hand-written A.
Eigen::MatrixXd example_covariance() {
  Eigen::MatrixXd a(4, 4);
  a << 1.0, 0.2, -0.5, 0.0,  //
      0.3, 0.8, 0.1, -0.4,   //
      -0.6, 0.0, 0.7, 0.2,   //
      0.1, 0.5, 0.3, 0.9;
  return a * a.transpose() + Eigen::MatrixXd::Identity(4, 4);
}

TEST(GaussianGenerator, PerPairFormulaEqualsDeterminantFormula) {
  const std::vector<double> rho = {0.3, -0.6, 0.9, 0.0};
  const double per_pair = data::gaussian_mi_pairs(rho);
  const double determinant = data::gaussian_mi(data::pairwise_covariance(rho), 4);
  // Both are exact; only rounding differs.
  EXPECT_NEAR(per_pair, determinant, 1e-12);
  EXPECT_NEAR(per_pair, -0.5 * (std::log(1 - 0.09) + std::log(1 - 0.36) + std::log(1 - 0.81)), 1e-14);
  const auto task = data::correlated_gaussian_task(rho, 10, 1);
  EXPECT_DOUBLE_EQ(task.true_mi, per_pair);
  EXPECT_EQ(task.x.cols(), 4);
  EXPECT_EQ(task.y.cols(), 4);
}

TEST(GaussianGenerator, DenseTruthMatchesEquicorrelationDeterminants) {
  for (const double rho : {0.4, -0.2, 0.9}) {
    const Index dx = 3, dy = 2;
    const auto task = data::dense_gaussian_task(dx, dy, rho, 5, 0);
    const double expected = 0.5 * (log_det_equicorrelation(dx, rho) + log_det_equicorrelation(dy, rho) -
                                   log_det_equicorrelation(dx + dy, rho));
    EXPECT_NEAR(task.true_mi, expected, 1e-12) << "rho " << rho;
    EXPECT_GT(task.true_mi, 0.0);
  }
}

TEST(GaussianGenerator, SparseTruthCountsOnlyInteractingPairs) {
  const auto task = data::sparse_gaussian_task(4, 3, 2, 0.7, 5, 0);
  EXPECT_NEAR(task.true_mi, -std::log(1 - 0.49), 1e-14);
  EXPECT_NEAR(task.true_mi, data::gaussian_mi(data::sparse_covariance(4, 3, 2, 0.7), 4), 1e-12);
  EXPECT_EQ(data::sparse_gaussian_task(4, 3, 0, 0.7, 5, 0).true_mi, 0.0);
}

TEST(GaussianGenerator, MiIsInvariantUnderPerBlockScaling) {
  // I(X;Y) is invariant under invertible linear maps of X and of Y separately.
  const Eigen::MatrixXd sigma = example_covariance();
  const Eigen::VectorXd s = (Eigen::VectorXd(4) << 2.0, 0.5, 3.0, 0.1).finished();
  const Eigen::MatrixXd scaled = s.asDiagonal() * sigma * s.asDiagonal();
  EXPECT_NEAR(data::gaussian_mi(sigma, 2), data::gaussian_mi(scaled, 2), 1e-12);
  EXPECT_NEAR(data::gaussian_mi(sigma, 1), data::gaussian_mi(scaled, 1), 1e-12);
}

TEST(GaussianGenerator, SampleMomentsMatchCovariance) {
  // Each entry E[v_j v_k] is a mean of n iid products with finite variance, so
  // it lies within 5 standard errors of Σ_jk except with probability ~6e-7.
  const Eigen::MatrixXd sigma = example_covariance();
  const auto task = data::gaussian_task(sigma, 2, 20000, 7);
  ASSERT_EQ(task.x.rows(), 20000);
  ASSERT_EQ(task.x.cols(), 2);
  ASSERT_EQ(task.y.cols(), 2);
  mmc::RowMatrix<double> joint(task.n(), 4);
  joint << task.x, task.y;
  mmc::test::expect_second_moments(joint, sigma, 5.0);
}

TEST(GaussianGenerator, SameSeedSameBits) {
  const std::vector<double> rho = {0.5, 0.2};
  const auto a = data::correlated_gaussian_task(rho, 100, 42);
  const auto b = data::correlated_gaussian_task(rho, 100, 42);
  const auto c = data::correlated_gaussian_task(rho, 100, 43);
  EXPECT_TRUE(a.x == b.x && a.y == b.y);
  EXPECT_FALSE(a.x == c.x);
  EXPECT_EQ(a.seed, 42u);
  EXPECT_EQ(*data::lookup(a.parameters, "rho_1"), 0.2);
}

TEST(GaussianGenerator, RejectsBadParameters) {
  const std::array<double, 2> bad_rho = {0.5, 1.0};
  const std::array<double, 1> nan_rho = {std::nan("")};
  const std::array<double, 1> ok_rho = {0.5};
  expect_invalid([&] { data::gaussian_mi_pairs(bad_rho); }, "rho");
  expect_invalid([&] { data::correlated_gaussian_task(bad_rho, 10, 0); }, "rho");
  expect_invalid([&] { data::correlated_gaussian_task(nan_rho, 10, 0); }, "rho");
  expect_invalid([&] { data::correlated_gaussian_task(ok_rho, 0, 0); }, "n");
  expect_invalid([&] { data::pairwise_covariance({}); }, "rho");
  Eigen::MatrixXd not_pd = Eigen::MatrixXd::Identity(2, 2);
  not_pd(0, 1) = not_pd(1, 0) = 1.5;
  expect_invalid([&] { data::gaussian_task(not_pd, 1, 10, 0); }, "sigma");
  Eigen::MatrixXd asymmetric = Eigen::MatrixXd::Identity(2, 2);
  asymmetric(0, 1) = 0.3;
  expect_invalid([&] { data::gaussian_task(asymmetric, 1, 10, 0); }, "sigma");
  expect_invalid([&] { data::gaussian_task(Eigen::MatrixXd(2, 3), 1, 10, 0); }, "sigma");
  expect_invalid([&] { data::gaussian_task(example_covariance(), 4, 10, 0); }, "dim_x");
  expect_invalid([&] { data::gaussian_mi(example_covariance(), 0); }, "dim_x");
  expect_invalid([&] { data::dense_covariance(2, 2, -0.5); }, "rho");  // needs rho > -1/3
  expect_invalid([&] { data::dense_covariance(0, 2, 0.5); }, "dim_x");
  expect_invalid([&] { data::sparse_covariance(2, 3, 3, 0.5); }, "interacting");
  expect_invalid([&] { data::sparse_gaussian_task(2, 3, 1, -1.0, 10, 0); }, "rho");
}

TEST(GaussianGenerator, NonPositiveDefiniteMessageSaysWhy) {
  Eigen::MatrixXd sigma = Eigen::MatrixXd::Identity(3, 3);
  sigma(0, 1) = sigma(1, 0) = 0.9;
  sigma(0, 2) = sigma(2, 0) = 0.9;
  sigma(1, 2) = sigma(2, 1) = -0.9;  // each |rho| < 1, jointly invalid
  try {
    data::gaussian_task(sigma, 1, 10, 0);
    FAIL() << "no exception";
  } catch (const mmc::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("positive definite"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("gaussian_task"), std::string::npos) << e.what();
  }
}

}  // namespace
