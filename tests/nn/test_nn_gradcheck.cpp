// Finite-difference gradient checks (double) of every layer/activation, the
// input gradient, and every loss of nn/ (docs/design.md §6: relative error
// < 1e-6). The checker (nn/gradcheck.hpp) uses the fourth-order central
// difference with h = 1e-3 max(1, |x|): its error is ~1e-13 relative to the
// loss scale (O(1) here), so 1e-6 leaves a wide margin for rounding while any
// wrong term in a backward pass (errors of O(1) relative) fails by far.
// ReLU/ELU are piecewise: a coordinate whose stencil moves any pre-activation
// across 0 is skipped (regime guard); we require that almost all are checked.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "mmc/nn/gradcheck.hpp"
#include "mmc/nn/losses.hpp"
#include "mmc/nn/mixture_density.hpp"
#include "mmc/nn/mlp.hpp"
#include "nn_testing.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::nn::Activation;
using mmc::nn::as_batch;
using mmc::nn::check_gradient;
using mmc::nn::GradCheckResult;
using mmc::nn::Mlp;
using mmc::nn::MlpSpec;
using mmc::nn::testing::positive_pattern;
using mmc::nn::testing::quadratic_loss;
using mmc::nn::testing::random_matrix;

constexpr double kTolerance = 1e-6;
const Activation kAll[] = {Activation::identity, Activation::relu, Activation::elu,
                           Activation::tanh, Activation::softplus};

void expect_passes(const GradCheckResult& r, Index total, const std::string& what) {
  if (std::getenv("MMC_GRADCHECK_VERBOSE") != nullptr) {
    std::printf("%-40s max rel error %.2e (analytic %.3e numeric %.3e) checked %ld skipped %ld\n",
                what.c_str(), r.max_relative_error, r.analytic, r.numeric,
                static_cast<long>(r.checked), static_cast<long>(r.skipped));
  }
  EXPECT_LT(r.max_relative_error, kTolerance)
      << what << ": worst coordinate " << r.worst << " analytic " << r.analytic << " numeric "
      << r.numeric;
  // At most 10 % skipped near kinks; the rest must really be compared.
  EXPECT_GE(r.checked, total - total / 10) << what << ": skipped " << r.skipped;
  EXPECT_EQ(r.checked + r.skipped, total) << what;
}

struct Fixture {
  Mlp<double> mlp;
  RowMatrix<double> x;
  Eigen::MatrixXd c;

  Fixture(const MlpSpec& spec, std::uint64_t seed, Index batch)
      : mlp(spec, seed),
        x(random_matrix<RowMatrix<double>>(batch, spec.widths.front(), seed + 100)),
        c(random_matrix<Eigen::MatrixXd>(spec.widths.back(), batch, seed + 200)) {
    // Non-zero biases so that every bias path is exercised away from 0.
    auto p = mlp.get_parameters();
    for (std::size_t l = 0; l < mlp.layers().size(); ++l) {
      const auto& layer = mlp.layers()[l];
      for (Index i = 0; i < layer.out; ++i) p(layer.offset + layer.out * layer.in + i) = 0.1 * (i % 3) - 0.1;
    }
    mlp.set_parameters(p);
  }
  double loss() { return quadratic_loss(mlp.forward(as_batch(x)), c); }
  /// Runs forward + backward and returns the gradient of the quadratic loss.
  void backward(bool input_gradient) {
    Eigen::MatrixXd d;
    quadratic_loss(mlp.forward(as_batch(x)), c, &d);
    mlp.backward(mmc::nn::view(d), {.input_gradient = input_gradient});
  }
  /// Regime: sign pattern of every layer's output (kinks of ReLU/ELU at 0).
  std::vector<bool> regime() {
    std::vector<bool> all;
    for (std::size_t l = 1; l <= mlp.layers().size(); ++l) {
      const auto p = positive_pattern(mlp.activation(l));
      all.insert(all.end(), p.begin(), p.end());
    }
    return all;
  }
};

GradCheckResult check_parameters(Fixture& f) {
  f.backward(false);
  const Eigen::VectorXd analytic = Eigen::Map<const Eigen::VectorXd>(
      f.mlp.gradients().data, f.mlp.parameter_count());
  std::span<double> params(f.mlp.parameters().data, static_cast<std::size_t>(f.mlp.parameter_count()));
  return check_gradient(params, std::span<const double>(analytic.data(), analytic.size()),
                        [&] { return f.loss(); }, {}, [&] { return f.regime(); });
}

