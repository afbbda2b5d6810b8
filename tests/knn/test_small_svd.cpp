// The one-sided Jacobi SVD of geometric kNN (include/mmc/knn/detail/
// small_svd.hpp) on the shapes geometric kNN decomposes, (k+1) x d for
// d = 1..10: random, ill-conditioned (sigma_d = 1e-10 sigma_1, against the
// singular values it was built with), rank-deficient, duplicated-column,
// zero, non-finite and tiny/huge-scale matrices. Every result is checked for
// what geometric_local_entropy relies on (descending singular values, V
// orthogonal, A V = U Sigma, A = U Sigma V^T) and against Eigen::JacobiSVD;
// scaling by a power of two scales the result exactly; a reused decomposition
// gives the bits of a fresh one.
#include <gtest/gtest.h>

#include <Eigen/QR>
#include <Eigen/SVD>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mmc/core/rng.hpp>
#include <mmc/knn/detail/small_svd.hpp>
#include <string>
#include <utility>
#include <vector>

namespace {

using mmc::Index;
using mmc::knn::detail::SmallSvd;

/// Both decompositions are backward stable: each computes the exact singular
/// values of A + E with |E| a few epsilon |A|, so by Weyl's inequality their
/// singular values agree to a few epsilon sigma_1 (about 5e-15 sigma_1 at
/// 11 x 10), not to a few epsilon of each sigma_i (a sigma_d of 1e-10 sigma_1
/// is known to about 1e-6 of itself); 1e-13 leaves a margin of 20.
constexpr double kNormwise = 1e-13;

Eigen::MatrixXd gaussian(Index rows, Index cols, mmc::Rng& rng) {
  Eigen::MatrixXd a(rows, cols);
  for (Index c = 0; c < cols; ++c)
    for (Index r = 0; r < rows; ++r) a(r, c) = rng.normal();
  return a;
}

/// rows x cols with orthonormal columns.
Eigen::MatrixXd orthonormal(Index rows, Index cols, mmc::Rng& rng) {
  const Eigen::HouseholderQR<Eigen::MatrixXd> qr(gaussian(rows, cols, rng));
  return qr.householderQ() * Eigen::MatrixXd::Identity(rows, cols);
}

/// The shapes of geometric kNN: k + 1 rows for k = d (the least it allows),
/// k = 10 (the benchmark's) and k = 3d.
std::vector<Index> row_counts(Index d) { return {d + 1, std::max<Index>(11, d + 1), 3 * d + 1}; }

std::string label(const std::string& family, Index rows, Index cols) {
  return family + " " + std::to_string(rows) + " x " + std::to_string(cols);
}

/// Decomposes a (which must converge) and checks the invariants the estimator
/// uses: singular values descending and >= 0, the matrix U Sigma left in
/// matrix() with column norms sigma and mutually orthogonal columns (the
/// stopping test), V orthogonal, A V = U Sigma and A = U Sigma V^T. The
/// checks run on everything divided by sigma_1, so that their own products
/// neither overflow nor underflow at extreme scales.
const SmallSvd& decompose(SmallSvd& svd, const Eigen::MatrixXd& a, const std::string& what) {
  const Index rows = a.rows(), cols = a.cols();
  svd.shape(rows, cols);
  svd.matrix() = a;
  EXPECT_TRUE(svd.compute()) << what;
  EXPECT_LT(svd.sweeps(), 15) << what;  // at most 11 in these families (rank-deficient ones)
  const Eigen::MatrixXd& v = svd.matrix_v();
  const double scale = svd.singular_values()(0);
  const Eigen::VectorXd sigma = svd.singular_values() / scale;
  const Eigen::MatrixXd u_sigma = svd.matrix() / scale, unit_a = a / scale;
  for (Index j = 0; j < cols; ++j) {
    EXPECT_GE(sigma(j), 0.0) << what;
    if (j > 0) {
      EXPECT_LE(sigma(j), sigma(j - 1)) << what << ", j = " << j;
    }
    EXPECT_NEAR(u_sigma.col(j).norm(), sigma(j), 1e-15) << what << ", j = " << j;
    for (Index i = 0; i < j; ++i) {
      // The stopping test, |a_i.a_j| <= rows epsilon |a_i| |a_j|, and the
      // rounding of this product (another rows epsilon at most).
      EXPECT_LE(std::abs(u_sigma.col(i).dot(u_sigma.col(j))),
                2.0 * static_cast<double>(rows) * std::numeric_limits<double>::epsilon() * sigma(i) * sigma(j) +
                    1e-300)
          << what << ", columns " << i << ", " << j;
    }
  }
  EXPECT_LE((v.transpose() * v - Eigen::MatrixXd::Identity(cols, cols)).cwiseAbs().maxCoeff(), 1e-14) << what;
  EXPECT_LE((unit_a * v - u_sigma).cwiseAbs().maxCoeff(), 1e-14) << what;
  EXPECT_LE((unit_a - u_sigma * v.transpose()).cwiseAbs().maxCoeff(), 1e-14) << what;
  return svd;
}

/// Singular values within kNormwise sigma_1 of Eigen::JacobiSVD's.
void expect_agrees_with_eigen(const SmallSvd& svd, const Eigen::MatrixXd& a, const std::string& what) {
  const Eigen::JacobiSVD<Eigen::MatrixXd> reference(a, Eigen::ComputeThinV);
  const Eigen::VectorXd& expected = reference.singularValues();
  for (Index j = 0; j < a.cols(); ++j)
    EXPECT_NEAR(svd.singular_values()(j), expected(j), kNormwise * expected(0)) << what << ", j = " << j;
}

TEST(SmallSvd, RandomMatricesAgreeWithJacobiSvdToRelativeRounding) {
  // Centred Gaussian neighbourhoods, as geometric kNN decomposes: every
  // singular value above 0.1 sigma_1 agrees to 1e-13 of itself too (below,
  // only to 1e-14 sigma_1: a (d+1) x d centred matrix is occasionally ill
  // conditioned).
  mmc::Rng rng(1);
  for (Index d = 1; d <= 10; ++d) {
    for (const Index rows : row_counts(d)) {
      for (int repeat = 0; repeat < 20; ++repeat) {
        Eigen::MatrixXd a = gaussian(rows, d, rng);
        a.rowwise() -= a.colwise().mean();
        const std::string what = label("random", rows, d) + " #" + std::to_string(repeat);
        SmallSvd svd;
        decompose(svd, a, what);
        expect_agrees_with_eigen(svd, a, what);
        const Eigen::JacobiSVD<Eigen::MatrixXd> reference(a);
        const Eigen::VectorXd& expected = reference.singularValues();
        for (Index j = 0; j < d; ++j)
          EXPECT_NEAR(svd.singular_values()(j), expected(j), 1e-13 * std::max(expected(j), 0.1 * expected(0)))
              << what << ", j = " << j;
      }
    }
  }
}

TEST(SmallSvd, IllConditionedMatricesKeepTheirSmallSingularValues) {
  // sigma log-spaced from 1 down to 1e-10: every value within kNormwise of
  // the construction and of JacobiSVD, and sigma_d far above geometric kNN's
  // rank tolerance (1e-12 sigma_1), where a Gram-matrix eigen-decomposition
  // would return sqrt(epsilon) ~ 1e-8 noise. The singular vectors of these
  // well-separated values are those of the construction.
  mmc::Rng rng(2);
  for (Index d = 2; d <= 10; ++d) {
    for (const Index rows : row_counts(d)) {
      Eigen::VectorXd sigma(d);
      for (Index j = 0; j < d; ++j) sigma(j) = std::pow(10.0, -10.0 * static_cast<double>(j) / static_cast<double>(d - 1));
      const Eigen::MatrixXd u = orthonormal(rows, d, rng), v = orthonormal(d, d, rng);
      const Eigen::MatrixXd a = u * sigma.asDiagonal() * v.transpose();
      const std::string what = label("sigma ratio 1e-10", rows, d);
      SmallSvd svd;
      decompose(svd, a, what);
      expect_agrees_with_eigen(svd, a, what);
      for (Index j = 0; j < d; ++j) {
        EXPECT_NEAR(svd.singular_values()(j), sigma(j), kNormwise) << what << ", j = " << j;
        EXPECT_GT(std::abs(svd.matrix_v().col(j).dot(v.col(j))), 1.0 - 1e-8) << what << ", j = " << j;
      }
      EXPECT_GT(svd.singular_values()(d - 1), 1e-12 * svd.singular_values()(0)) << what;
    }
  }
}

TEST(SmallSvd, RankDeficientAndDuplicatedColumnsGiveZeroSingularValues) {
  // Rank r < d (a product of rows x r and r x d factors), a column repeated,
  // a column scaled by -3, a zero column: the d - r smallest singular values
  // are rounding noise (a few epsilon sigma_1), which geometric kNN's rank
  // test (sigma_d <= 1e-12 sigma_1) reports as degenerate.
  mmc::Rng rng(3);
  for (Index d = 2; d <= 10; ++d) {
    for (const Index rows : row_counts(d)) {
      const Index rank = std::max<Index>(1, d / 2);
      std::vector<std::pair<std::string, Eigen::MatrixXd>> cases;
      cases.emplace_back("rank " + std::to_string(rank), gaussian(rows, rank, rng) * gaussian(rank, d, rng));
      Eigen::MatrixXd repeated = gaussian(rows, d, rng);
      repeated.col(d - 1) = repeated.col(0);
      cases.emplace_back("repeated column", repeated);
      Eigen::MatrixXd scaled = gaussian(rows, d, rng);
      scaled.col(d / 2) = -3.0 * scaled.col(0);
      cases.emplace_back("scaled copy", scaled);
      Eigen::MatrixXd zero = gaussian(rows, d, rng);
      zero.col(d / 2).setZero();
      cases.emplace_back("zero column", zero);
      for (const auto& [family, a] : cases) {
        const std::string what = label(family, rows, d);
        SmallSvd svd;
        decompose(svd, a, what);
        expect_agrees_with_eigen(svd, a, what);
        const Index zeros = family.rfind("rank", 0) == 0 ? d - rank : 1;
        for (Index j = d - zeros; j < d; ++j)
          EXPECT_LE(svd.singular_values()(j), 1e-14 * svd.singular_values()(0)) << what << ", j = " << j;
        EXPECT_GT(svd.singular_values()(d - zeros - 1), 1e-6 * svd.singular_values()(0)) << what;
      }
    }
  }
}

TEST(SmallSvd, TinyAndHugeScalesAgreeWithJacobiSvd) {
  // No square overflows or underflows: the matrix is brought to unit scale
  // by a power of two first.
  mmc::Rng rng(4);
  for (const double scale : {1e-300, 1e-150, 1e150, 1e300}) {
    for (Index d = 1; d <= 10; ++d) {
      const Index rows = std::max<Index>(11, d + 1);
      Eigen::MatrixXd a = scale * gaussian(rows, d, rng);
      if (d >= 3) a.col(2) *= 1e-8;  // a small singular value too
      const std::string what = label("scale " + std::to_string(std::log10(scale)), rows, d);
      SmallSvd svd;
      decompose(svd, a, what);
      expect_agrees_with_eigen(svd, a, what);
      EXPECT_TRUE(svd.singular_values().allFinite()) << what;
      EXPECT_GT(svd.singular_values()(d - 1), 0.0) << what;
    }
  }
}

TEST(SmallSvd, PowerOfTwoScalingScalesTheResultExactly) {
  mmc::Rng rng(5);
  for (Index d = 1; d <= 10; ++d) {
    const Eigen::MatrixXd a = gaussian(2 * d + 1, d, rng);
    SmallSvd unit, small, large;
    decompose(unit, a, "unit");
    decompose(small, std::ldexp(1.0, -900) * a, "2^-900");
    decompose(large, std::ldexp(1.0, 900) * a, "2^900");
    for (Index j = 0; j < d; ++j) {
      EXPECT_EQ(small.singular_values()(j), std::ldexp(unit.singular_values()(j), -900)) << d;
      EXPECT_EQ(large.singular_values()(j), std::ldexp(unit.singular_values()(j), 900)) << d;
    }
    EXPECT_EQ(small.matrix_v(), unit.matrix_v()) << d;
    EXPECT_EQ(large.matrix_v(), unit.matrix_v()) << d;
  }
}

TEST(SmallSvd, ZeroAndNonFiniteMatrices) {
  SmallSvd svd;
  svd.shape(6, 4);
  svd.matrix().setZero();
  EXPECT_TRUE(svd.compute());
  EXPECT_EQ(svd.singular_values(), Eigen::VectorXd::Zero(4));
  EXPECT_EQ(svd.matrix_v(), Eigen::MatrixXd::Identity(4, 4));
  // Non-finite input (geometric kNN: a mean that overflowed) gives NaN
  // singular values, which fail its rank test, whatever the previous sample.
  for (const double bad : {std::numeric_limits<double>::infinity(), std::numeric_limits<double>::quiet_NaN()}) {
    svd.matrix().setOnes();
    svd.matrix()(3, 2) = bad;
    EXPECT_FALSE(svd.compute());
    for (Index j = 0; j < 4; ++j) EXPECT_TRUE(std::isnan(svd.singular_values()(j))) << bad;
    EXPECT_FALSE(svd.singular_values()(3) > 1e-12 * svd.singular_values()(0));
  }
}

TEST(SmallSvd, OneColumnIsItsNorm) {
  mmc::Rng rng(6);
  const Eigen::MatrixXd a = gaussian(5, 1, rng);
  SmallSvd svd;
  decompose(svd, a, "one column");
  EXPECT_EQ(svd.sweeps(), 1);
  EXPECT_EQ(svd.matrix_v()(0, 0), 1.0);
  EXPECT_NEAR(svd.singular_values()(0), a.norm(), 1e-15 * a.norm());
}

TEST(SmallSvd, AReusedDecompositionGivesTheBitsOfAFreshOne) {
  // geometric kNN keeps one decomposition per thread: nothing of one sample
  // may reach the next (the results depend only on the input's bits).
  mmc::Rng rng(7);
  const Eigen::MatrixXd first = gaussian(11, 10, rng), second = gaussian(11, 10, rng);
  SmallSvd reused, fresh;
  decompose(reused, first, "first");
  decompose(reused, second, "second");
  decompose(reused, first, "first again");
  decompose(fresh, first, "fresh");
  EXPECT_EQ(reused.singular_values(), fresh.singular_values());
  EXPECT_EQ(reused.matrix_v(), fresh.matrix_v());
  EXPECT_EQ(reused.matrix(), fresh.matrix());
}

}  // namespace
