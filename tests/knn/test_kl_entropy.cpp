// Kozachenko–Leonenko entropy and 3KL MI (docs/design.md §3.1) against a naive
// O(N^2) implementation of the definition: same local values bit for bit, for
// both norms, d = 1..5, k = 1..7, 1 and 2 threads; duplicates are rejected.
// The sorted search paths (one column: the sorted order; two: the rank-bin
// grid) against the kd-tree path: same radii and tie flags bit for bit, on
// continuous, gridded, duplicated and half-discrete data.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <mmc/core/errors.hpp>
#include <mmc/core/special.hpp>
#include <mmc/knn/kl_entropy.hpp>
#include <mmc/neighbors/distance.hpp>
#include <string>
#include <vector>

#include "ksg_test_util.hpp"

namespace {

using namespace ksg_test;
using mmc::Norm;

// psi(N) - psi(k) + log V_d + d log r_i, grouped as documented in kl_entropy.hpp.
Eigen::VectorXd naive_kl(const Matrix& x, Index k, Norm norm) {
  const Index n = x.rows(), d = x.cols();
  auto dist = [&](Index i, Index j) { return mmc::neighbors::distance(norm, &x(i, 0), &x(j, 0), d); };
  const double constant = mmc::digamma(double(n)) - mmc::digamma(double(k)) +
                          mmc::log_unit_ball_volume(int(d), norm == Norm::euclidean);
  Eigen::VectorXd local(n);
  for (Index i = 0; i < n; ++i)
    local(i) = constant + double(d) * std::log(naive_knn(n, i, k, dist).back().first);
  return local;
}

struct Case {
  Index n, d;
  Kind kind;
};

class KlVsNaive : public ::testing::TestWithParam<Case> {};

TEST_P(KlVsNaive, LocalValuesEqualBitForBit) {
  const Case c = GetParam();
  const Matrix x = make_data(c.n, c.d, c.kind, 300 + c.d);
  for (Norm norm : {Norm::max, Norm::euclidean}) {
    for (Index k : {1, 4, 7}) {
      mmc::knn::KlEntropyOptions options;
      options.k = k;
      options.norm = norm;
      expect_same_local_values(
          [&](int threads) {
            options.threads = threads;
            return mmc::knn::KlEntropy(options).estimate(x);
          },
          naive_kl(x, k, norm), "k " + std::to_string(k));
    }
  }
}

// Continuous data only: with duplicated rows KL is undefined (r_i = 0) and
// throws, which the last test checks.
INSTANTIATE_TEST_SUITE_P(Shapes, KlVsNaive,
                         ::testing::Values(Case{2000, 1, Kind::continuous}, Case{1500, 2, Kind::continuous},
                                           Case{1200, 3, Kind::continuous}, Case{1000, 5, Kind::continuous}));

TEST(KlMutualInformation, EqualsSumOfNaiveEntropies) {
  const auto [x, y] = correlated_gaussians(1500, 2, 0.7, 3);
  for (Norm norm : {Norm::max, Norm::euclidean}) {
    mmc::knn::KlEntropyOptions options;
    options.norm = norm;
    const auto result = mmc::knn::KlMutualInformation(options).estimate(x, y);
    Matrix joint(x.rows(), 4);
    joint << x, y;
    const Eigen::VectorXd expected = naive_kl(x, 3, norm) + naive_kl(y, 3, norm) - naive_kl(joint, 3, norm);
    for (Index i = 0; i < x.rows(); ++i) ASSERT_EQ(result.local(i), expected(i));
    EXPECT_EQ(mmc::knn::kl_mi(x, y, options), result.value);
  }
}

TEST(KlRadii, SortedPathsEqualTheKdTreePath) {
  for (Index d : {1, 2}) {
    for (Kind kind : {Kind::continuous, Kind::grid, Kind::duplicated}) {
      for (Index n : {Index{5}, Index{400}, Index{30000}}) {
        for (bool floor_second : {false, true}) {  // continuous 2-D: without repeats, then with
          if (floor_second && !(d == 2 && kind == Kind::continuous)) continue;
          Matrix x = make_data(n, d, kind, static_cast<std::uint64_t>(11 * n + d));
          if (floor_second)  // one discrete column: column ties with r > 0
            for (Index i = 0; i < n; i += 2) x(i, 1) = std::floor(x(i, 1));
          for (Index k : {1, 3, 4}) {
            if (k >= n) continue;
            Eigen::VectorXd expected_radius;
            std::vector<Index> expected_tied;
            mmc::knn::detail::kl_tree_radii(x, k, Norm::max, 1, expected_radius, expected_tied);
            for (int threads : {1, 2}) {
              Eigen::VectorXd radius;
              std::vector<Index> tied;
              mmc::knn::detail::kl_radii(x, k, Norm::max, threads, radius, tied);
              const std::string where = "d " + std::to_string(d) + " n " + std::to_string(n) + " k " +
                                        std::to_string(k) + " threads " + std::to_string(threads) +
                                        (floor_second ? " floored" : "");
              ASSERT_EQ(radius.size(), n) << where;
              for (Index i = 0; i < n; ++i) ASSERT_EQ(radius(i), expected_radius(i)) << where << " row " << i;
              if (tied.empty()) {  // one column: tied exactly where r = 0 (refused before the tie check)
                ASSERT_EQ(d, 1) << where;
                for (Index i = 0; i < n; ++i)
                  ASSERT_EQ(expected_tied[static_cast<std::size_t>(i)], expected_radius(i) == 0 ? 0 : -1) << where;
              } else {
                ASSERT_EQ(tied, expected_tied) << where;
              }
            }
          }
        }
      }
    }
  }
}

// One column: the duplicate report (sorted path) names the same rows.
TEST(KlEntropy, DuplicatesInOneColumnAreReportedWithRows) {
  Matrix x = make_data(60, 1, Kind::continuous, 5);
  x(12, 0) = x(7, 0);
  x(40, 0) = x(7, 0);
  mmc::knn::KlEntropyOptions options;
  options.k = 2;
  try {
    mmc::knn::KlEntropy(options).estimate(x);
    FAIL() << "expected mmc::invalid_argument";
  } catch (const mmc::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("rows 7, 12, 40"), std::string::npos) << message;
  }
}

// The exception names the duplicated rows and the fix (jitter); with jitter
// the same data are accepted.
TEST(KlEntropy, DuplicatesAreReportedWithRowsAndJitterFixesThem) {
  Matrix x = make_data(50, 2, Kind::continuous, 4);
  x.row(10) = x.row(3);
  x.row(20) = x.row(3);
  x.row(30) = x.row(3);
  mmc::knn::KlEntropyOptions options;  // k = 3: row 3 has 3 copies, r = 0
  try {
    mmc::knn::KlEntropy(options).estimate(x);
    FAIL() << "expected mmc::invalid_argument";
  } catch (const mmc::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("argument 'x'"), std::string::npos) << message;
    EXPECT_NE(message.find("rows 3, 10, 20, 30"), std::string::npos) << message;
    EXPECT_NE(message.find("jitter"), std::string::npos) << message;
  }
  options.jitter = 1e-10;
  const auto result = mmc::knn::KlEntropy(options).estimate(x);
  EXPECT_TRUE(std::isfinite(result.value));
  options.jitter = 0;
  options.k = 4;  // 3 copies < k = 4: defined without jitter
  EXPECT_TRUE(std::isfinite(mmc::knn::kl_entropy(x, options)));
}

}  // namespace
