// bench_permutation — a KSG permutation test (mmc/estimators/permutation.hpp)
// against the same number of independent KSG estimates (docs/significance.md).
//
// permutation_test/ksg1/N/d: permutation_test_mi(ksg1, x, y, R = 100), i.e.
// the estimate plus 100 null values, which reuse the marginal searchers of x
// and y (knn::detail::KsgPermuted) and standardise x and y once.
// independent/ksg1/N/d: 100 calls of estimate_mi(ksg1, x, y_r) on shuffled
// copies of y (shuffled outside the timed loop), each building everything.
// Both with threads = 1, so the ratio is the saving of the reuse alone; the
// row with threads = 2 shows the permutations running in parallel.
// Data: (x_j, y_j) bivariate normal, rho = 0.5, d columns each.
//
// Run: meson setup build-rel --buildtype=release
//      ninja -C build-rel benchmarks/bench_permutation && ./build-rel/benchmarks/bench_permutation
#include <benchmark/benchmark.h>

#include <cmath>
#include <numeric>
#include <vector>

#include <mmc/core/rng.hpp>
#include <mmc/core/types.hpp>
#include <mmc/estimators/permutation.hpp>

namespace {

using Matrix = mmc::RowMatrix<double>;
namespace est = mmc::estimators;
constexpr mmc::Index kPermutations = 100;

struct Data {
  Matrix x, y;
};

Data correlated_data(mmc::Index n, mmc::Index d) {
  constexpr double rho = 0.5;
  mmc::Rng rng(2024, static_cast<std::uint64_t>(d));
  Data data{Matrix(n, d), Matrix(n, d)};
  for (mmc::Index i = 0; i < n; ++i) {
    for (mmc::Index j = 0; j < d; ++j) {
      data.x(i, j) = rng.normal();
      data.y(i, j) = rho * data.x(i, j) + std::sqrt(1 - rho * rho) * rng.normal();
    }
  }
  return data;
}

est::NonNeuralOptions single_thread() {
  est::NonNeuralOptions o;
  o.knn.k = 3;
  o.knn.threads = 1;
  return o;
}

void permutation_test(benchmark::State& state) {
  const Data data = correlated_data(state.range(0), state.range(1));
  est::NonNeuralOptions o = single_thread();
  o.knn.threads = static_cast<int>(state.range(2));
  for (auto _ : state) {
    const auto r = est::permutation_test_mi(est::Estimator::ksg1, data.x, data.y, o, kPermutations, 1);
    benchmark::DoNotOptimize(r.p_value);
  }
  state.counters["estimates"] = static_cast<double>(kPermutations);
}

void independent(benchmark::State& state) {
  const mmc::Index n = state.range(0);
  const Data data = correlated_data(n, state.range(1));
  const est::NonNeuralOptions o = single_thread();
  std::vector<Matrix> shuffled;
  for (mmc::Index r = 0; r < kPermutations; ++r) {
    std::vector<mmc::Index> order(static_cast<std::size_t>(n));
    std::iota(order.begin(), order.end(), mmc::Index{0});
    mmc::Rng rng(1, static_cast<std::uint64_t>(r));
    rng.shuffle(order.begin(), order.end());
    Matrix y_r(n, data.y.cols());
    for (mmc::Index i = 0; i < n; ++i) y_r.row(i) = data.y.row(order[static_cast<std::size_t>(i)]);
    shuffled.push_back(std::move(y_r));
  }
  for (auto _ : state) {
    double sum = 0.0;
    for (const Matrix& y_r : shuffled) sum += est::estimate_mi(est::Estimator::ksg1, data.x, y_r, o).value;
    benchmark::DoNotOptimize(sum);
  }
  state.counters["estimates"] = static_cast<double>(kPermutations);
}

}  // namespace

BENCHMARK(permutation_test)->Name("permutation_test/ksg1")->ArgNames({"n", "d", "threads"})
    ->Args({10000, 1, 1})->Args({10000, 5, 1})->Args({10000, 1, 2})
    ->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(independent)->Name("independent/ksg1")->ArgNames({"n", "d"})->Args({10000, 1})->Args({10000, 5})
    ->Unit(benchmark::kMillisecond)->Iterations(3);

BENCHMARK_MAIN();
