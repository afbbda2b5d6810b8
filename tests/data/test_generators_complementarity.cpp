// Tests of mmc/data/complementarity.hpp: the exact-answer bit cases (their
// empirical structure, the noise option and the closed-form truth against
// scipy) and the α generator (its latent structure recovered from the
// modalities by least squares through the known projections).
#include "mmc/data/complementarity.hpp"

#include <gtest/gtest.h>

#include <Eigen/LU>
#include <Eigen/QR>
#include <cmath>
#include <numbers>

#include "generator_test_helpers.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::test::expect_invalid;
using mmc::test::expect_mean_near;
namespace data = mmc::data;
using data::BitCase;

double truth(const data::LabelledTask& task, const char* key) {
  const auto v = data::lookup(task.truth, key);
  EXPECT_TRUE(v.has_value()) << key;
  return v.value_or(NAN);
}

Eigen::VectorXd indicator(const Eigen::Array<bool, Eigen::Dynamic, 1>& a) { return a.cast<double>(); }

TEST(BitCases, NoiselessStructureIsExact) {
  const Index n = 4000;
  const auto red = data::bits_task(BitCase::redundant, n, 1, 0.0);
  const auto uni = data::bits_task(BitCase::unique, n, 1, 0.0);
  const auto syn = data::bits_task(BitCase::synergy, n, 1, 0.0);
  for (const auto* t : {&red, &uni, &syn}) {
    ASSERT_EQ(t->modalities.size(), 2u);
    ASSERT_EQ(t->modalities[0].rows(), n);
    ASSERT_EQ(t->classes, 2);
    for (Index i = 0; i < n; ++i) {
      const double x = t->modalities[0](i, 0), z = t->modalities[1](i, 0);
      ASSERT_TRUE((x == 0.0 || x == 1.0) && (z == 0.0 || z == 1.0));
    }
  }
  const Eigen::VectorXi rx = red.modalities[0].col(0).cast<int>(), rz = red.modalities[1].col(0).cast<int>();
  EXPECT_TRUE(rx == rz && red.labels == rx);  // Z copy of X, Y = X
  const Eigen::VectorXi ux = uni.modalities[0].col(0).cast<int>(), uz = uni.modalities[1].col(0).cast<int>();
  EXPECT_TRUE(uni.labels == ux);  // Y = X
  const Eigen::VectorXi sx = syn.modalities[0].col(0).cast<int>(), sz = syn.modalities[1].col(0).cast<int>();
  for (Index i = 0; i < n; ++i) ASSERT_EQ(syn.labels(i), sx(i) ^ sz(i));
  // Fair, independent bits: frequencies within 5 Bernoulli standard errors.
  expect_mean_near(indicator(rx.array() == 1), 0.5, 5.0, "P(x=1) redundant");
  expect_mean_near(indicator(ux.array() == 1 && uz.array() == 1), 0.25, 5.0, "P(x=1,z=1) unique");
  expect_mean_near(indicator(sx.array() == 1 && sz.array() == 0), 0.25, 5.0, "P(x=1,z=0) synergy");
  expect_mean_near(syn.labels.cast<double>(), 0.5, 5.0, "P(y=1) synergy");
}

TEST(BitCases, NoisePerturbsOnlyTheModalities) {
  const double sigma = 0.3;
  for (const auto which : {BitCase::redundant, BitCase::unique, BitCase::synergy}) {
    const auto clean = data::bits_task(which, 5000, 7, 0.0);
    const auto noisy = data::bits_task(which, 5000, 7, sigma);
    EXPECT_TRUE(clean.labels == noisy.labels);
    for (int m = 0; m < 2; ++m) {
      const Eigen::VectorXd residual = noisy.modalities[m].col(0) - clean.modalities[m].col(0);
      expect_mean_near(residual, 0.0, 5.0, "noise mean");
      // Var of ε² is 2σ⁴ for Gaussian noise; expect_mean_near estimates it.
      expect_mean_near(residual.array().square().matrix(), sigma * sigma, 5.0, "noise variance");
    }
    // Independent noise per modality, even when Z copies X.
    const Eigen::VectorXd r0 = noisy.modalities[0].col(0) - clean.modalities[0].col(0);
    const Eigen::VectorXd r1 = noisy.modalities[1].col(0) - clean.modalities[1].col(0);
    expect_mean_near(r0.cwiseProduct(r1), 0.0, 5.0, "noise cross-moment");
  }
}

