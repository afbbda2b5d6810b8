// Tests of core/rng.hpp: determinism, independent streams, and the
// distributions the estimators and generators rely on.
//
// Statistical checks use one fixed seed, so they are deterministic; their
// thresholds are chosen so that a *correct* generator would fail them for
// fewer than about one seed in a million (|z| < 5 for moments; chi-square
// critical values at p = 1e-6, computed offline with scipy.stats.chi2.isf),
// while the defects they target (modulo bias, a wrong transform, a shuffle that
// is not uniform) move the statistic by hundreds of standard errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <mmc/core/rng.hpp>
#include <numeric>
#include <vector>

namespace {

// Pearson's chi-square statistic of observed counts against equal expectations.
double chi_square_uniform(const std::vector<double>& counts) {
  const double total = std::accumulate(counts.begin(), counts.end(), 0.0);
  const double expected = total / static_cast<double>(counts.size());
  double stat = 0.0;
  for (double c : counts) stat += (c - expected) * (c - expected) / expected;
  return stat;
}

// chi2.isf(1e-6, df) for the degrees of freedom used below.
constexpr double kChi2Df2 = 27.631021115928547;
constexpr double kChi2Df5 = 35.888186879672865;
constexpr double kChi2Df9 = 44.81093787068782;
constexpr double kChi2Df19 = 63.677052285677995;

TEST(Rng, SameSeedSameSequence) {
  mmc::Rng a(42), b(42);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(a(), b());
  mmc::Rng c(42, 7), d(42, 7);
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(c.normal(), d.normal());
    ASSERT_EQ(c.uniform_int(1000), d.uniform_int(1000));
  }
}

TEST(Rng, SeedsAndStreamsDiffer) {
  // Two different 64-bit sequences share a value with probability ~1000/2^64.
  mmc::Rng base(1, 0), other_seed(2, 0), other_stream(1, 1);
  int same_seed = 0, same_stream = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto v = base();
    same_seed += v == other_seed();
    same_stream += v == other_stream();
  }
  EXPECT_EQ(same_seed, 0);
  EXPECT_EQ(same_stream, 0);
}

TEST(Rng, StreamsAreUncorrelated) {
  // Sample correlation of independent uniforms has standard error 1/sqrt(N).
  constexpr int n = 200000;
  mmc::Rng a(9, 0), b(9, 1);
  double sab = 0, sa = 0, sb = 0, saa = 0, sbb = 0;
  for (int i = 0; i < n; ++i) {
    const double x = a.uniform(), y = b.uniform();
    sa += x, sb += y, sab += x * y, saa += x * x, sbb += y * y;
  }
  const double cov = sab / n - (sa / n) * (sb / n);
  const double corr = cov / std::sqrt((saa / n - sa * sa / n / n) * (sbb / n - sb * sb / n / n));
  EXPECT_LT(std::fabs(corr), 5.0 / std::sqrt(n));
}

TEST(Rng, UniformMomentsAndRange) {
  // U(0,1): mean 1/2 (SE sqrt(1/12/N)), variance 1/12 (SE sqrt((1/80-1/144)/N)).
  constexpr int n = 1000000;
  mmc::Rng rng(123);
  double sum = 0, sum2 = 0;
  for (int i = 0; i < n; ++i) {
    const double u = rng.uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u, sum2 += u * u;
  }
  const double mean = sum / n, var = sum2 / n - mean * mean;
  EXPECT_NEAR(mean, 0.5, 5 * std::sqrt(1.0 / 12 / n));
  EXPECT_NEAR(var, 1.0 / 12, 5 * std::sqrt((1.0 / 80 - 1.0 / 144) / n));
  for (int i = 0; i < 10000; ++i) {
    const double u = rng.uniform(-3.0, 2.0);
    ASSERT_GE(u, -3.0);
    ASSERT_LT(u, 2.0);
  }
}

TEST(Rng, NormalMomentsAndShape) {
  // N(0,1) moments with standard errors 1/sqrt(N), sqrt(2/N), sqrt(6/N) (skewness),
  // sqrt(24/N) (kurtosis); then a chi-square over 20 equiprobable bins of Phi(z).
  constexpr int n = 1000000;
  mmc::Rng rng(7);
  double s1 = 0, s2 = 0, s3 = 0, s4 = 0;
  std::vector<double> bins(20, 0.0);
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    s1 += z, s2 += z * z, s3 += z * z * z, s4 += z * z * z * z;
    const double phi = 0.5 * std::erfc(-z / std::sqrt(2.0));
    bins[std::min<std::size_t>(19, static_cast<std::size_t>(phi * 20))] += 1;
  }
  EXPECT_NEAR(s1 / n, 0.0, 5 / std::sqrt(n));
  EXPECT_NEAR(s2 / n, 1.0, 5 * std::sqrt(2.0 / n));
  EXPECT_NEAR(s3 / n, 0.0, 5 * std::sqrt(6.0 / n));
  EXPECT_NEAR(s4 / n, 3.0, 5 * std::sqrt(96.0 / n));  // Var(z^4) = 105 - 9 = 96
  EXPECT_LT(chi_square_uniform(bins), kChi2Df19);

  // The scaled overload: mean and standard deviation as given.
  double t1 = 0, t2 = 0;
  for (int i = 0; i < 100000; ++i) {
    const double v = rng.normal(10.0, 3.0);
    t1 += v, t2 += v * v;
  }
  const double mean = t1 / 1e5, sd = std::sqrt(t2 / 1e5 - mean * mean);
  EXPECT_NEAR(mean, 10.0, 5 * 3.0 / std::sqrt(1e5));
  EXPECT_NEAR(sd, 3.0, 5 * 3.0 / std::sqrt(2e5));
}

