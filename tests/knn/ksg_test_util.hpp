// tests/knn/ksg_test_util.hpp — shared by the KL/KSG/KSG-CMI tests: data with
// and without ties, correlated Gaussians with known MI, the deliberately naive
// O(N^2) neighbour selection the oracles are built on, and seed statistics.
#pragma once

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <mmc/core/errors.hpp>
#include <mmc/core/rng.hpp>
#include <mmc/core/types.hpp>
#include <mmc/knn/common.hpp>

namespace ksg_test {

using mmc::Index;
using Matrix = mmc::RowMatrix<double>;

enum class Kind { continuous, grid, duplicated };

/// n x d data: standard normal, a coarse integer grid (many exact distance
/// ties and duplicates), or normal with a quarter of the rows copying an
/// earlier row.
inline Matrix make_data(Index n, Index d, Kind kind, std::uint64_t seed) {
  mmc::Rng rng(seed, 7);
  Matrix m(n, d);
  for (Index i = 0; i < n; ++i)
    for (Index j = 0; j < d; ++j)
      m(i, j) = kind == Kind::grid ? std::floor(rng.uniform(0.0, 6.0)) : rng.normal();
  if (kind == Kind::duplicated) {
    for (Index i = 1; i < n; ++i)
      if (rng.uniform() < 0.25) m.row(i) = m.row(static_cast<Index>(rng.uniform_int(i)));
  }
  return m;
}

/// x, y with d columns each, (x_j, y_j) standard bivariate normal with
/// correlation rho, independent across j: I(X;Y) = -d/2 log(1 - rho^2).
inline std::pair<Matrix, Matrix> correlated_gaussians(Index n, Index d, double rho,
                                                      std::uint64_t seed) {
  mmc::Rng rng(seed, 11);
  Matrix x(n, d), y(n, d);
  const double s = std::sqrt(1.0 - rho * rho);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < d; ++j) {
      x(i, j) = rng.normal();
      y(i, j) = rho * x(i, j) + s * rng.normal();
    }
  }
  return {x, y};
}

inline double gaussian_mi(Index d, double rho) {
  return -0.5 * static_cast<double>(d) * std::log(1.0 - rho * rho);
}

/// The k nearest j != i under dist(i, j), ordered by (distance, index): a full
/// scan and a (partial) sort, the most obvious implementation possible.
template <class Dist>
std::vector<std::pair<double, Index>> naive_knn(Index n, Index i, Index k, Dist&& dist) {
  std::vector<std::pair<double, Index>> all;
  all.reserve(static_cast<std::size_t>(n));
  for (Index j = 0; j < n; ++j)
    if (j != i) all.emplace_back(dist(i, j), j);
  std::partial_sort(all.begin(), all.begin() + k, all.end());
  all.resize(static_cast<std::size_t>(k));
  return all;
}

/// #{j != i : dist(i, j) < r} (strict) or <= r.
template <class Dist>
Index naive_count(Index n, Index i, double r, bool strict, Dist&& dist) {
  Index count = 0;
  for (Index j = 0; j < n; ++j)
    if (j != i) count += strict ? dist(i, j) < r : dist(i, j) <= r;
  return count;
}

/// Runs estimate(threads) with 1 and 2 threads: the local values must equal
/// `expected` bit for bit (the fast path and the naive oracle evaluate the same
/// formula in the same order), the value their mean up to summation order, and
/// the two runs must be identical.
template <class Estimate>
void expect_same_local_values(Estimate&& estimate, const Eigen::VectorXd& expected,
                              const std::string& what) {
  Eigen::VectorXd first;
  for (int threads : {1, 2}) {
    const auto result = estimate(threads);
    ASSERT_EQ(result.local.size(), expected.size()) << what;
    for (Index i = 0; i < expected.size(); ++i)
      ASSERT_EQ(result.local(i), expected(i)) << what << ", sample " << i << ", threads " << threads;
    EXPECT_EQ(result.n, expected.size()) << what;
    EXPECT_NEAR(result.value, expected.mean(), 1e-12) << what;
    if (threads == 1) first = result.local;
    else EXPECT_EQ(result.local, first) << what;
  }
}

/// The public estimate, or, when the estimator refuses heavily tied data
/// (docs/design.md §3.1, the tie check of knn/common.hpp), the local values of
/// its fast path `fast()` in a KnnResult: the tie semantics of the counts,
/// which mildly tied data still use, stay tested bit for bit on data the
/// public entry point refuses.
template <class Public, class Fast>
mmc::knn::KnnResult estimate_or_fast_path(Public&& estimate, Fast&& fast, Index k) {
  try {
    return estimate();
  } catch (const mmc::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("tied values"), std::string::npos) << e.what();
    return mmc::knn::detail::finish(fast(), k);
  }
}

/// Mean and standard error of the mean over seeds.
struct SeedStats {
  double mean = 0, se = 0;
};
inline SeedStats seed_stats(const std::vector<double>& v) {
  SeedStats s;
  for (double x : v) s.mean += x;
  s.mean /= static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - s.mean) * (x - s.mean);
  s.se = std::sqrt(ss / static_cast<double>(v.size() - 1) / static_cast<double>(v.size()));
  return s;
}

}  // namespace ksg_test
