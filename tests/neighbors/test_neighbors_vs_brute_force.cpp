// Every fast neighbour path must return exactly what an O(N^2) brute-force
// oracle returns (docs/design.md §3.1, §6): the same k-NN distances *and* indices
// (ties broken by index), and the same strict and non-strict radius counts, on
// data with duplicated points and many ties, d = 1..40, N up to 2000.
//
// The oracle is deliberately plain: for each query, the distances to all N
// points (computed by neighbors/distance.hpp, the one definition of the norms),
// sorted by (distance, index); k-NN is a prefix, a count is a scan. It is
// computed once per query and compared against every structure, k and leaf
// size, which keeps the suite fast enough to run under the sanitizers too.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <mmc/core/rng.hpp>
#include <mmc/neighbors.hpp>
#include <utility>
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

/// The distances from one query to all N points, and the first kMaxK of them
/// in (distance, index) order.
struct Oracle {
  static constexpr Index kMaxK = 8;
  std::vector<std::pair<double, Index>> all, sorted;

  Oracle(const std::vector<double>& x, Index n, Index d, Norm norm, const double* q, Index exclude) {
    for (Index j = 0; j < n; ++j) {
      if (j == exclude) continue;
      all.emplace_back(mmc::neighbors::distance(norm, q, &x[j * d], d), j);
    }
    sorted = all;
    const auto head = std::min<std::size_t>(kMaxK, sorted.size());
    std::partial_sort(sorted.begin(), sorted.begin() + static_cast<std::ptrdiff_t>(head), sorted.end());
    sorted.resize(head);
  }
  /// Count within r of the query, the query point itself included when `self`.
  Index count(double r, bool strict, bool self) const {
    Index c = self ? mmc::neighbors::within(0.0, r, strict) : 0;
    for (const auto& [dist, j] : all) c += mmc::neighbors::within(dist, r, strict);
    return c;
  }
};

template <class Fast>
void expect_knn(const Fast& fast, const double* q, Index exclude, Index k, const Oracle& oracle,
                Index point) {
  std::vector<double> dist(static_cast<std::size_t>(k));
  std::vector<Index> idx(static_cast<std::size_t>(k));
  const Index found = fast.knn(q, k, exclude, dist.data(), idx.data());
  ASSERT_EQ(found, std::min<Index>(k, static_cast<Index>(oracle.all.size())));
  for (Index j = 0; j < found; ++j) {
    ASSERT_EQ(dist[j], oracle.sorted[j].first) << "point " << point << " neighbour " << j;
    ASSERT_EQ(idx[j], oracle.sorted[j].second) << "point " << point << " neighbour " << j;
  }
}

/// Compares structures with the oracle for every data point (and a shifted
/// copy of it, a query that is not a data point); the oracle is built once per
/// query and shared by all structures.
template <class Fast>
void expect_matches_oracle(const std::vector<const Fast*>& structures, const std::vector<double>& x,
                           Index n, Index d, Norm norm, const std::vector<Index>& ks) {
  for (Index i = 0; i < n; ++i) {
    const double* q = &x[i * d];
    const Oracle oracle(x, n, d, norm, q, i);
    std::vector<double> off(q, q + d);
    off[0] += 0.37;
    const Oracle off_oracle(x, n, d, norm, off.data(), -1);
    const Index k = ks.back();
    const double kth = oracle.sorted[static_cast<std::size_t>(k - 1)].first;
    const double off_kth = off_oracle.sorted[static_cast<std::size_t>(k - 1)].first;
    for (const Fast* fast : structures) {
      for (Index kk : ks) expect_knn(*fast, q, i, kk, oracle, i);
      // Radii at an exact data distance (ties on the boundary), just inside, and 0.
      for (double r : {kth, oracle.sorted[0].first, std::nextafter(kth, 0.0), 0.0, 2 * kth}) {
        for (bool strict : {true, false}) {
          ASSERT_EQ(fast->count_within(q, r, strict), oracle.count(r, strict, true))
              << "point " << i << " r " << r << " strict " << strict;
        }
      }
      expect_knn(*fast, off.data(), -1, k, off_oracle, i);
      ASSERT_EQ(fast->count_within(off.data(), off_kth, true), off_oracle.count(off_kth, true, false));
    }
  }
}

