// Extreme data in the kNN estimators (docs/design.md §3.1): the shared tie check
// of knn/common.hpp and standardisation of huge and tiny data.
//
// KSG assumes continuous data; on tied data its counts measure the ties
// (10 symbols repeated: KSG 1 = 9.7 nats for H(X) = 2.3, KSG 2 negative;
// x + 1e15, rounded to steps of 0.125: 4.8 nats for 0.15). Such data are
// refused with a message naming options.jitter and the estimators meant for
// discrete data, which (MixedKsg, the plug-in) still accept them; a few tied
// samples only add a warning; continuous data none.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <functional>
#include <mmc/core/errors.hpp>
#include <mmc/core/rng.hpp>
#include <mmc/knn/geometric.hpp>
#include <mmc/knn/kl_entropy.hpp>
#include <mmc/knn/ksg.hpp>
#include <mmc/knn/ksg_conditional.hpp>
#include <mmc/knn/lnc.hpp>
#include <mmc/knn/mixed.hpp>
#include <mmc/knn/plugin.hpp>
#include <string>
#include <vector>

#include "ksg_test_util.hpp"

namespace {

using ksg_test::Matrix;
using mmc::Index;

// x, y: standard bivariate normal with correlation 0.515, I = 0.154 nats.
std::pair<Matrix, Matrix> gaussians(Index n, std::uint64_t seed = 3) {
  return ksg_test::correlated_gaussians(n, 1, 0.515, seed);
}

// n samples of 10 symbols (0..9), each repeated n / 10 times.
Matrix symbols(Index n) {
  Matrix m(n, 1);
  for (Index i = 0; i < n; ++i) m(i, 0) = static_cast<double>(i % 10);
  return m;
}

std::string message_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const mmc::invalid_argument& e) {
    return e.what();
  }
  return "(no mmc::invalid_argument)";
}

void expect_tie_refusal(const std::function<void()>& call, const std::string& function,
                        const std::string& argument) {
  const std::string message = message_of(call);
  for (const std::string& part : {function + ": argument '" + argument + "'",
                                  std::string("tied values"), std::string("options.jitter")}) {
    EXPECT_NE(message.find(part), std::string::npos) << message;
  }
}

mmc::knn::KsgOptions ksg_options(int algorithm, double jitter = 0.0) {
  mmc::knn::KsgOptions o;
  o.algorithm = algorithm;
  o.jitter = jitter;
  return o;
}

TEST(KnnTies, KsgRefusesRepeatedSymbolsAndAcceptsThemJittered) {
  const Matrix x = symbols(2000);
  for (const int algorithm : {1, 2}) {
    expect_tie_refusal([&] { mmc::knn::Ksg(ksg_options(algorithm)).estimate(x, x); },
                       "mmc::knn::Ksg::estimate", "x");
    // Jittered, the data are continuous: tight clusters around 10 symbols, and
    // I(X + e1; X + e2) -> H(X) = log 10 as the jitter shrinks.
    const auto r = mmc::knn::Ksg(ksg_options(algorithm, 1e-10)).estimate(x, x);
    EXPECT_NEAR(r.value, std::log(10.0), 0.05) << "algorithm " << algorithm;
    EXPECT_TRUE(r.warnings.empty());
  }
}

TEST(KnnTies, KsgRefusesContinuousDataRoundedByAHugeOffset) {
  const auto sample = gaussians(4000);  // not a structured binding: clang 14 cannot capture those
  const Matrix& x = sample.first;
  const Matrix& y = sample.second;
  const Matrix shifted = x.array() + 1e15;  // doubles near 1e15 are multiples of 0.125
  for (const bool standardize : {false, true}) {
    auto o = ksg_options(1);
    o.standardize = standardize;
    expect_tie_refusal([&] { mmc::knn::Ksg(o).estimate(shifted, y); }, "mmc::knn::Ksg::estimate",
                       "x");
  }
  // y tied instead of x: the argument named is y.
  expect_tie_refusal([&] { mmc::knn::Ksg().estimate(x, Matrix(y.array() + 1e15)); },
                     "mmc::knn::Ksg::estimate", "y");
}

TEST(KnnTies, EveryKsgTypeEstimatorRefusesHeavyTies) {
  const Matrix x = symbols(1000);
  const Matrix z = gaussians(1000).first;
  for (const int algorithm : {1, 2}) {
    expect_tie_refusal([&] { mmc::knn::KsgConditional(ksg_options(algorithm)).estimate(x, x, z); },
                       "mmc::knn::KsgConditional::estimate", "x");
  }
  expect_tie_refusal([&] { mmc::knn::Lnc().estimate(x, x); }, "mmc::knn::Lnc::estimate", "x");
  // KL: r > 0 (the second column is continuous) but the first is discrete.
  Matrix mixed(1000, 2);
  mixed << x, z;
  expect_tie_refusal([&] { mmc::knn::KlEntropy().estimate(mixed); }, "mmc::knn::KlEntropy::estimate",
                     "x");
  // Geometric kNN refuses every tied (degenerate) neighbourhood, as before.
  const std::string message = message_of([&] { mmc::knn::GeometricKnn().estimate(x, x); });
  EXPECT_NE(message.find("jitter"), std::string::npos) << message;
}

