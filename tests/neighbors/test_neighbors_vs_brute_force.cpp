// Every fast neighbour path must return exactly what the O(N^2) brute-force
// oracle returns (DESIGN.md §3.1, §6): the same k-NN distances *and* indices
// (ties broken by index), and the same strict and non-strict radius counts, on
// data with duplicated points and many ties, d = 1..20, N up to 2000.
#include <gtest/gtest.h>

#include <mmc/core/rng.hpp>
#include <mmc/neighbors.hpp>
#include <vector>

namespace {

using mmc::Index;
using mmc::Norm;

enum class Kind { continuous, grid, duplicated };

std::vector<double> make_points(Index n, Index d, Kind kind, std::uint64_t seed) {
  mmc::Rng rng(seed);
  std::vector<double> x(static_cast<std::size_t>(n * d));
  for (auto& v : x) {
    // A coarse grid produces many exact distance ties.
    v = kind == Kind::grid ? std::floor(rng.uniform(0.0, 4.0)) : rng.normal();
  }
  if (kind == Kind::duplicated) {  // a quarter of the rows copy an earlier row
    for (Index i = 1; i < n; ++i) {
      if (rng.uniform() < 0.25) {
        const Index src = static_cast<Index>(rng.uniform_int(static_cast<std::uint64_t>(i)));
        std::copy_n(&x[src * d], d, &x[i * d]);
      }
    }
  }
  return x;
}

template <class Fast>
void expect_same_as_brute_force(const Fast& fast, const std::vector<double>& x, Index n, Index d,
                                Norm norm, Index k) {
  mmc::neighbors::BruteForce<double> brute(x.data(), n, d, norm);
  std::vector<double> fd(k), bd(k);
  std::vector<Index> fi(k), bi(k);
  for (Index i = 0; i < n; ++i) {
    const double* q = &x[i * d];
    ASSERT_EQ(fast.knn(q, k, i, fd.data(), fi.data()), brute.knn(q, k, i, bd.data(), bi.data()));
    for (Index j = 0; j < k; ++j) {
      ASSERT_EQ(fd[j], bd[j]) << "point " << i << " neighbour " << j;
      ASSERT_EQ(fi[j], bi[j]) << "point " << i << " neighbour " << j;
    }
    // Radii at an exact data distance (ties on the boundary), just inside, and 0.
    for (double r : {bd[k - 1], bd[0], std::nextafter(bd[k - 1], 0.0), 0.0, 2 * bd[k - 1]}) {
      for (bool strict : {true, false}) {
        ASSERT_EQ(fast.count_within(q, r, strict), brute.count_within(q, r, strict))
            << "point " << i << " r " << r << " strict " << strict;
      }
    }
    // A query that is not a data point.
    std::vector<double> off(q, q + d);
    off[0] += 0.37;
    ASSERT_EQ(fast.knn(off.data(), k, -1, fd.data(), fi.data()),
              brute.knn(off.data(), k, -1, bd.data(), bi.data()));
    for (Index j = 0; j < k; ++j) ASSERT_EQ(fi[j], bi[j]);
    ASSERT_EQ(fast.count_within(off.data(), bd[k - 1], true),
              brute.count_within(off.data(), bd[k - 1], true));
  }
}

struct Case {
  Index n, d;
  Kind kind;
  Norm norm;
};

class NeighborsVsBruteForce : public ::testing::TestWithParam<Case> {};

TEST_P(NeighborsVsBruteForce, KdTreeMatchesExactly) {
  const auto c = GetParam();
  const auto x = make_points(c.n, c.d, c.kind, 17 + static_cast<std::uint64_t>(c.d));
  for (Index leaf : {1, 8}) {
    mmc::neighbors::KdTree<double> tree(x.data(), c.n, c.d, c.norm, leaf);
    for (Index k : {1, 3, 7}) expect_same_as_brute_force(tree, x, c.n, c.d, c.norm, k);
  }
}

TEST_P(NeighborsVsBruteForce, SearcherMatchesExactly) {
  const auto c = GetParam();
  const auto x = make_points(c.n, c.d, c.kind, 99 + static_cast<std::uint64_t>(c.d));
  mmc::neighbors::Searcher<double> searcher(x.data(), c.n, c.d, c.norm);
  mmc::neighbors::BruteForce<double> brute(x.data(), c.n, c.d, c.norm);
  expect_same_as_brute_force(searcher, x, c.n, c.d, c.norm, 4);
  for (Index i = 0; i < c.n; ++i) {
    std::vector<double> bd(4);
    std::vector<Index> bi(4);
    brute.knn(&x[i * c.d], 4, i, bd.data(), bi.data());
    for (bool strict : {true, false})
      ASSERT_EQ(searcher.count_within_point(i, bd[3], strict),
                brute.count_within(&x[i * c.d], bd[3], strict));
  }
}

std::vector<Case> cases() {
  std::vector<Case> result;
  for (Kind kind : {Kind::continuous, Kind::grid, Kind::duplicated}) {
    for (Index d : {1, 2, 3, 5, 10, 20}) {
      const Index n = d <= 3 ? 2000 : 600;
      for (Norm norm : {Norm::max, Norm::euclidean}) result.push_back({n, d, kind, norm});
    }
  }
  return result;
}

INSTANTIATE_TEST_SUITE_P(AllShapes, NeighborsVsBruteForce, ::testing::ValuesIn(cases()));

TEST(SortedLine, MatchesBruteForceWithGalloping) {
  for (Kind kind : {Kind::continuous, Kind::grid, Kind::duplicated}) {
    const auto x = make_points(2000, 1, kind, 5);
    mmc::neighbors::SortedLine<double> line(x.data(), 2000);
    expect_same_as_brute_force(line, x, 2000, 1, Norm::max, 5);
    mmc::neighbors::BruteForce<double> brute(x.data(), 2000, 1, Norm::max);
    for (Index i = 0; i < 2000; ++i) {
      for (double r : {0.0, 1e-3, 0.5, 1.0, 3.0, 100.0}) {
        for (bool strict : {true, false})
          ASSERT_EQ(line.count_within_point(i, r, strict), brute.count_within(&x[i], r, strict));
      }
    }
  }
}

TEST(KdTree, IndicesWithinMatchBruteForce) {
  const auto x = make_points(800, 3, Kind::grid, 3);
  for (Norm norm : {Norm::max, Norm::euclidean}) {
    mmc::neighbors::KdTree<double> tree(x.data(), 800, 3, norm);
    mmc::neighbors::BruteForce<double> brute(x.data(), 800, 3, norm);
    for (Index i = 0; i < 800; i += 7) {
      for (bool strict : {true, false})
        ASSERT_EQ(tree.indices_within(&x[i * 3], 1.0, strict), brute.indices_within(&x[i * 3], 1.0, strict));
    }
  }
}

TEST(KdTree, EmptyAndTinySets) {
  mmc::neighbors::KdTree<double> empty(nullptr, 0, 2);
  double q[2] = {0, 0}, dist[1];
  Index idx[1];
  EXPECT_EQ(empty.knn(q, 1, -1, dist, idx), 0);
  EXPECT_EQ(empty.count_within(q, 1.0, false), 0);
  const double one[2] = {1, 1};
  mmc::neighbors::KdTree<double> single(one, 1, 2);
  EXPECT_EQ(single.knn(q, 3, -1, dist, idx), 1);
  EXPECT_EQ(single.knn(q, 1, 0, dist, idx), 0);  // the only point is excluded
}

}  // namespace
