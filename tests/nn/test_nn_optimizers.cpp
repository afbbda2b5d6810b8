// Adam, SGD and gradient clipping against updates computed by hand from the
// published formulas (Kingma & Ba 2015 Alg. 1 with AdamW's decoupled decay;
// torch.optim.SGD's momentum/Nesterov/L2; torch clip_grad_norm_). All in
// double, so the only differences are rounding: tolerances 1e-14 relative.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "mmc/core/errors.hpp"
#include "mmc/nn/clip.hpp"
#include "mmc/nn/mlp.hpp"
#include "mmc/nn/optimizers.hpp"
#include "nn_testing.hpp"

namespace {

using mmc::nn::testing::expect_invalid;

using mmc::nn::Adam;
using mmc::nn::AdamOptions;
using mmc::nn::CpuBackend;
using mmc::nn::Sgd;
using mmc::nn::SgdOptions;
using Vec = Eigen::VectorXd;

constexpr double kTol = 1e-14;

void expect_close(const Vec& actual, const Vec& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (Eigen::Index i = 0; i < actual.size(); ++i) {
    EXPECT_NEAR(actual(i), expected(i), kTol * (1.0 + std::fabs(expected(i)))) << "entry " << i;
  }
}

TEST(NnAdam, FirstStepIsSignedLearningRate) {
  // After one step the bias-corrected moments are g and g^2, so each parameter
  // moves by lr * g / (|g| + eps): about lr against the gradient's sign.
  Vec p(4), g(4);
  p << 1.0, -2.0, 0.5, 3.0;
  g << 0.2, -0.01, 3.0, -7.0;
  const Vec p0 = p;
  Adam<double> adam(AdamOptions{.lr = 0.1});
  adam.step(mmc::nn::view(p), mmc::nn::view(g));
  Vec expected(4);
  for (int i = 0; i < 4; ++i) expected(i) = p0(i) - 0.1 * g(i) / (std::fabs(g(i)) + 1e-8);
  expect_close(p, expected);
  EXPECT_EQ(adam.steps(), 1);
}

TEST(NnAdam, ThreeStepsWithDecoupledWeightDecayMatchHandComputation) {
  const AdamOptions o{.lr = 0.05, .beta1 = 0.8, .beta2 = 0.95, .eps = 1e-6, .weight_decay = 0.3};
  Vec p(3);
  p << 0.7, -1.1, 2.0;
  const Vec grads[3] = {Vec::Constant(3, 0.5), (Vec(3) << 1.0, -2.0, 0.0).finished(),
                        (Vec(3) << -0.3, 0.4, 5.0).finished()};
  Vec ref = p, m = Vec::Zero(3), v = Vec::Zero(3);
  Adam<double> adam(o);
  for (int t = 1; t <= 3; ++t) {
    Vec g = grads[t - 1];
    adam.step(mmc::nn::view(p), mmc::nn::view(g));
    for (int i = 0; i < 3; ++i) {
      m(i) = o.beta1 * m(i) + (1 - o.beta1) * g(i);
      v(i) = o.beta2 * v(i) + (1 - o.beta2) * g(i) * g(i);
      const double m_hat = m(i) / (1 - std::pow(o.beta1, t));
      const double v_hat = v(i) / (1 - std::pow(o.beta2, t));
      ref(i) = ref(i) - o.lr * o.weight_decay * ref(i) - o.lr * m_hat / (std::sqrt(v_hat) + o.eps);
    }
    expect_close(p, ref);
  }
}

TEST(NnAdam, WeightDecayAloneShrinksParameters) {
  // Zero gradient: only the decoupled decay acts, p <- (1 - lr wd) p per step.
  Vec p = Vec::Constant(2, 4.0), g = Vec::Zero(2);
  Adam<double> adam(AdamOptions{.lr = 0.1, .weight_decay = 0.5});
  adam.step(mmc::nn::view(p), mmc::nn::view(g));
  adam.step(mmc::nn::view(p), mmc::nn::view(g));
  expect_close(p, Vec::Constant(2, 4.0 * 0.95 * 0.95));
}

TEST(NnAdam, StepOnAModelUpdatesItsParameters) {
  mmc::nn::Mlp<double> mlp({2, 3, 1}, mmc::nn::Activation::tanh, 1);
  mmc::nn::CpuBackend<double>().fill(mlp.gradients(), 1.0);
  const Vec before = mlp.get_parameters();
  Adam<double> adam(AdamOptions{.lr = 0.01});
  adam.step(mlp);
  expect_close(mlp.get_parameters(), (before.array() - 0.01 / (1 + 1e-8)).matrix());
}

TEST(NnSgd, MomentumAndNesterovMatchHandComputation) {
  for (bool nesterov : {false, true}) {
    const SgdOptions o{.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01, .nesterov = nesterov};
    Vec p(2);
    p << 1.0, -1.0;
    Vec ref = p, buf = Vec::Zero(2);
    Sgd<double> sgd(o);
    const Vec grads[2] = {(Vec(2) << 0.5, 2.0).finished(), (Vec(2) << -1.0, 0.25).finished()};
    for (const Vec& g0 : grads) {
      Vec g = g0;
      sgd.step(mmc::nn::view(p), mmc::nn::view(g));
      for (int i = 0; i < 2; ++i) {
        const double d = g(i) + o.weight_decay * ref(i);
        buf(i) = o.momentum * buf(i) + d;
        ref(i) -= o.lr * (nesterov ? d + o.momentum * buf(i) : buf(i));
      }
      expect_close(p, ref);
    }
  }
}

TEST(NnSgd, PlainStep) {
  Vec p = Vec::Constant(3, 1.0), g(3);
  g << 1.0, -2.0, 0.5;
  Sgd<double> sgd(SgdOptions{.lr = 0.5});
  sgd.step(mmc::nn::view(p), mmc::nn::view(g));
  expect_close(p, (Vec(3) << 0.5, 2.0, 0.75).finished());
}

TEST(NnClip, ScalesToMaxNormOnlyAboveIt) {
  CpuBackend<double> backend;
  Vec a(2), b(1);
  a << 3.0, 0.0;
  b << 4.0;  // global norm 5
  const double norm = mmc::nn::clip_gradient_norm(backend, {mmc::nn::view(a), mmc::nn::view(b)}, 1.0);
  EXPECT_DOUBLE_EQ(norm, 5.0);
  const double f = 1.0 / (5.0 + 1e-6);
  expect_close(a, (Vec(2) << 3.0 * f, 0.0).finished());
  expect_close(b, Vec::Constant(1, 4.0 * f));
  // Below the threshold nothing changes.
  const Vec a1 = a;
  EXPECT_NEAR(mmc::nn::clip_gradient_norm(backend, {mmc::nn::view(a)}, 10.0), 3.0 * f, kTol);
  EXPECT_EQ(a, a1);
}

TEST(NnClip, NonFiniteNormIsReportedNotApplied) {
  CpuBackend<double> backend;
  Vec a(2);
  a << std::numeric_limits<double>::quiet_NaN(), 1.0;
  EXPECT_TRUE(std::isnan(mmc::nn::clip_gradient_norm(backend, {mmc::nn::view(a)}, 1.0)));
  EXPECT_EQ(a(1), 1.0);
}

TEST(NnOptimizers, BadOptionsAndShapesThrow) {
  expect_invalid([] { Adam<double>(AdamOptions{.lr = 0.0}); }, "lr");
  expect_invalid([] { Adam<double>(AdamOptions{.beta1 = 1.0}); }, "beta1");
  expect_invalid([] { Adam<double>(AdamOptions{.beta2 = -0.1}); }, "beta2");
  expect_invalid([] { Adam<double>(AdamOptions{.eps = 0.0}); }, "eps");
  expect_invalid([] { Adam<double>(AdamOptions{.weight_decay = -1.0}); }, "weight_decay");
  expect_invalid([] { Sgd<double>(SgdOptions{.momentum = 1.5}); }, "momentum");
  expect_invalid([] { Sgd<double>(SgdOptions{.nesterov = true}); }, "nesterov");
  expect_invalid(
      [] {
        Vec a = Vec::Ones(2);
        CpuBackend<double> backend;
        mmc::nn::clip_gradient_norm(backend, {mmc::nn::view(a)}, 0.0);
      },
      "max_norm");
  Vec p3 = Vec::Ones(3), g3 = Vec::Ones(3), p2 = Vec::Ones(2), g2 = Vec::Ones(2);
  Adam<double> adam;
  expect_invalid([&] { adam.step(mmc::nn::view(p3), mmc::nn::view(g2)); }, "grads");
  adam.step(mmc::nn::view(p3), mmc::nn::view(g3));
  expect_invalid([&] { adam.step(mmc::nn::view(p2), mmc::nn::view(g2)); }, "params");
}

}  // namespace