/// Every point's k-NN list from KdTree::knn_of_leaf, leaf by leaf: row i (k
/// entries) belongs to the point of original index i.
std::pair<std::vector<double>, std::vector<Index>> leaf_batch_lists(
    const mmc::neighbors::KdTree<double>& tree, Index k) {
  std::vector<double> dist(static_cast<std::size_t>(tree.size() * k));
  std::vector<Index> idx(static_cast<std::size_t>(tree.size() * k));
  for (Index l = 0; l < tree.leaf_count(); ++l) {
    const Index begin = tree.leaf_begin(l), m = tree.leaf_end(l) - begin;
    std::vector<double> d(static_cast<std::size_t>(m * k));
    std::vector<Index> id(static_cast<std::size_t>(m * k));
    tree.knn_of_leaf(l, k, d.data(), id.data());
    for (Index a = 0; a < m; ++a) {
      const Index i = tree.original_index(begin + a);
      std::copy_n(&d[a * k], k, &dist[i * k]);
      std::copy_n(&id[a * k], k, &idx[i * k]);
    }
  }
  return {std::move(dist), std::move(idx)};
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
  const mmc::neighbors::KdTree<double> leaf1(x.data(), c.n, c.d, c.norm, 1),
      leaf8(x.data(), c.n, c.d, c.norm, 8), leaf64(x.data(), c.n, c.d, c.norm, 64);
  expect_matches_oracle<mmc::neighbors::KdTree<double>>({&leaf1, &leaf8, &leaf64}, x, c.n, c.d,
                                                        c.norm, {1, 3, 7});
}

