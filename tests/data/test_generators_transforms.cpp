// Tests of mmc/data/transforms.hpp: the monotone transforms keep every column's
// ranks, every transform is inverted by invert_transform (a bijection), the
// spiral is a radius-dependent rotation, and the task wrapper keeps the truth.
#include "mmc/data/transforms.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "generator_test_helpers.hpp"
#include "mmc/data/gaussian.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::test::expect_invalid;
namespace data = mmc::data;
using data::TransformKind;

std::vector<Index> argsort(const Eigen::VectorXd& v) {
  std::vector<Index> order(static_cast<std::size_t>(v.size()));
  std::iota(order.begin(), order.end(), Index{0});
  std::stable_sort(order.begin(), order.end(), [&](Index a, Index b) { return v(a) < v(b); });
  return order;
}

// Standard normal samples with |t| <= 5, from a Gaussian task.
RowMatrix<double> sample(Index n, Index d) {
  std::vector<double> rho(static_cast<std::size_t>(d), 0.0);
  RowMatrix<double> x = data::correlated_gaussian_task(rho, n, 3).x;
  return x.cwiseMax(-5.0).cwiseMin(5.0);
}

TEST(Transforms, MonotoneTransformsKeepRanksAndAreStrictlyIncreasing) {
  const RowMatrix<double> x = sample(2000, 3);
  for (const auto kind : {TransformKind::half_cube, TransformKind::asinh, TransformKind::normal_cdf}) {
    const RowMatrix<double> fx = data::apply_transform({kind}, x);
    for (Index c = 0; c < x.cols(); ++c) {
      const auto order = argsort(x.col(c));
      EXPECT_EQ(order, argsort(fx.col(c))) << data::transform_name(kind) << " column " << c;
      for (std::size_t i = 1; i < order.size(); ++i) {
        if (x(order[i], c) > x(order[i - 1], c)) {
          ASSERT_GT(fx(order[i], c), fx(order[i - 1], c)) << data::transform_name(kind);
        }
      }
    }
  }
}

TEST(Transforms, ForwardValuesMatchDefinitions) {
  RowMatrix<double> t(1, 4);
  t << -2.0, 0.0, 0.25, 4.0;
  const auto hc = data::apply_transform({TransformKind::half_cube}, t);
  EXPECT_DOUBLE_EQ(hc(0, 0), -2.0 * std::sqrt(2.0));
  EXPECT_DOUBLE_EQ(hc(0, 2), 0.125);
  EXPECT_DOUBLE_EQ(hc(0, 3), 8.0);
  const auto as = data::apply_transform({TransformKind::asinh}, t);
  EXPECT_DOUBLE_EQ(as(0, 3), std::log(4.0 + std::sqrt(17.0)));
  const auto ph = data::apply_transform({TransformKind::normal_cdf}, t);
  EXPECT_DOUBLE_EQ(ph(0, 1), 0.5);
  EXPECT_NEAR(ph(0, 0), 0.022750131948179195, 1e-16);  // scipy.stats.norm.cdf(-2)
}

TEST(Transforms, NormalQuantileMatchesScipy) {
  // scipy.special.ndtri; Acklam + one Halley step is accurate to ~1e-15 relative.
  const std::vector<std::pair<double, double>> cases = {
      {1e-10, -6.361340902404056}, {0.01, -2.3263478740408408}, {0.3, -0.5244005127080409},
      {0.5, 0.0}, {0.9, 1.2815515655446004}, {0.999, 3.090232306167813},
      {1 - 1e-6, 4.753424308817087}};
  for (const auto& [p, q] : cases) EXPECT_NEAR(data::normal_quantile(p), q, 1e-13) << p;
}

