// Ross (2014) discrete-label vs continuous-feature MI (docs/design.md §3.1) against
// an O(N^2) oracle written straight from the formula: same local values
// bit for bit (same operations in the same order), with non-contiguous labels,
// a singleton label (dropped), a two-sample class (k clamped to N_c - 1),
// exact ties (grid data, r_i = 0), both norms, several d; thread-count
// independence; the span overload.
#include <gtest/gtest.h>

#include <map>
#include <mmc/core/rng.hpp>
#include <mmc/core/special.hpp>
#include <mmc/knn/ross.hpp>
#include <vector>

#include "knn2_test_util.hpp"

namespace {

using knn2_test::Kind;
using knn2_test::Matrix;
using mmc::Index;
using mmc::Norm;

struct Oracle {
  Eigen::VectorXd local;
  std::vector<Index> sample;
};

Oracle ross_oracle(const Matrix& x, const std::vector<int>& labels, Index k, Norm norm) {
  std::map<int, Index> count;
  for (const int l : labels) ++count[l];
  Oracle o;
  for (Index i = 0; i < x.rows(); ++i)
    if (count[labels[static_cast<std::size_t>(i)]] >= 2) o.sample.push_back(i);
  const Index n = static_cast<Index>(o.sample.size());
  Matrix used(n, x.cols());
  for (Index j = 0; j < n; ++j) used.row(j) = x.row(o.sample[static_cast<std::size_t>(j)]);
  auto label = [&](Index j) { return labels[static_cast<std::size_t>(o.sample[static_cast<std::size_t>(j)])]; };
  o.local.resize(n);
  for (Index j = 0; j < n; ++j) {
    // The sample's class as its own matrix, the sample first.
    std::vector<Index> members = {j};
    for (Index t = 0; t < n; ++t)
      if (t != j && label(t) == label(j)) members.push_back(t);
    Matrix same(static_cast<Index>(members.size()), x.cols());
    for (std::size_t p = 0; p < members.size(); ++p) same.row(static_cast<Index>(p)) = used.row(members[p]);
    const Index class_size = same.rows();
    const Index k_i = std::min(k, class_size - 1);
    const double r = ksg_test::naive_knn(class_size, 0, k_i, knn2_test::metric(same, norm)).back().first;
    const Index m = r > 0 ? knn2_test::count_with_self(used, j, r, true, norm)
                          : knn2_test::count_with_self(used, j, 0.0, false, norm);
    o.local(j) = mmc::digamma(static_cast<double>(n)) + mmc::digamma(static_cast<double>(k_i)) -
                 mmc::digamma(static_cast<double>(class_size)) -
                 mmc::digamma(static_cast<double>(m));
  }
  return o;
}

/// Labels from {7, 2, 100} (non-contiguous), label 55 once (row 3) and
/// label 9 exactly twice (rows 5 and 11).
std::vector<int> make_labels(Index n, std::uint64_t seed) {
  mmc::Rng rng(seed, 9);
  const int values[] = {7, 2, 100};
  std::vector<int> labels(static_cast<std::size_t>(n));
  for (auto& l : labels) l = values[rng.uniform_int(3)];
  labels[3] = 55;
  labels[5] = labels[11] = 9;
  return labels;
}

TEST(Ross, LocalValuesEqualTheBruteForceOracle) {
  for (const Index d : {1, 2, 5}) {
    for (const Kind kind : {Kind::continuous, Kind::grid}) {
      for (const Norm norm : {Norm::max, Norm::euclidean}) {
        for (const Index k : {1, 3, 5}) {
          const std::string what = "d=" + std::to_string(d) + " kind=" +
                                   std::to_string(static_cast<int>(kind)) + " norm=" +
                                   std::to_string(static_cast<int>(norm)) + " k=" + std::to_string(k);
          const Index n = 240;
          const Matrix x = ksg_test::make_data(n, d, kind, 100 + static_cast<std::uint64_t>(d));
          const std::vector<int> labels = make_labels(n, static_cast<std::uint64_t>(d));
          mmc::knn::RossOptions options;
          options.k = k;
          options.norm = norm;
          const Oracle oracle = ross_oracle(x, labels, k, norm);
          ksg_test::expect_same_local_values(
              [&](int threads) {
                options.threads = threads;
                const auto result = mmc::knn::Ross(options).estimate(x, labels);
                EXPECT_EQ(result.sample, oracle.sample) << what;
                EXPECT_EQ(result.dropped, 1) << what;  // label 55
                EXPECT_EQ(result.classes, 4) << what;  // 2, 7, 9, 100
                EXPECT_EQ(result.k, k) << what;
                return result;
              },
              oracle.local, what);
        }
      }
    }
  }
}

TEST(Ross, TiesAtZeroRadiusCountTheDuplicates) {
  // Class 0: three copies of 0.0 and a 5.0; class 1: 1.0, 2.0. For the copies
  // of 0.0 with k = 2, r = 0, so m counts the samples at distance 0: 3.
  const Eigen::VectorXd x = (Eigen::VectorXd(6) << 0.0, 0.0, 0.0, 5.0, 1.0, 2.0).finished();
  const Eigen::VectorXi labels = (Eigen::VectorXi(6) << 0, 0, 0, 0, 1, 1).finished();
  mmc::knn::RossOptions options;
  options.k = 2;
  const auto result = mmc::knn::Ross(options).estimate(x, labels);
  const double expected = mmc::digamma(6.0) + mmc::digamma(2.0) - mmc::digamma(4.0) - mmc::digamma(3.0);
  EXPECT_EQ(result.local(0), expected);
  EXPECT_EQ(result.local(2), expected);
  EXPECT_TRUE(result.local.allFinite());
}

// One feature column takes the sorted path; here it is compared with the
// kd-tree path on samples too large for the O(N^2) oracle: continuous values,
// a coarse grid (r = 0 for most samples) and duplicated rows, with classes of
// very different sizes (one of two samples: k_i = 1).
TEST(Ross, SortedPathEqualsTheTreePath) {
  const Index n = 20000;
  for (const Kind kind : {Kind::continuous, Kind::grid, Kind::duplicated}) {
    const Matrix x = ksg_test::make_data(n, 1, kind, 40 + static_cast<std::uint64_t>(kind));
    std::vector<long long> labels(static_cast<std::size_t>(n));
    mmc::Rng rng(41);
    for (auto& l : labels) l = rng.uniform() < 0.9 ? 1 : static_cast<long long>(2 + rng.uniform_int(40));
    labels[7] = labels[9] = 1000;  // a class of two
    const auto classes = mmc::knn::detail::ross_classes("test", labels);
    ASSERT_EQ(static_cast<Index>(classes.sample.size()), n);  // every label occurs twice or more
    for (const Index k : {1, 3, 10}) {
      const Eigen::VectorXd tree = mmc::knn::detail::ross_tree_local_values(x, classes, k, Norm::max, 2);
      const Eigen::VectorXd sorted = mmc::knn::detail::ross_line_local_values(x, classes, k, 2);
      ASSERT_EQ(sorted.size(), tree.size());
      for (Index i = 0; i < n; ++i) {
        ASSERT_EQ(sorted(i), tree(i)) << "sample " << i << " k=" << k << " kind " << static_cast<int>(kind);
      }
    }
  }
}

TEST(Ross, ThreadCountDoesNotChangeABit) {
  const Index n = 3000;  // about three blocks of kPointGrain
  const Matrix x = ksg_test::make_data(n, 3, Kind::continuous, 7);
  const std::vector<int> labels = make_labels(n, 8);
  knn2_test::expect_thread_independent([&](int threads) {
    mmc::knn::RossOptions options;
    options.threads = threads;
    return mmc::knn::Ross(options).estimate(x, labels);
  });
}

TEST(Ross, SpanAndEigenLabelsAgree) {
  const Matrix x = ksg_test::make_data(200, 2, Kind::continuous, 4);
  const std::vector<int> labels = make_labels(200, 5);
  const Eigen::VectorXi eigen_labels = Eigen::Map<const Eigen::VectorXi>(labels.data(), 200);
  const Eigen::Matrix<long, Eigen::Dynamic, 1> long_labels = eigen_labels.cast<long>();
  const mmc::knn::Ross ross;
  const auto a = ross.estimate(x, std::span<const int>(labels));
  EXPECT_EQ(a.local, ross.estimate(x, eigen_labels).local);
  EXPECT_EQ(a.local, ross.estimate(x, long_labels).local);
}

TEST(Ross, InformativeLabelsGiveLargerValuesThanRandomOnes) {
  // Two well separated classes: I = H(C) = log 2 up to estimator noise, and
  // random labels give about 0. Loose bounds: the point is the direction.
  const Index n = 2000;
  Matrix x = ksg_test::make_data(n, 1, Kind::continuous, 21);
  std::vector<int> labels(static_cast<std::size_t>(n)), random(static_cast<std::size_t>(n));
  mmc::Rng rng(22);
  for (Index i = 0; i < n; ++i) {
    labels[static_cast<std::size_t>(i)] = i % 2;
    random[static_cast<std::size_t>(i)] = static_cast<int>(rng.uniform_int(2));
    x(i, 0) += 20.0 * (i % 2);
  }
  const mmc::knn::Ross ross;
  EXPECT_NEAR(ross.estimate(x, labels).value, std::log(2.0), 0.02);
  EXPECT_NEAR(ross.estimate(x, random).value, 0.0, 0.05);
}

}  // namespace
