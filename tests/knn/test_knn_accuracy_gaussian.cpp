// Accuracy suite for KL entropy, KSG 1/2 and KSG-CMI (docs/design.md §3.1, §6
// "Accuracy"): estimates at N = 5000 over 8 seeds against
// closed forms.
//
// Tolerance: |mean over seeds - truth| <= 3 * max(SE, 0.002), SE = the
// standard error of the mean estimated from the same seeds. The floor 0.002
// nats (about the smallest SE of any case here: 0.0019 for KL, d = 1) only
// guards against 8 seeds that happen to agree unusually closely; it is small
// against every tolerance actually applied (0.006 to 0.03 nats).
//
// Where the estimator itself (not the code) is biased at N = 5000 the truth is
// out of reach, and the case is instead checked against an *independent*
// implementation of the same estimator: its mean over 64 seeds, computed
// offline with scipy (cKDTree(p=inf).query for the k-NN; query_ball_point with
// return_length for the counts, radius nextafter(eps, 0) for strict counts;
// numpy default_rng(20240601) and (777) for the data; Python is not a test
// dependency), within 3 * sqrt(SE^2 + SE_ref^2), together with the sign of the
// bias:
//  - KSG, 5 + 5 dimensions, rho >= 0.5: negative bias (underestimation grows
//    with dimension and MI: Kraskov et al. 2004 §IV; Gao, Ver Steeg & Galstyan
//    2015 show the samples needed grow exponentially with the MI).
//  - KSG, 2 + 2 dimensions, rho = 0.9: positive bias, +0.017 +- 0.003 (both
//    implementations agree). It is not monotone in N (measured, algorithm 1,
//    mmc: -0.023 at N = 1250, +0.014 at 5000, +0.023 at 20000, +0.017 at
//    80000, +0.012 at 320000): the finite-sample bias of KSG for strongly
//    dependent Gaussians decays slowly (Kraskov et al. 2004 §IV discuss these
//    systematic errors for correlated Gaussians).
//  - KL entropy of a uniform distribution on a box in 2-D: positive boundary
//    bias of order N^(-1/d) (balls that cross the boundary hold fewer points;
//    Singh & Póczos 2016, Berrett, Samworth & Yuan 2019).
//  - KSG-CMI algorithm 2 (JIDT form): positive bias, see ksg_conditional.hpp.
#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <cmath>
#include <cstdio>
#include <functional>
#include <numbers>
#include <string>
#include <vector>

#include <mmc/core/rng.hpp>
#include <mmc/knn/kl_entropy.hpp>
#include <mmc/knn/ksg.hpp>
#include <mmc/knn/ksg_conditional.hpp>

#include "ksg_test_util.hpp"

