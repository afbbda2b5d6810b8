// CENE and DoE accuracy (docs/design.md §3.3) against exact oracles:
//  - discrete A given discrete B (one-hot): the plug-in conditional entropy
//    H(A|B) = H(A,B) - H(B) of the same data, within 0.02 nats; and H(A) with
//    an empty condition;
//  - continuous A given B, A = W B + diagonal Gaussian noise: the mixture
//    density network recovers h(A|B) = sum_j 0.5 log(2 pi e sigma_j^2) within 5 %,
//    and h(A) = 0.5 log((2 pi e)^d |Cov A|) without a condition;
//  - DoE on the same Gaussian pair: I = h(A) - h(A|B).
// Networks are smaller than the defaults (hidden 64-64) to keep the test fast in
// a debug build; benchmarks/neural_accuracy.cpp runs the defaults.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <cstdio>
#include <map>
#include <numbers>
#include <utility>

#include <mmc/core/rng.hpp>
#include <mmc/neural/cene.hpp>
#include <mmc/neural/doe.hpp>
#include <mmc/neural/onehot.hpp>

namespace {

using mmc::Index;
using mmc::RowMatrix;
namespace neural = mmc::neural;

double plugin_entropy(const std::map<std::pair<int, int>, double>& counts, double n) {
  double h = 0.0;
  for (const auto& [key, c] : counts) h -= c / n * std::log(c / n);
  return h;
}

neural::CeneOptions test_options() {
  neural::CeneOptions o;
  o.hidden = {64, 64};
  o.threads = 2;
  return o;
}

TEST(NeuralCene, DiscreteTargetMatchesThePlugInConditionalEntropy) {
  // B uniform on 5 values; A | B on 4 classes with fixed, varied conditionals.
  const double p[5][4] = {{0.7, 0.1, 0.1, 0.1},
                          {0.25, 0.25, 0.25, 0.25},
                          {0.05, 0.05, 0.45, 0.45},
                          {0.4, 0.3, 0.2, 0.1},
                          {0.02, 0.9, 0.04, 0.04}};
  const Index n = 50000;
  mmc::Rng rng(11, 0);
  Eigen::VectorXi a(n), b(n);
  std::map<std::pair<int, int>, double> joint, marginal_b, marginal_a;
  for (Index i = 0; i < n; ++i) {
    b(i) = static_cast<int>(rng.uniform_int(5));
    double u = rng.uniform(), c = 0.0;
    a(i) = 3;
    for (int k = 0; k < 4; ++k) {
      c += p[b(i)][k];
      if (u < c) {
        a(i) = k;
        break;
      }
    }
    joint[{a(i), b(i)}] += 1;
    marginal_b[{0, b(i)}] += 1;
    marginal_a[{a(i), 0}] += 1;
  }
  const double plugin = plugin_entropy(joint, n) - plugin_entropy(marginal_b, n);
  const double plugin_a = plugin_entropy(marginal_a, n);
  // Tolerance 0.02 nats: the held-out mean of -log q over 10 000 samples has a
  // standard deviation of sd(-log p(a|b)) / 100 ~ 0.008 (sd ~ 0.8 here); the
  // fit's excess KL is ~ (free parameters) / (2 n_train) ~ 4e-4; the plug-in's
  // own bias (cells - 1) / 2n ~ 2e-4.
  const auto cond = neural::Cene<>(test_options()).estimate(a, neural::one_hot(b));
  EXPECT_TRUE(cond.discrete);
  EXPECT_EQ(cond.classes, 4);
  EXPECT_NEAR(cond.value, plugin, 0.02) << "plug-in " << plugin;
  const auto uncond = neural::Cene<>(test_options()).estimate(a);
  EXPECT_NEAR(uncond.value, plugin_a, 0.02) << "plug-in " << plugin_a;
  EXPECT_GT(uncond.value - cond.value, 0.1);  // B is informative
  std::printf("H(A|B): CENE %.4f plug-in %.4f; H(A): CENE %.4f plug-in %.4f\n", cond.value, plugin,
              uncond.value, plugin_a);
}

struct GaussianPair {
  RowMatrix<double> a, b;
  double h_a_given_b, h_a;
};

// B ~ N(0, I_2); A = W B + diag(sigma) N(0, I_2), W = [[1, -0.5], [0.3, 0.8]],
// sigma = (0.5, 0.8). (Scalar arithmetic: GCC 12 warns falsely on fixed-size
// Eigen vectors with AVX.)
GaussianPair gaussian_pair(Index n) {
  const double w[2][2] = {{1.0, -0.5}, {0.3, 0.8}};
  const double sigma[2] = {0.5, 0.8};
  mmc::Rng rng(12, 0);
  GaussianPair g{RowMatrix<double>(n, 2), RowMatrix<double>(n, 2), 0.0, 0.0};
  for (Index i = 0; i < n; ++i) {
    const double b0 = rng.normal(), b1 = rng.normal();
    const double e0 = sigma[0] * rng.normal(), e1 = sigma[1] * rng.normal();
    g.b(i, 0) = b0;
    g.b(i, 1) = b1;
    g.a(i, 0) = w[0][0] * b0 + w[0][1] * b1 + e0;
    g.a(i, 1) = w[1][0] * b0 + w[1][1] * b1 + e1;
  }
  const double log_2pi_e = std::log(2.0 * std::numbers::pi * std::numbers::e);
  g.h_a_given_b = 0.5 * (2 * log_2pi_e + std::log(sigma[0] * sigma[0]) + std::log(sigma[1] * sigma[1]));
  // Cov A = W W^T + diag(sigma^2).
  const double c00 = w[0][0] * w[0][0] + w[0][1] * w[0][1] + sigma[0] * sigma[0];
  const double c11 = w[1][0] * w[1][0] + w[1][1] * w[1][1] + sigma[1] * sigma[1];
  const double c01 = w[0][0] * w[1][0] + w[0][1] * w[1][1];
  g.h_a = 0.5 * (2 * log_2pi_e + std::log(c00 * c11 - c01 * c01));
  return g;
}

TEST(NeuralCene, MixtureDensityNetworkRecoversGaussianEntropies) {
  const GaussianPair g = gaussian_pair(20000);
  // 5 % of h(A|B) = 1.92 is 0.096 nats; the held-out NLL's standard deviation
  // is ~ sqrt(d / 2) / sqrt(4000) ~ 0.016, the rest is the fit's excess KL.
  const auto cond = neural::Cene<>(test_options()).estimate(g.a, g.b);
  EXPECT_FALSE(cond.discrete);
  EXPECT_NEAR(cond.value, g.h_a_given_b, 0.05 * g.h_a_given_b) << "truth " << g.h_a_given_b;
  // The cross-entropy is an upper bound up to held-out noise (3 sd).
  EXPECT_GT(cond.value, g.h_a_given_b - 0.05);
  const auto marg = neural::Cene<>(test_options()).estimate(g.a);
  EXPECT_NEAR(marg.value, g.h_a, 0.05 * g.h_a) << "truth " << g.h_a;
  // Units: scaling A by 8 adds d log 8 to the entropy (the standardisation is
  // undone in the result). A power of two scales exactly through the
  // standardisation, so training is bit-identical and only rounding remains.
  const RowMatrix<double> scaled = 8.0 * g.a;
  const auto cond8 = neural::Cene<>(test_options()).estimate(scaled, g.b);
  EXPECT_NEAR(cond8.value - cond.value, 2 * std::log(8.0), 1e-9);
  std::printf("h(A|B): MDN %.4f truth %.4f; h(A): MDN %.4f truth %.4f\n", cond.value,
              g.h_a_given_b, marg.value, g.h_a);
}

TEST(NeuralCene, DoeRecoversGaussianMutualInformation) {
  const GaussianPair g = gaussian_pair(20000);
  const double truth = g.h_a - g.h_a_given_b;  // 1.274 nats
  const auto r = neural::Doe<>(test_options()).estimate(g.a, g.b);
  EXPECT_EQ(r.value, r.marginal.value - r.conditional.value);
  // Both terms within ~0.05 nats (see above), so the difference within 0.1.
  EXPECT_NEAR(r.value, truth, 0.1) << "truth " << truth;
  std::printf("DoE %.4f truth %.4f\n", r.value, truth);
}

}  // namespace
