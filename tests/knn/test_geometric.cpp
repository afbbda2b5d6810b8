// Geometric kNN (Lord, Sun & Bollt 2018; docs/design.md §3.1) against an O(N^2)
// oracle that rebuilds every neighbourhood from a full sort of the distances
// and repeats the formula with an independent SVD (Eigen::JacobiSVD; the
// estimator's own is tests/knn/test_small_svd.cpp's subject), for entropy and
// MI and several d; the 1-D closed form (the ellipsoid is the interval,
// k_i = k + 1); invariances of the estimate under rotation and scaling;
// thread-count independence.
#include <gtest/gtest.h>

#include <Eigen/SVD>
#include <cmath>
#include <mmc/core/special.hpp>
#include <mmc/knn/geometric.hpp>
#include <string>

#include "knn2_test_util.hpp"

namespace {

using knn2_test::Kind;
using knn2_test::Matrix;
using mmc::Index;
using mmc::Norm;

Eigen::VectorXd geometric_oracle(const Matrix& x, Index k) {
  const Index n = x.rows(), d = x.cols();
  Eigen::VectorXd local(n);
  for (Index i = 0; i < n; ++i) {
    const auto others = ksg_test::naive_knn(n, i, k, knn2_test::metric(x, Norm::euclidean));
    const double eps = others.back().first;
    Eigen::MatrixXd set(k + 1, d), centred(k + 1, d);
    set.row(0) = x.row(i);
    for (Index j = 0; j < k; ++j) set.row(j + 1) = x.row(others[static_cast<std::size_t>(j)].second);
    for (Index c = 0; c < d; ++c) {
      double mean = 0.0;
      for (Index p = 0; p <= k; ++p) mean += set(p, c);
      mean /= static_cast<double>(k + 1);
      for (Index p = 0; p <= k; ++p) centred(p, c) = set(p, c) - mean;
    }
    const Eigen::JacobiSVD<Eigen::MatrixXd> svd(centred, Eigen::ComputeThinV);
    const Eigen::VectorXd& s = svd.singularValues();
    double log_shape = 0.0;
    for (Index j = 0; j < d; ++j) log_shape += std::log(s(j) / s(0));
    Index k_i = 0;  // points of the set inside the closed ellipsoid about x_i
    for (Index p = 0; p <= k; ++p) {
      double q = 0.0;
      for (Index j = 0; j < d; ++j) {
        double z = 0.0;
        for (Index c = 0; c < d; ++c) z += (set(p, c) - set(0, c)) * svd.matrixV()(c, j);
        const double t = z / (eps * (s(j) / s(0)));
        q += t * t;
      }
      k_i += q <= 1.0;
    }
    local(i) = std::log(static_cast<double>(n)) + mmc::log_unit_ball_volume(static_cast<int>(d), true) +
               static_cast<double>(d) * std::log(eps) + log_shape - std::log(static_cast<double>(k_i));
  }
  return local;
}

using knn2_test::with_k;

/// The oracle's JacobiSVD and the estimator's one-sided Jacobi SVD are both
/// backward stable: their singular values agree to a few epsilon sigma_1
/// (Weyl's inequality), so each shape term log(sigma_j/sigma_1) agrees to a
/// few epsilon sigma_1/sigma_j. Here sigma_d/sigma_1 >= 2e-4 (at k = d the
/// d + 1 points are sometimes nearly flat): at most ~1e-12, measured 1.2e-13
/// (d = 2, k = 2). The ellipsoid counts are equal unless a point lies within
/// ~1e-12 of the boundary (none does on continuous data; in 1-D the k-th
/// neighbour lies on it exactly with both, V = +-1). 1e-11 is far below what
/// any change of the formula moves (one point more in the ellipsoid:
/// log((k_i + 1)/k_i) >= 0.05 here).
constexpr double kOracleTolerance = 1e-11;

/// expect_same_local_values (ksg_test_util.hpp) with the oracle's values
/// matched to kOracleTolerance; 1 and 2 threads still agree bit for bit.
template <class Estimate>
void expect_oracle_local_values(Estimate&& estimate, const Eigen::VectorXd& expected, const std::string& what) {
  Eigen::VectorXd first;
  for (int threads : {1, 2}) {
    const auto result = estimate(threads);
    ASSERT_EQ(result.local.size(), expected.size()) << what;
    for (Index i = 0; i < expected.size(); ++i)
      ASSERT_NEAR(result.local(i), expected(i), kOracleTolerance) << what << ", sample " << i << ", threads " << threads;
    EXPECT_EQ(result.n, expected.size()) << what;
    EXPECT_NEAR(result.value, expected.mean(), kOracleTolerance) << what;
    if (threads == 1) first = result.local;
    else EXPECT_EQ(result.local, first) << what;
  }
}

TEST(GeometricKnn, EntropyLocalValuesMatchTheBruteForceOracle) {
  for (const Index d : {1, 2, 3, 5}) {
    for (const Index k : {d, d + 2}) {
      const Matrix x = ksg_test::make_data(300, d, Kind::continuous, 40 + static_cast<std::uint64_t>(d));
      expect_oracle_local_values(
          [&](int threads) {
            mmc::knn::KnnOptions options = with_k(k);
            options.threads = threads;
            return mmc::knn::GeometricKnn(options).entropy(x);
          },
          geometric_oracle(x, k), "d=" + std::to_string(d) + " k=" + std::to_string(k));
    }
  }
}

TEST(GeometricKnn, MiLocalValuesMatchTheBruteForceOracle) {
  for (const Index d : {1, 2}) {
    const auto xy_sample = ksg_test::correlated_gaussians(300, d, 0.9, 50 + static_cast<std::uint64_t>(d));
    const auto& x = xy_sample.first;  // not a structured binding: clang 14 cannot capture those
    const auto& y = xy_sample.second;
    const Index k = 2 * d + 1;
    const Eigen::VectorXd lx = geometric_oracle(x, k), ly = geometric_oracle(y, k),
                          lxy = geometric_oracle(knn2_test::joint(x, y), k);
    expect_oracle_local_values(
        [&](int threads) {
          mmc::knn::KnnOptions options = with_k(k);
          options.threads = threads;
          const auto result = mmc::knn::GeometricKnn(options).estimate(x, y);
          EXPECT_NEAR(result.h_x, lx.mean(), kOracleTolerance);
          EXPECT_NEAR(result.h_y, ly.mean(), kOracleTolerance);
          EXPECT_NEAR(result.h_xy, lxy.mean(), kOracleTolerance);
          EXPECT_NEAR(result.value, result.h_x + result.h_y - result.h_xy, 1e-12);
          return result;
        },
        lx + ly - lxy, "d=" + std::to_string(d));
  }
}

TEST(GeometricKnn, OneDimensionalClosedForm) {
  // d = 1: sigma_1/sigma_1 = 1, the ellipsoid is [x_i - eps, x_i + eps] and
  // holds x_i and all k neighbours: local = log N + log 2 + log eps - log(k+1).
  const Matrix x = ksg_test::make_data(200, 1, Kind::continuous, 61);
  const Index k = 4;
  const auto result = mmc::knn::GeometricKnn(with_k(k)).entropy(x);
  for (Index i = 0; i < x.rows(); ++i) {
    const double eps = ksg_test::naive_knn(200, i, k, knn2_test::metric(x, Norm::euclidean)).back().first;
    ASSERT_NEAR(result.local(i), std::log(200.0) + std::log(2.0) + std::log(eps) - std::log(5.0), 1e-12);
  }
}

TEST(GeometricKnn, RotationAndScalingShiftTheEntropyByLogDeterminant) {
  // Euclidean neighbours, the SVD shape terms and the ellipsoid counts are all
  // invariant under rotation; scaling by c multiplies every eps by c:
  // H(cRx) = H(x) + d log c (up to rounding, no tie changes on continuous data).
  const Matrix x = ksg_test::make_data(400, 3, Kind::continuous, 70);
  const Eigen::Matrix3d rotation =
      Eigen::Matrix3d(Eigen::HouseholderQR<Eigen::Matrix3d>(Eigen::Matrix3d::Random()).householderQ());
  const Matrix moved = 3.0 * x * rotation.transpose();
  const mmc::knn::GeometricKnn estimator(with_k(4));
  EXPECT_NEAR(estimator.entropy(moved).value, estimator.entropy(x).value + 3.0 * std::log(3.0), 1e-10);
}

TEST(GeometricKnn, ThreadCountDoesNotChangeABit) {
  const auto xy_sample = ksg_test::correlated_gaussians(2500, 1, 0.8, 80);
    const auto& x = xy_sample.first;  // not a structured binding: clang 14 cannot capture those
  const auto& y = xy_sample.second;
  knn2_test::expect_thread_independent([&](int threads) {
    mmc::knn::KnnOptions options = with_k(3);
    options.threads = threads;
    return mmc::knn::GeometricKnn(options).estimate(x, y);
  });
}

}  // namespace
