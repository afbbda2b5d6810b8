// Tests of mmc/data/student.hpp: h(k) and the MI against values computed
// offline, the large-ν limit, the moments of the samples and bad input.
#include "mmc/data/student.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "generator_test_helpers.hpp"

namespace {

using mmc::Index;
using mmc::test::expect_invalid;
using mmc::test::expect_mean_near;
namespace data = mmc::data;

TEST(StudentGenerator, EntropyMatchesIndependentRadialIntegral) {
  // Provenance: mpmath 30 digits, -E[log p(V)] integrated over the radius of the
  // standard k-variate t, p(v) = C (1 + r²/ν)^(-(ν+k)/2), surface 2π^(k/2)/Γ(k/2)
  // (mp.quad on [0,1,10,100,inf]) — independent of the closed form of
  // docs/design.md §3.5, which
  // agreed to 16 digits (1e-15 at ν = 0.5).
  struct Case {
    Index k;
    double df, entropy;
  };
  for (const Case& c : {Case{1, 3.0, 1.7734775718632909}, Case{2, 5.0, 3.2378770664093455},
                        Case{4, 1.0, 9.2438085108172479}, Case{3, 0.5, 9.8809181807682149},
                        Case{2, 30.0, 2.9045437330760122}}) {
    // lgamma/digamma are accurate to ~1e-15; the terms are O(10), so 1e-12 is ample.
    EXPECT_NEAR(data::student_t_entropy(c.k, c.df), c.entropy, 1e-12) << c.k << " " << c.df;
  }
}

TEST(StudentGenerator, MiMatchesMpmath) {
  // Provenance: mpmath 30 digits of h(d_x) + h(d_y) − h(d_x + d_y) with the h(k) of
  // docs/design.md §3.5.
  struct Case {
    Index dx, dy;
    double df, mi;
  };
  for (const Case& c : {Case{1, 1, 1.0, 0.2241714275292361}, Case{1, 1, 3.0, 0.042411410650569746},
                        Case{2, 3, 5.0, 0.067042601459178268}, Case{5, 5, 10.0, 0.064400867777037701}}) {
    EXPECT_NEAR(data::student_t_mi(c.dx, c.dy, c.df), c.mi, 1e-12);
    EXPECT_NEAR(data::student_t_task(c.dx, c.dy, c.df, 3, 0).true_mi, c.mi, 1e-12);
  }
}

TEST(StudentGenerator, MiVanishesAsDfGrows) {
  // The t tends to the Gaussian with identity covariance: independent X, Y.
  double previous = data::student_t_mi(2, 2, 1.0);
  for (const double df : {2.0, 5.0, 20.0, 100.0, 1000.0}) {
    const double mi = data::student_t_mi(2, 2, df);
    EXPECT_GT(mi, 0.0);
    EXPECT_LT(mi, previous) << "df " << df;
    previous = mi;
  }
  // mpmath: 4.9996666416726672e-9 for d_x = d_y = 1, ν = 1e4 (~1/(2ν²)); the
  // lgamma terms of size ~5e4 cancel, leaving ~1e-11 of rounding.
  EXPECT_NEAR(data::student_t_mi(1, 1, 1e4), 4.9996666416726672e-9, 1e-10);
}

TEST(StudentGenerator, DispersionAddsGaussianMi) {
  // Block-diagonal dispersion: no Gaussian part; per-coordinate scaling: MI invariant.
  Eigen::MatrixXd sigma = Eigen::MatrixXd::Identity(3, 3);
  sigma(1, 2) = sigma(2, 1) = 0.6;  // within Y only
  EXPECT_NEAR(data::student_t_mi(sigma, 1, 4.0), data::student_t_mi(1, 2, 4.0), 1e-12);
  Eigen::MatrixXd cross = Eigen::MatrixXd::Identity(2, 2);
  cross(0, 1) = cross(1, 0) = 0.8;
  EXPECT_NEAR(data::student_t_mi(cross, 1, 4.0),
              -0.5 * std::log(1 - 0.64) + data::student_t_mi(1, 1, 4.0), 1e-12);
  const Eigen::MatrixXd scaled = Eigen::Vector2d(3.0, 0.2).asDiagonal() * cross *
                                 Eigen::Vector2d(3.0, 0.2).asDiagonal();
  EXPECT_NEAR(data::student_t_mi(scaled, 1, 4.0), data::student_t_mi(cross, 1, 4.0), 1e-12);
}

TEST(StudentGenerator, SampleCovarianceIsScaledDispersion) {
  // Cov = ν/(ν−2) Σ. With ν = 12 the products have finite variance (8th moments
  // exist for ν > 8), so the 5-standard-error window is valid.
  Eigen::MatrixXd sigma(3, 3);
  sigma << 1.0, 0.5, -0.3,  //
      0.5, 2.0, 0.4,        //
      -0.3, 0.4, 1.5;
  const double df = 12.0;
  const auto task = data::student_t_task(sigma, 1, df, 20000, 3);
  mmc::RowMatrix<double> joint(task.n(), 3);
  joint << task.x, task.y;
  mmc::test::expect_second_moments(joint, df / (df - 2.0) * sigma, 5.0);
}

TEST(StudentGenerator, SharedScaleMakesUncorrelatedCoordinatesDependent) {
  // One w per row: E[x²y²] = ν²/((ν−2)(ν−4)) ≠ E[x²]E[y²] = (ν/(ν−2))².
  // For ν = 12: 144/80 = 1.8 versus 1.44; per-coordinate w would give 1.44.
  const double df = 12.0;
  const auto task = data::student_t_task(1, 1, df, 20000, 5);
  const Eigen::VectorXd x2y2 = task.x.col(0).array().square() * task.y.col(0).array().square();
  expect_mean_near(x2y2, df * df / ((df - 2) * (df - 4)), 5.0, "E[x^2 y^2]");
  const Eigen::VectorXd xy = task.x.col(0).cwiseProduct(task.y.col(0));
  expect_mean_near(xy, 0.0, 5.0, "E[xy]");
}

TEST(StudentGenerator, HeavyTailMatchesTDistribution) {
  // P(|x| > 3) for ν = 3: 2·t.sf(3, 3) = 0.05766888562243731 (scipy.stats).
  // A Bernoulli mean: 5 standard errors of sqrt(p(1-p)/n).
  const auto task = data::student_t_task(2, 1, 3.0, 20000, 11);
  const Eigen::VectorXd tail = (task.x.col(1).array().abs() > 3.0).cast<double>();
  expect_mean_near(tail, 0.05766888562243731, 5.0, "P(|x| > 3)");
}

TEST(StudentGenerator, SameSeedSameBits) {
  const auto a = data::student_t_task(2, 2, 2.5, 200, 9);
  const auto b = data::student_t_task(2, 2, 2.5, 200, 9);
  EXPECT_TRUE(a.x == b.x && a.y == b.y);
  EXPECT_FALSE(a.x == data::student_t_task(2, 2, 2.5, 200, 10).x);
  EXPECT_TRUE(a.x.allFinite() && a.y.allFinite());
  EXPECT_EQ(*data::lookup(a.parameters, "df"), 2.5);
}

TEST(StudentGenerator, RejectsBadParameters) {
  expect_invalid([] { data::student_t_task(1, 1, 0.0, 10, 0); }, "df");
  expect_invalid([] { data::student_t_task(1, 1, -2.0, 10, 0); }, "df");
  expect_invalid([] { data::student_t_task(1, 1, std::nan(""), 10, 0); }, "df");
  expect_invalid([] { data::student_t_mi(1, 1, INFINITY); }, "df");
  expect_invalid([] { data::student_t_task(1, 1, 3.0, 0, 0); }, "n");
  expect_invalid([] { data::student_t_task(0, 1, 3.0, 10, 0); }, "dim_x");
  expect_invalid([] { data::student_t_task(1, 0, 3.0, 10, 0); }, "dim_y");
  expect_invalid([] { data::student_t_entropy(0, 3.0); }, "k");
  Eigen::MatrixXd not_pd = Eigen::MatrixXd::Identity(2, 2);
  not_pd(0, 1) = not_pd(1, 0) = -1.0;
  expect_invalid([&] { data::student_t_task(not_pd, 1, 3.0, 10, 0); }, "dispersion");
}

}  // namespace
