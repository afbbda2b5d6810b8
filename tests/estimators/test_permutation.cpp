// Permutation tests (mmc/estimators/permutation.hpp): every null value is the
// estimator on the documented permutation (oracle, bit for bit); p-values are
// uniform under independence and minimal under strong dependence; the local
// permutation of Runge (2018) keeps I(X;Z); same bits at 1 and 2 threads; bad
// input is rejected naming the argument (docs/design.md §3.1, §2, §6).
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <string>
#include <vector>

#include <mmc/core/rng.hpp>
#include <mmc/core/streams.hpp>
#include <mmc/estimators/permutation.hpp>

namespace {

namespace est = mmc::estimators;
using mmc::Index;
using mmc::RowMatrix;

// (x, y) with y = rho x + sqrt(1 - rho^2) e; rho = 0: independent.
std::pair<RowMatrix<double>, RowMatrix<double>> gaussian_pair(Index n, double rho, std::uint64_t seed) {
  mmc::Rng rng(seed, 7);
  RowMatrix<double> x(n, 1), y(n, 1);
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = rng.normal();
    y(i, 0) = rho * x(i, 0) + std::sqrt(1 - rho * rho) * rng.normal();
  }
  return {x, y};
}

// z ~ N(0,1); x = z + a e1; y = z + b e2 (+ c x when dependent given z).
struct Triple {
  RowMatrix<double> x, y, z;
};
Triple chain(Index n, double c, std::uint64_t seed) {
  mmc::Rng rng(seed, 8);
  Triple t{RowMatrix<double>(n, 1), RowMatrix<double>(n, 1), RowMatrix<double>(n, 1)};
  for (Index i = 0; i < n; ++i) {
    t.z(i, 0) = rng.normal();
    t.x(i, 0) = t.z(i, 0) + 0.5 * rng.normal();
    t.y(i, 0) = t.z(i, 0) + 0.5 * rng.normal() + c * t.x(i, 0);
  }
  return t;
}

est::NonNeuralOptions options(int threads) {
  est::NonNeuralOptions o;
  o.knn.k = 3;
  o.knn.threads = threads;
  return o;
}

TEST(PermutationMi, NullValuesAreTheDocumentedShuffles) {
  const auto [x, y] = gaussian_pair(150, 0.3, 1);
  const auto o = options(2);
  const std::uint64_t seed = 42;
  const auto r = est::permutation_test_mi(est::Estimator::ksg1, x, y, o, 7, seed);
  ASSERT_EQ(r.null.size(), 7);
  EXPECT_EQ(r.permutations, 7);
  EXPECT_EQ(r.estimate.value, est::estimate_mi(est::Estimator::ksg1, x, y, o).value);
  EXPECT_EQ(r.estimate.local.size(), 150);
  Index at_least = 0;
  for (Index p = 0; p < 7; ++p) {
    std::vector<Index> order(150);
    std::iota(order.begin(), order.end(), Index{0});
    mmc::Rng rng(seed, mmc::streams::permutation::mi_first + static_cast<std::uint64_t>(p));
    rng.shuffle(order.begin(), order.end());
    RowMatrix<double> yp(150, 1);
    for (Index i = 0; i < 150; ++i) yp(i, 0) = y(order[static_cast<std::size_t>(i)], 0);
    const double expected = est::estimate_mi(est::Estimator::ksg1, x, yp, o).value;
    EXPECT_EQ(r.null(p), expected) << "permutation " << p;
    if (expected >= r.estimate.value) ++at_least;
  }
  EXPECT_EQ(r.p_value, (1.0 + static_cast<double>(at_least)) / 8.0);
  EXPECT_DOUBLE_EQ(r.null_mean, r.null.mean());
  EXPECT_DOUBLE_EQ(r.corrected, r.estimate.value - r.null_mean);
  const double sd = std::sqrt((r.null.array() - r.null.mean()).square().sum() / 6.0);
  EXPECT_NEAR(r.null_sd, sd, 1e-14);
}

TEST(PermutationMi, SameBitsAtOneAndTwoThreads) {
  const auto [x, y] = gaussian_pair(200, 0.5, 2);
  for (const auto id : {est::Estimator::ksg1, est::Estimator::ksg2, est::Estimator::kl, est::Estimator::mixed}) {
    const auto a = est::permutation_test_mi(id, x, y, options(1), 9, 5);
    const auto b = est::permutation_test_mi(id, x, y, options(2), 9, 5);
    EXPECT_EQ(a.estimate.value, b.estimate.value);
    for (Index p = 0; p < 9; ++p) EXPECT_EQ(a.null(p), b.null(p)) << est::name_of(id) << " permutation " << p;
    EXPECT_EQ(a.p_value, b.p_value);
    EXPECT_EQ(a.null_sd, b.null_sd);
  }
}