TEST(BitCases, NoiselessTruthIsDesignSanityValues) {
  constexpr double ln2 = std::numbers::ln2;
  const auto red = data::bits_task(BitCase::redundant, 10, 0, 0.0);
  EXPECT_EQ(truth(red, "gamma_0"), 0.0);
  EXPECT_EQ(truth(red, "metric"), 0.0);
  EXPECT_EQ(truth(red, "joint_mi"), ln2);
  const auto uni = data::bits_task(BitCase::unique, 10, 0, 0.0);
  EXPECT_EQ(truth(uni, "gamma_0"), ln2);
  EXPECT_EQ(truth(uni, "gamma_1"), 0.0);
  EXPECT_EQ(truth(uni, "metric"), 1.0);
  const auto syn = data::bits_task(BitCase::synergy, 10, 0, 0.0);
  EXPECT_EQ(truth(syn, "gamma_0"), ln2);
  EXPECT_EQ(truth(syn, "gamma_1"), ln2);
  EXPECT_EQ(truth(syn, "metric"), 2.0);
  EXPECT_EQ(truth(syn, "metric_h"), 2.0);
  EXPECT_EQ(truth(syn, "interaction"), -ln2);
  EXPECT_EQ(truth(syn, "h_y"), ln2);
}

TEST(BitCases, NoisyTruthMatchesScipyQuadrature) {
  // Provenance: scipy.integrate.quad / dblquad (epsabs 1e-12) of the Gaussian
  // mixtures directly (posteriors from the mixture densities, not the tanh
  // form used by the header): e(σ), e(σ/√2), g(σ).
  struct Case {
    double sigma, e, e_sqrt2, g;
  };
  constexpr double ln2 = std::numbers::ln2;
  for (const Case& c : {Case{0.3, 0.1219957441857907, 0.025256125530067258, 0.21873536284151426},
                        Case{0.5, 0.3563163602131138, 0.19307504449310034, 0.519557675933127},
                        Case{1.0, 0.5817256983752093, 0.4918017089751401, 0.6716496877752782}}) {
    // The trapezoid rule on a Gaussian-weighted smooth integrand converges
    // exponentially (measured agreement ~1e-16); scipy's requested accuracy
    // (1e-12 absolute) bounds the check.
    const auto red = data::bit_case_truth(BitCase::redundant, c.sigma);
    EXPECT_NEAR(*data::lookup(red, "gamma_0"), c.e - c.e_sqrt2, 1e-12) << c.sigma;
    EXPECT_NEAR(*data::lookup(red, "joint_mi"), ln2 - c.e_sqrt2, 1e-12) << c.sigma;
    const auto uni = data::bit_case_truth(BitCase::unique, c.sigma);
    EXPECT_NEAR(*data::lookup(uni, "gamma_0"), ln2 - c.e, 1e-12) << c.sigma;
    EXPECT_NEAR(*data::lookup(uni, "metric"), 1.0, 1e-12);
    const auto syn = data::bit_case_truth(BitCase::synergy, c.sigma);
    EXPECT_NEAR(*data::lookup(syn, "joint_mi"), ln2 - c.g, 1e-12) << c.sigma;
    EXPECT_NEAR(*data::lookup(syn, "metric"), 2.0, 1e-12);
  }
}