TEST(NnGradcheck, HiddenActivationsParameterGradients) {
  for (Activation act : kAll) {
    Fixture f(MlpSpec{{4, 7, 5, 3}, act}, 11, 6);
    const auto r = check_parameters(f);
    expect_passes(r, f.mlp.parameter_count(), std::string("hidden ") +
                                                  std::string(mmc::nn::activation_name(act)));
  }
}

TEST(NnGradcheck, SingleDenseLayerWithEveryOutputActivation) {
  // A one-layer MLP is one Dense layer; a non-identity output activation takes
  // the other path of Mlp::backward (dOutput copied, then f' applied).
  for (Activation act : kAll) {
    Fixture f(MlpSpec{{5, 3}, Activation::relu, act}, 23, 8);
    const auto r = check_parameters(f);
    expect_passes(r, f.mlp.parameter_count(), std::string("output ") +
                                                  std::string(mmc::nn::activation_name(act)));
  }
}

TEST(NnGradcheck, InputGradient) {
  for (Activation act : kAll) {
    Fixture f(MlpSpec{{4, 8, 6, 2}, act, Activation::tanh}, 37, 5);
    f.backward(true);
    // input_gradient() is (features x batch) column-major: the same memory as
    // the row-major (batch x features) input x.
    const auto g = f.mlp.input_gradient();
    ASSERT_EQ(g.rows, 4);
    ASSERT_EQ(g.cols, 5);
    const Eigen::VectorXd analytic = Eigen::Map<const Eigen::VectorXd>(g.data, g.size());
    std::span<double> xs(f.x.data(), static_cast<std::size_t>(f.x.size()));
    const auto r = check_gradient(xs, std::span<const double>(analytic.data(), analytic.size()),
                                  [&] { return f.loss(); }, {}, [&] { return f.regime(); });
    expect_passes(r, f.x.size(), std::string("input gradient, hidden ") +
                                     std::string(mmc::nn::activation_name(act)));
  }
}

TEST(NnGradcheck, InputGradientOnlyLeavesParameterGradientsAlone) {
  Fixture f(MlpSpec{{3, 4, 2}, Activation::tanh}, 5, 4);
  f.backward(false);
  const Eigen::VectorXd before = f.mlp.get_parameters() * 0 +
                                 Eigen::Map<const Eigen::VectorXd>(f.mlp.gradients().data,
                                                                   f.mlp.parameter_count());
  Eigen::MatrixXd d = Eigen::MatrixXd::Constant(2, 4, 0.5);
  f.mlp.backward(mmc::nn::view(d), {.parameter_gradients = false, .input_gradient = true});
  const Eigen::VectorXd after =
      Eigen::Map<const Eigen::VectorXd>(f.mlp.gradients().data, f.mlp.parameter_count());
  EXPECT_EQ(before, after);
  EXPECT_GT(mmc::nn::as_eigen(f.mlp.input_gradient()).norm(), 0.0);
}

TEST(NnGradcheck, AccumulateAddsGradients) {
  Fixture f(MlpSpec{{3, 6, 2}, Activation::softplus}, 9, 4);
  f.backward(false);
  const Eigen::VectorXd once =
      Eigen::Map<const Eigen::VectorXd>(f.mlp.gradients().data, f.mlp.parameter_count());
  Eigen::MatrixXd d;
  quadratic_loss(f.mlp.forward(as_batch(f.x)), f.c, &d);
  f.mlp.backward(mmc::nn::view(d), {.accumulate = true});
  const Eigen::VectorXd twice =
      Eigen::Map<const Eigen::VectorXd>(f.mlp.gradients().data, f.mlp.parameter_count());
  // Equal up to the rounding of the accumulation order (bias sums add column
  // by column onto the old value): 1e-12 relative is ~1e4 ulps of slack.
  EXPECT_LT((twice - 2.0 * once).norm(), 1e-12 * once.norm());
  EXPECT_GT(once.norm(), 0.0);
}

// ---- losses: gradients with respect to the network output -------------------

template <class Loss>
GradCheckResult check_output_gradient(Eigen::MatrixXd& out, Loss&& loss) {
  Eigen::MatrixXd grad(out.rows(), out.cols());
  loss(mmc::nn::view(grad));
  std::span<double> xs(out.data(), static_cast<std::size_t>(out.size()));
  return check_gradient(xs, std::span<const double>(grad.data(), grad.size()),
                        [&] { return loss(mmc::nn::MatrixRef<double>()); });
}