TEST(Rng, UniformIntSmallRangeIsUniform) {
  // 10 categories, 200000 draws: chi-square with 9 degrees of freedom.
  mmc::Rng rng(5);
  std::vector<double> counts(10, 0.0);
  for (int i = 0; i < 200000; ++i) {
    const auto v = rng.uniform_int(10);
    ASSERT_LT(v, 10u);
    counts[v] += 1;
  }
  EXPECT_LT(chi_square_uniform(counts), kChi2Df9);
  mmc::Rng one(1);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(one.uniform_int(1), 0u);
}

TEST(Rng, UniformIntHasNoModuloBias) {
  // With n = 3 * 2^62, `raw % n` would return values below 2^62 with
  // probability 1/2 instead of 1/3, and multiply-shift without Lemire's
  // rejection step maps two raw values to every third output (so v mod 3 would
  // not be uniform). Both are far outside these bounds at N = 300000
  // (SE of the fraction ~ 9e-4; chi-square df 2).
  constexpr std::uint64_t n = 3ULL << 62;
  constexpr int draws = 300000;
  mmc::Rng rng(11);
  int low = 0;
  std::vector<double> residues(3, 0.0);
  for (int i = 0; i < draws; ++i) {
    const auto v = rng.uniform_int(n);
    ASSERT_LT(v, n);
    low += v < (1ULL << 62);
    residues[v % 3] += 1;
  }
  const double fraction = static_cast<double>(low) / draws;
  EXPECT_NEAR(fraction, 1.0 / 3, 5 * std::sqrt(2.0 / 9 / draws));
  EXPECT_LT(chi_square_uniform(residues), kChi2Df2);
}

TEST(Rng, ShuffleIsAPermutation) {
  mmc::Rng rng(3);
  std::vector<int> v(1000);
  std::iota(v.begin(), v.end(), 0);
  rng.shuffle(v.begin(), v.end());
  EXPECT_FALSE(std::is_sorted(v.begin(), v.end()));  // 1/1000! chance of identity
  std::vector<int> sorted = v;
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(sorted[static_cast<std::size_t>(i)], i);
  // Empty and one-element ranges are left alone.
  std::vector<int> empty, single{42};
  rng.shuffle(empty.begin(), empty.end());
  rng.shuffle(single.begin(), single.end());
  EXPECT_TRUE(empty.empty());
  EXPECT_EQ(single[0], 42);
}

TEST(Rng, ShuffleIsUniformOverPermutations) {
  // All 3! orders of {0,1,2} equally likely: chi-square with 5 degrees of freedom.
  mmc::Rng rng(17);
  std::vector<double> counts(6, 0.0);
  for (int i = 0; i < 120000; ++i) {
    std::array<int, 3> p{0, 1, 2};
    rng.shuffle(p.begin(), p.end());
    counts[static_cast<std::size_t>(p[0] * 2 + (p[1] > p[2] ? 1 : 0))] += 1;
  }
  EXPECT_LT(chi_square_uniform(counts), kChi2Df5);
}

TEST(Rng, GammaAndChiSquareMoments) {
  // Gamma(a,1): mean a, variance a; SE of the mean sqrt(a/N), of the variance
  // ~ sqrt((Var((x-a)^2))/N) = sqrt((2a^2 + 6a)/N) (fourth central moment 3a^2+6a).
  constexpr int n = 400000;
  mmc::Rng rng(21);
  for (double a : {0.3, 1.0, 4.5}) {
    double s1 = 0, s2 = 0;
    for (int i = 0; i < n; ++i) {
      const double g = rng.gamma(a);
      ASSERT_GE(g, 0.0);
      s1 += g, s2 += g * g;
    }
    const double mean = s1 / n, var = s2 / n - mean * mean;
    EXPECT_NEAR(mean, a, 5 * std::sqrt(a / n)) << "shape " << a;
    EXPECT_NEAR(var, a, 5 * std::sqrt((2 * a * a + 6 * a) / n)) << "shape " << a;
  }
  double c1 = 0;
  for (int i = 0; i < n; ++i) c1 += rng.chi_square(3.0);
  EXPECT_NEAR(c1 / n, 3.0, 5 * std::sqrt(6.0 / n));  // chi2(3): mean 3, variance 6
}

}  // namespace
