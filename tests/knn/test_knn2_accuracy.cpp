// Accuracy against closed-form truth (docs/design.md §6 "Accuracy"): Ross on a
// discrete-label Gaussian mixture, within 3 standard errors of the seed mean
// (the standard error estimated from the seeds themselves); LNC beating its
// KSG-1 part on strongly dependent pairs. (Mixed KSG's check, equality with
// the plug-in MI on discrete data, is exact and lives in test_mixed.)
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include <mmc/core/rng.hpp>
#include <mmc/knn/lnc.hpp>
#include <mmc/knn/ross.hpp>

#include "knn2_test_util.hpp"

namespace {

using knn2_test::Matrix;
using mmc::Index;

// Three classes of 1-D Gaussians: p_c, mean_c, sd_c.
constexpr double kP[] = {0.5, 0.3, 0.2};
constexpr double kMean[] = {-1.0, 0.5, 2.0};
constexpr double kSd[] = {1.0, 0.7, 0.5};

double mixture_density(double x) {
  double f = 0.0;
  for (int c = 0; c < 3; ++c) {
    const double z = (x - kMean[c]) / kSd[c];
    f += kP[c] * std::exp(-0.5 * z * z) / (kSd[c] * std::sqrt(2.0 * std::numbers::pi));
  }
  return f;
}

/// I(X; C) = h(X) - sum_c p_c h(X | c), h(X) by composite Simpson on [-14, 14]
/// with step 1e-3 (quadrature error far below 1e-9; the tails beyond are
/// below 1e-40), h(X | c) = log(sd_c sqrt(2 pi e)).
double mixture_mi() {
  const double a = -14.0, b = 14.0;
  const int intervals = 28000;
  const double h = (b - a) / intervals;
  double sum = 0.0;
  for (int i = 0; i <= intervals; ++i) {
    const double f = mixture_density(a + i * h);
    const double g = f > 0 ? -f * std::log(f) : 0.0;
    sum += (i == 0 || i == intervals ? 1.0 : (i % 2 ? 4.0 : 2.0)) * g;
  }
  double mi = sum * h / 3.0;
  for (int c = 0; c < 3; ++c) mi -= kP[c] * std::log(kSd[c] * std::sqrt(2.0 * std::numbers::pi * std::numbers::e));
  return mi;
}

TEST(Knn2Accuracy, RossOnAGaussianMixtureIsWithinThreeStandardErrors) {
  const double truth = mixture_mi();
  EXPECT_NEAR(truth, 0.5779315592514815, 1e-9);  // scipy.integrate.quad, offline
  std::vector<double> estimates;
  for (std::uint64_t seed = 0; seed < 8; ++seed) {
    mmc::Rng rng(seed, 1);
    const Index n = 5000;
    Eigen::VectorXd x(n);
    Eigen::VectorXi labels(n);
    for (Index i = 0; i < n; ++i) {
      const double u = rng.uniform();
      const int c = u < kP[0] ? 0 : (u < kP[0] + kP[1] ? 1 : 2);
      labels(i) = c;
      x(i) = rng.normal(kMean[c], kSd[c]);
    }
    estimates.push_back(mmc::knn::Ross().estimate(x, labels).value);
  }
  const ksg_test::SeedStats s = ksg_test::seed_stats(estimates);
  // Ross's bias at N = 5000 is ~0.002 (20 seeds in Python), its spread ~0.011
  // per estimate: 3 standard errors of the 8-seed mean (~0.012) cover it.
  EXPECT_LT(s.se, 0.01);
  EXPECT_NEAR(s.mean, truth, 3.0 * s.se) << "SE " << s.se;
}

/// LNC and its own KSG-1 part (test_lnc checks that part bit for bit against
/// a brute-force KSG-1) on correlated Gaussians, one pair per seed.
void expect_lnc_beats_ksg(double rho, Index n, Index k, int seeds) {
  const double truth = -0.5 * std::log(1.0 - rho * rho);
  mmc::knn::LncOptions options;
  options.k = k;
  for (int seed = 0; seed < seeds; ++seed) {
    const auto [x, y] = ksg_test::correlated_gaussians(n, 1, rho, 1000 + static_cast<std::uint64_t>(seed));
    const auto r = mmc::knn::Lnc(options).estimate(x, y);
    EXPECT_LT(std::fabs(r.value - truth), std::fabs(r.ksg - truth))
        << "seed " << seed << ": LNC " << r.value << ", KSG " << r.ksg << ", truth " << truth;
  }
}

// Where KSG's known underestimate exists, LNC must beat it on every seed.
// The plain setting (rho = 0.999, N = 5000, k = 3) has no such bias to
// beat: there KSG-1 is within noise of the truth (measured offline +0.02 +-
// 0.01 nats over 10 seeds), and LNC's correction, which only adds, makes
// it +0.06. The underestimate grows with the neighbourhood size k/N and
// with the MI, so the checks use:
TEST(Knn2Accuracy, LncBeatsKsgAtRho0999WithLargeNeighbourhoods) {
  // I = 3.11 nats, N = 500, k = 10: KSG-1 -0.21 +- 0.03, LNC -0.10 +- 0.04
  // (Python, 10 seeds; LNC closer on all 10, margin >= 0.067).
  expect_lnc_beats_ksg(0.999, 500, 10, 6);
}

TEST(Knn2Accuracy, LncBeatsKsgAtRho099999WithN5000) {
  // I = 5.41 nats, N = 5000, k = 10: KSG-1 -0.23 +- 0.01, LNC -0.11 +- 0.01
  // (Python, 10 seeds; LNC closer on all 10, margin >= 0.11).
  expect_lnc_beats_ksg(0.99999, 5000, 10, 4);
}

}  // namespace