TEST(NnGradcheck, SoftmaxCrossEntropy) {
  Eigen::MatrixXd logits = random_matrix<Eigen::MatrixXd>(5, 7, 3, 2.0);
  const std::vector<int> labels{0, 4, 2, 2, 1, 3, 0};
  const auto r = check_output_gradient(logits, [&](mmc::nn::MatrixRef<double> g) {
    return mmc::nn::softmax_cross_entropy<double>(mmc::nn::view(logits), labels, g);
  });
  expect_passes(r, logits.size(), "softmax cross-entropy");
}

TEST(NnGradcheck, MeanSquaredError) {
  Eigen::MatrixXd pred = random_matrix<Eigen::MatrixXd>(3, 6, 4);
  const Eigen::MatrixXd target = random_matrix<Eigen::MatrixXd>(3, 6, 5);
  const auto r = check_output_gradient(pred, [&](mmc::nn::MatrixRef<double> g) {
    return mmc::nn::mean_squared_error<double>(mmc::nn::view(pred), mmc::nn::view(target), g);
  });
  expect_passes(r, pred.size(), "MSE");
}

TEST(NnGradcheck, GaussianMixtureNll) {
  for (double sigma_min : {0.0, 1e-3, 0.3}) {
    const mmc::nn::MixtureLayout layout{3, 2};
    Eigen::MatrixXd out = random_matrix<Eigen::MatrixXd>(layout.outputs(), 6, 6, 0.7);
    const Eigen::MatrixXd target = random_matrix<Eigen::MatrixXd>(2, 6, 7);
    const auto r = check_output_gradient(out, [&](mmc::nn::MatrixRef<double> g) {
      return mmc::nn::gaussian_mixture_nll<double>(mmc::nn::view(out), mmc::nn::view(target),
                                                   layout, g, sigma_min);
    });
    expect_passes(r, out.size(), "MDN NLL, sigma_min " + std::to_string(sigma_min));
  }
}

TEST(NnGradcheck, EndToEndThroughMixtureDensityHead) {
  // MLP + MDN loss: the combination CENE trains (docs/design.md §3.3).
  const mmc::nn::MixtureLayout layout{2, 1};
  Mlp<double> mlp(MlpSpec{{3, 6, layout.outputs()}, Activation::tanh}, 41);
  const RowMatrix<double> x = random_matrix<RowMatrix<double>>(5, 3, 42);
  const Eigen::MatrixXd y = random_matrix<Eigen::MatrixXd>(1, 5, 43);
  Eigen::MatrixXd d(layout.outputs(), 5);
  mmc::nn::gaussian_mixture_nll<double>(mlp.forward(as_batch(x)), mmc::nn::view(y), layout,
                                        mmc::nn::view(d));
  mlp.backward(mmc::nn::view(d));
  const Eigen::VectorXd analytic =
      Eigen::Map<const Eigen::VectorXd>(mlp.gradients().data, mlp.parameter_count());
  std::span<double> params(mlp.parameters().data, static_cast<std::size_t>(mlp.parameter_count()));
  const auto r = check_gradient(params, std::span<const double>(analytic.data(), analytic.size()),
                                [&] {
                                  return mmc::nn::gaussian_mixture_nll<double>(
                                      mlp.forward(as_batch(x)), mmc::nn::view(y), layout);
                                });
  expect_passes(r, mlp.parameter_count(), "MLP + MDN");
}

TEST(NnGradcheck, CheckerDetectsAWrongGradient) {
  // The oracle itself must be able to fail: a gradient off by 1e-4 relative is caught.
  std::vector<double> x{0.3, -1.2, 2.0};
  auto f = [&] { return x[0] * x[0] * x[1] + std::sin(x[2]); };
  std::vector<double> good{2 * x[0] * x[1], x[0] * x[0], std::cos(x[2])};
  std::vector<double> bad = good;
  bad[1] *= 1.0 + 1e-4;
  EXPECT_LT(check_gradient(std::span<double>(x), std::span<const double>(good), f).max_relative_error,
            1e-9);
  const auto r = check_gradient(std::span<double>(x), std::span<const double>(bad), f);
  EXPECT_GT(r.max_relative_error, 5e-5);
  EXPECT_EQ(r.worst, 1);
}

}  // namespace