// The leaf-batched searches (KdTree::knn_of_leaf and count_within_leaf, one
// walk per leaf; one by one for leaves over 64 points, beyond 32 axes, and
// under the Euclidean norm in 4 axes or fewer and for its counts) against the
// oracle: every point's k-NN list, and radius counts
// where the lanes of one batch carry different radii (the k-th distance, with
// its boundary ties, just inside it, 0, twice it and the nearest distance,
// rotated across lanes so a batch mixes them).
TEST_P(NeighborsVsBruteForce, KdTreeLeafBatchesMatchExactly) {
  const auto c = GetParam();
  const auto x = make_points(c.n, c.d, c.kind, 41 + static_cast<std::uint64_t>(c.d));
  const std::vector<Index> ks{1, 3, 7};
  struct Batched {
    std::vector<std::vector<double>> distances;  // per k: row i = original index i
    std::vector<std::vector<Index>> indices;
    std::vector<std::vector<Index>> counts;  // per (variant, strict): by original index
  };
  std::vector<Batched> results;
  std::vector<std::vector<double>> radii(5, std::vector<double>(static_cast<std::size_t>(c.n)));
  for (Index i = 0; i < c.n; ++i) {
    const Oracle oracle(x, c.n, c.d, c.norm, &x[i * c.d], i);
    const double kth = oracle.sorted[2].first;
    const double choices[5] = {kth, std::nextafter(kth, 0.0), 0.0, 2 * kth, oracle.sorted[0].first};
    for (std::size_t v = 0; v < 5; ++v) radii[v][static_cast<std::size_t>(i)] = choices[(v + static_cast<std::size_t>(i)) % 5];
  }
  for (Index leaf_size : {1, 8, 32, 64, 100}) {
    const mmc::neighbors::KdTree<double> tree(x.data(), c.n, c.d, c.norm, leaf_size);
    Batched b;
    Index covered = 0;
    for (Index l = 0; l < tree.leaf_count(); ++l) {
      ASSERT_EQ(tree.leaf_begin(l), covered) << "leaves tile the positions in order";
      ASSERT_GT(tree.leaf_end(l), tree.leaf_begin(l));
      covered = tree.leaf_end(l);
    }
    ASSERT_EQ(covered, c.n);
    for (Index k : ks) {
      auto [dist, idx] = leaf_batch_lists(tree, k);
      b.distances.push_back(std::move(dist));
      b.indices.push_back(std::move(idx));
    }
    for (const auto& r : radii) {
      for (bool strict : {true, false}) {
        std::vector<Index> counts(static_cast<std::size_t>(c.n));
        for (Index l = 0; l < tree.leaf_count(); ++l) {
          const Index begin = tree.leaf_begin(l), m = tree.leaf_end(l) - begin;
          std::vector<double> leaf_radii(static_cast<std::size_t>(m));
          std::vector<Index> leaf_counts(static_cast<std::size_t>(m));
          for (Index a = 0; a < m; ++a) leaf_radii[a] = r[static_cast<std::size_t>(tree.original_index(begin + a))];
          tree.count_within_leaf(l, leaf_radii.data(), strict, leaf_counts.data());
          for (Index a = 0; a < m; ++a) counts[static_cast<std::size_t>(tree.original_index(begin + a))] = leaf_counts[a];
        }
        b.counts.push_back(std::move(counts));
      }
    }
    results.push_back(std::move(b));
  }
  for (Index i = 0; i < c.n; ++i) {
    const Oracle oracle(x, c.n, c.d, c.norm, &x[i * c.d], i);
    for (const Batched& b : results) {
      for (std::size_t t = 0; t < ks.size(); ++t) {
        const Index k = ks[t];
        for (Index j = 0; j < k; ++j) {
          ASSERT_EQ(b.distances[t][static_cast<std::size_t>(i * k + j)], oracle.sorted[j].first) << "point " << i << " k " << k;
          ASSERT_EQ(b.indices[t][static_cast<std::size_t>(i * k + j)], oracle.sorted[j].second) << "point " << i << " k " << k;
        }
      }
      for (std::size_t v = 0; v < 5; ++v) {
        const double r = radii[v][static_cast<std::size_t>(i)];
        ASSERT_EQ(b.counts[2 * v][static_cast<std::size_t>(i)], oracle.count(r, true, true)) << "point " << i << " r " << r;
        ASSERT_EQ(b.counts[2 * v + 1][static_cast<std::size_t>(i)], oracle.count(r, false, true)) << "point " << i << " r " << r;
      }
    }
  }
}

TEST_P(NeighborsVsBruteForce, SearcherMatchesExactly) {
  const auto c = GetParam();
  const auto x = make_points(c.n, c.d, c.kind, 99 + static_cast<std::uint64_t>(c.d));
  const mmc::neighbors::Searcher<double> searcher(x.data(), c.n, c.d, c.norm);
  expect_matches_oracle<mmc::neighbors::Searcher<double>>({&searcher}, x, c.n, c.d, c.norm, {4});
  for (Index i = 0; i < c.n; ++i) {
    const Oracle oracle(x, c.n, c.d, c.norm, &x[i * c.d], i);
    const double r = oracle.sorted[3].first;
    for (bool strict : {true, false})
      ASSERT_EQ(searcher.count_within_point(i, r, strict), oracle.count(r, strict, true));
  }
}