// Under independence the permutation p-value is exactly discrete-uniform on
// {1/(R+1), ..., 1} (exchangeability; continuous data, so no ties). Over 60
// independent data sets with R = 19 the Kolmogorov-Smirnov distance between
// the empirical CDF of p and that discrete uniform CDF (evaluated at its 20
// atoms, where the supremum is attained for a step CDF on the same atoms) is
// at most eps = sqrt(ln(2/alpha) / (2 * 60)) = 0.2517 with probability at least
// 1 - alpha, alpha = 0.001, by the Dvoretzky-Kiefer-Wolfowitz inequality with
// Massart's constant, which holds for any distribution, discrete included.
// The run is deterministic (fixed seeds), so it cannot flake.
TEST(PermutationMi, PValuesAreUniformUnderIndependence) {
  constexpr int kSets = 60;
  constexpr Index kR = 19;
  std::vector<double> p;
  for (int s = 0; s < kSets; ++s) {
    const auto [x, y] = gaussian_pair(200, 0.0, 1000 + static_cast<std::uint64_t>(s));
    p.push_back(est::permutation_test_mi(est::Estimator::ksg1, x, y, options(0), kR,
                                         static_cast<std::uint64_t>(s)).p_value);
  }
  double distance = 0.0;
  for (Index m = 1; m <= kR + 1; ++m) {
    const double atom = static_cast<double>(m) / static_cast<double>(kR + 1);
    const double empirical =
        static_cast<double>(std::count_if(p.begin(), p.end(), [&](double v) { return v <= atom + 1e-12; })) / kSets;
    distance = std::max(distance, std::abs(empirical - atom));
  }
  const double eps = std::sqrt(std::log(2.0 / 0.001) / (2.0 * kSets));
  EXPECT_LT(distance, eps);
  for (const double v : p) {
    const double scaled = v * (kR + 1);
    EXPECT_NEAR(scaled, std::round(scaled), 1e-9);  // on the lattice {1, ..., R + 1}/(R + 1)
  }
}

TEST(PermutationMi, StrongDependenceGivesTheSmallestPValue) {
  const auto [x, y] = gaussian_pair(200, 0.9, 3);
  for (const auto id : {est::Estimator::ksg1, est::Estimator::kl}) {
    const auto r = est::permutation_test_mi(id, x, y, options(0), 19, 0);
    EXPECT_EQ(r.p_value, 1.0 / 20.0) << est::name_of(id);
    // I = -1/2 log(1 - 0.81) = 0.830 nats; the null centres near 0.
    EXPECT_LT(std::abs(r.null_mean), 0.1);
    EXPECT_GT(r.corrected, 0.6);
  }
  // Discrete estimators too: ross on labels that follow x.
  RowMatrix<double> labels(200, 1);
  for (Index i = 0; i < 200; ++i) labels(i, 0) = x(i, 0) > 0 ? 1.0 : 0.0;
  EXPECT_EQ(est::permutation_test_mi(est::Estimator::ross, x, labels, options(0), 19, 0).p_value, 1.0 / 20.0);
  RowMatrix<double> a(200, 1), b(200, 1);
  for (Index i = 0; i < 200; ++i) {
    a(i, 0) = static_cast<double>(i % 4);
    b(i, 0) = static_cast<double>((i % 4) / 2);
  }
  EXPECT_EQ(est::permutation_test_mi(est::Estimator::plugin, a, b, options(0), 19, 0).p_value, 1.0 / 20.0);
}

template <class F>
void expect_invalid(F&& f, const std::string& argument) {
  try {
    f();
    FAIL() << "expected mmc::invalid_argument naming " << argument;
  } catch (const mmc::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'" + argument + "'"), std::string::npos) << e.what();
  }
}