TEST(Transforms, EveryTransformIsInvertedExactly) {
  const RowMatrix<double> x = sample(2000, 4);
  for (const auto kind : {TransformKind::identity, TransformKind::half_cube, TransformKind::asinh,
                          TransformKind::spiral}) {
    const data::Transform t{kind, 0.7};
    const RowMatrix<double> back = data::invert_transform(t, data::apply_transform(t, x));
    // A few roundings per value (cbrt, sinh∘asinh, a rotation back and forth).
    EXPECT_LT((back - x).cwiseAbs().maxCoeff(), 1e-12) << data::transform_name(kind);
  }
  // Φ is flat in the tails: an error of 1 ulp in Φ(5) ≈ 1 − 2.9e-7 moves t by
  // ~1.1e-16/φ(5) ≈ 7.5e-11, so 1e-9 is the right bound for |t| <= 5.
  const data::Transform phi{TransformKind::normal_cdf};
  const RowMatrix<double> back = data::invert_transform(phi, data::apply_transform(phi, x));
  EXPECT_LT((back - x).cwiseAbs().maxCoeff(), 1e-9);
}

TEST(Transforms, SpiralIsRadiusDependentRotationOfPairs) {
  const RowMatrix<double> x = sample(500, 3);
  const double speed = 0.8;
  const RowMatrix<double> s = data::apply_transform({TransformKind::spiral, speed}, x);
  for (Index i = 0; i < x.rows(); ++i) {
    const double r2 = x(i, 0) * x(i, 0) + x(i, 1) * x(i, 1);
    EXPECT_NEAR(s(i, 0) * s(i, 0) + s(i, 1) * s(i, 1), r2, 1e-12 * (1 + r2));
    // The angle between input and output is speed·r² (mod 2π): compare cos and sin.
    const double cross = x(i, 0) * s(i, 1) - x(i, 1) * s(i, 0);
    const double dot = x(i, 0) * s(i, 0) + x(i, 1) * s(i, 1);
    EXPECT_NEAR(dot, r2 * std::cos(speed * r2), 1e-10 * (1 + r2));
    EXPECT_NEAR(cross, r2 * std::sin(speed * r2), 1e-10 * (1 + r2));
    EXPECT_EQ(s(i, 2), x(i, 2));  // odd last column untouched
  }
  // A different speed gives a different map (the parameter is used).
  EXPECT_FALSE(s == data::apply_transform({TransformKind::spiral, 0.3}, x));
}

TEST(Transforms, TaskKeepsTruthAndNamesTheTransforms) {
  const std::vector<double> rho = {0.6, 0.3};
  const auto base = data::correlated_gaussian_task(rho, 100, 1);
  const auto same = data::transform_task(base, {TransformKind::asinh}, {TransformKind::asinh});
  EXPECT_EQ(same.true_mi, base.true_mi);
  EXPECT_EQ(same.name, "asinh(gaussian)");
  EXPECT_TRUE(same.x == data::apply_transform({TransformKind::asinh}, base.x));
  const auto mixed =
      data::transform_task(base, {TransformKind::spiral, 2.0}, {TransformKind::half_cube});
  EXPECT_EQ(mixed.name, "spiral,half_cube(gaussian)");
  EXPECT_EQ(*data::lookup(mixed.parameters, "spiral_speed_x"), 2.0);
  EXPECT_EQ(mixed.true_mi, base.true_mi);
}

TEST(Transforms, NamesRoundTrip) {
  for (const auto kind : {TransformKind::identity, TransformKind::half_cube, TransformKind::asinh,
                          TransformKind::normal_cdf, TransformKind::spiral}) {
    EXPECT_EQ(data::parse_transform(data::transform_name(kind)), kind);
  }
  expect_invalid([] { data::parse_transform("cube"); }, "name");
}

TEST(Transforms, RejectsBadInput) {
  RowMatrix<double> one_column(3, 1);
  one_column << 0.1, 0.2, 0.3;
  expect_invalid([&] { data::apply_transform({TransformKind::spiral}, one_column); }, "data");
  expect_invalid([&] { data::apply_transform({TransformKind::spiral, NAN}, sample(3, 2)); },
                 "spiral_speed");
  RowMatrix<double> with_nan = one_column;
  with_nan(1, 0) = NAN;
  expect_invalid([&] { data::apply_transform({TransformKind::asinh}, with_nan); }, "data");
  RowMatrix<double> not_probability = one_column;
  not_probability(2, 0) = 1.0;
  expect_invalid([&] { data::invert_transform({TransformKind::normal_cdf}, not_probability); },
                 "data");
  expect_invalid([] { data::normal_quantile(0.0); }, "p");
}

}  // namespace
