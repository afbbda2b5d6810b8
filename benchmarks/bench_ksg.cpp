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

#include <algorithm>
#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <mmc/core/rng.hpp>
#include <mmc/core/types.hpp>
#include <mmc/knn/detail/ksg_plane.hpp>
#include <mmc/knn/ksg.hpp>
#include <mmc/neighbors/axis_order.hpp>

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

// Seconds per phase of a benchmark that times its phases one after another:
// `auto lap = seconds.start();` at the top of each iteration, lap("phase")
// after each phase; report() writes "<phase>_s" counters per iteration.
class PhaseSeconds {
 public:
  auto start() {
    return [this, begin = std::chrono::steady_clock::now()](const char* phase) mutable {
      const auto now = std::chrono::steady_clock::now();
      totals_[phase] += std::chrono::duration<double>(now - begin).count();
      begin = now;
    };
  }
  void report(benchmark::State& state) const {
    const auto iterations = static_cast<double>(state.iterations());
    for (const auto& [phase, total] : totals_) state.counters[phase + "_s"] = total / iterations;
  }

 private:
  std::map<std::string, double> totals_;
};

// x and y copied, checked and standardised as Ksg::estimate prepares them
// (the "prepare" phase of the phase benchmarks).
std::pair<Matrix, Matrix> prepared(const Matrix& x, const Matrix& y) {
  const mmc::knn::KsgOptions options;
  return {mmc::knn::detail::prepare("bench", "x", x, options, 0), mmc::knn::detail::prepare("bench", "y", y, options, 1)};
}

// Both copies standardised, as the mmc program does by default (--standardize).
void standardize_both(Matrix& x, Matrix& y, int threads) {
  mmc::standardize_columns(x, "bench", "x", threads);
  mmc::standardize_columns(y, "bench", "y", threads);
}

// The 1 + 1 path (knn/detail/ksg_plane.hpp) phase by phase, one estimate per
// iteration, each phase timed on its own (seconds, counters): the input copy
// and checks (prepare), standardisation (the mmc program's default), the two
// axis sorts, the grid build, the joint k-NN
// pass, the two marginal count passes and the final combination. With 2
// threads the phases that stay near their 1-thread time are the serial ones.
// Arguments: N, threads.
void BM_Ksg1PlanePhases(benchmark::State& state) {
  namespace detail = mmc::knn::detail;
  const mmc::Index n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const auto& [x, y] = correlated_data(n, 1);
  PhaseSeconds seconds;
  double value = 0;
  for (auto _ : state) {
    auto lap = seconds.start();
    auto [xs, ys] = prepared(x, y);
    lap("prepare");
    standardize_both(xs, ys, threads);
    lap("standardize");
    const auto ax = mmc::neighbors::sort_axis(xs.data(), n, 1, threads);
    const auto ay = mmc::neighbors::sort_axis(ys.data(), n, 1, threads);
    lap("sort");
    mmc::LargeVector<double> psi_x, psi_y;
    mmc::LargeVector<signed char> tied;
    {
      const mmc::neighbors::Grid2D grid(ax.view(), ay.view(), threads);
      lap("grid");
      // As the estimator: the tie flags only where a column repeats a value.
      const bool may_tie = detail::plane_may_tie(ax.view(), ay.view());
      detail::ksg_plane_radii(grid, 3, true, threads, psi_x, psi_y, may_tie ? &tied : nullptr);
      lap("joint_knn");
    }
    const detail::DigammaTable psi(n);
    detail::ksg_plane_psi_of_counts(ax.view(), psi_x, true, psi, threads);
    lap("count_x");
    detail::ksg_plane_psi_of_counts(ay.view(), psi_y, true, psi, threads);
    lap("count_y");
    // As the estimator: the local values in parallel, their compensated mean.
    value = detail::finish(detail::ksg_plane_combine(ax.view(), ay.view(), psi(3) + psi(n), psi_x, psi_y, threads), 3)
                .value;
    benchmark::DoNotOptimize(value);
    lap("combine");
  }
  seconds.report(state);
  state.counters["mi"] = value;
}

