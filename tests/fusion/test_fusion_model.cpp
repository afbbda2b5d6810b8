// The late-fusion network (fusion/model.hpp) and its trainers: finite-difference
// checks of the training-loss gradient (cross-entropy, and UMT's distillation
// term) and of the input gradient FGSM uses; chunked inference; determinism
// (same seed => same bits for 1 and 2 threads); UMT with lambda = 0 is naive
// training; UME averages its members' probabilities.
#include <gtest/gtest.h>

#include <cmath>
#include <span>
#include <vector>

#include "fusion_testing.hpp"
#include "mmc/fusion/late_fusion.hpp"
#include "mmc/fusion/model.hpp"
#include "mmc/fusion/strategies.hpp"
#include "mmc/fusion/ume.hpp"
#include "mmc/fusion/umt.hpp"
#include "mmc/fusion/unimodal.hpp"
#include "mmc/nn/gradcheck.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::fusion::Distillation;
using mmc::fusion::LateFusion;
using mmc::fusion::ModalityList;
using mmc::fusion::testing::expect_same_values;
using mmc::fusion::testing::small_task;
using mmc::fusion::testing::tiny_options;
using mmc::nn::ConstMatrixRef;
using mmc::nn::testing::positive_pattern;
using mmc::nn::testing::random_matrix;

/// A double-precision model with a hidden head layer (so the head's backward
/// through a ReLU is covered too) and a batch of 5 samples.
struct GradientFixture {
  LateFusion<double> net{{3, 4}, 3, [] {
                           auto o = tiny_options(7);
                           o.encoder_widths = {5, 4};
                           o.head_hidden = {6};
                           return o;
                         }()};
  ModalityList<double> x{random_matrix<RowMatrix<double>>(5, 3, 1),
                         random_matrix<RowMatrix<double>>(5, 4, 2)};
  std::vector<int> labels{0, 2, 1, 1, 0};
  // UMT targets: fixed "teacher features" (non-negative, like ReLU outputs).
  Eigen::MatrixXd target0 = random_matrix<Eigen::MatrixXd>(4, 5, 3).cwiseAbs();
  Eigen::MatrixXd target1 = random_matrix<Eigen::MatrixXd>(4, 5, 4).cwiseAbs();

  std::vector<ConstMatrixRef<double>> batch() const {
    return {mmc::nn::as_batch(x[0]), mmc::nn::as_batch(x[1])};
  }
  /// Sign pattern of every ReLU output: the piecewise-linear regime.
  std::vector<bool> regime() const {
    std::vector<bool> all;
    for (Index m = 0; m < 2; ++m) {
      for (std::size_t l = 1; l <= net.encoder(m).layers().size(); ++l) {
        const auto p = positive_pattern(net.encoder(m).activation(l));
        all.insert(all.end(), p.begin(), p.end());
      }
    }
    const auto p = positive_pattern(net.head().activation(1));
    all.insert(all.end(), p.begin(), p.end());
    return all;
  }
};

/// Checks the analytic parameter gradients of every network against finite
/// differences of the loss (cross-entropy, plus distillation when given).
void check_parameter_gradients(GradientFixture& f, const Distillation<double>* distill) {
  const auto batch = f.batch();
  f.net.loss_and_gradients(batch, f.labels, distill);
  std::vector<mmc::nn::Mlp<double>*> nets{&f.net.encoder(0), &f.net.encoder(1), &f.net.head()};
  std::vector<mmc::Vector<double>> analytic;
  for (auto* net : nets) analytic.push_back(mmc::nn::as_eigen(net->gradients()));
  Index checked = 0, skipped = 0;
  for (std::size_t k = 0; k < nets.size(); ++k) {
    auto params = nets[k]->parameters();
    // check_gradient reads the regime of the current state as the reference:
    // re-run the unperturbed point (the previous check ended on a stencil point).
    f.net.loss_and_gradients(batch, f.labels, distill);
    const auto result = mmc::nn::check_gradient(
        std::span<double>(params.data, static_cast<std::size_t>(params.rows)),
        std::span<const double>(analytic[k].data(), static_cast<std::size_t>(analytic[k].size())),
        [&] { return f.net.loss_and_gradients(batch, f.labels, distill).total(); }, {},
        [&] { return f.regime(); });
    // Fourth-order differences in double are accurate to ~1e-10 relative
    // (nn/gradcheck.hpp); 1e-6 leaves room and still catches any wrong term.
    EXPECT_LT(result.max_relative_error, 1e-6)
        << "network " << k << " coordinate " << result.worst << ": analytic " << result.analytic
        << " numeric " << result.numeric;
    checked += result.checked;
    skipped += result.skipped;
  }
  EXPECT_LT(skipped * 20, checked);  // kinks are rare at random points
}

TEST(FusionModel, CrossEntropyParameterGradientsMatchFiniteDifferences) {
  GradientFixture f;
  check_parameter_gradients(f, nullptr);
}