TEST(BitCases, TruthAgreesWithPosteriorEntropyOfTheSamples) {
  // Ties generator and truth together: for the unique case, H(Y|X̃) = e(σ) is
  // the mean of h(P(y=1|x̃)) over samples, P(y=1|x̃) = logistic((x̃−½)/σ²).
  // A mean of bounded iid values: 5 standard errors.
  const double sigma = 0.5;
  const auto task = data::bits_task(BitCase::unique, 20000, 3, sigma);
  Eigen::VectorXd h(task.n());
  for (Index i = 0; i < task.n(); ++i) {
    const double p = 1.0 / (1.0 + std::exp(-(task.modalities[0](i, 0) - 0.5) / (sigma * sigma)));
    h(i) = data::detail::binary_entropy(p);
  }
  expect_mean_near(h, std::numbers::ln2 - truth(task, "gamma_0"), 5.0, "H(Y|X)");
}

TEST(BitCases, RejectsBadParameters) {
  expect_invalid([] { data::bits_task(BitCase::synergy, 10, 0, -0.1); }, "noise");
  expect_invalid([] { data::bits_task(BitCase::synergy, 10, 0, NAN); }, "noise");
  expect_invalid([] { data::bits_task(BitCase::unique, 0, 0); }, "n");
  expect_invalid([] { data::parse_bit_case("xor"); }, "name");
  EXPECT_EQ(data::parse_bit_case("redundant"), BitCase::redundant);
}

// Latent unit vectors (x, z) recovered from the modalities: P_X is injective,
// so least squares gives x back exactly (up to rounding).
struct Latent {
  RowMatrix<double> x, z;
};
Latent recover(const data::LabelledTask& task, const data::SyntheticProjections& proj) {
  const auto qx = proj.p_x.colPivHouseholderQr();
  const auto qz = proj.p_z.colPivHouseholderQr();
  Latent l{RowMatrix<double>(task.n(), proj.p.cols()), RowMatrix<double>(task.n(), proj.p.cols())};
  for (Index i = 0; i < task.n(); ++i) {
    l.x.row(i) = qx.solve(task.modalities[0].row(i).transpose()).transpose();
    l.z.row(i) = qz.solve(task.modalities[1].row(i).transpose()).transpose();
  }
  return l;
}

TEST(SyntheticGenerator, LatentsAreUnitWithMarginAndLabelsFollowTheSign) {
  const data::SyntheticOptions o{.alpha = 0.4};
  const auto task = data::synthetic_task(o, 3000, 5);
  ASSERT_EQ(task.modalities[0].cols(), o.d1);
  ASSERT_EQ(task.modalities[1].cols(), o.d2);
  const auto l = recover(task, data::synthetic_projections(o, 5));
  for (Index i = 0; i < task.n(); ++i) {
    ASSERT_NEAR(l.x.row(i).norm(), 1.0, 1e-9);
    ASSERT_NEAR(l.z.row(i).norm(), 1.0, 1e-9);
    const double dot = l.x.row(i).dot(l.z.row(i));
    ASSERT_GT(std::abs(dot), o.delta - 1e-9) << "sample " << i;
    ASSERT_EQ(task.labels(i), dot > 0 ? 1 : 0) << "sample " << i;
  }
  EXPECT_FALSE(data::lookup(task.truth, "metric").has_value());  // no closed form at 0 < α < 1
}

TEST(SyntheticGenerator, AlphaOneMakesZAFunctionOfX) {
  const data::SyntheticOptions o{.alpha = 1.0};
  const auto task = data::synthetic_task(o, 2000, 9);
  const auto proj = data::synthetic_projections(o, 9);
  const auto l = recover(task, proj);
  for (Index i = 0; i < task.n(); ++i) {
    // z (before normalisation) = P x, so the recovered z is P x / |P x|.
    const Eigen::VectorXd px = proj.p * l.x.row(i).transpose();
    ASSERT_NEAR(l.z.row(i).dot(px.normalized()), 1.0, 1e-9) << "sample " << i;
    ASSERT_EQ(task.labels(i), l.x.row(i).dot(px) > 0 ? 1 : 0);  // y is a function of x alone
  }
  EXPECT_EQ(truth(task, "metric"), 0.0);
  EXPECT_EQ(truth(task, "gamma_0"), 0.0);
}

