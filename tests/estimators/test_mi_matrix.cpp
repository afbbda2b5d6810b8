// Pairwise MI (mmc/estimators/mi_matrix.hpp): every entry equals a single
// estimate_mi call on the extracted columns bit for bit, at 1 and 2 threads;
// the ranking is descending; bad input names the argument (docs/design.md §3.1, §6).
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <string>

#include <mmc/core/rng.hpp>
#include <mmc/estimators/mi_matrix.hpp>

namespace {

namespace est = mmc::estimators;
using mmc::Index;
using mmc::RowMatrix;

// Columns with decreasing dependence on a latent s.
RowMatrix<double> columns(Index n, Index d, std::uint64_t seed, const Eigen::VectorXd& s) {
  mmc::Rng rng(seed, 3);
  RowMatrix<double> m(n, d);
  for (Index i = 0; i < n; ++i)
    for (Index c = 0; c < d; ++c) m(i, c) = s(i) / static_cast<double>(c + 1) + rng.normal();
  return m;
}

Eigen::VectorXd latent(Index n) {
  mmc::Rng rng(1, 4);
  Eigen::VectorXd s(n);
  for (Index i = 0; i < n; ++i) s(i) = 2.0 * rng.normal();
  return s;
}

TEST(MiMatrix, EqualsSingleCallsBitForBit) {
  const Eigen::VectorXd s = latent(300);
  const RowMatrix<double> x = columns(300, 3, 5, s), y = columns(300, 2, 6, s);
  for (const auto id : {est::Estimator::ksg1, est::Estimator::ksg2, est::Estimator::kl, est::Estimator::lnc}) {
    est::NonNeuralOptions o;
    o.knn.k = 4;
    o.knn.standardize = true;
    o.knn.threads = 2;
    const auto m2 = est::mi_matrix(id, x, y, o);
    o.knn.threads = 1;
    const auto m1 = est::mi_matrix(id, x, y, o);
    ASSERT_EQ(m2.values.rows(), 3);
    ASSERT_EQ(m2.values.cols(), 2);
    for (Index i = 0; i < 3; ++i) {
      for (Index j = 0; j < 2; ++j) {
        EXPECT_EQ(m2.values(i, j), est::estimate_mi(id, x.col(i), y.col(j), o).value)
            << est::name_of(id) << " " << i << "," << j;
        EXPECT_EQ(m1.values(i, j), m2.values(i, j));
      }
    }
  }
}

TEST(MiMatrix, RankingIsDescendingAndEqualsSingleCalls) {
  const Eigen::VectorXd s = latent(400);
  RowMatrix<double> x = columns(400, 4, 7, s);
  x.col(0).swap(x.col(3));  // the strongest column is now column 3
  RowMatrix<double> target(400, 1);
  for (Index i = 0; i < 400; ++i) target(i, 0) = s(i) > 0 ? 1.0 : 0.0;
  est::NonNeuralOptions o;
  o.knn.threads = 2;
  const auto ranking = est::mi_ranking(est::Estimator::ross, x, target, o);
  ASSERT_EQ(ranking.ranks.size(), 4u);
  EXPECT_EQ(ranking.ranks[0].column, 3);
  for (std::size_t r = 1; r < 4; ++r) EXPECT_GE(ranking.ranks[r - 1].value, ranking.ranks[r].value);
  for (const auto& rank : ranking.ranks)
    EXPECT_EQ(rank.value, est::estimate_mi(est::Estimator::ross, x.col(rank.column), target, o).value);
  // H(Y) of a balanced binary target is about log 2.
  EXPECT_NEAR(est::plugin_entropy_of(target), std::log(2.0), 0.01);
}

TEST(MiMatrix, BadInputIsRejected) {
  const Eigen::VectorXd s = latent(100);
  const RowMatrix<double> x = columns(100, 2, 5, s), y = columns(100, 2, 6, s);
  est::NonNeuralOptions o;
  const RowMatrix<double> shorter = y.topRows(90);
  auto names = [](const mmc::invalid_argument& e, const std::string& argument) {
    return std::string(e.what()).find("'" + argument + "'") != std::string::npos;
  };
  try {
    est::mi_matrix(est::Estimator::ksg1, x, shorter, o);
    FAIL();
  } catch (const mmc::invalid_argument& e) {
    EXPECT_TRUE(names(e, "y")) << e.what();
  }
  try {
    est::mi_ranking(est::Estimator::ksg1, x, shorter, o);
    FAIL();
  } catch (const mmc::invalid_argument& e) {
    EXPECT_TRUE(names(e, "target")) << e.what();
  }
  // An error of one pair names the pair: the lowest failing pair, at any
  // thread count (x column 1 fails with every y column as well).
  RowMatrix<double> tied = y, tied_x = x;
  tied.col(1).setConstant(1.0);
  tied_x.col(1).setConstant(1.0);
  for (const int threads : {1, 2}) {
    o.knn.threads = threads;
    try {
      est::mi_matrix(est::Estimator::ksg1, tied_x, tied, o);
      FAIL();
    } catch (const mmc::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()).find("x column 0, y column 1: "), 0u) << e.what();
    }
  }
  try {
    est::mi_matrix(est::Estimator::mine, x, y, o);
    FAIL();
  } catch (const mmc::invalid_argument& e) {
    EXPECT_TRUE(names(e, "estimator")) << e.what();
  }
}

}  // namespace