TEST(FusionModel, UmtDistillationGradientMatchesFiniteDifferences) {
  GradientFixture f;
  Distillation<double> distill{1.7, {mmc::nn::view(f.target0), mmc::nn::view(f.target1)}};
  check_parameter_gradients(f, &distill);
  // The distillation part is lambda * sum_m mean((phi_m - t_m)^2), computed here independently.
  const auto loss = f.net.loss_and_gradients(f.batch(), f.labels, &distill);
  const Eigen::MatrixXd phi0 = mmc::nn::as_eigen(f.net.encoder(0).output());
  const Eigen::MatrixXd phi1 = mmc::nn::as_eigen(f.net.encoder(1).output());
  const double expected = 1.7 * ((phi0 - f.target0).squaredNorm() / phi0.size() +
                                 (phi1 - f.target1).squaredNorm() / phi1.size());
  EXPECT_NEAR(loss.distillation, expected, 1e-12 * expected);
  EXPECT_GT(loss.distillation, 0.0);
}

TEST(FusionModel, FgsmInputGradientMatchesFiniteDifferences) {
  GradientFixture f;
  const mmc::Labels y = Eigen::Map<const Eigen::VectorXi>(f.labels.data(), 5);
  // The sum over samples of each sample's cross-entropy, from the logits alone.
  const auto summed_loss = [&] {
    const RowMatrix<double> z = f.net.logits(f.x);
    double total = 0.0;
    for (Index i = 0; i < z.rows(); ++i) {
      const double top = z.row(i).maxCoeff();
      total += top + std::log((z.row(i).array() - top).exp().sum()) - z(i, y(i));
    }
    return total;
  };
  for (Index m = 0; m < 2; ++m) {
    RowMatrix<double> gradient;
    const double loss = f.net.loss_input_gradient(f.x, y, m, gradient);
    EXPECT_NEAR(loss, summed_loss(), 1e-12 * loss);
    ASSERT_EQ(gradient.rows(), 5);
    ASSERT_EQ(gradient.cols(), f.x[static_cast<std::size_t>(m)].cols());
    auto& xm = f.x[static_cast<std::size_t>(m)];
    summed_loss();  // the reference regime is that of the current state
    const auto result = mmc::nn::check_gradient(
        std::span<double>(xm.data(), static_cast<std::size_t>(xm.size())),
        std::span<const double>(gradient.data(), static_cast<std::size_t>(gradient.size())),
        summed_loss, {}, [&] { return f.regime(); });
    EXPECT_LT(result.max_relative_error, 1e-6) << "modality " << m << " entry " << result.worst;
    EXPECT_GT(result.checked, 0);
  }
}

TEST(FusionModel, InferenceInChunksEqualsOneSampleAtATime) {
  // 2.5 chunks of samples: chunk boundaries must not change any probability.
  const auto task = small_task(2 * LateFusion<float>::kChunk + 300, 3);
  auto model = mmc::fusion::fit_late_fusion(task.modalities, task.labels, tiny_options());
  const RowMatrix<float> p = model.predict_proba(task.modalities);
  ASSERT_EQ(p.rows(), task.n());
  for (const Index i : {Index{0}, LateFusion<float>::kChunk - 1, LateFusion<float>::kChunk,
                        2 * LateFusion<float>::kChunk + 299}) {
    const std::vector<RowMatrix<double>> one{task.modalities[0].row(i), task.modalities[1].row(i)};
    const RowMatrix<float> q = model.predict_proba(one);
    for (Index c = 0; c < 2; ++c) EXPECT_NEAR(p(i, c), q(0, c), 1e-6) << "sample " << i;
  }
  EXPECT_LT((p.rowwise().sum().array() - 1.0f).abs().maxCoeff(), 1e-5f);
}

TEST(FusionModel, SameSeedSameBitsForOneAndTwoThreads) {
  const auto task = small_task(300, 4);
  auto one = mmc::fusion::fit_late_fusion(task.modalities, task.labels, tiny_options(5, 1));
  auto two = mmc::fusion::fit_late_fusion(task.modalities, task.labels, tiny_options(5, 2));
  auto other = mmc::fusion::fit_late_fusion(task.modalities, task.labels, tiny_options(6, 1));
  for (Index m = 0; m < 2; ++m) {
    expect_same_values(one.encoder(m).get_parameters(), two.encoder(m).get_parameters());
  }
  expect_same_values(one.head().get_parameters(), two.head().get_parameters());
  EXPECT_NE(one.head().get_parameters(), other.head().get_parameters());
  EXPECT_EQ(one.history(), two.history());
  ASSERT_EQ(one.history().size(), 2u);
  // Uni-modal models trained side by side (2 threads) or in turn (1 thread).
  auto serial = mmc::fusion::fit_unimodal_models(task.modalities, task.labels, tiny_options(5, 1));
  auto parallel = mmc::fusion::fit_unimodal_models(task.modalities, task.labels, tiny_options(5, 2));
  for (std::size_t m = 0; m < 2; ++m) {
    EXPECT_EQ(serial[m].modality(), static_cast<Index>(m));
    expect_same_values(serial[m].network().head().get_parameters(),
                       parallel[m].network().head().get_parameters());
  }
}

