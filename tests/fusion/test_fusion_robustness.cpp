// The robustness evaluation (fusion/robustness.hpp): each perturbation changes
// only the chosen modality, by exactly what docs/design.md §3.6 says (training mean;
// N(0, 0.5^2) in standardised units; +-epsilon along the loss gradient's sign),
// FGSM raises the loss, the summary arithmetic, and the exact-answer bit cases
// of docs/design.md §3.4 as an oracle for "missing".
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <vector>

#include "fusion_testing.hpp"
#include "mmc/data/complementarity.hpp"
#include "mmc/fusion/late_fusion.hpp"
#include "mmc/fusion/robustness.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::fusion::LateFusion;
using mmc::fusion::ModalityList;
using mmc::fusion::testing::small_task;
using mmc::fusion::testing::tiny_options;

/// Same bytes (stricter than ==: also the sign of zeros and NaN payloads).
void expect_bitwise_equal(const RowMatrix<float>& a, const RowMatrix<float>& b) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.cols(), b.cols());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), sizeof(float) * static_cast<std::size_t>(a.size())), 0);
}

struct Trained {
  mmc::data::LabelledTask task = small_task(400, 11);
  LateFusion<float> model;
  ModalityList<float> x;
  explicit Trained(bool standardize = true)
      : model(mmc::fusion::fit_late_fusion(task.modalities, task.labels, [&] {
          auto o = tiny_options(3);
          o.standardize = standardize;
          return o;
        }())),
        x(model.to_model_space(task.modalities)) {}
};

TEST(FusionRobustness, MissingReplacesOnlyTheChosenModalityByTheTrainingMean) {
  for (const bool standardize : {true, false}) {
    Trained t(standardize);
    for (Index m = 0; m < 2; ++m) {
      const auto out = mmc::fusion::perturb_missing(t.model, t.x, m);
      expect_bitwise_equal(out[static_cast<std::size_t>(1 - m)], t.x[static_cast<std::size_t>(1 - m)]);
      // Standardised: the training mean is 0; raw: the column means of the data
      // the model was trained on (here all of task.modalities).
      const mmc::Vector<float> mean =
          standardize ? mmc::Vector<float>::Zero(t.x[static_cast<std::size_t>(m)].cols())
                      : mmc::Vector<float>(t.task.modalities[static_cast<std::size_t>(m)]
                                               .colwise().mean().transpose().cast<float>());
      const auto& xm = out[static_cast<std::size_t>(m)];
      for (Index r = 0; r < xm.rows(); ++r) {
        for (Index c = 0; c < xm.cols(); ++c) EXPECT_NEAR(xm(r, c), mean(c), 1e-5f);
      }
    }
  }
}

TEST(FusionRobustness, NoiseHasHalfATrainingStandardDeviationOnTheChosenModalityOnly) {
  for (const bool standardize : {true, false}) {
    Trained t(standardize);
    for (Index m = 0; m < 2; ++m) {
      const auto out = mmc::fusion::perturb_noisy(t.model, t.x, m, 0.5, 17);
      expect_bitwise_equal(out[static_cast<std::size_t>(1 - m)], t.x[static_cast<std::size_t>(1 - m)]);
      const auto& sd = t.model.standardizer().stddev[static_cast<std::size_t>(m)];
      // Noise in standardised units: (out - x) / unit ~ N(0, 0.25), 400 x 7 draws:
      // the sample SD has relative SE 1/sqrt(2 * 2800) = 1.3 %; allow 5 SE.
      const Eigen::ArrayXXf diff = (out[static_cast<std::size_t>(m)] - t.x[static_cast<std::size_t>(m)]).array();
      Eigen::ArrayXXf scaled = diff;
      if (!standardize) scaled.rowwise() /= sd.transpose().array();
      const double n = static_cast<double>(scaled.size());
      const double mean = scaled.cast<double>().mean();
      const double sdev = std::sqrt(scaled.cast<double>().square().mean() - mean * mean);
      EXPECT_NEAR(sdev, 0.5, 5 * 0.5 / std::sqrt(2 * n));
      EXPECT_NEAR(mean, 0.0, 5 * 0.5 / std::sqrt(n));
      // Same seed, same noise; another seed, other noise.
      expect_bitwise_equal(mmc::fusion::perturb_noisy(t.model, t.x, m, 0.5, 17)[static_cast<std::size_t>(m)],
                           out[static_cast<std::size_t>(m)]);
      EXPECT_NE(mmc::fusion::perturb_noisy(t.model, t.x, m, 0.5, 18)[static_cast<std::size_t>(m)],
                out[static_cast<std::size_t>(m)]);
    }
  }
}

