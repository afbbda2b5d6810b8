// The complementarity metric with the knn backend (docs/design.md §3.4): the three
// exact-answer bit cases, the alpha dial, the combination formulas, the
// Theorem 3.1 bounds, bootstrap intervals, PCA, determinism and bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <mmc/data/complementarity.hpp>
#include <mmc/metric.hpp>
#include <numbers>

namespace {

using mmc::metric::Backend;
using mmc::metric::Complementarity;
using mmc::metric::ComplementarityOptions;

// Bits with noise 0.1 (clusters 10 sigma apart): every Ross estimate of an
// exactly known MI of log 2 has a standard deviation well under 0.01 nats at
// N = 5000, so C (a ratio of such estimates) lies within 0.15 of its exact value
// with overwhelming probability; the tolerance is 0.15.
TEST(ComplementarityKnn, ExactBitCases) {
  const struct {
    mmc::data::BitCase which;
    double metric;
  } cases[] = {{mmc::data::BitCase::redundant, 0.0},
               {mmc::data::BitCase::unique, 1.0},
               {mmc::data::BitCase::synergy, 2.0}};
  for (const auto& c : cases) {
    for (std::uint64_t seed : {1, 2, 3}) {
      const auto task = mmc::data::bits_task(c.which, 5000, seed);
      const auto r = Complementarity().estimate(task.modalities, task.labels);
      EXPECT_NEAR(r.metric, c.metric, 0.15) << task.name << " seed " << seed;
      EXPECT_NEAR(r.h_y, std::numbers::ln2, 0.01);
      EXPECT_EQ(r.classes, 2);
      EXPECT_EQ(r.gamma.size(), 2u);
    }
  }
}

TEST(ComplementarityKnn, SummaryFollowsTheDefinitions) {
  const auto task = mmc::data::bits_task(mmc::data::BitCase::unique, 3000, 4);
  const auto r = Complementarity().estimate(task.modalities, task.labels);
  EXPECT_DOUBLE_EQ(r.metric, (r.gamma[0] + r.gamma[1]) / r.joint_mi);
  EXPECT_DOUBLE_EQ(r.metric_h, (r.gamma[0] + r.gamma[1]) / r.h_y);
  EXPECT_DOUBLE_EQ(r.interaction, r.joint_mi - r.gamma[0] - r.gamma[1]);
  ASSERT_EQ(r.bounds.size(), 2u);
  for (std::size_t m = 0; m < 2; ++m) {
    const double h = std::max(r.h_y - r.joint_mi, 0.0), g = std::max(r.gamma[m], 0.0);
    EXPECT_DOUBLE_EQ(r.bounds[m].error_upper, std::clamp(1 - std::exp(-h - g), 0.0, 1.0));
    EXPECT_DOUBLE_EQ(r.bounds[m].error_lower,
                     std::clamp((h + g - std::numbers::ln2) / std::numbers::ln2, 0.0, 1.0));
    EXPECT_LE(r.bounds[m].error_lower, r.bounds[m].error_upper);
  }
  // Y = X: losing X leaves a coin flip (error up to 1/2 = 1 - exp(-log 2)),
  // losing the independent Z costs nothing.
  EXPECT_NEAR(r.bounds[0].error_upper, 0.5, 0.02);
  EXPECT_NEAR(r.bounds[1].error_upper, 0.0, 0.02);
}

TEST(ComplementarityKnn, MetricFallsAsAlphaRises) {
  double previous = INFINITY;
  for (double alpha : {0.0, 0.2, 0.4, 0.6, 0.8, 1.0}) {
    mmc::data::SyntheticOptions options;
    options.alpha = alpha;
    const auto task = mmc::data::synthetic_task(options, 5000, 11);
    const auto r = Complementarity().estimate(task.modalities, task.labels);
    // Adjacent alphas differ by >= 0.05 in C at this N (see docs/complementarity.md);
    // the knn backend's seed-to-seed SD of C is ~0.03.
    EXPECT_LT(r.metric, previous) << "alpha " << alpha;
    previous = r.metric;
  }
}

TEST(ComplementarityKnn, ThreeModalitiesAndNonContiguousLabels) {
  // X0 carries the label, X1 a copy of it, X2 is noise: Gamma_0 = Gamma_1 = 0
  // (each is redundant given the other), Gamma_2 = 0.
  const auto task = mmc::data::bits_task(mmc::data::BitCase::redundant, 3000, 5);
  mmc::Rng rng(9);
  mmc::RowMatrix<double> noise(3000, 1);
  for (mmc::Index i = 0; i < 3000; ++i) noise(i, 0) = rng.normal();
  mmc::Labels labels = task.labels * 7 + mmc::Labels::Constant(3000, 3);  // {3, 10}
  const auto r = Complementarity().estimate({task.modalities[0], task.modalities[1], noise}, labels);
  ASSERT_EQ(r.gamma.size(), 3u);
  for (double g : r.gamma) EXPECT_NEAR(g, 0.0, 0.05);
  EXPECT_NEAR(r.joint_mi, std::numbers::ln2, 0.05);
  EXPECT_EQ(r.classes, 2);
}

// The knn backend's options are the kNN options themselves: jitter must reach
// the Ross estimates (it was once accepted and silently dropped). On tied data
// (labels as the only feature, every value repeated) jitter changes the
// neighbours, so the estimate must change; without jitter the seed must not.
TEST(ComplementarityKnn, KnnOptionsReachTheBackend) {
  const auto task = mmc::data::bits_task(mmc::data::BitCase::unique, 1000, 4);
  ComplementarityOptions options;
  const auto plain = Complementarity(options).estimate(task.modalities, task.labels);
  options.seed = 11;
  EXPECT_EQ(Complementarity(options).estimate(task.modalities, task.labels).metric, plain.metric);
  options.knn.jitter = 0.5;
  const auto jittered = Complementarity(options).estimate(task.modalities, task.labels);
  EXPECT_NE(jittered.metric, plain.metric);
  options.knn.k = 10;
  EXPECT_NE(Complementarity(options).estimate(task.modalities, task.labels).metric, jittered.metric);
}

TEST(ComplementarityKnn, BootstrapIntervalsAndDeterminism) {
  const auto task = mmc::data::bits_task(mmc::data::BitCase::unique, 2000, 6);
  ComplementarityOptions options;
  options.bootstrap = 20;
  options.seed = 3;
  const auto a = Complementarity(options).estimate(task.modalities, task.labels);
  EXPECT_EQ(a.replicates, 20);
  EXPECT_LE(a.metric_interval.lower, a.metric);
  EXPECT_GE(a.metric_interval.upper, a.metric);
  EXPECT_LT(a.metric_interval.upper - a.metric_interval.lower, 0.3);
  ASSERT_EQ(a.gamma_interval.size(), 2u);
  options.threads = 1;
  const auto b = Complementarity(options).estimate(task.modalities, task.labels);
  options.threads = 2;
  const auto c = Complementarity(options).estimate(task.modalities, task.labels);
  EXPECT_EQ(b.metric, c.metric);
  EXPECT_EQ(b.metric_interval.lower, c.metric_interval.lower);
  EXPECT_EQ(b.metric_interval.upper, c.metric_interval.upper);
}

TEST(ComplementarityKnn, PcaKeepsTheAnswerOnTheAlphaGenerator) {
  // d = 4 latent dimensions projected to 8: 4 whitened components keep everything.
  mmc::data::SyntheticOptions so;
  so.alpha = 0.0;
  const auto task = mmc::data::synthetic_task(so, 4000, 12);
  ComplementarityOptions options;
  options.pca = 4;
  const auto r = Complementarity(options).estimate(task.modalities, task.labels);
  EXPECT_GT(r.metric, 1.5);
  const auto reduced = mmc::metric::pca_reduce(task.modalities[0], 3);
  EXPECT_EQ(reduced.cols(), 3);
  // Whitened: unit variance per component.
  for (mmc::Index c = 0; c < 3; ++c) {
    const double var = (reduced.col(c).array() - reduced.col(c).mean()).square().sum() / 3999.0;
    EXPECT_NEAR(var, 1.0, 1e-9);
  }
}

template <class F>
void expect_invalid(F&& f, const std::string& fragment) {
  try {
    f();
    FAIL() << "expected mmc::invalid_argument mentioning " << fragment;
  } catch (const mmc::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(ComplementarityKnn, BadInput) {
  const auto task = mmc::data::bits_task(mmc::data::BitCase::unique, 200, 1);
  const auto& x = task.modalities[0];
  const auto& z = task.modalities[1];
  expect_invalid([&] { Complementarity().estimate({x}, task.labels); }, "'modalities'");
  expect_invalid([&] { Complementarity().estimate({x, z.topRows(100)}, task.labels); }, "rows");
  expect_invalid([&] { Complementarity().estimate({x, z}, task.labels.head(100)); }, "'labels'");
  expect_invalid([&] { Complementarity().estimate({x, z}, mmc::Labels::Zero(200)); }, "single class");
  mmc::Labels negative = task.labels;
  negative(5) = -1;
  expect_invalid([&] { Complementarity().estimate({x, z}, negative); }, "'labels'");
  mmc::RowMatrix<double> with_nan = x;
  with_nan(7, 0) = NAN;
  expect_invalid([&] { Complementarity().estimate({with_nan, z}, task.labels); }, "row 7");
  expect_invalid([&] { Complementarity().estimate({mmc::RowMatrix<double>(0, 1), z}, task.labels); },
                 "empty");
  expect_invalid(
      [&] { Complementarity().estimate({mmc::RowMatrix<double>::Ones(200, 1), z}, task.labels); },
      "constant column");
  ComplementarityOptions options;
  options.knn.k = 0;
  expect_invalid([&] { Complementarity(options).estimate({x, z}, task.labels); }, "'options.knn.k'");
  options = {};
  options.confidence = 1.5;
  expect_invalid([&] { Complementarity(options).estimate({x, z}, task.labels); }, "'confidence'");
  options = {};
  options.pca = -1;
  expect_invalid([&] { Complementarity(options).estimate({x, z}, task.labels); }, "'pca'");
}

// Permutation nulls of Gamma_i (local permutation of X_i within neighbours of
// X_{-i}): in the unique case (Y = b_x, Z an independent bit: pure noise about
// Y) Gamma_X is far above its null (p = 1/(R+1)) and Gamma_Z is not; in the
// redundant case (Z = X) neither modality adds anything to the other
// (Gamma ~ 0): both p-values large. Same bits at 1 and 2 threads.
TEST(ComplementarityKnn, GammaNullsSeparateUniqueInformationFromNoise) {
  constexpr mmc::Index kR = 19;
  ComplementarityOptions options;
  options.permutations = kR;
  options.seed = 4;
  const auto unique = mmc::data::bits_task(mmc::data::BitCase::unique, 1000, 7);
  const auto r = Complementarity(options).estimate(unique.modalities, unique.labels);
  ASSERT_EQ(r.gamma_null.size(), 2u);
  EXPECT_DOUBLE_EQ(r.gamma_null[0].p_value, 1.0 / (kR + 1)) << "Gamma_X " << r.gamma[0];
  EXPECT_EQ(r.gamma_null[0].permutations, kR);
  EXPECT_GT(r.gamma_null[0].corrected, 0.5);
  EXPECT_GT(r.gamma_null[1].p_value, 0.1) << "Gamma_Z " << r.gamma[1] << ", null mean " << r.gamma_null[1].null_mean;
  EXPECT_NEAR(r.gamma_null[1].null_mean, 0.0, 0.05);
  EXPECT_DOUBLE_EQ(r.gamma_null[1].corrected, r.gamma[1] - r.gamma_null[1].null_mean);
  // The estimate itself does not change with the test.
  ComplementarityOptions plain = options;
  plain.permutations = 0;
  const auto without = Complementarity(plain).estimate(unique.modalities, unique.labels);
  EXPECT_EQ(without.gamma, r.gamma);
  EXPECT_TRUE(without.gamma_null.empty());

  const auto redundant = mmc::data::bits_task(mmc::data::BitCase::redundant, 1000, 8);
  const auto q = Complementarity(options).estimate(redundant.modalities, redundant.labels);
  for (std::size_t i = 0; i < 2; ++i)
    EXPECT_GT(q.gamma_null[i].p_value, 0.1) << "modality " << i << " Gamma " << q.gamma[i];

  options.threads = 1;
  const auto one = Complementarity(options).estimate(unique.modalities, unique.labels);
  options.threads = 2;
  const auto two = Complementarity(options).estimate(unique.modalities, unique.labels);
  for (std::size_t i = 0; i < 2; ++i) {
    EXPECT_EQ(one.gamma_null[i].p_value, two.gamma_null[i].p_value);
    EXPECT_EQ(one.gamma_null[i].null_mean, two.gamma_null[i].null_mean);
    EXPECT_EQ(one.gamma_null[i].null_sd, two.gamma_null[i].null_sd);
  }
}

TEST(ComplementarityKnn, GammaNullBadOptionsNameTheArgument) {
  const auto task = mmc::data::bits_task(mmc::data::BitCase::unique, 200, 1);
  ComplementarityOptions options;
  options.permutations = -1;
  expect_invalid([&] { Complementarity(options).estimate(task.modalities, task.labels); }, "'permutations'");
  options.permutations = 10;
  options.backend = Backend::cene;
  expect_invalid([&] { Complementarity(options).estimate(task.modalities, task.labels); }, "'permutations'");
  options.backend = Backend::knn;
  options.permutation_neighbours = 0;
  expect_invalid([&] { Complementarity(options).estimate(task.modalities, task.labels); },
                 "'permutation_neighbours'");
}

}  // namespace
