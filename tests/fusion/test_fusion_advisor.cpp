// The UME-vs-UMT advisor (fusion/advisor.hpp): its decision rule on constructed
// paired outcomes, and its verdicts on the paired-features generator over
// several seeds — UME without paired features, UMT with strong ones.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "fusion_testing.hpp"
#include "mmc/fusion/advisor.hpp"
#include "mmc/fusion/paired_features.hpp"
#include "mmc/fusion/strategies.hpp"

namespace {

using mmc::fusion::AdvisorOptions;
using mmc::fusion::PairedFeatureOptions;
using mmc::fusion::Strategy;

TEST(FusionAdvisor, DecisionRuleIsAOneSidedPairedTestWithTiesToUme) {
  using mmc::fusion::detail::decide;
  Eigen::ArrayXd a(10), b(10);
  a << 1, 1, 1, 0, 1, 0, 1, 1, 1, 0;
  // Identical predictions: difference 0, SE 0 -> UME.
  auto r = decide(a, a, 2.0);
  EXPECT_EQ(r.difference, 0.0);
  EXPECT_EQ(r.standard_error, 0.0);
  EXPECT_EQ(r.recommendation, Strategy::ume);
  EXPECT_DOUBLE_EQ(r.linear_accuracy, 0.7);
  // Linear better on 3 of 10, worse on 0: d = 0.3, sd(d) = sqrt(0.21 * 10/9).
  b = a;
  b(0) = b(1) = b(2) = 0;
  r = decide(a, b, 2.0);
  EXPECT_DOUBLE_EQ(r.difference, 0.3);
  EXPECT_DOUBLE_EQ(r.ume_accuracy, 0.4);
  const double se = std::sqrt(0.21 * 10.0 / 9.0 / 10.0);
  EXPECT_NEAR(r.standard_error, se, 1e-15);
  EXPECT_EQ(r.recommendation, Strategy::ume);  // 0.3 < 2 * 0.153: 3 wins in 10 are not enough
  EXPECT_EQ(decide(a, b, 1.5).recommendation, Strategy::umt);  // 0.3 > 1.5 * 0.153
  EXPECT_EQ(decide(a, b, 0.3 / se * (1 + 1e-9)).recommendation, Strategy::ume);  // just short of the margin
  EXPECT_EQ(decide(a, b, 0.3 / se * (1 - 1e-9)).recommendation, Strategy::umt);  // just beyond
  // UME better: never UMT, whatever z.
  EXPECT_EQ(decide(b, a, 0.0).recommendation, Strategy::ume);
  EXPECT_EQ(r.validation_samples, 10);
}

/// Verdicts of advise() on seeds 0..2 (2000 samples: 1400 train, 600 validation).
void expect_verdicts(const PairedFeatureOptions& task_options, Strategy expected) {
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const auto task = mmc::fusion::paired_features_task(task_options, 2000, seed);
    AdvisorOptions o;
    o.train.seed = seed;
    o.train.epochs = 15;
    o.probe.epochs = 50;
    const auto r = mmc::fusion::advise(task.modalities, task.labels, o);
    std::printf("seed %d: linear %.3f, UME %.3f, difference %+.3f (SE %.4f) -> %s\n",
                static_cast<int>(seed), r.linear_accuracy, r.ume_accuracy, r.difference,
                r.standard_error, std::string(mmc::fusion::strategy_name(r.recommendation)).c_str());
    EXPECT_EQ(r.validation_samples, 600);
    EXPECT_EQ(r.recommendation, expected) << "seed " << seed;
  }
}

TEST(FusionAdvisor, NoPairedFeaturesRecommendsUme) {
  // Uni-modal features only (one strong, two weak, four distractors per
  // modality): the linear probe on frozen features has nothing UME lacks. In
  // development runs its validation accuracy was 0.7-3 points BELOW UME's
  // (it is fitted on the training features the encoders were fitted to), so
  // the verdict is far from the margin.
  expect_verdicts(PairedFeatureOptions{}, Strategy::ume);
}

TEST(FusionAdvisor, StrongPairedFeaturesRecommendUmt) {
  // Two nuisance-cancelling paired features (shift 1.5) and weak uni-modal
  // ones: the Bayes accuracy of one modality is 0.74, of both 1.0 (task
  // truth); UME stays near 0.8 while the probe reaches 0.94-0.98 in
  // development runs: differences of 13-18 points against an SE of ~1.4
  // points, i.e. > 7 SE beyond the z = 2 margin.
  PairedFeatureOptions o;
  o.strong = {0, 0};
  o.paired_linear = 2;
  o.paired_shift = 1.5;
  expect_verdicts(o, Strategy::umt);
}

// Naive vs UME vs UMT on four settings, the table in docs/fusion.md (not run
// by default: ~40 s). Run: test_fusion_advisor --gtest_also_run_disabled_tests
//                          --gtest_filter=*Report*
TEST(FusionAdvisor, DISABLED_StrategyReport) {
  PairedFeatureOptions none, paired, xor_only, lazy;
  paired.strong = {0, 0};
  paired.paired_linear = 2;
  paired.paired_shift = 1.5;
  xor_only.strong = {0, 0};
  xor_only.paired_xor = 2;
  lazy.strong = {2, 0};
  lazy.strong_shift = 3.0;
  lazy.weak = {0, 0};
  lazy.interaction = {0, 2};
  lazy.interaction_shift = 1.5;
  const std::pair<const char*, PairedFeatureOptions> settings[] = {
      {"uni-modal only", none}, {"paired linear", paired}, {"paired xor", xor_only}, {"lazy", lazy}};
  for (const auto& [name, task_options] : settings) {
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
      const auto task = mmc::fusion::paired_features_task(task_options, 5000, seed);
      mmc::fusion::StrategyOptions o;
      o.train.seed = seed;
      o.train.head_hidden = {};  // the table's linear fused head (the default is default_fused_head())
      const auto r = mmc::fusion::compare_strategies(task.modalities, task.labels, o);
      std::printf("%-15s seed %d: test naive %.3f UME %.3f UMT %.3f (uni %.3f / %.3f) | "
                  "validation linear %.3f UME %.3f diff %+.3f SE %.4f -> %s\n",
                  name, static_cast<int>(seed), r.naive, r.ume, r.umt, r.unimodal[0], r.unimodal[1],
                  r.advisor.linear_accuracy, r.advisor.ume_accuracy, r.advisor.difference,
                  r.advisor.standard_error,
                  std::string(mmc::fusion::strategy_name(r.advisor.recommendation)).c_str());
    }
  }
}

}  // namespace
