// The 2-D rank-bin grid (neighbors/grid_2d.hpp) against the brute-force
// oracle: every point's k nearest others, distances AND indices (ties broken by
// index), on continuous, tied, duplicated, constant, strongly correlated and
// heavy-tailed data, from n = 1 up; and KSG's 1 + 1 path on the grid against the
// kd-tree pass it replaces for 1 + 1 dimensions (same radii and tie flags, bit
// for bit, algorithms 1 and 2).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <mmc/core/rng.hpp>
#include <mmc/knn/ksg.hpp>
#include <mmc/neighbors.hpp>
#include <string>
#include <vector>

namespace {

using mmc::Index;
using mmc::RowMatrix;

enum class Shape { continuous, ties, duplicated, constant_x, correlated, heavy_tailed };

const char* name(Shape s) {
  switch (s) {
    case Shape::continuous: return "continuous";
    case Shape::ties: return "ties";
    case Shape::duplicated: return "duplicated";
    case Shape::constant_x: return "constant_x";
    case Shape::correlated: return "correlated";
    case Shape::heavy_tailed: return "heavy_tailed";
  }
  return "?";
}

/// n x 2 row-major points of the given shape.
RowMatrix<double> make_points(Index n, Shape shape, std::uint64_t seed) {
  mmc::Rng rng(seed);
  RowMatrix<double> p(n, 2);
  for (Index i = 0; i < n; ++i) {
    const double a = rng.normal(), b = rng.normal();
    switch (shape) {
      case Shape::continuous: p.row(i) << a, b; break;
      case Shape::ties: p.row(i) << std::floor(rng.uniform(0.0, 4.0)), std::floor(rng.uniform(0.0, 3.0)); break;
      case Shape::duplicated: p.row(i) << a, b; break;
      case Shape::constant_x: p.row(i) << 2.5, b; break;
      case Shape::correlated: p.row(i) << a, a + 1e-3 * b; break;
      case Shape::heavy_tailed: p.row(i) << a / (std::fabs(b) + 1e-3), b; break;
    }
  }
  if (shape == Shape::duplicated) {  // a quarter of the rows copy an earlier row
    for (Index i = 1; i < n; ++i) {
      if (rng.uniform() < 0.25) p.row(i) = p.row(static_cast<Index>(rng.uniform_int(static_cast<std::uint64_t>(i))));
    }
  }
  return p;
}

TEST(Grid2D, EveryPointsNeighboursMatchBruteForce) {
  for (Shape shape : {Shape::continuous, Shape::ties, Shape::duplicated, Shape::constant_x, Shape::correlated,
                      Shape::heavy_tailed}) {
    for (Index n : {1, 2, 3, 10, 257, 2000}) {
      const RowMatrix<double> p = make_points(n, shape, 7 + static_cast<std::uint64_t>(n));
      const auto grid = mmc::neighbors::Grid2D::of_points(p.data(), n, 2);
      const mmc::neighbors::BruteForce<double> brute(p.data(), n, 2, mmc::Norm::max);
      const auto x = mmc::neighbors::sort_axis(p.data(), n, 2), y = mmc::neighbors::sort_axis(p.data() + 1, n, 2);
      std::vector<bool> seen(static_cast<std::size_t>(n), false);
      for (Index k : {1, 3, 6, 7, 40}) {
        std::vector<double> d(static_cast<std::size_t>(k)), bd(static_cast<std::size_t>(k));
        std::vector<Index> idx(static_cast<std::size_t>(k)), bidx(static_cast<std::size_t>(k)),
            at(static_cast<std::size_t>(k));
        for (Index pos = 0; pos < n; ++pos) {
          const Index i = grid.original_index(pos);
          seen[static_cast<std::size_t>(i)] = true;
          ASSERT_EQ(grid.point_at_position(pos)[0], p(i, 0));
          ASSERT_EQ(grid.point_at_position(pos)[1], p(i, 1));
          ASSERT_EQ(grid.x_rank(pos), x.rank[static_cast<std::size_t>(i)]);
          ASSERT_EQ(grid.y_rank(pos), y.rank[static_cast<std::size_t>(i)]);
          const Index found = grid.knn_at_position(pos, k, d.data(), idx.data());
          const Index expected = brute.knn(p.row(i).data(), k, i, bd.data(), bidx.data());
          ASSERT_EQ(found, expected) << name(shape) << " n " << n << " k " << k << " point " << i;
          for (Index j = 0; j < found; ++j) {
            ASSERT_EQ(d[j], bd[j]) << name(shape) << " n " << n << " k " << k << " point " << i << " neighbour " << j;
            ASSERT_EQ(idx[j], bidx[j]) << name(shape) << " n " << n << " k " << k << " point " << i << " neighbour " << j;
          }
          // With positions: the same list, and each position holds that neighbour.
          ASSERT_EQ(grid.knn_at_position(pos, k, d.data(), idx.data(), at.data()), found);
          for (Index j = 0; j < found; ++j) {
            ASSERT_EQ(idx[j], bidx[j]);
            ASSERT_EQ(grid.original_index(at[j]), idx[j]);
          }
          // The k-th distance alone (no neighbour identities): the oracle's, ties included.
          if (k < n) {
            ASSERT_EQ(grid.kth_distance_at_position(pos, k, d.data()), bd[static_cast<std::size_t>(k - 1)])
                << name(shape) << " n " << n << " k " << k << " point " << i;
          }
        }
      }
      EXPECT_EQ(std::count(seen.begin(), seen.end(), true), n) << "every point is stored once";
    }
  }
}

// Rank bins fill evenly only for independent coordinates: dependent data get
// more bins (bin_count), never more than sqrt(2 n), and the searches above run
// on such refined grids too (the correlated shape).
TEST(Grid2D, DependentDataGetAFinerGrid) {
  const Index n = 40000;
  const auto bins = [&](double rho) {
    mmc::Rng rng(5);
    RowMatrix<double> p(n, 2);
    for (Index i = 0; i < n; ++i) {
      const double a = rng.normal();
      p.row(i) << a, rho * a + std::sqrt(1 - rho * rho) * rng.normal();
    }
    return mmc::neighbors::Grid2D::of_points(p.data(), n, 2).bins();
  };
  const Index base = static_cast<Index>(std::sqrt(n / mmc::neighbors::Grid2D::kPointsPerCell));
  EXPECT_EQ(bins(0.0), base);
  EXPECT_EQ(bins(0.5), base);
  EXPECT_GT(bins(0.9), base * 3 / 2);
  EXPECT_LE(bins(0.999), static_cast<Index>(std::sqrt(2.0 * n)));
  EXPECT_GT(bins(0.999), bins(0.9));
  const RowMatrix<double> c = make_points(2000, Shape::correlated, 9);
  EXPECT_GT(mmc::neighbors::Grid2D::of_points(c.data(), 2000, 1).bins(),
            static_cast<Index>(std::sqrt(2000 / mmc::neighbors::Grid2D::kPointsPerCell)));
}

TEST(Grid2D, KsgPlanePathEqualsTheKdTreePath) {
  // The 1 + 1 path (sorted axes, grid, sorted counts) against the general path
  // (joint kd-tree, marginal searchers) it replaces: the same local values bit
  // for bit and the same tie flags (the plane path leaves `tied` empty when no
  // sample is tied), algorithms 1 and 2, k = 1 and 3, 1 and 2 threads.
  for (Shape shape : {Shape::continuous, Shape::ties, Shape::duplicated, Shape::constant_x, Shape::correlated,
                      Shape::heavy_tailed}) {
    const Index n = 3000;
    const RowMatrix<double> p = make_points(n, shape, 31);
    const RowMatrix<double> x = p.col(0), y = p.col(1);
    for (int algorithm : {1, 2}) {
      for (Index k : {1, 3}) {
        std::vector<Index> tree_tied, plane_tied;
        const Eigen::VectorXd tree = mmc::knn::detail::ksg_tree_local_values(x, y, k, algorithm, 1, &tree_tied);
        for (int threads : {1, 2}) {
          const Eigen::VectorXd plane =
              mmc::knn::detail::ksg_local_values(x, y, k, algorithm, threads, &plane_tied);
          // Without the tie check (algorithm 1 then asks the grid for k-th distances only).
          const Eigen::VectorXd unchecked = mmc::knn::detail::ksg_local_values(x, y, k, algorithm, threads);
          if (plane_tied.empty()) plane_tied.assign(static_cast<std::size_t>(n), -1);
          const std::string where = std::string(name(shape)) + " algorithm " + std::to_string(algorithm) +
                                    " k " + std::to_string(k) + " threads " + std::to_string(threads);
          ASSERT_EQ(plane.size(), tree.size());
          for (Index i = 0; i < n; ++i) {
            // NaN == NaN here: psi(0) where algorithm 2 meets a zero count on tied data.
            ASSERT_TRUE(plane(i) == tree(i) || (std::isnan(plane(i)) && std::isnan(tree(i))))
                << where << " sample " << i << ": " << plane(i) << " vs " << tree(i);
            ASSERT_TRUE(unchecked(i) == tree(i) || (std::isnan(unchecked(i)) && std::isnan(tree(i))))
                << where << " sample " << i << " without the tie check: " << unchecked(i) << " vs " << tree(i);
          }
          EXPECT_EQ(plane_tied, tree_tied) << where;
        }
      }
    }
  }
}

TEST(Grid2D, KsgOnePlusOneIsThreadFreeAndNearTheTruth) {
  // Gaussian pair, rho = 0.6: I = -log(1 - rho^2) / 2 = 0.2231 nats; KSG's sd at
  // N = 20000 is about 0.005.
  mmc::Rng rng(3);
  const Index n = 20000;
  RowMatrix<double> x(n, 1), y(n, 1);
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = rng.normal();
    y(i, 0) = 0.6 * x(i, 0) + 0.8 * rng.normal();
  }
  mmc::knn::KsgOptions o;
  o.threads = 1;
  const double one = mmc::knn::Ksg(o).estimate(x, y).value;
  o.threads = 2;
  EXPECT_EQ(mmc::knn::Ksg(o).estimate(x, y).value, one);
  EXPECT_NEAR(one, 0.2231, 0.02);
}

}  // namespace