// ksg1/ksg2 reuse the marginal searchers across permutations
// (knn::detail::KsgPermuted): the local values and every null value must be
// the bits of a full estimate on the shuffled y, in 1-D (sorted line) and 2-D
// (kd-tree) marginals, with and without standardisation, and with jitter
// (whose noise follows the row order, so the full estimate is used).
TEST(PermutationMi, KsgNullWithReusedMarginalsIsBitForBitTheFullEstimate) {
  constexpr Index n = 160;
  mmc::Rng rng(77, 3);
  RowMatrix<double> x(n, 2), y1(n, 1), y2(n, 2);
  for (Index i = 0; i < n; ++i) {
    x(i, 0) = rng.normal();
    x(i, 1) = 3.0 * rng.normal() + 10.0;
    y1(i, 0) = 0.6 * x(i, 0) + rng.normal();
    y2(i, 0) = y1(i, 0);
    y2(i, 1) = 0.1 * x(i, 1) + rng.normal();
  }
  std::vector<Index> order(n);
  std::iota(order.begin(), order.end(), Index{0});
  mmc::Rng shuffle_rng(5, 6);
  shuffle_rng.shuffle(order.begin(), order.end());
  for (const RowMatrix<double>* y : {&y1, &y2}) {
    for (const int algorithm : {1, 2}) {
      const mmc::knn::detail::KsgPermuted engine(x, *y, 4, algorithm, 2);
      const Eigen::VectorXd fast = engine.local_values(order, 1);
      RowMatrix<double> y_r(n, y->cols());
      for (Index i = 0; i < n; ++i) y_r.row(i) = y->row(order[static_cast<std::size_t>(i)]);
      const Eigen::VectorXd full = mmc::knn::detail::ksg_local_values(x, y_r, 4, algorithm, 1);
      for (Index i = 0; i < n; ++i)
        ASSERT_EQ(fast(i), full(i)) << "dy " << y->cols() << " algorithm " << algorithm << " sample " << i;
    }
    {  // the reuse is taken here: standardising the shuffled y gives the shuffled standardised y
      mmc::knn::KnnOptions standardized;
      standardized.standardize = true;
      RowMatrix<double> y_r(n, y->cols());
      for (Index i = 0; i < n; ++i) y_r.row(i) = y->row(order[static_cast<std::size_t>(i)]);
      const RowMatrix<double> whole = mmc::knn::detail::prepare("test", "y", *y, standardized, 1);
      const RowMatrix<double> shuffled = mmc::knn::detail::prepare("test", "y", y_r, standardized, 1);
      for (Index i = 0; i < n; ++i)
        EXPECT_TRUE(shuffled.row(i) == whole.row(order[static_cast<std::size_t>(i)])) << "row " << i;
    }
    for (const auto id : {est::Estimator::ksg1, est::Estimator::ksg2}) {
      for (const int variant : {0, 1, 2}) {
        auto o = options(2);
        o.knn.standardize = variant != 1;
        o.knn.jitter = variant == 2 ? 1e-10 : 0.0;
        const auto r = est::permutation_test_mi(id, x, *y, o, 5, 9);
        for (Index p = 0; p < 5; ++p) {
          std::vector<Index> shuffle(n);
          std::iota(shuffle.begin(), shuffle.end(), Index{0});
          mmc::Rng prng(9, mmc::streams::permutation::mi_first + static_cast<std::uint64_t>(p));
          prng.shuffle(shuffle.begin(), shuffle.end());
          RowMatrix<double> yp(n, y->cols());
          for (Index i = 0; i < n; ++i) yp.row(i) = y->row(shuffle[static_cast<std::size_t>(i)]);
          EXPECT_EQ(r.null(p), est::estimate_mi(id, x, yp, o).value)
              << est::name_of(id) << " dy " << y->cols() << " variant " << variant << " permutation " << p;
        }
      }
    }
  }
}

TEST(PermutationMi, BadInputIsRejected) {
  // Not a structured binding: clang 14 cannot capture those in lambdas.
  const auto pair = gaussian_pair(50, 0.5, 4);
  const auto& x = pair.first;
  const auto& y = pair.second;
  const auto o = options(1);
  expect_invalid([&] { est::permutation_test_mi(est::Estimator::ksg1, x, y, o, 0, 0); }, "permutations");
  expect_invalid([&] { est::permutation_test_mi(est::Estimator::ksg1, x, y, o, -5, 0); }, "permutations");
  expect_invalid([&] { est::permutation_test_mi(est::Estimator::mine, x, y, o, 10, 0); }, "estimator");
  const RowMatrix<double> shorter = y.topRows(40);
  EXPECT_THROW(est::permutation_test_mi(est::Estimator::ksg1, x, shorter, o, 10, 0), mmc::invalid_argument);
  const auto t = chain(50, 0.0, 4);
  expect_invalid([&] { est::permutation_test_cmi(est::Estimator::ksg1, t.x, t.y, t.z, o, 0, 0); }, "permutations");
  expect_invalid([&] { est::permutation_test_cmi(est::Estimator::ksg1, t.x, t.y, t.z, o, 10, 0, 0); }, "k_perm");
  expect_invalid([&] { est::permutation_test_cmi(est::Estimator::kl, t.x, t.y, t.z, o, 10, 0); }, "estimator");
  const RowMatrix<double> zs = t.z.topRows(40);
  EXPECT_THROW(est::permutation_test_cmi(est::Estimator::ksg1, t.x, t.y, zs, o, 10, 0), mmc::invalid_argument);
}

