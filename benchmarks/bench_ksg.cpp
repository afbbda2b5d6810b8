// bench_ksg — speed and memory of KSG algorithm 1 (docs/design.md §6 targets on a 2-core
// machine: N = 1e6 with 1+1 dimensions under 1 s and N = 1e5 with 5+5 under 3 s,
// with 2 threads; memory O(N)).
//
// Data: x, y with d columns each, (x_j, y_j) bivariate normal with rho = 0.5
// (BM_Ksg1Rho: the rho of its argument),
// generated once per size outside the timed loop. Counters: points/s
// (items_per_second), peak_MiB = the process's peak resident memory during the
// benchmark (VmHWM, reset before each benchmark through /proc/self/clear_refs),
// extra_MiB = peak_MiB minus the resident memory before it (the input data and
// the program), i.e. what the estimator allocated.
//
// Run: meson setup build-release --buildtype=release
//      ninja -C build-release benchmarks/bench_ksg && ./build-release/benchmarks/bench_ksg
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <utility>

#include <mmc/core/rng.hpp>
#include <mmc/core/types.hpp>
#include <mmc/knn/detail/ksg_plane.hpp>
#include <mmc/knn/ksg.hpp>

namespace {

using Matrix = mmc::RowMatrix<double>;

const std::pair<Matrix, Matrix>& correlated_data(mmc::Index n, mmc::Index d, double rho = 0.5) {
  static std::map<std::tuple<mmc::Index, mmc::Index, double>, std::pair<Matrix, Matrix>> cache;
  auto& entry = cache[{n, d, rho}];
  if (entry.first.rows() != n) {
    mmc::Rng rng(2024, static_cast<std::uint64_t>(d));
    entry.first.resize(n, d);
    entry.second.resize(n, d);
    for (mmc::Index i = 0; i < n; ++i) {
      for (mmc::Index j = 0; j < d; ++j) {
        entry.first(i, j) = rng.normal();
        entry.second(i, j) = rho * entry.first(i, j) + std::sqrt(1 - rho * rho) * rng.normal();
      }
    }
  }
  return entry;
}

// Reads a "VmXXX:  <kB> kB" line of /proc/self/status, in MiB (0 if absent).
double status_mib(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stod(line.substr(key.size() + 1)) / 1024.0;
  }
  return 0.0;
}

void reset_peak_memory() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";  // resets VmHWM to the current resident size (Linux >= 4.0)
}

// Arguments: N, dimension of each side, threads.
void ksg1_estimates(benchmark::State& state, double rho) {
  const mmc::Index n = state.range(0), d = state.range(1);
  const auto& [x, y] = correlated_data(n, d, rho);
  mmc::knn::KsgOptions options;
  options.threads = static_cast<int>(state.range(2));
  reset_peak_memory();
  const double before = status_mib("VmRSS");
  double value = 0;
  for (auto _ : state) {
    value = mmc::knn::Ksg(options).estimate(x, y).value;
    benchmark::DoNotOptimize(value);
  }
  const double peak = status_mib("VmHWM");
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["peak_MiB"] = peak;
  state.counters["extra_MiB"] = peak - before;
  state.counters["mi"] = value;
}

void BM_Ksg1(benchmark::State& state) { ksg1_estimates(state, 0.5); }

// The 1 + 1 path (knn/detail/ksg_plane.hpp) phase by phase, one estimate per
// iteration, each phase timed on its own (seconds, counters): the input copy
// and checks (prepare), the two axis sorts, the grid build, the joint k-NN
// pass, the two marginal count passes and the final combination. With 2
// threads the phases that stay near their 1-thread time are the serial ones.
// Arguments: N, threads.
void BM_Ksg1PlanePhases(benchmark::State& state) {
  namespace detail = mmc::knn::detail;
  using Clock = std::chrono::steady_clock;
  const mmc::Index n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const auto& [x, y] = correlated_data(n, 1);
  std::map<std::string, double> seconds;
  double value = 0;
  for (auto _ : state) {
    auto start = Clock::now();
    const auto lap = [&](const char* phase) {
      const auto now = Clock::now();
      seconds[phase] += std::chrono::duration<double>(now - start).count();
      start = now;
    };
    mmc::knn::KsgOptions options;
    const Matrix xs = detail::prepare("bench", "x", x, options, 0), ys = detail::prepare("bench", "y", y, options, 1);
    lap("prepare");
    const auto ax = mmc::neighbors::sort_axis(xs.data(), n, 1, threads);
    const auto ay = mmc::neighbors::sort_axis(ys.data(), n, 1, threads);
    lap("sort");
    mmc::LargeVector<double> psi_x, psi_y;
    mmc::LargeVector<signed char> tied;
    {
      const mmc::neighbors::Grid2D grid(ax.view(), ay.view(), threads);
      lap("grid");
      detail::ksg_plane_radii(grid, 3, true, threads, psi_x, psi_y, &tied);
      lap("joint_knn");
    }
    const detail::DigammaTable psi(n);
    detail::ksg_plane_psi_of_counts(ax.view(), psi_x, true, psi, threads);
    lap("count_x");
    detail::ksg_plane_psi_of_counts(ay.view(), psi_y, true, psi, threads);
    lap("count_y");
    double sum = 0;
    for (mmc::Index i = 0; i < n; ++i)
      sum += psi(3) + psi(n) - psi_x[static_cast<std::size_t>(ax.rank[static_cast<std::size_t>(i)])] -
             psi_y[static_cast<std::size_t>(ay.rank[static_cast<std::size_t>(i)])];
    value = sum / static_cast<double>(n);
    benchmark::DoNotOptimize(value);
    lap("combine");
  }
  const auto iterations = static_cast<double>(state.iterations());
  for (const auto& [phase, total] : seconds) state.counters[phase + "_s"] = total / iterations;
  state.counters["mi"] = value;
}

BENCHMARK(BM_Ksg1PlanePhases)
    ->Args({1000000, 1})
    ->Args({1000000, 2})
    ->ArgNames({"N", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// Time against N for the 1 + 1 path, 10^4 to 10^7 (docs/benchmarks.md plots
// it with scripts/plot_scaling.py). One estimate per iteration, as BM_Ksg1.
void BM_Ksg1Scale(benchmark::State& state) { BM_Ksg1(state); }

void scale_sizes(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2})
    for (long n : {10000L, 30000L, 100000L, 300000L, 1000000L, 3000000L, 10000000L}) b->Args({n, 1, threads});
}

BENCHMARK(BM_Ksg1Scale)
    ->Apply(scale_sizes)
    ->ArgNames({"N", "d", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The 1 + 1 path against the dependence: the rank grid's cells fill unevenly
// as rho grows (the points crowd the diagonal), which Grid2D's bin count
// answers (neighbors/grid_2d.hpp).
// Arguments as BM_Ksg1, then 100 rho.
void BM_Ksg1Rho(benchmark::State& state) {
  ksg1_estimates(state, static_cast<double>(state.range(3)) / 100.0);
}

BENCHMARK(BM_Ksg1Rho)
    ->ArgsProduct({{1000000}, {1}, {1, 2}, {0, 50, 90, 99}})
    ->ArgNames({"N", "d", "threads", "rho100"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

void sizes(benchmark::internal::Benchmark* b) {
  for (int threads : {1, 2}) {
    for (long n : {1000L, 10000L, 100000L, 1000000L}) b->Args({n, 1, threads});
    for (long n : {1000L, 10000L, 100000L}) b->Args({n, 5, threads});
  }
}

BENCHMARK(BM_Ksg1)->Apply(sizes)->ArgNames({"N", "d", "threads"})->UseRealTime()->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
