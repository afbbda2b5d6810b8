// LNC (Gao, Ver Steeg & Galstyan 2015; docs/design.md §3.1) against an O(N^2)
// oracle: KSG-1 from a full sort of the joint distances and explicit marginal
// counts, then the two boxes and the thresholded correction, same bits; the
// tabulated alpha; alpha at its extremes; degenerate (tied) neighbourhoods;
// thread-count independence.
#include <gtest/gtest.h>

#include <Eigen/Eigenvalues>
#include <cmath>
#include <mmc/core/errors.hpp>
#include <mmc/core/special.hpp>
#include <mmc/knn/ksg.hpp>
#include <mmc/knn/lnc.hpp>

#include "knn2_test_util.hpp"

namespace {

using knn2_test::Kind;
using knn2_test::Matrix;
using mmc::Index;
using mmc::Norm;

struct Oracle {
  Eigen::VectorXd ksg, correction;
  Index degenerate = 0;
};

Oracle lnc_oracle(const Matrix& x, const Matrix& y, Index k, double alpha) {
  const Matrix xy = knn2_test::joint(x, y);
  const Index n = x.rows(), d = xy.cols();
  Oracle o{Eigen::VectorXd(n), Eigen::VectorXd::Zero(n)};
  for (Index i = 0; i < n; ++i) {
    const auto others = ksg_test::naive_knn(n, i, k, knn2_test::metric(xy, Norm::max));
    const double eps = others.back().first;
    const Index n_x = ksg_test::naive_count(n, i, eps, true, knn2_test::metric(x, Norm::max));
    const Index n_y = ksg_test::naive_count(n, i, eps, true, knn2_test::metric(y, Norm::max));
    o.ksg(i) = mmc::digamma(static_cast<double>(k)) + mmc::digamma(static_cast<double>(n)) -
               mmc::digamma(static_cast<double>(n_x + 1)) - mmc::digamma(static_cast<double>(n_y + 1));
    Eigen::MatrixXd u(k, d);
    for (Index j = 0; j < k; ++j) u.row(j) = xy.row(others[static_cast<std::size_t>(j)].second) - xy.row(i);
    double log_v = 0.0;
    bool degenerate = false;
    for (Index c = 0; c < d; ++c) {
      double side = 0.0;
      for (Index j = 0; j < k; ++j) side = std::max(side, std::fabs(u(j, c)));
      degenerate = degenerate || side == 0.0;
      log_v += std::log(side);
    }
    Eigen::MatrixXd cov(d, d);
    for (Index a = 0; a < d; ++a)
      for (Index b = 0; b < d; ++b) {
        double sum = 0.0;
        for (Index j = 0; j < k; ++j) sum += u(j, a) * u(j, b);
        cov(a, b) = sum / static_cast<double>(k);
      }
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> pca(cov);
    Eigen::VectorXd sides = Eigen::VectorXd::Zero(d);
    for (Index c = 0; c < d; ++c)
      for (Index j = 0; j < k; ++j) {
        double p = 0.0;
        for (Index a = 0; a < d; ++a) p += u(j, a) * pca.eigenvectors()(a, c);
        sides(c) = std::max(sides(c), std::fabs(p));
      }
    double log_vbar = 0.0;
    for (Index c = 0; c < d; ++c) {
      degenerate = degenerate || sides(c) <= 1e-12 * sides.maxCoeff();
      log_vbar += std::log(sides(c));
    }
    if (degenerate) {
      ++o.degenerate;
    } else if (log_vbar - log_v < std::log(alpha)) {
      o.correction(i) = -(log_vbar - log_v);
    }
  }
  return o;
}

mmc::knn::LncOptions options_for(Index k, std::optional<double> alpha = std::nullopt) {
  auto options = knn2_test::with_k<mmc::knn::LncOptions>(k);
  options.alpha = alpha;
  return options;
}

TEST(Lnc, LocalValuesEqualTheBruteForceOracle) {
  struct Case {
    Index dx, dy, k;
    std::optional<double> alpha;
  };
  // 1 + 1: sorted axes, then a k-NN pass for the boxes; more: one joint pass for both.
  const Case cases[] = {{1, 1, 3, {}}, {1, 1, 6, {}}, {2, 1, 4, {}}, {2, 2, 5, 0.3}, {1, 1, 3, 1.0}, {5, 5, 11, {}}};
  std::uint64_t seed = 90;
  for (const Case& c : cases) {
    const std::string what = "dx=" + std::to_string(c.dx) + " dy=" + std::to_string(c.dy) + " k=" + std::to_string(c.k);
    Matrix x = ksg_test::make_data(300, c.dx, Kind::continuous, ++seed);
    Matrix y = ksg_test::make_data(300, c.dy, Kind::continuous, ++seed);
    y.col(0) = x.col(0) + 0.05 * y.col(0);  // strong dependence: thin neighbourhoods
    const double alpha = mmc::knn::Lnc(options_for(c.k, c.alpha)).estimate(x, y).alpha;
    const Oracle oracle = lnc_oracle(x, y, c.k, alpha);
    ksg_test::expect_same_local_values(
        [&](int threads) {
          mmc::knn::LncOptions options = options_for(c.k, c.alpha);
          options.threads = threads;
          const auto result = mmc::knn::Lnc(options).estimate(x, y);
          EXPECT_NEAR(result.ksg, oracle.ksg.mean(), 1e-12) << what;
          EXPECT_NEAR(result.correction, oracle.correction.mean(), 1e-12) << what;
          EXPECT_NEAR(result.value, result.ksg + result.correction, 1e-12) << what;
          EXPECT_EQ(result.corrected, (oracle.correction.array() > 0).count()) << what;
          EXPECT_GT(result.corrected, 0) << what;
          EXPECT_EQ(result.degenerate, 0) << what;
          // The KSG part is mmc::knn::Ksg's algorithm 1, to the last bit.
          const mmc::knn::KsgOptions ksg{options, 1};
          EXPECT_EQ(result.ksg, mmc::knn::Ksg(ksg).estimate(x, y).value) << what;
          return result;
        },
        oracle.ksg + oracle.correction, what);
  }
}

TEST(Lnc, DefaultAlphaIsTheAuthorsTable) {
  const auto xy_sample = ksg_test::correlated_gaussians(100, 1, 0.5, 3);
  const auto& x = xy_sample.first;  // not a structured binding: clang 14 cannot capture those
  const auto& y = xy_sample.second;
  EXPECT_EQ(mmc::knn::Lnc(options_for(3)).estimate(x, y).alpha, 0.182224);
  EXPECT_EQ(mmc::knn::Lnc(options_for(10)).estimate(x, y).alpha, 0.630903);
  EXPECT_EQ(mmc::knn::Lnc(options_for(20)).estimate(x, y).alpha, 0.817252);
  const auto [x3, y3] = ksg_test::correlated_gaussians(100, 3, 0.5, 4);
  EXPECT_EQ(mmc::knn::Lnc(options_for(10)).estimate(x3.leftCols(2), y3.leftCols(1)).alpha, 0.489972);
  EXPECT_EQ(mmc::knn::Lnc(options_for(6)).estimate(x3, y3.leftCols(2)).alpha, 0.023953);
  EXPECT_EQ(mmc::knn::Lnc(options_for(13, 0.5)).estimate(x3, y3).alpha, 0.5);
}

TEST(Lnc, TinyAlphaLeavesKsgUntouched) {
  const auto xy_sample = ksg_test::correlated_gaussians(500, 1, 0.99, 5);
  const auto& x = xy_sample.first;  // not a structured binding: clang 14 cannot capture those
  const auto& y = xy_sample.second;
  const auto result = mmc::knn::Lnc(options_for(4, 1e-300)).estimate(x, y);
  EXPECT_EQ(result.corrected, 0);
  EXPECT_EQ(result.correction, 0.0);
  EXPECT_EQ(result.value, result.ksg);
  // A larger alpha corrects more samples and adds more.
  const auto loose = mmc::knn::Lnc(options_for(4, 1.0)).estimate(x, y);
  const auto table = mmc::knn::Lnc(options_for(4)).estimate(x, y);
  EXPECT_EQ(loose.ksg, table.ksg);
  EXPECT_GT(loose.corrected, table.corrected);
  EXPECT_GT(loose.correction, table.correction);
  EXPECT_GT(table.correction, 0.0);
}

TEST(Lnc, TiedNeighbourhoodsAreSkippedNotInfinite) {
  // A few tied samples (one group of 4 identical rows in 5000, under the
  // 0.1 % that the tie check of knn/common.hpp refuses, docs/design.md §3.1):
  // their neighbourhoods have a zero side, their correction is skipped and
  // counted, a warning is recorded, and nothing becomes infinite or NaN.
  Matrix x = ksg_test::make_data(5000, 1, Kind::continuous, 7);
  Matrix y = ksg_test::make_data(5000, 1, Kind::continuous, 8);
  y.col(0) = x.col(0) + 0.3 * y.col(0);
  for (Index j = 1; j < 4; ++j) {
    x.row(10 + j) = x.row(10);
    y.row(10 + j) = y.row(10);
  }
  const auto result = mmc::knn::Lnc(options_for(3)).estimate(x, y);
  const Oracle oracle = lnc_oracle(x, y, 3, result.alpha);
  EXPECT_GT(result.degenerate, 0);
  EXPECT_EQ(result.degenerate, oracle.degenerate);
  EXPECT_EQ(result.warnings.size(), 1u);
  EXPECT_TRUE(result.local.allFinite());
  EXPECT_EQ(result.local, oracle.ksg + oracle.correction);
  // Integer grid data (every neighbourhood tied) are refused, naming the fix.
  const Matrix gx = ksg_test::make_data(300, 1, Kind::grid, 7);
  const Matrix gy = ksg_test::make_data(300, 1, Kind::grid, 8);
  try {
    mmc::knn::Lnc(options_for(3)).estimate(gx, gy);
    ADD_FAILURE() << "grid data accepted";
  } catch (const mmc::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("options.jitter"), std::string::npos) << e.what();
  }
}

TEST(Lnc, ThreadCountDoesNotChangeABit) {
  const auto xy_sample = ksg_test::correlated_gaussians(2500, 1, 0.95, 6);
  const auto& x = xy_sample.first;  // not a structured binding: clang 14 cannot capture those
  const auto& y = xy_sample.second;
  knn2_test::expect_thread_independent([&](int threads) {
    mmc::knn::LncOptions options = options_for(5);
    options.threads = threads;
    return mmc::knn::Lnc(options).estimate(x, y);
  });
}

}  // namespace