namespace {

using namespace ksg_test;
using mmc::Norm;

constexpr Index kN = 5000;
constexpr int kSeeds = 8;
constexpr double kSeFloor = 0.002;

SeedStats over_seeds(const std::function<double(std::uint64_t)>& estimate) {
  std::vector<double> values;
  for (int s = 0; s < kSeeds; ++s) values.push_back(estimate(static_cast<std::uint64_t>(s)));
  return seed_stats(values);
}

void expect_near_truth(const SeedStats& s, double truth, const std::string& what) {
  std::printf("%-34s mean %8.4f  SE %.4f  truth %8.4f  (mean - truth)/SE %6.2f\n", what.c_str(), s.mean,
              s.se, truth, (s.mean - truth) / s.se);
  EXPECT_LE(std::abs(s.mean - truth), 3 * std::max(s.se, kSeFloor))
      << what << ": mean " << s.mean << " truth " << truth << " SE " << s.se;
}

// A known-bias case: the mean must agree with the independent reference and
// lie on the predicted side of the truth.
void expect_reference(const SeedStats& s, double reference, double reference_se, double truth,
                      const std::string& what) {
  const double tolerance = 3 * std::max(std::hypot(s.se, reference_se), kSeFloor);
  std::printf("%-34s mean %8.4f  SE %.4f  truth %8.4f  reference %.4f +- %.4f (known bias)\n",
              what.c_str(), s.mean, s.se, truth, reference, reference_se);
  EXPECT_LE(std::abs(s.mean - reference), tolerance)
      << what << ": mean " << s.mean << " reference " << reference << " truth " << truth;
  if (reference < truth) EXPECT_LT(s.mean, truth) << what;
  else EXPECT_GT(s.mean, truth) << what;
}

// ---------------------------------------------------------------- KSG 1 and 2

struct KsgReference {
  Index d;
  double rho;
  int algorithm;
  double mean, se;  // scipy cKDTree KSG, N = 5000, 64 seeds (see header)
};
const KsgReference kKsgReferences[] = {
    {2, 0.9, 1, 1.6780, 0.0029}, {2, 0.9, 2, 1.6785, 0.0029},  // positive bias
    {5, 0.5, 1, 0.5820, 0.0022}, {5, 0.5, 2, 0.5968, 0.0022},  // negative bias
    {5, 0.9, 1, 3.1564, 0.0028}, {5, 0.9, 2, 3.2245, 0.0029}};

TEST(KsgAccuracy, CorrelatedGaussians) {
  for (Index d : {1, 2, 5}) {
    for (double rho : {0.0, 0.5, 0.9}) {
      for (int algorithm : {1, 2}) {
        mmc::knn::KsgOptions options;
        options.algorithm = algorithm;
        const SeedStats s = over_seeds([&](std::uint64_t seed) {
          const auto [x, y] = correlated_gaussians(kN, d, rho, 100 + seed);
          return mmc::knn::ksg_mi(x, y, options);
        });
        char what[64];
        std::snprintf(what, sizeof what, "KSG%d d=%ld+%ld rho=%.1f", algorithm, long(d), long(d), rho);
        const double truth = gaussian_mi(d, rho);
        bool biased = false;
        for (const auto& ref : kKsgReferences) {
          if (ref.d == d && ref.rho == rho && ref.algorithm == algorithm) {
            expect_reference(s, ref.mean, ref.se, truth, what);
            biased = true;
          }
        }
        if (!biased) expect_near_truth(s, truth, what);
      }
    }
  }
}

// ----------------------------------------------------------------- KL entropy

// x ~ N(0, S), S_ij = 0.5^|i-j|: H = 0.5 log((2 pi e)^d |S|).
TEST(KlEntropyAccuracy, Gaussian) {
  for (Index d : {1, 2, 3}) {
    Eigen::MatrixXd cov(d, d);
    for (Index i = 0; i < d; ++i)
      for (Index j = 0; j < d; ++j) cov(i, j) = std::pow(0.5, std::abs(double(i - j)));
    const Eigen::MatrixXd chol = cov.llt().matrixL();
    const double truth =
        0.5 * (double(d) * std::log(2 * std::numbers::pi * std::numbers::e) + std::log(cov.determinant()));
    for (Norm norm : {Norm::max, Norm::euclidean}) {
      mmc::knn::KlEntropyOptions options;
      options.norm = norm;
      const SeedStats s = over_seeds([&](std::uint64_t seed) {
        const Matrix z = make_data(kN, d, Kind::continuous, 200 + seed);
        const Matrix x = z * chol.transpose();
        return mmc::knn::kl_entropy(x, options);
      });
      expect_near_truth(s, truth, "KL Gaussian d=" + std::to_string(d) +
                                      (norm == Norm::max ? " max" : " euclidean"));
    }
  }
}

// Uniform on [0, 1] x [0, 2] x ...: H = sum_j log(j + 1).
Matrix uniform_box(Index d, std::uint64_t seed) {
  mmc::Rng rng(seed, 13);
  Matrix x(kN, d);
  for (Index i = 0; i < kN; ++i)
    for (Index j = 0; j < d; ++j) x(i, j) = rng.uniform(0.0, 1.0 + double(j));
  return x;
}

TEST(KlEntropyAccuracy, UniformBox) {
  // scipy cKDTree KL, N = 5000, 64 seeds (see header): d = 2, max and Euclidean.
  const double reference[2] = {0.7112, 0.7101}, reference_se[2] = {0.0014, 0.0018};
  for (Index d : {1, 2}) {
    const double truth = d == 1 ? 0.0 : std::log(2.0);
    for (Norm norm : {Norm::max, Norm::euclidean}) {
      mmc::knn::KlEntropyOptions options;
      options.norm = norm;
      const SeedStats s = over_seeds([&](std::uint64_t seed) {
        return mmc::knn::kl_entropy(uniform_box(d, 300 + seed), options);
      });
      const int which = norm == Norm::max ? 0 : 1;
      const std::string what = "KL uniform d=" + std::to_string(d) + (which == 0 ? " max" : " euclidean");
      if (d == 1) expect_near_truth(s, truth, what);
      else expect_reference(s, reference[which], reference_se[which], truth, what);
    }
  }
}

// -------------------------------------------------------------------- KSG-CMI

// z ~ N(0,1); x = z + e1; y = b x + z + e2 (e1, e2 ~ N(0,1) independent):
// I(X;Y|Z) = 0.5 log(|S_xz| |S_yz| / (|S_z| |S_xyz|)) from the covariance.
double gaussian_cmi(double b) {
  Eigen::Matrix3d a;  // rows x, y, z in terms of (z, e1, e2)
  a << 1, 1, 0, 1 + b, b, 1, 1, 0, 0;
  const Eigen::Matrix3d s = a * a.transpose();
  const auto det2 = [&](int i, int j) { return s(i, i) * s(j, j) - s(i, j) * s(j, i); };
  return 0.5 * std::log(det2(0, 2) * det2(1, 2) / (s(2, 2) * s.determinant()));
}

TEST(KsgConditionalAccuracy, Gaussian) {
  // scipy/numpy KSG-CMI algorithm 2, N = 5000, 64 seeds (see header), b = 0, 0.5, 1.
  const double reference[3] = {0.0313, 0.1439, 0.3816};
  const double reference_se[3] = {0.0016, 0.0019, 0.0018};
  const double bs[3] = {0.0, 0.5, 1.0};
  for (int c = 0; c < 3; ++c) {
    const double b = bs[c], truth = gaussian_cmi(b);
    for (int algorithm : {1, 2}) {
      mmc::knn::KsgOptions options;
      options.algorithm = algorithm;
      const SeedStats s = over_seeds([&](std::uint64_t seed) {
        const Matrix z = make_data(kN, 1, Kind::continuous, 400 + seed);
        const Matrix x = z + make_data(kN, 1, Kind::continuous, 500 + seed);
        const Matrix y = b * x + z + make_data(kN, 1, Kind::continuous, 600 + seed);
        return mmc::knn::ksg_cmi(x, y, z, options);
      });
      char what[64];
      std::snprintf(what, sizeof what, "KSG-CMI%d b=%.1f", algorithm, b);
      if (algorithm == 1) expect_near_truth(s, truth, what);
      else expect_reference(s, reference[c], reference_se[c], truth, what);
    }
  }
}

}  // namespace