TEST(KnnTies, MixedAndPluginEstimatorsStillAcceptTiedData) {
  const Matrix x = symbols(2000);
  const auto mixed = mmc::knn::MixedKsg().estimate(x, x);
  EXPECT_NEAR(mixed.value, std::log(10.0), 0.05);
  EXPECT_TRUE(mixed.warnings.empty());
  EXPECT_NEAR(mmc::knn::PluginMutualInformation().estimate(x, x).value, std::log(10.0), 1e-12);
  // A discrete x with a continuous y, the case MixedKsg is for.
  Matrix y = gaussians(2000).second;
  y.col(0) += x.col(0);
  EXPECT_TRUE(std::isfinite(mmc::knn::MixedKsg().estimate(x, y).value));
}

// A few tied samples (2 groups of 4 identical rows in 10000: 0.08 %, under the
// 0.1 % refused): a warning naming the count and options.jitter, the estimate
// within its usual error. 5 groups (0.2 %) are refused.
void duplicate_groups(Matrix& m, Index groups) {
  for (Index g = 0; g < groups; ++g) {
    for (Index j = 1; j < 4; ++j) m.row(1000 * g + j) = m.row(1000 * g);
  }
}

TEST(KnnTies, MildTiesGiveAWarningNotARefusal) {
  auto sample = gaussians(10000);
  Matrix& x = sample.first;
  Matrix& y = sample.second;
  Matrix z = gaussians(10000, 9).first;
  duplicate_groups(x, 2);
  duplicate_groups(y, 2);
  duplicate_groups(z, 2);
  for (const int algorithm : {1, 2}) {
    const auto r = mmc::knn::Ksg(ksg_options(algorithm)).estimate(x, y);
    ASSERT_EQ(r.warnings.size(), 1u) << "algorithm " << algorithm;
    EXPECT_NE(r.warnings[0].find("8 of 10000 samples"), std::string::npos) << r.warnings[0];
    EXPECT_NE(r.warnings[0].find("options.jitter"), std::string::npos) << r.warnings[0];
    EXPECT_NEAR(r.value, 0.154, 0.04) << "algorithm " << algorithm;
    EXPECT_EQ(mmc::knn::KsgConditional(ksg_options(algorithm)).estimate(x, y, z).warnings.size(), 1u);
  }
  EXPECT_EQ(mmc::knn::Lnc().estimate(x, y).warnings.size(), 1u);
  // 5 groups: 20 tied samples, 0.2 %.
  duplicate_groups(x, 5);
  duplicate_groups(y, 5);
  expect_tie_refusal([&] { mmc::knn::Ksg().estimate(x, y); }, "mmc::knn::Ksg::estimate", "x");
}

TEST(KnnTies, ContinuousDataHaveNoWarnings) {
  const auto sample = gaussians(3000);
  const Matrix& x = sample.first;
  const Matrix& y = sample.second;
  const Matrix z = gaussians(3000, 4).first;
  for (const int algorithm : {1, 2}) {
    EXPECT_TRUE(mmc::knn::Ksg(ksg_options(algorithm)).estimate(x, y).warnings.empty());
    EXPECT_TRUE(mmc::knn::KsgConditional(ksg_options(algorithm)).estimate(x, y, z).warnings.empty());
  }
  EXPECT_TRUE(mmc::knn::Lnc().estimate(x, y).warnings.empty());
  EXPECT_TRUE(mmc::knn::KlMutualInformation().estimate(x, y).warnings.empty());
}

// Standardisation of data near the largest and smallest doubles: the same
// estimate as on unit-scale data (KSG with standardisation is scale-invariant).
TEST(KnnTies, KsgOfHugeAndTinyDataEqualsUnitScaleWithStandardisation) {
  const auto sample = gaussians(3000);
  const Matrix& x = sample.first;
  const Matrix& y = sample.second;
  mmc::knn::KsgOptions o;
  o.standardize = true;
  const double reference = mmc::knn::Ksg(o).estimate(x, y).value;
  EXPECT_NEAR(reference, 0.154, 0.05);
  for (const double scale : {1.5e308 / 5.0, 1e-308}) {
    const Matrix xs = x * scale, ys = y * scale;
    ASSERT_TRUE(xs.allFinite() && ys.allFinite());
    EXPECT_NEAR(mmc::knn::Ksg(o).estimate(xs, ys).value, reference, 1e-12) << "scale " << scale;
  }
}

}  // namespace
