// The Bayes-error bounds of metric/bayes_bounds.hpp (Theorems 3.1 and 3.2 of
// "Modality Complementariness: Towards Understanding Multi-modal Robustness";
// docs/design.md §3.4) evaluated at the TRUE information quantities of tasks
// whose Bayes error is known (metric/bayes_error.hpp) must bracket that error.
// Several cases are tight (a modality whose loss leaves chance level: H = log 2,
// error 1/2), so a wrong log base or sign in a bound breaks the bracket.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "mmc/core/rng.hpp"
#include "mmc/metric/bayes_bounds.hpp"
#include "mmc/metric/bayes_error.hpp"

namespace {

using namespace mmc;
using metric::ErrorBounds;

constexpr double kTol = 1e-9;  // quadrature accuracy of the exact truths

void expect_brackets(const ErrorBounds& b, double error, const std::string& what, double tol = kTol) {
  EXPECT_LE(b.error_lower, error + tol) << what << ": weak Fano";
  EXPECT_LE(b.error_lower_tight, error + tol) << what << ": tight Fano";
  EXPECT_GE(b.error_upper, error - tol) << what << ": error-entropy upper bound";
  EXPECT_LE(b.error_lower, b.error_lower_tight + 1e-12) << what;
}

TEST(BoundsFormulas, ExactValues) {
  const double ln2 = std::numbers::ln2;
  // Two classes at chance: H = log 2 nats <=> error 1/2, every bound is tight.
  EXPECT_NEAR(metric::fano_lower_bound_tight(ln2, 2), 0.5, 1e-9);
  EXPECT_NEAR(metric::entropy_upper_bound(ln2), 0.5, 1e-12);
  EXPECT_DOUBLE_EQ(metric::fano_lower_bound(ln2, 2), 0.0);
  // Four classes: H = log 4 -> weak (log4 - log2)/log4 = 1/2, tight 3/4 (chance), upper 3/4.
  EXPECT_NEAR(metric::fano_lower_bound(std::log(4.0), 4), 0.5, 1e-12);
  EXPECT_NEAR(metric::fano_lower_bound_tight(std::log(4.0), 4), 0.75, 1e-9);
  EXPECT_NEAR(metric::entropy_upper_bound(std::log(4.0)), 0.75, 1e-12);
  // H(Y|X_{-m}) = H(Y|X_all) + Gamma_m: the missing bounds are the clean ones at the sum.
  const auto miss = metric::missing_modality_bounds(0.1, 0.3, 3);
  const auto clean = metric::clean_error_bounds(0.4, 3);
  EXPECT_DOUBLE_EQ(miss.error_lower, clean.error_lower);
  EXPECT_DOUBLE_EQ(miss.error_upper, clean.error_upper);
  EXPECT_DOUBLE_EQ(miss.regression_gap, 0.15);
  // Clipping of slightly negative estimates.
  EXPECT_DOUBLE_EQ(metric::clean_error_bounds(-0.01, 2).error_upper, 0.0);
}

TEST(BoundsVsTruth, BitCasesCleanAndMissing) {
  for (const auto which : {data::BitCase::redundant, data::BitCase::unique, data::BitCase::synergy}) {
    for (const double sigma : {0.05, 0.2, 0.4, 0.7, 1.5}) {
      const auto t = metric::bit_case_bayes_truth(which, sigma);
      const std::string name = std::string(data::bit_case_name(which)) + " sigma " + std::to_string(sigma);
      expect_brackets(metric::clean_error_bounds(t.h_clean, 2), t.error_clean, name + " clean");
      for (std::size_t m = 0; m < 2; ++m) {
        expect_brackets(metric::missing_modality_bounds(t.h_clean, t.gamma(m), 2), t.error_missing[m],
                        name + " missing " + std::to_string(m));
      }
    }
  }
}

TEST(BoundsVsTruth, LogBaseAndSignMatter) {
  // Unique case, X missing: error 1/2 and H(Y|Z) = log 2 exactly. A base-2
  // exponent (1 - 2^{-H}) or a bound that subtracts Gamma would fall below 1/2.
  const auto t = metric::bit_case_bayes_truth(data::BitCase::unique, 0.3);
  ASSERT_NEAR(t.error_missing[0], 0.5, 1e-12);
  const double h = t.h_clean + t.gamma(0);
  EXPECT_NEAR(h, std::numbers::ln2, 1e-8);
  EXPECT_LT(1.0 - std::exp2(-h), t.error_missing[0] - 0.05);                     // wrong base fails
  EXPECT_LT(metric::entropy_upper_bound(t.h_clean - t.gamma(0)), t.error_missing[0] - 0.05);  // wrong sign fails
  const auto b = metric::missing_modality_bounds(t.h_clean, t.gamma(0), 2);
  EXPECT_NEAR(b.error_upper, 0.5, 1e-8);
  EXPECT_NEAR(b.error_lower_tight, 0.5, 1e-7);
  // Exact-value checks of the weak form (where bracketing cannot see a too-small
  // bound) are in BoundsFormulas.ExactValues.
  const auto p = metric::bit_pair_bayes_truth(0.05);
  expect_brackets(metric::missing_modality_bounds(p.h_clean, p.gamma(0), 4), p.error_missing[0], "pair");
}

TEST(BoundsVsTruth, FourClassBitPair) {
  for (const double sigma : {0.05, 0.2, 0.4, 0.8, 2.0}) {
    const auto t = metric::bit_pair_bayes_truth(sigma);
    const std::string name = "pair sigma " + std::to_string(sigma);
    expect_brackets(metric::clean_error_bounds(t.h_clean, 4), t.error_clean, name + " clean");
    for (std::size_t m = 0; m < 2; ++m) {
      const auto b = metric::missing_modality_bounds(t.h_clean, t.gamma(m), 4);
      expect_brackets(b, t.error_missing[m], name + " missing");
      EXPECT_GT(b.error_lower_tight, 0.15) << name;  // informative (chance is 3/4)
    }
  }
}

metric::GaussianClasses gaussian_case(int which) {
  metric::GaussianClasses g;
  g.d1 = 2;
  g.mu = Eigen::VectorXd(4);
  g.sigma = Eigen::MatrixXd::Identity(4, 4);
  switch (which) {
    case 0: g.mu << 1.0, 0.5, 0.8, 0.0; break;       // independent blocks
    case 1:                                           // correlated blocks
      g.mu << 1.5, 0.0, 1.5, 0.0;
      g.sigma(0, 2) = g.sigma(2, 0) = 0.8;
      g.sigma(1, 3) = g.sigma(3, 1) = -0.3;
      break;
    default: g.mu << 3.0, 0.0, 0.2, 0.1; break;       // one strong modality
  }
  return g;
}

TEST(BoundsVsTruth, GaussianClasses) {
  for (int c = 0; c < 3; ++c) {
    const auto g = gaussian_case(c);
    const auto t = metric::gaussian_classes_truth(g);
    const std::string name = "gaussian " + std::to_string(c);
    expect_brackets(metric::clean_error_bounds(t.h_clean, 2), t.error_clean, name + " clean", 1e-8);
    for (std::size_t m = 0; m < 2; ++m) {
      EXPECT_GE(t.gamma(m), -1e-9) << name;
      expect_brackets(metric::missing_modality_bounds(t.h_clean, t.gamma(m), 2), t.error_missing[m],
                      name + " missing " + std::to_string(m), 1e-8);
    }
  }
}

TEST(BoundsVsTruth, GaussianEntropyQuadratureMatchesMonteCarlo) {
  // H(Y|X) = E[h(P(y=1|x))] by Monte Carlo of the true posterior on 20000
  // samples (sd of the mean < 0.002 nats) against the 1-D quadrature.
  const auto g = gaussian_case(1);
  const auto task = metric::gaussian_classes_task(g, 20000, 3);
  const Eigen::VectorXd w = g.sigma.llt().solve(g.mu);
  double sum = 0.0, errors = 0.0;
  for (Index i = 0; i < task.labels.size(); ++i) {
    Eigen::VectorXd x(4);
    x << task.modalities[0].row(i).transpose(), task.modalities[1].row(i).transpose();
    const double logit = w.dot(x);  // log p(x|1)/p(x|0) for means ±μ/2
    const double p = 1.0 / (1.0 + std::exp(-logit));
    sum += data::detail::binary_entropy(p);
    errors += ((logit > 0.0 ? 1 : 0) != task.labels(i)) ? 1.0 : 0.0;
  }
  const auto t = metric::gaussian_classes_truth(g);
  const double n = static_cast<double>(task.labels.size());
  EXPECT_NEAR(sum / n, t.h_clean, 0.008);
  EXPECT_NEAR(errors / n, t.error_clean, 0.01);
}

TEST(BoundsVsTruth, NoisyModality) {
  // Unique case, modality 0 (X, variance 1/4 + sigma^2) observed with extra
  // N(0, tau^2): the Bayes error is q(sqrt(sigma^2 + tau^2)).
  const double sigma = 0.2, power = 0.25 + sigma * sigma;
  const auto t = metric::bit_case_bayes_truth(data::BitCase::unique, sigma);
  const auto clean = metric::clean_error_bounds(t.h_clean, 2);
  const auto missing = metric::missing_modality_bounds(t.h_clean, t.gamma(0), 2);
  double previous = -1.0;
  for (const double tau : {0.0, 0.05, 0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 10.0}) {
    const auto b = metric::noisy_modality_bounds(t.h_clean, t.gamma(0), 2, tau, power, 1);
    const double truth = metric::noisy_bit_error(std::hypot(sigma, tau));
    expect_brackets(b, truth, "noisy tau " + std::to_string(tau));
    EXPECT_GE(b.error_lower_tight, previous - 1e-12) << "monotone in tau";
    previous = b.error_lower_tight;
    EXPECT_DOUBLE_EQ(b.error_upper, missing.error_upper);
  }
  EXPECT_DOUBLE_EQ(metric::noisy_modality_bounds(t.h_clean, t.gamma(0), 2, 0.0, power).error_lower_tight,
                   clean.error_lower_tight);
  EXPECT_NEAR(metric::noisy_modality_bounds(t.h_clean, t.gamma(0), 2, 1e6, power).error_lower_tight,
              missing.error_lower_tight, 1e-6);
  // Synergy, noise on Z: Bayes error 1 - (1-q_x)(1-q_z') - q_x q_z'.
  const auto s = metric::bit_case_bayes_truth(data::BitCase::synergy, sigma);
  for (const double tau : {0.1, 0.5, 2.0}) {
    const double qx = metric::noisy_bit_error(sigma), qz = metric::noisy_bit_error(std::hypot(sigma, tau));
    const double truth = qx * (1.0 - qz) + qz * (1.0 - qx);
    expect_brackets(metric::noisy_modality_bounds(s.h_clean, s.gamma(1), 2, tau, power, 1), truth,
                    "synergy noisy");
  }
}

TEST(BoundsVsTruth, AlphaGeneratorMonteCarlo) {
  // Monte Carlo with the true label rule: 1500 outer x 1500 inner draws. The
  // error estimate has sd ~0.5/sqrt(1500) ~ 0.013 at most; the slack is 0.04.
  for (const double alpha : {0.0, 0.5, 0.8, 1.0}) {
    data::SyntheticOptions o;
    o.alpha = alpha;
    const auto t = metric::alpha_missing_truth(o, 1500, 1500, 1);
    const std::string name = "alpha " + std::to_string(alpha);
    if (alpha == 0.0) {
      EXPECT_NEAR(t.error_missing[1], 0.5, 0.03) << name;
      EXPECT_NEAR(t.h_missing[1], std::numbers::ln2, 0.01) << name;
    }
    if (alpha == 1.0) {
      EXPECT_LT(t.error_missing[1], 0.01) << name;
    }
    expect_brackets(metric::clean_error_bounds(0.0, 2), t.error_clean, name + " clean");
    expect_brackets(metric::missing_modality_bounds(0.0, t.h_missing[1], 2), t.error_missing[1],
                    name + " missing Z", 0.04);
  }
}

}  // namespace
