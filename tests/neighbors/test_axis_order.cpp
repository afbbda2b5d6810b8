// neighbors::sort_axis (axis_order.hpp) against the obvious oracle, std::sort
// of (value, index) pairs: the same sorted values, order and ranks, on
// continuous, tied and constant data, with strided input, for sizes that take
// one block and several parallel chunks (n > 2 * 65536), at 1 and 2 threads;
// float and double (the radix path: bit patterns at the edges of the format,
// signed zeros, infinities, subnormals, neighbours one ulp apart) and int and
// long double (the comparison-sort path). And mmc::LargeVector (core/large_vector.hpp), the storage it uses:
// small and huge-page-sized blocks behave as a std::vector. has_repeated_value
// against a pairwise search.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <mmc/core/large_vector.hpp>
#include <mmc/core/rng.hpp>
#include <mmc/neighbors/axis_order.hpp>
#include <utility>
#include <vector>

namespace {

using mmc::Index;

enum class Shape { continuous, ties, constant };

std::vector<double> make_column(Index n, Index stride, Shape shape, std::uint64_t seed) {
  mmc::Rng rng(seed);
  std::vector<double> data(static_cast<std::size_t>(n * stride), -7.0);  // other columns: filler
  for (Index i = 0; i < n; ++i) {
    const double v = rng.normal();
    data[static_cast<std::size_t>(i * stride)] =
        shape == Shape::continuous ? v : shape == Shape::ties ? std::round(3 * v) : 1.5;
  }
  return data;
}

TEST(SortAxis, EqualsStdSortOfPairs) {
  for (Shape shape : {Shape::continuous, Shape::ties, Shape::constant}) {
    for (Index n : {Index{0}, Index{1}, Index{2}, Index{1000}, Index{65537}, Index{300001}}) {
      for (Index stride : {Index{1}, Index{3}}) {
        const std::vector<double> data = make_column(n, stride, shape, static_cast<std::uint64_t>(n + stride));
        std::vector<std::pair<double, Index>> pairs(static_cast<std::size_t>(n));
        for (Index i = 0; i < n; ++i) pairs[static_cast<std::size_t>(i)] = {data[static_cast<std::size_t>(i * stride)], i};
        std::sort(pairs.begin(), pairs.end());
        for (int threads : {1, 2}) {
          const auto axis = mmc::neighbors::sort_axis(data.data(), n, stride, threads);
          ASSERT_EQ(axis.view().n, n);
          for (Index p = 0; p < n; ++p) {
            const auto s = static_cast<std::size_t>(p);
            ASSERT_EQ(axis.values[s], pairs[s].first) << "n " << n << " position " << p;
            ASSERT_EQ(axis.order[s], pairs[s].second) << "n " << n << " position " << p;
            ASSERT_EQ(axis.rank[static_cast<std::size_t>(pairs[s].second)], p) << "n " << n << " position " << p;
          }
        }
      }
    }
  }
}

// Values at the edges of the format: both zeros, infinities, subnormals, the
// extremes, and neighbours one ulp apart, mixed with normal draws and repeated.
template <class T>
std::vector<T> edge_column(Index n, std::uint64_t seed) {
  using limits = std::numeric_limits<T>;
  const std::vector<T> edges = {T(0), -T(0), limits::infinity(), -limits::infinity(), limits::denorm_min(),
                                -limits::denorm_min(), limits::min(), -limits::min(), limits::max(),
                                limits::lowest(), T(1), std::nextafter(T(1), T(2)), std::nextafter(T(1), T(0)),
                                T(-1), std::nextafter(T(-1), T(-2)), std::nextafter(T(-1), T(0))};
  mmc::Rng rng(seed);
  std::vector<T> data(static_cast<std::size_t>(n));
  for (auto& v : data) {
    const double u = rng.uniform();
    v = u < 0.5 ? edges[static_cast<std::size_t>(u * 2 * double(edges.size()))] : static_cast<T>(rng.normal() * 1e3);
  }
  return data;
}

template <class T>
void expect_sorted_like_std_sort(const std::vector<T>& data, Index n) {
  std::vector<std::pair<T, Index>> pairs(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) pairs[static_cast<std::size_t>(i)] = {data[static_cast<std::size_t>(i)], i};
  std::sort(pairs.begin(), pairs.end());
  for (int threads : {1, 2}) {
    const auto axis = mmc::neighbors::sort_axis(data.data(), n, 1, threads);
    for (Index p = 0; p < n; ++p) {
      const auto s = static_cast<std::size_t>(p);
      ASSERT_EQ(axis.values[s], pairs[s].first) << "n " << n << " position " << p;
      ASSERT_EQ(axis.order[s], pairs[s].second) << "n " << n << " position " << p;
      ASSERT_EQ(axis.rank[static_cast<std::size_t>(pairs[s].second)], p) << "n " << n << " position " << p;
    }
  }
}

TEST(SortAxis, RadixPathHandlesTheEdgesOfTheFormat) {
  for (Index n : {Index{1}, Index{17}, Index{5000}, Index{140000}}) {
    expect_sorted_like_std_sort(edge_column<double>(n, 11), n);
    expect_sorted_like_std_sort(edge_column<float>(n, 12), n);
  }
}

// Keys that agree on the digits the radix passes sort by (the sign, exponent
// and top 19 mantissa bits of a double) and differ below: 40 base values, each
// repeated with offsets of up to +-5000 ulps and exact repeats, so that the
// final run sort has runs of thousands that cross the parallel chunks, and
// (for the small n) runs of a few. Floats need no run sort (3 digits).
TEST(SortAxis, RadixPathSortsKeysThatAgreeOnTheirTopDigits) {
  for (Index n : {Index{3}, Index{700}, Index{300001}}) {
    mmc::Rng rng(static_cast<std::uint64_t>(n));
    std::vector<double> bases(40);
    for (auto& b : bases) b = rng.normal() * 10;
    std::vector<double> data(static_cast<std::size_t>(n));
    for (auto& v : data) {
      double value = bases[static_cast<std::size_t>(rng.uniform() * 40)];
      const auto steps = static_cast<int>(rng.uniform() * 10001) - 5000;
      for (int s = 0; s < std::abs(steps) % 64; ++s) value = std::nextafter(value, steps > 0 ? 1e300 : -1e300);
      v = rng.uniform() < 0.2 ? value : value + static_cast<double>(steps) * std::numeric_limits<double>::epsilon() * std::fabs(value);
    }
    expect_sorted_like_std_sort(data, n);
  }
}

TEST(SortAxis, RadixKeyPreservesOrder) {
  using mmc::neighbors::detail::radix_key;
  using mmc::neighbors::detail::radix_value;
  const auto values = edge_column<double>(2000, 5);
  for (std::size_t i = 0; i + 1 < values.size(); ++i) {
    const double a = values[i], b = values[i + 1];
    ASSERT_EQ(a < b, radix_key(a) < radix_key(b)) << a << " vs " << b;
    ASSERT_EQ(a == b, radix_key(a) == radix_key(b)) << a << " vs " << b;
    ASSERT_EQ(radix_value<double>(radix_key(a)), a);
  }
  EXPECT_FALSE(std::signbit(radix_value<double>(radix_key(-0.0))));  // -0 is keyed as +0
}

TEST(SortAxis, ComparisonPathForOtherTypes) {
  static_assert(!mmc::neighbors::detail::kRadixSortable<int>);
  mmc::Rng rng(3);
  for (Index n : {Index{0}, Index{9}, Index{200000}}) {
    std::vector<int> ints(static_cast<std::size_t>(n));
    std::vector<long double> longs(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) {
      ints[static_cast<std::size_t>(i)] = static_cast<int>(std::floor(rng.normal() * 50));
      longs[static_cast<std::size_t>(i)] = static_cast<long double>(rng.normal());
    }
    expect_sorted_like_std_sort(ints, n);
    expect_sorted_like_std_sort(longs, n);
  }
}

TEST(SortAxis, HasRepeatedValueMatchesAPairwiseSearch) {
  // Against the quadratic definition (some i != j with v_i == v_j), with a
  // repeat at the front, the back, only between signed zeros, and none.
  const auto pairwise = [](const std::vector<double>& v) {
    for (std::size_t i = 0; i < v.size(); ++i)
      for (std::size_t j = i + 1; j < v.size(); ++j)
        if (v[i] == v[j]) return true;
    return false;
  };
  const std::vector<std::vector<double>> cases = {
      {}, {1.0}, {2.0, 1.0, 3.0}, {1.0, 2.0, 1.0}, {5.0, -1.0, 5.0 + 1e-15, -1.0},
      {0.0, -0.0}, {3.0, 1e-300, -1e-300, 7.0, 3.0}, {std::nextafter(1.0, 2.0), 1.0}};
  for (const std::vector<double>& v : cases) {
    const auto axis = mmc::neighbors::sort_axis(v.data(), static_cast<Index>(v.size()), 1);
    EXPECT_EQ(mmc::neighbors::has_repeated_value(axis.view()), pairwise(v)) << "size " << v.size();
  }
  for (Shape shape : {Shape::continuous, Shape::ties, Shape::constant}) {
    const std::vector<double> v = make_column(500, 1, shape, 4);
    const auto axis = mmc::neighbors::sort_axis(v.data(), 500, 1);
    EXPECT_EQ(mmc::neighbors::has_repeated_value(axis.view()), pairwise(v));
  }
  // A single repeat at every sorted position around the chunks of 256 pairs
  // the search compares at once (first pair, chunk ends and starts, last).
  for (const Index at : {1, 2, 255, 256, 257, 258, 511, 512, 513, 998, 999}) {
    std::vector<double> v(1000);
    for (Index i = 0; i < 1000; ++i) v[static_cast<std::size_t>(i)] = 0.5 * static_cast<double>(i);
    v[static_cast<std::size_t>(at)] = v[static_cast<std::size_t>(at - 1)];
    const auto axis = mmc::neighbors::sort_axis(v.data(), 1000, 1);
    EXPECT_TRUE(mmc::neighbors::has_repeated_value(axis.view())) << at;
    v[static_cast<std::size_t>(at)] = std::nextafter(v[static_cast<std::size_t>(at - 1)], 1e9);
    EXPECT_FALSE(mmc::neighbors::has_repeated_value(mmc::neighbors::sort_axis(v.data(), 1000, 1).view())) << at;
  }
}

TEST(LargeVector, SmallAndHugeBlocksBehaveAsVectors) {
  for (std::size_t n : {std::size_t{0}, std::size_t{10}, std::size_t{1} << 18, (std::size_t{3} << 20) + 5}) {
    mmc::LargeVector<double> v(n);  // default-initialised: written before read
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(i);
    if (n * sizeof(double) >= mmc::LargeAllocator<double>::kHugePageBytes) {
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.data()) % mmc::LargeAllocator<double>::kHugePageBytes, 0u);
    }
    v.push_back(-1.0);  // reallocation copies the old elements
    ASSERT_EQ(v.size(), n + 1);
    for (std::size_t i = 0; i < n; ++i) ASSERT_EQ(v[i], static_cast<double>(i));
    EXPECT_EQ(v.back(), -1.0);
    const mmc::LargeVector<double> filled(n, 2.5);  // value construction still fills
    EXPECT_EQ(std::count(filled.begin(), filled.end(), 2.5), static_cast<std::ptrdiff_t>(n));
    mmc::LargeVector<double> moved = std::move(v);
    EXPECT_EQ(moved.size(), n + 1);
  }
}

}  // namespace