TEST_P(NeighborsVsBruteForce, BruteForceClassMatchesTheOracle) {
  const auto c = GetParam();
  const auto x = make_points(c.n, c.d, c.kind, 5 + static_cast<std::uint64_t>(c.d));
  mmc::neighbors::BruteForce<double> brute(x.data(), c.n, c.d, c.norm);
  for (Index i = 0; i < c.n; i += 13) {
    const Oracle oracle(x, c.n, c.d, c.norm, &x[i * c.d], i);
    expect_knn(brute, &x[i * c.d], i, 5, oracle, i);
    ASSERT_EQ(brute.count_within(&x[i * c.d], oracle.sorted[4].first, true),
              oracle.count(oracle.sorted[4].first, true, true));
  }
}
// Euclidean batches prune by the sum of squared box gaps, which must never
// exceed a point's sum of squares, compared with the largest sum whose square
// root is within the k-th distance (prune_limit): also where the squares underflow to
// subnormals or zero (scale 1e-160, 1e-300: many distances 0, ties broken by
// index) or overflow to infinity (1e160: most distances +inf). Every point's
// k-NN list from knn_of_leaf equals the oracle's, in batches (leaves of 8 and
// 64) and one by one (knn).
TEST(KdTree, EuclideanLeafBatchesMatchAtExtremeScales) {
  for (double scale : {1e-160, 1e-300, 1e160}) {
    for (Index d : {2, 5, 8}) {  // 2: one by one; 5, 8: batched (KdTree::kEuclideanBatchMinDims)
      constexpr Index n = 300, k = 7;
      auto x = make_points(n, d, Kind::duplicated, 5 + static_cast<std::uint64_t>(d));
      for (double& v : x) v *= scale;
      for (Index leaf_size : {8, 64}) {
        const mmc::neighbors::KdTree<double> tree(x.data(), n, d, Norm::euclidean, leaf_size);
        const auto [dist, idx] = leaf_batch_lists(tree, k);
        for (Index i = 0; i < n; ++i) {
          const Oracle oracle(x, n, d, Norm::euclidean, &x[i * d], i);
          for (Index j = 0; j < k; ++j) {
            ASSERT_EQ(dist[i * k + j], oracle.sorted[j].first)
                << "scale " << scale << " d " << d << " leaf " << leaf_size << " point " << i;
            ASSERT_EQ(idx[i * k + j], oracle.sorted[j].second)
                << "scale " << scale << " d " << d << " leaf " << leaf_size << " point " << i;
          }
          expect_knn(tree, &x[i * d], i, k, oracle, i);
        }
      }
    }
  }
}

std::vector<Case> cases() {
  std::vector<Case> result;
  for (Kind kind : {Kind::continuous, Kind::grid, Kind::duplicated}) {
    for (Index d : {1, 2, 3, 5, 10, 20, 40}) {
      // N = 2000 where the tree is deepest relative to d; fewer points in high d,
      // where every query already visits most leaves. 40 axes: beyond the
      // leaf-batched searches' 32, so their one-by-one fallback. With leaves
      // of 64, N = 600, 800 and 2000 give leaves of 37-38, 50 and 62-63
      // points: the leaf scans' block widths 40, 56 and 64.
      const Index n = d <= 2 ? 2000 : d == 3 ? 600 : d <= 5 ? 800 : d <= 20 ? 400 : 200;
      for (Norm norm : {Norm::max, Norm::euclidean}) result.push_back({n, d, kind, norm});
    }
  }
  return result;
}

INSTANTIATE_TEST_SUITE_P(AllShapes, NeighborsVsBruteForce, ::testing::ValuesIn(cases()));

TEST(SortedLine, MatchesBruteForceWithGalloping) {
  for (Kind kind : {Kind::continuous, Kind::grid, Kind::duplicated}) {
    const auto x = make_points(2000, 1, kind, 5);
    const mmc::neighbors::SortedLine<double> line(x.data(), 2000);
    expect_matches_oracle<mmc::neighbors::SortedLine<double>>({&line}, x, 2000, 1, Norm::max, {1, 5});
    for (Index i = 0; i < 2000; ++i) {
      const Oracle oracle(x, 2000, 1, Norm::max, &x[i], i);
      for (double r : {0.0, 1e-3, 0.5, 1.0, 3.0, 100.0}) {
        for (bool strict : {true, false})
          ASSERT_EQ(line.count_within_point(i, r, strict), oracle.count(r, strict, true));
      }
    }
  }
}

