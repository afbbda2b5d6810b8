// Permutation tests of the neural MI estimators
// (mmc/estimators/neural_permutation.hpp): every null value is a fresh training
// on the documented shuffle with the documented seed (oracle, bit for bit);
// strong dependence gives the smallest p-value 1/(R+1), independence a large
// one; the same bits at 1 and 2 threads; a bad R is refused naming
// 'permutations' (docs/design.md §2, §3.2). Tiny networks and few steps keep
// it to seconds.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <numeric>
#include <string>
#include <vector>

#include <mmc/core/errors.hpp>
#include <mmc/core/rng.hpp>
#include <mmc/core/streams.hpp>
#include <mmc/estimators/neural_permutation.hpp>
#include <mmc/neural.hpp>

namespace {

namespace est = mmc::estimators;
using mmc::Index;
using mmc::RowMatrix;
using Estimator = mmc::neural::InfoNce<>;

// (x, y) with y = rho x + sqrt(1 - rho^2) e; rho = 0: independent.
struct Pair {
  RowMatrix<double> x, y;
};
Pair gaussian_pair(Index n, double rho, std::uint64_t seed) {
  mmc::Rng rng(seed, 7);
  Pair p{RowMatrix<double>(n, 1), RowMatrix<double>(n, 1)};
  for (Index i = 0; i < n; ++i) {
    p.x(i, 0) = rng.normal();
    p.y(i, 0) = rho * p.x(i, 0) + std::sqrt(1 - rho * rho) * rng.normal();
  }
  return p;
}

Estimator::Options quick(int threads) {
  Estimator::Options o;
  o.steps = 120;
  o.batch = 64;
  o.lr = 5e-3;
  o.hidden = {8};
  o.eval_interval = 40;
  o.threads = threads;
  o.seed = 11;
  return o;
}

TEST(NeuralPermutation, NullValuesAreRetrainingsOnTheDocumentedShuffles) {
  const Pair p = gaussian_pair(300, 0.5, 1);
  const auto o = quick(1);
  const Eigen::VectorXd null = est::neural_permutation_null<Estimator>(o, p.x, p.y, 2);
  ASSERT_EQ(null.size(), 2);
  for (Index r = 0; r < 2; ++r) {
    std::vector<Index> order(300);
    std::iota(order.begin(), order.end(), Index{0});
    mmc::Rng rng(o.seed, mmc::streams::permutation::mi_first + static_cast<std::uint64_t>(r));
    rng.shuffle(order.begin(), order.end());
    RowMatrix<double> shuffled(300, 1);
    for (Index i = 0; i < 300; ++i) shuffled(i, 0) = p.y(order[static_cast<std::size_t>(i)], 0);
    auto at_r = o;
    at_r.seed = mmc::derive_seed(o.seed, mmc::streams::permutation::neural_seed_first + static_cast<std::uint64_t>(r));
    EXPECT_EQ(null(r), Estimator(at_r).estimate(p.x, shuffled).value) << "permutation " << r;
  }
  EXPECT_NE(null(0), null(1));
}

TEST(NeuralPermutation, StrongDependenceGivesTheSmallestPValue) {
  const Pair p = gaussian_pair(400, 0.95, 2);  // I = 1.16 nats
  const auto test = est::permutation_test_neural_mi<Estimator>(quick(0), p.x, p.y, 9);
  EXPECT_GT(test.estimate.value, 0.3);
  EXPECT_DOUBLE_EQ(test.test.p_value, 0.1);
  EXPECT_EQ(test.test.permutations, 9);
  EXPECT_LT(test.test.null_mean, 0.15);
  EXPECT_DOUBLE_EQ(test.test.corrected, test.estimate.value - test.test.null_mean);
}

TEST(NeuralPermutation, IndependenceGivesALargePValue) {
  const Pair p = gaussian_pair(400, 0.0, 3);
  const auto test = est::permutation_test_neural_mi<Estimator>(quick(0), p.x, p.y, 19);
  EXPECT_GT(test.test.p_value, 0.1) << "estimate " << test.estimate.value << ", null mean " << test.test.null_mean;
  EXPECT_GT(test.test.null_sd, 0.0);
}

TEST(NeuralPermutation, SameBitsAtAnyThreadCount) {
  const Pair p = gaussian_pair(300, 0.5, 4);
  const Eigen::VectorXd one = est::neural_permutation_null<Estimator>(quick(1), p.x, p.y, 3);
  const Eigen::VectorXd two = est::neural_permutation_null<Estimator>(quick(2), p.x, p.y, 3);
  for (Index r = 0; r < 3; ++r) EXPECT_EQ(one(r), two(r)) << "permutation " << r;
}

TEST(NeuralPermutation, BadPermutationCountNamesTheArgument) {
  const Pair p = gaussian_pair(100, 0.5, 5);
  for (const Index r : {Index{0}, Index{-3}, est::kMaxPermutations + 1}) {
    try {
      est::permutation_test_neural_mi<Estimator>(quick(1), p.x, p.y, r);
      ADD_FAILURE() << "R = " << r << " accepted";
    } catch (const mmc::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("'permutations'"), std::string::npos) << e.what();
    }
  }
}

}  // namespace