TEST(FusionRobustness, FgsmStepsEpsilonAlongTheGradientSignOfTheChosenModalityOnly) {
  Trained t;
  const double eps = 0.03;
  for (Index m = 0; m < 2; ++m) {
    const auto i = static_cast<std::size_t>(m);
    RowMatrix<float> gradient;
    const double before = t.model.loss_input_gradient(t.x, t.task.labels, m, gradient);
    const auto out = mmc::fusion::perturb_fgsm(t.model, t.x, t.task.labels, m, eps);
    expect_bitwise_equal(out[1 - i], t.x[1 - i]);
    Index moved = 0;
    for (Index r = 0; r < gradient.rows(); ++r) {
      for (Index c = 0; c < gradient.cols(); ++c) {
        const float g = gradient(r, c), x = t.x[i](r, c), y = out[i](r, c);
        if (g == 0.0f) {
          EXPECT_EQ(std::memcmp(&x, &y, sizeof(float)), 0);  // no gradient, no move
          continue;
        }
        ++moved;
        // x + eps*sign(g) rounded once to float: error <= half an ulp of |x| + eps.
        EXPECT_NEAR(y - x, g > 0 ? eps : -eps, 1e-6 * (std::abs(x) + 1.0));
      }
    }
    EXPECT_GT(moved, gradient.size() / 2);
    // First order: the loss rises by about eps * sum |g| > 0.
    RowMatrix<float> unused;
    const double after = t.model.loss_input_gradient(out, t.task.labels, m, unused);
    EXPECT_GT(after, before);
    EXPECT_NEAR(after - before, eps * gradient.cast<double>().cwiseAbs().sum(),
                0.5 * eps * gradient.cast<double>().cwiseAbs().sum());
  }
}

TEST(FusionRobustness, SummaryIsTheMeanOverModalitiesOverClean) {
  Trained t;
  const auto r = mmc::fusion::evaluate_robustness(t.model, t.task.modalities, t.task.labels);
  EXPECT_EQ(r.samples, 400);
  EXPECT_EQ(r.clean, t.model.accuracy(t.task.modalities, t.task.labels));
  ASSERT_EQ(r.per_modality.size(), 2u);
  EXPECT_DOUBLE_EQ(r.missing, 0.5 * (r.per_modality[0].missing + r.per_modality[1].missing));
  EXPECT_DOUBLE_EQ(r.noisy, 0.5 * (r.per_modality[0].noisy + r.per_modality[1].noisy));
  EXPECT_DOUBLE_EQ(r.adversarial, 0.5 * (r.per_modality[0].adversarial + r.per_modality[1].adversarial));
  EXPECT_DOUBLE_EQ(r.robustness_missing, r.missing / r.clean);
  EXPECT_DOUBLE_EQ(r.robustness_noisy, r.noisy / r.clean);
  EXPECT_DOUBLE_EQ(r.robustness_adversarial, r.adversarial / r.clean);
  // Zero-size perturbations leave every prediction unchanged.
  const auto zero = mmc::fusion::evaluate_robustness(t.model, t.task.modalities, t.task.labels,
                                                     {.noise_sd = 0.0, .epsilon = 0.0, .seed = 0});
  EXPECT_EQ(zero.noisy, zero.clean);
  EXPECT_EQ(zero.adversarial, zero.clean);
}

TEST(FusionRobustness, MissingModalityOracleOnExactBitCases) {
  // unique: Y = X, Z independent noise. Without X the model sees nothing about
  // Y and answers one class: accuracy = that class's frequency, 1/2 +- 0.035
  // (SE at n = 200 test samples); without Z nothing is lost. redundant: Z = X,
  // either one suffices. Margins are >= 4 SE.
  mmc::fusion::RobustnessExperimentOptions options;
  options.train = tiny_options(1);
  options.train.encoder_widths = {16, 16};
  options.train.epochs = 8;
  const auto unique = mmc::data::bits_task(mmc::data::BitCase::unique, 800, 2);
  const auto r = mmc::fusion::robustness_experiment(unique.modalities, unique.labels, options);
  EXPECT_EQ(r.samples, 240);
  EXPECT_GT(r.clean, 0.97);
  EXPECT_NEAR(r.per_modality[0].missing, 0.5, 0.15);
  EXPECT_GT(r.per_modality[1].missing, 0.97);
  const auto redundant = mmc::data::bits_task(mmc::data::BitCase::redundant, 800, 2);
  const auto q = mmc::fusion::robustness_experiment(redundant.modalities, redundant.labels, options);
  EXPECT_GT(q.clean, 0.97);
  EXPECT_GT(q.robustness_missing, r.robustness_missing + 0.2);
  std::printf("unique: clean %.3f missing X %.3f missing Z %.3f; redundant: clean %.3f robustness %.3f\n", r.clean, r.per_modality[0].missing, r.per_modality[1].missing, q.clean, q.robustness_missing);
}

}  // namespace