// count_within_sorted gallops from a guess of where the boundaries are (the
// KSG 1 + 1 path passes one from the local density): any guess — too small,
// right, far too large, beyond either end — must give the oracle's count.
TEST(SortedLine, CountFromAnyGuessMatchesBruteForce) {
  for (Kind kind : {Kind::continuous, Kind::grid, Kind::duplicated}) {
    const Index n = 700;
    const auto x = make_points(n, 1, kind, 9);
    const mmc::neighbors::AxisOrder<double> axis = mmc::neighbors::sort_axis(x.data(), n);
    for (Index p = 0; p < n; p += 3) {
      const Index i = axis.order[static_cast<std::size_t>(p)];
      const Oracle oracle(x, n, 1, Norm::max, &x[static_cast<std::size_t>(i)], i);
      for (double r : {0.0, 1e-3, 0.05, 0.5, 3.0, 100.0}) {
        for (bool strict : {true, false}) {
          const Index expected = oracle.count(r, strict, true);
          for (Index guess : {Index{-5}, Index{0}, Index{1}, Index{2}, expected / 2, expected, Index{3} * expected + 11, n, 10 * n})
            ASSERT_EQ(mmc::neighbors::count_within_sorted(axis.values.data(), n, p, r, strict, guess), expected)
                << "position " << p << " r " << r << " strict " << strict << " guess " << guess;
        }
      }
    }
  }
}

/// #{j : |v[position] - v[j]| < r (strict) or <= r}, by scanning every value.
Index count_by_scan(const std::vector<double>& v, Index position, double r, bool strict) {
  Index c = 0;
  for (const double value : v) c += mmc::neighbors::within(std::fabs(v[static_cast<std::size_t>(position)] - value), r, strict);
  return c;
}

// count_within_sorted first tests windows of kCountWindow positions, the
// first at the guess, the next placed by interpolation, and gallops when none
// straddles the boundary. Every branch must give the scan's count: a window
// that straddles (guess near the boundary), misses on either side (guess off
// by more than a window), runs of equal values longer than a window (nothing
// to interpolate), boundaries within a window of either end of the array, and
// values and radii so extreme that the interpolation overflows.
TEST(SortedLine, CountByWindowsMatchesAScanEverywhere) {
  constexpr Index w = mmc::neighbors::detail::kCountWindow;
  mmc::Rng rng(21);
  std::vector<std::vector<double>> cases;
  std::vector<double> smooth(3000), runs(3000), extreme(200);
  for (auto& v : smooth) v = rng.normal();
  for (auto& v : runs) v = std::floor(rng.uniform(0.0, 40.0));  // runs of about 75 equal values
  for (auto& v : extreme) v = (rng.uniform() < 0.5 ? -1.0 : 1.0) * std::pow(10.0, rng.uniform(-300.0, 307.0));
  cases = {smooth, runs, extreme, std::vector<double>(w - 1, 1.0), std::vector<double>(w + 1, 1.0)};
  for (auto& v : cases) std::sort(v.begin(), v.end());
  for (const auto& v : cases) {
    const auto n = static_cast<Index>(v.size());
    for (Index p = 0; p < n; p += (n > 500 ? 7 : 1)) {
      for (double r : {0.0, 1e-3, 0.02, 0.3, 2.0, 1e300, std::numeric_limits<double>::max(),
                       std::numeric_limits<double>::infinity()}) {
        for (bool strict : {true, false}) {
          const Index expected = count_by_scan(v, p, r, strict);
          const Index half = expected / 2;
          for (Index guess : {Index{1}, half, half - w / 4, half + w / 4, half - w, half + w, half + 3 * w,
                              Index{10} * n}) {
            ASSERT_EQ(mmc::neighbors::count_within_sorted(v.data(), n, p, r, strict, guess), expected)
                << "n " << n << " position " << p << " r " << r << " strict " << strict << " guess " << guess;
          }
        }
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
