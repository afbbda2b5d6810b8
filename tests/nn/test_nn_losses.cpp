// Loss VALUES against closed forms (their gradients are checked by finite
// differences in test_nn_gradcheck.cpp): uniform logits give log C, a single
// Gaussian component gives the Gaussian log-density, a two-component mixture
// equals the direct density sum, and extreme inputs stay finite and exact
// where the naive formulas overflow or underflow. Plus the bad-input messages.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/nn/losses.hpp"
#include "mmc/nn/mixture_density.hpp"
#include "nn_testing.hpp"

namespace {

using mmc::nn::testing::expect_invalid;

using mmc::nn::MixtureLayout;
using mmc::nn::view;

const double kLog2Pi = std::log(2.0 * std::numbers::pi);

TEST(NnLosses, CrossEntropyOfEqualLogitsIsLogClasses) {
  Eigen::MatrixXf logits = Eigen::MatrixXf::Constant(5, 3, 0.7f);
  const std::vector<int> labels{0, 3, 4};
  Eigen::MatrixXf grad(5, 3);
  const double value = mmc::nn::softmax_cross_entropy<float>(view(logits), labels, view(grad));
  EXPECT_NEAR(value, std::log(5.0), 1e-6);  // float logits: ~1e-7 rounding
  // Gradient: (1/5 - [c == y]) / 3.
  EXPECT_NEAR(grad(0, 0), (0.2 - 1.0) / 3, 1e-7);
  EXPECT_NEAR(grad(1, 0), 0.2 / 3, 1e-7);
}

TEST(NnLosses, CrossEntropyIsStableForHugeLogits) {
  // exp(1e4) overflows any float; log-sum-exp does not. Two classes with a
  // logit gap g: loss = log(1 + e^-g) for the right label, g + log(1 + e^-g) else.
  Eigen::MatrixXf logits(2, 2);
  logits << 1e4f, -1e4f, 1e4f - 3.0f, -1e4f + 3.0f;
  const std::vector<int> labels{0, 0};
  Eigen::MatrixXf grad(2, 2);
  const double value = mmc::nn::softmax_cross_entropy<float>(view(logits), labels, view(grad));
  const double expected = 0.5 * (std::log1p(std::exp(-3.0)) + 3.0 + std::log1p(std::exp(-3.0)));
  EXPECT_NEAR(value, expected, 1e-5);
  EXPECT_TRUE(grad.allFinite());
}

TEST(NnLosses, MeanSquaredErrorIsTheElementMean) {
  Eigen::MatrixXd p(2, 2), t(2, 2);
  p << 1, 2, 3, 4;
  t << 0, 2, 5, 4;
  EXPECT_DOUBLE_EQ(mmc::nn::mean_squared_error<double>(view(p), view(t)), (1.0 + 4.0) / 4);
}

TEST(NnLosses, SingleComponentIsTheGaussianNll) {
  // d = 2, mu = (1, -1), log sigma = (0, log 2), sigma_min = 0.
  const MixtureLayout layout{1, 2};
  Eigen::MatrixXd out(layout.outputs(), 1);
  out << 0.3, 1.0, -1.0, 0.0, std::log(2.0);
  Eigen::MatrixXd y(2, 1);
  y << 2.0, 0.0;
  const double value = mmc::nn::gaussian_mixture_nll<double>(view(out), view(y), layout, {}, 0.0);
  const double expected = kLog2Pi + std::log(2.0) + 0.5 * (1.0 + 0.25);
  EXPECT_NEAR(value, expected, 1e-14);
}

TEST(NnLosses, TwoComponentsEqualTheDirectDensitySum) {
  const MixtureLayout layout{2, 1};
  Eigen::MatrixXd out(layout.outputs(), 1);
  // logits (0, log 3) => weights 1/4, 3/4; means -1, 2; sigmas 0.5 + 1e-3, 1.5 + 1e-3.
  out << 0.0, std::log(3.0), -1.0, 2.0, std::log(0.5), std::log(1.5);
  Eigen::MatrixXd y(1, 1);
  y << 0.4;
  const double value = mmc::nn::gaussian_mixture_nll<double>(view(out), view(y), layout);
  auto normal = [](double v, double mu, double s) {
    return std::exp(-0.5 * (v - mu) * (v - mu) / (s * s)) / (s * std::sqrt(2 * std::numbers::pi));
  };
  const double density = 0.25 * normal(0.4, -1.0, 0.501) + 0.75 * normal(0.4, 2.0, 1.501);
  EXPECT_NEAR(value, -std::log(density), 1e-13);
}

TEST(NnLosses, MixtureIsStableFarFromEveryComponent) {
  // y = 1000 sigma away: the densities underflow to 0 in a direct sum, the
  // log-sum-exp keeps the exact value log 2 pi / 2 + 1000^2 / 2 - log(max weight ...).
  const MixtureLayout layout{2, 1};
  Eigen::MatrixXd out(layout.outputs(), 1);
  out << 0.0, 0.0, 0.0, 0.0, 0.0, 0.0;  // two identical N(0, 1) components
  Eigen::MatrixXd y(1, 1);
  y << 1000.0;
  Eigen::MatrixXd grad(layout.outputs(), 1);
  const double value =
      mmc::nn::gaussian_mixture_nll<double>(view(out), view(y), layout, view(grad), 0.0);
  EXPECT_NEAR(value, 0.5 * kLog2Pi + 0.5e6, 1e-8);
  EXPECT_TRUE(grad.allFinite());
  // Equal components share the responsibility: dNLL/dmu = -0.5 * 1000 each.
  // r = exp(l_k - log p) with l_k, log p ~ -5e5: their difference carries
  // ~5e5 * eps = 1e-10 absolute error, so r (and the gradient) ~1e-10 relative.
  EXPECT_NEAR(grad(layout.mean_row(0, 0), 0), -500.0, 500.0 * 1e-9);
}

TEST(NnLosses, SigmaFloorBoundsTheDensity) {
  // A collapsed component (log sigma = -50) on its own mean: the NLL is bounded
  // by the floor, -log N(0; 0, sigma_min + e^-50).
  const MixtureLayout layout{1, 1};
  Eigen::MatrixXd out(layout.outputs(), 1);
  out << 0.0, 0.0, -50.0;
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(1, 1);
  const double value = mmc::nn::gaussian_mixture_nll<double>(view(out), view(y), layout, {}, 1e-3);
  EXPECT_NEAR(value, 0.5 * kLog2Pi + std::log(1e-3 + std::exp(-50.0)), 1e-12);
}

TEST(NnLosses, CountCorrect) {
  Eigen::MatrixXf logits(3, 4);
  logits << 1, 0, 0, 5, 2, 0, 1, 5, 0, 3, 0, 5;  // argmax per column: 1, 2, 1, 0 (tie -> first)
  const std::vector<int> labels{1, 2, 0, 0};
  EXPECT_EQ(mmc::nn::count_correct<float>(view(logits), labels), 3);
}

TEST(NnLosses, BadInputThrowsNamingTheArgument) {
  Eigen::MatrixXf logits = Eigen::MatrixXf::Zero(3, 2);
  const std::vector<int> ok{0, 2}, out_of_range{0, 3}, short_labels{1};
  Eigen::MatrixXf bad_grad(2, 2);
  expect_invalid([&] { mmc::nn::softmax_cross_entropy<float>(view(logits), out_of_range); }, "labels");
  expect_invalid([&] { mmc::nn::softmax_cross_entropy<float>(view(logits), short_labels); }, "labels");
  expect_invalid([&] { mmc::nn::softmax_cross_entropy<float>(view(logits), ok, view(bad_grad)); }, "grad");
  expect_invalid([&] { mmc::nn::softmax_cross_entropy<float>({}, ok); }, "logits");
  Eigen::MatrixXf target = Eigen::MatrixXf::Zero(2, 2);
  expect_invalid([&] { mmc::nn::mean_squared_error<float>(view(logits), view(target)); }, "target");
  const MixtureLayout layout{2, 2};
  Eigen::MatrixXd out = Eigen::MatrixXd::Zero(layout.outputs(), 3);
  Eigen::MatrixXd y = Eigen::MatrixXd::Zero(2, 3), y_bad = Eigen::MatrixXd::Zero(1, 3);
  expect_invalid([&] { mmc::nn::gaussian_mixture_nll<double>(view(out), view(y_bad), layout); }, "target");
  expect_invalid([&] { mmc::nn::gaussian_mixture_nll<double>(view(out), view(y), MixtureLayout{3, 2}); }, "output");
  expect_invalid([&] { mmc::nn::gaussian_mixture_nll<double>(view(out), view(y), MixtureLayout{0, 2}); }, "layout");
  expect_invalid([&] { mmc::nn::gaussian_mixture_nll<double>(view(out), view(y), layout, {}, -1.0); }, "sigma_min");
}

}  // namespace