TEST(SyntheticGenerator, AlphaZeroMakesXAndZIndependentOfTheLabelAlone) {
  const data::SyntheticOptions o{.alpha = 0.0};
  const auto task = data::synthetic_task(o, 6000, 2);
  const auto proj = data::synthetic_projections(o, 2);
  const auto l = recover(task, proj);
  // Undo P on z: w = P⁻¹ z ∝ the independent draw; every cross moment E[x_j w_k] = 0
  // (z ↦ −z symmetry survives the rejection step). 5 standard errors each.
  const RowMatrix<double> w = l.z * proj.p.inverse().transpose();
  for (Index j = 0; j < o.d; ++j) {
    for (Index k = 0; k < o.d; ++k) {
      expect_mean_near(l.x.col(j).cwiseProduct(w.col(k)), 0.0, 5.0, "E[x_j w_k]");
    }
  }
  const Eigen::VectorXd y = task.labels.cast<double>();
  expect_mean_near(y, 0.5, 5.0, "P(y=1)");
  // Y ⊥ X: P(y=1 | x_0 > 0) = ½, and likewise for z.
  std::vector<double> given_x, given_z;
  for (Index i = 0; i < task.n(); ++i) {
    if (l.x(i, 0) > 0) given_x.push_back(y(i));
    if (l.z(i, 0) > 0) given_z.push_back(y(i));
  }
  expect_mean_near(Eigen::Map<Eigen::VectorXd>(given_x.data(), static_cast<Index>(given_x.size())), 0.5,
                   5.0, "P(y=1 | x_0 > 0)");
  expect_mean_near(Eigen::Map<Eigen::VectorXd>(given_z.data(), static_cast<Index>(given_z.size())), 0.5,
                   5.0, "P(y=1 | z_0 > 0)");
  EXPECT_EQ(truth(task, "metric"), 2.0);
  EXPECT_EQ(truth(task, "gamma_0"), std::numbers::ln2);
}

TEST(SyntheticGenerator, LabelsRoughlyBalancedAndProjectionsSharedAcrossAlpha) {
  // Balance is exact at α = 0 and depends on P otherwise (documented); with the
  // default options and seed 0 it stays within [0.2, 0.8] over the sweep.
  const auto reference = data::synthetic_projections({}, 0);
  for (const double alpha : {0.0, 0.2, 0.4, 0.6, 0.8, 1.0}) {
    const data::SyntheticOptions o{.alpha = alpha};
    const auto task = data::synthetic_task(o, 2000, 0);
    const double ones = task.labels.cast<double>().mean();
    EXPECT_GT(ones, 0.2) << "alpha " << alpha;
    EXPECT_LT(ones, 0.8) << "alpha " << alpha;
    EXPECT_TRUE(data::synthetic_projections(o, 0).p == reference.p);
  }
  const auto a = data::synthetic_task({}, 300, 4), b = data::synthetic_task({}, 300, 4);
  EXPECT_TRUE(a.modalities[0] == b.modalities[0] && a.labels == b.labels);
  EXPECT_FALSE(a.modalities[0] == data::synthetic_task({}, 300, 5).modalities[0]);
}

TEST(SyntheticGenerator, RejectsBadParameters) {
  expect_invalid([] { data::synthetic_task({.alpha = 1.5}, 10, 0); }, "alpha");
  expect_invalid([] { data::synthetic_task({.alpha = -0.1}, 10, 0); }, "alpha");
  expect_invalid([] { data::synthetic_task({.alpha = NAN}, 10, 0); }, "alpha");
  expect_invalid([] { data::synthetic_task({.delta = 1.0}, 10, 0); }, "delta");
  expect_invalid([] { data::synthetic_task({.delta = -0.1}, 10, 0); }, "delta");
  expect_invalid([] { data::synthetic_task({.d = 0}, 10, 0); }, "d");
  expect_invalid([] { data::synthetic_task({.d1 = 0}, 10, 0); }, "d1");
  expect_invalid([] { data::synthetic_task({}, 0, 0); }, "n");
  // A margin so close to 1 that no sample qualifies: stops with a message.
  expect_invalid([] { data::synthetic_task({.delta = 0.9999999}, 1, 0); }, "delta");
}

}  // namespace