BENCHMARK(BM_Ksg1PlanePhases)
    ->Args({1000000, 1})
    ->Args({1000000, 2})
    ->ArgNames({"N", "threads"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The kd-tree path (any dimensions other than 1 + 1; knn/ksg.hpp
// ksg_tree_local_values) phase by phase, as BM_Ksg1PlanePhases: input copy and
// checks, standardisation, the joint tree's build, the joint k-NN pass, each marginal tree's
// build and count pass, the final combination. Arguments: N, dimension of
// each side, threads, 100 rho.
void BM_Ksg1TreePhases(benchmark::State& state) {
  namespace detail = mmc::knn::detail;
  const mmc::Index n = state.range(0), d = state.range(1);
  const int threads = static_cast<int>(state.range(2));
  const auto& [x, y] = correlated_data(n, d, static_cast<double>(state.range(3)) / 100.0);
  PhaseSeconds seconds;
  double value = 0;
  for (auto _ : state) {
    auto lap = seconds.start();
    auto [xs, ys] = prepared(x, y);
    lap("prepare");
    standardize_both(xs, ys, threads);
    lap("standardize");
    std::vector<double> radius, unused;
    {
      const mmc::neighbors::KdTree<double> joint = detail::ksg_joint_tree(xs, ys, threads);
      lap("joint_tree");
      detail::ksg_radii(joint, d, d, 3, true, threads, radius, unused, nullptr);
      lap("joint_knn");
    }
    std::vector<mmc::Index> counts[2];
    for (int side = 0; side < 2; ++side) {
      const Matrix& m = side == 0 ? xs : ys;
      const mmc::neighbors::Searcher<double> searcher(m.data(), n, d, mmc::Norm::max, detail::kCountLeafSize,
                                                      threads);
      lap(side == 0 ? "tree_x" : "tree_y");
      counts[side] = detail::count_others(searcher, radius, true, threads);
      lap(side == 0 ? "count_x" : "count_y");
    }
    value = detail::ksg_local_from_counts(counts[0], counts[1], 3, true, threads).mean();
    benchmark::DoNotOptimize(value);
    lap("combine");
  }
  seconds.report(state);
  state.counters["mi"] = value;
}

BENCHMARK(BM_Ksg1TreePhases)
    ->ArgsProduct({{100000}, {5}, {1, 2}, {50, 90}})
    ->ArgNames({"N", "d", "threads", "rho100"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The k-NN lists of every point of `tree` (k per point, in storage order),
// one by one (KdTree::knn) or a leaf at a time (KdTree::knn_of_leaf), once per
// benchmark iteration.
void knn_passes(benchmark::State& state, const mmc::neighbors::KdTree<double>& tree, mmc::Index k,
                bool batched) {
  const mmc::Index n = tree.size();
  std::vector<double> distances(static_cast<std::size_t>(n * k));
  std::vector<mmc::Index> indices(static_cast<std::size_t>(n * k));
  for (auto _ : state) {
    if (batched) {
      for (mmc::Index l = 0; l < tree.leaf_count(); ++l) {
        const mmc::Index row = tree.leaf_begin(l) * k;
        tree.knn_of_leaf(l, k, distances.data() + row, indices.data() + row);
      }
    } else {
      for (mmc::Index p = 0; p < n; ++p)
        tree.knn(tree.point_at_position(p), k, tree.original_index(p), distances.data() + p * k, indices.data() + p * k);
    }
    benchmark::DoNotOptimize(distances.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

// One k-NN pass (k = 3) over every point of a max-norm kd-tree, the queries
// one by one (KdTree::knn in storage order, batched = 0) or a leaf at a time
// (KdTree::knn_of_leaf, batched = 1), one thread, on [x | y] of BM_Ksg1's
// data (rho = 0.9) with the leaf size the estimators use. Arguments: N,
// dimension of each side, batched.
void BM_KdTreeKnnPass(benchmark::State& state) {
  const mmc::Index n = state.range(0), d = state.range(1), k = 3;
  const bool batched = state.range(2) != 0;
  const auto& [x, y] = correlated_data(n, d, 0.9);
  const mmc::neighbors::KdTree<double> tree = mmc::knn::detail::ksg_joint_tree(x, y, 1);
  knn_passes(state, tree, k, batched);
}

BENCHMARK(BM_KdTreeKnnPass)
    ->ArgsProduct({{100000}, {2, 3, 5}, {0, 1}})
    ->Args({1000000, 1, 0})
    ->Args({1000000, 1, 1})
    ->ArgNames({"N", "d", "batched"})
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

// The same pass under the Euclidean norm, as geometric kNN and Euclidean KL
// entropy run it: the tree over [x | y] with the given leaf size, k = the
// geometric estimator's max(3, 2 d) for the joint space of 2 d axes, queries
// one by one (batched = 0, the path before Euclidean leaf batches) or a leaf
// at a time. Arguments: N, dimension of each side, leaf size, batched.
void BM_EuclideanKnnPass(benchmark::State& state) {
  const mmc::Index n = state.range(0), d = state.range(1), leaf = state.range(2);
  const mmc::Index k = std::max<mmc::Index>(3, 2 * d);
  const bool batched = state.range(3) != 0;
  const auto& [x, y] = correlated_data(n, d, 0.9);
  mmc::RowMatrix<double> joint(n, 2 * d);
  joint << x, y;
  const mmc::neighbors::KdTree<double> tree(joint.data(), n, 2 * d, mmc::Norm::euclidean, leaf, 1);
  knn_passes(state, tree, k, batched);
}

BENCHMARK(BM_EuclideanKnnPass)
    ->ArgsProduct({{100000}, {1, 2, 5}, {8, 16, 32, 64}, {0, 1}})
    ->ArgNames({"N", "d", "leaf", "batched"})
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

// neighbors::sort_axis alone (the "sort" phase, one column): N standard
// normal doubles (x of correlated_data), one sort per iteration, including
// its allocations, as an estimate pays them.
// Arguments: N, threads.
void BM_SortAxis(benchmark::State& state) {
  const mmc::Index n = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  const Matrix& x = correlated_data(n, 1).first;
  for (auto _ : state) {
    const auto axis = mmc::neighbors::sort_axis(x.data(), n, 1, threads);
    benchmark::DoNotOptimize(axis.order.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

BENCHMARK(BM_SortAxis)
    ->ArgsProduct({{1000000, 10000000}, {1, 2}})
    ->ArgNames({"N", "threads"})
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