TEST(FusionModel, UmtWithLambdaZeroIsNaiveTraining) {
  const auto task = small_task(200, 5);
  const auto options = tiny_options(9);
  auto naive = mmc::fusion::fit_late_fusion(task.modalities, task.labels, options);
  auto teachers = mmc::fusion::fit_unimodal_models(task.modalities, task.labels, options);
  const auto teacher_head = teachers[0].network().head().get_parameters();
  auto umt0 = mmc::fusion::fit_umt(task.modalities, task.labels, teachers, options, 0.0);
  for (Index m = 0; m < 2; ++m) {
    expect_same_values(naive.encoder(m).get_parameters(), umt0.encoder(m).get_parameters());
  }
  expect_same_values(naive.head().get_parameters(), umt0.head().get_parameters());
  // lambda = 1 trains differently, and the teachers stay frozen.
  auto umt1 = mmc::fusion::fit_umt(task.modalities, task.labels, teachers, options, 1.0);
  EXPECT_NE(naive.encoder(0).get_parameters(), umt1.encoder(0).get_parameters());
  EXPECT_GT(umt1.history().front(), naive.history().front());  // the loss includes the MSE term
  expect_same_values(teacher_head, teachers[0].network().head().get_parameters());
}

TEST(FusionModel, UmeAveragesItsMembersProbabilities) {
  const auto task = small_task(150, 6);
  auto ume = mmc::fusion::fit_ume(task.modalities, task.labels, tiny_options(2), {1.0, 3.0});
  const RowMatrix<float> p0 = ume.members()[0].predict_proba(task.modalities[0]);
  const RowMatrix<float> p1 = ume.members()[1].predict_proba(task.modalities[1]);
  const RowMatrix<float> p = ume.predict_proba(task.modalities);
  // Averaged in double, rounded once to float: within one float ulp of 1.
  EXPECT_LT((p - (0.25f * p0 + 0.75f * p1)).cwiseAbs().maxCoeff(), 1e-6f);
  // Equal weights by default; a zero weight removes a member.
  mmc::fusion::Ume<float> equal(ume.members());
  EXPECT_LT((equal.predict_proba(task.modalities) - 0.5f * (p0 + p1)).cwiseAbs().maxCoeff(), 1e-6f);
  mmc::fusion::Ume<float> only1(ume.members(), {0.0, 2.0});
  EXPECT_LT((only1.predict_proba(task.modalities) - p1).cwiseAbs().maxCoeff(), 1e-6f);
  const mmc::Labels predicted = ume.predict(task.modalities);
  for (Index i = 0; i < p.rows(); ++i) EXPECT_EQ(predicted(i), p(i, 1) > p(i, 0) ? 1 : 0);
}

TEST(FusionModel, CompareStrategiesScoresEveryStrategyOnOneSplit) {
  const auto task = small_task(200, 8);
  mmc::fusion::StrategyOptions o;
  o.train = tiny_options(4);
  o.lambda = 0.0;  // UMT then IS naive training: same test accuracy
  const auto r = mmc::fusion::compare_strategies(task.modalities, task.labels, o);
  EXPECT_EQ(r.train_samples, 120);
  EXPECT_EQ(r.validation_samples, 40);
  EXPECT_EQ(r.test_samples, 40);
  EXPECT_EQ(r.advisor.validation_samples, 40);
  EXPECT_EQ(r.umt, r.naive);
  // The same split and seeds by hand give the same UME and naive accuracies.
  const auto split = mmc::fusion::split_samples(200, 0.2, 0.2, 4);
  const auto train_x = mmc::fusion::take_rows(task.modalities, split.train);
  const auto train_y = mmc::fusion::take_labels(task.labels, split.train);
  const auto test_x = mmc::fusion::take_rows(task.modalities, split.test);
  const auto test_y = mmc::fusion::take_labels(task.labels, split.test);
  auto ume = mmc::fusion::fit_ume(train_x, train_y, o.train);
  EXPECT_EQ(r.ume, ume.accuracy(test_x, test_y));
  auto naive = mmc::fusion::fit_late_fusion(train_x, train_y, o.train);
  EXPECT_EQ(r.naive, naive.accuracy(test_x, test_y));
  ASSERT_EQ(r.unimodal.size(), 2u);
  EXPECT_EQ(r.unimodal[1], ume.members()[1].accuracy(test_x[1], test_y));
}

TEST(FusionModel, DivergingTrainingThrowsTrainingError) {
  const auto task = small_task(100, 7);
  auto options = tiny_options();
  options.lr = 1e30;
  EXPECT_THROW(mmc::fusion::fit_late_fusion(task.modalities, task.labels, options),
               mmc::training_error);
}

}  // namespace