TEST(PermutationCmi, LocalPermutationFollowsRungesScheme) {
  const auto t = chain(300, 0.0, 5);
  const auto neighbours = est::local_permutation_neighbours(t.z, 5, false, 1);
  ASSERT_EQ(neighbours.rows(), 300);
  ASSERT_EQ(neighbours.cols(), 5);
  for (Index i = 0; i < 300; ++i) EXPECT_EQ(neighbours(i, 0), i);  // itself first (continuous z)
  mmc::Rng rng(11, 0);
  const auto order = est::local_permutation(neighbours, rng);
  std::set<Index> distinct;
  for (Index i = 0; i < 300; ++i) {
    const auto row = neighbours.row(i);
    EXPECT_TRUE(std::find(row.data(), row.data() + 5, order[static_cast<std::size_t>(i)]) != row.data() + 5) << i;
    distinct.insert(order[static_cast<std::size_t>(i)]);
  }
  // Without replacement where possible: nearly a permutation.
  EXPECT_GT(distinct.size(), 270u);
}

TEST(PermutationCmi, NullValuesAreTheDocumentedLocalShuffles) {
  const auto t = chain(200, 0.0, 6);
  const auto o = options(2);
  const auto r = est::permutation_test_cmi(est::Estimator::ksg1, t.x, t.y, t.z, o, 5, 9, 5);
  EXPECT_EQ(r.estimate.value, est::estimate_cmi(est::Estimator::ksg1, t.x, t.y, t.z, o).value);
  const auto neighbours = est::local_permutation_neighbours(t.z, 5, false, 1);
  for (Index p = 0; p < 5; ++p) {
    mmc::Rng rng(9, mmc::streams::permutation::cmi_first + static_cast<std::uint64_t>(p));
    const auto order = est::local_permutation(neighbours, rng);
    RowMatrix<double> xp(200, 1);
    for (Index i = 0; i < 200; ++i) xp(i, 0) = t.x(order[static_cast<std::size_t>(i)], 0);
    EXPECT_EQ(r.null(p), est::estimate_cmi(est::Estimator::ksg1, xp, t.y, t.z, o).value) << p;
  }
  const auto one = est::permutation_test_cmi(est::Estimator::ksg1, t.x, t.y, t.z, options(1), 5, 9, 5);
  for (Index p = 0; p < 5; ++p) EXPECT_EQ(one.null(p), r.null(p));
}

// Y depends on X only through Z: the local null keeps I(X;Z) (the permuted x
// still carries what x knows about z; a global shuffle would lose it) and the
// null's I(X;Y|Z) stays near 0, like the estimate itself.
TEST(PermutationCmi, LocalNullKeepsDependenceOnZ) {
  const auto t = chain(400, 0.0, 7);
  const auto o = options(0);
  // I(X;Z) = 1/2 log(1 + 1/0.25) = 0.80 nats.
  const double i_xz = est::estimate_mi(est::Estimator::ksg1, t.x, t.z, o).value;
  const auto neighbours = est::local_permutation_neighbours(t.z, 5, false, 1);
  mmc::Rng rng(3, 0);
  const auto order = est::local_permutation(neighbours, rng);
  RowMatrix<double> xp(400, 1), xg(400, 1);
  std::vector<Index> global(400);
  std::iota(global.begin(), global.end(), Index{0});
  rng.shuffle(global.begin(), global.end());
  for (Index i = 0; i < 400; ++i) {
    xp(i, 0) = t.x(order[static_cast<std::size_t>(i)], 0);
    xg(i, 0) = t.x(global[static_cast<std::size_t>(i)], 0);
  }
  // The local shuffle moves x by about one z-neighbour spacing (~0.01 at N = 400),
  // far less than the noise sd 0.5: I(X_r;Z) stays within 15 % of I(X;Z).
  EXPECT_GT(est::estimate_mi(est::Estimator::ksg1, xp, t.z, o).value, 0.85 * i_xz);
  EXPECT_LT(est::estimate_mi(est::Estimator::ksg1, xg, t.z, o).value, 0.1);

  const auto r = est::permutation_test_cmi(est::Estimator::ksg1, t.x, t.y, t.z, o, 19, 1);
  // KSG-CMI sd at N = 400 is about 0.02-0.03 nats: |null mean| within 0.05.
  EXPECT_LT(std::abs(r.null_mean), 0.05);
  EXPECT_LT(std::abs(r.estimate.value), 0.08);
  EXPECT_GT(r.p_value, 0.01);  // deterministic; true null
}

TEST(PermutationCmi, ConditionalDependenceGivesTheSmallestPValue) {
  const auto t = chain(300, 1.0, 8);  // y = z + e + x: I(X;Y|Z) > 0
  const auto r = est::permutation_test_cmi(est::Estimator::ksg1, t.x, t.y, t.z, options(0), 19, 0);
  EXPECT_EQ(r.p_value, 1.0 / 20.0);
  EXPECT_GT(r.corrected, 0.1);
}

}  // namespace
