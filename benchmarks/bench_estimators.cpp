// bench_estimators — speed of every mmc MI estimator over N and d (Google
// Benchmark; docs/design.md §6 "Benchmarks"). scripts/collect_benchmarks.py
// turns its JSON into the tables of docs/benchmarks.md.
//
// Data: x, y with d columns each, pairs (x_j, y_j) bivariate normal with
// rho = 0.5 (data/gaussian.hpp, seed 2024), generated once per (N, d) outside
// the timed loop.
// Every estimate runs on ONE thread (threads = 1), so the numbers compare with
// single-threaded peers and are less sensitive to other load on the machine;
// knn/ksg1_threads shows the 2-thread speed-up of KSG.
//
// Grids (benchmark names are "family/estimator/N:<N>/d:<d per side>"):
//   ksg1, ksg2, kl, mixed   N = 1e3, 1e4, 1e5 x d = 1, 2, 5, 10, 20, without
//                           N = 1e5 at d >= 10 (a kd-tree in 20-40 dimensions is
//                           a brute-force scan: minutes), plus N = 1e6 at d = 1;
//   binned                  N = 1e3 .. 1e6 x d = 1, 2, 5, 10, 20;
//   gknn                    N = 1e3, 1e4, 1e5 x d = 1, 2, 5 (k = max(3, 2d) >= joint d);
//   lnc                     N = 1e3, 1e4, 1e5 x d = 1 (k = 3), 5 (k = 11): the joint
//                           dimensions with a tabulated alpha;
//   knn/kl_entropy          KL entropy H(X) of the d-column x (the 3KL terms alone),
//                           N = 1e3 .. 1e6 (d = 1), 1e5 (d = 5, 20 at 1e3, 1e4);
//   knn/ksg_cmi             KSG-1 conditional MI I(X;Y|Z), z = x + (y in reversed
//                           row order), N = 1e3 .. 1e5 x d = 1, 2, 5 (not 1e5 at d = 5);
//   knn/ross                labels (3 classes: the signs of x_0 and y_0) vs the
//                           d-column x, N = 1e3 .. 1e6 (d = 1), 1e5 (d = 2, 5, 20);
//   knn/plugin              discrete MI of x_0 and y_0 cut into 10 equal-count
//                           bins, N = 1e3 .. 1e6 (counting: no d);
//   neural/cene/step        CENE H(labels | x) classifier, 100 steps, d = 1, 5, 20;
//   neural/<est>/step       time per training step (100 steps of the default
//                           network and batch, one held-out evaluation at the
//                           end, divided by 100; counter "steps/s"), N = 5000,
//                           d = 1, 5, 20 (DoE: 100 steps of each of its two
//                           CENE networks);
//   neural/<est>/estimate   one full estimate at the defaults (3000 steps; DoE:
//                           4000 with early stopping), N = 5000, d = 5.
// Counters: items_per_second = points/s (kNN) or steps/s (neural step); mi = the
// estimate, a sanity check (0.144 nats per pair).
//
// Run: meson setup build-bench-rel --buildtype=release
//      ninja -C build-bench-rel benchmarks/bench_estimators
//      build-bench-rel/benchmarks/bench_estimators --benchmark_filter=knn/ksg1
#include <benchmark/benchmark.h>

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/data/gaussian.hpp"
#include "mmc/estimators/knn_dispatch.hpp"
#include "mmc/estimators/neural_dispatch.hpp"
#include "mmc/knn/binned.hpp"
#include "mmc/knn/geometric.hpp"
#include "mmc/knn/kl_entropy.hpp"
#include "mmc/knn/ksg.hpp"
#include "mmc/knn/ksg_conditional.hpp"
#include "mmc/knn/lnc.hpp"
#include "mmc/knn/mixed.hpp"
#include "mmc/knn/plugin.hpp"
#include "mmc/knn/ross.hpp"
#include "mmc/neural/cene.hpp"
#include "mmc/neural/doe.hpp"
#include "mmc/neural/neural_mi.hpp"

namespace {

using mmc::Index;
using Matrix = mmc::RowMatrix<double>;

const std::pair<Matrix, Matrix>& data(Index n, Index d) {
  static std::map<std::pair<Index, Index>, std::pair<Matrix, Matrix>> cache;
  auto& entry = cache[{n, d}];
  if (entry.first.rows() != n) {
    const std::vector<double> rho(static_cast<std::size_t>(d), 0.5);
    auto task = mmc::data::correlated_gaussian_task(rho, n, 2024);
    entry = {std::move(task.x), std::move(task.y)};
  }
  return entry;
}

using Estimate = std::function<double(const Matrix&, const Matrix&)>;

/// A kNN-family or discrete estimator of the registry (mmc/estimators/) with
/// k neighbours on `threads` threads.
Estimate knn_estimator(const std::string& name, Index k, int threads) {
  namespace est = mmc::estimators;
  const est::Estimator id = est::parse(est::kMutualInformation, name, "bench_estimators", "name").id;
  est::NonNeuralOptions o;
  o.knn.k = k;
  o.knn.threads = threads;
  return [id, o](const Matrix& x, const Matrix& y) { return est::estimate_mi(id, x, y, o).value; };
}

/// Registers `run` (returns the estimate, reported as counter "mi") as a
/// millisecond, real-time benchmark on data(n, d), generated before the timed
/// loop; items_per_second counts `items_per_iteration` per call. `single_run`:
/// one iteration is long enough to time (>= ~0.1 s), so it is not repeated.
void register_timed(const std::string& name, Index n, Index d, double items_per_iteration,
                    bool single_run, std::function<double()> run) {
  auto* b = benchmark::RegisterBenchmark(name.c_str(), [=](benchmark::State& state) {
    data(n, d);  // generate (and cache) outside the timing
    double value = 0;
    for (auto _ : state) {
      value = run();
      benchmark::DoNotOptimize(value);
    }
    state.SetItemsProcessed(
        static_cast<int64_t>(static_cast<double>(state.iterations()) * items_per_iteration));
    state.counters["mi"] = value;
  });
  b->Unit(benchmark::kMillisecond)->UseRealTime();
  if (single_run) b->Iterations(1);
}

std::string name_of(const std::string& prefix, Index n, Index d) {
  return prefix + "/N:" + std::to_string(n) + "/d:" + std::to_string(d);
}

void register_knn(const std::string& est, Index n, Index d, int threads = 1,
                  const std::string& family = "knn/") {
  const Index k = est == "gknn" ? std::max<Index>(3, 2 * d) : est == "lnc" && d > 1 ? 2 * d + 1 : 3;
  const Estimate e = knn_estimator(est, k, threads);
  std::string name = name_of(family + est, n, d);
  if (family != "knn/") name += "/threads:" + std::to_string(threads);
  register_timed(name, n, d, static_cast<double>(n), n * d >= 200000,
                 [=] { return e(data(n, d).first, data(n, d).second); });
}

/// A neural MI estimator of the registry with `steps` steps (0: its default)
/// and one held-out evaluation at the end, on one thread.
Estimate neural(const std::string& name, Index steps) {
  namespace est = mmc::estimators;
  const est::Estimator id = est::parse(est::kMutualInformation, name, "bench_estimators", "name").id;
  return est::visit_neural_mi<float, mmc::nn::CpuBackend<float>>(id, [steps]<class Estimator>() -> Estimate {
    typename Estimator::Options o;
    if (steps > 0) {
      o.steps = steps;
      o.eval_interval = steps;  // one held-out evaluation, at the end
    }
    o.threads = 1;
    return [o](const Matrix& x, const Matrix& y) { return Estimator(o).estimate(x, y).value; };
  });
}

/// A third block for I(X;Y|Z): x plus independent noise (so Z explains part of X).
const Matrix& conditioning(Index n, Index d) {
  static std::map<std::pair<Index, Index>, Matrix> cache;
  auto& z = cache[{n, d}];
  if (z.rows() != n) z = data(n, d).first + data(n, d).second.reverse();  // reversed rows: independent of (x, y) pairs
  return z;
}

/// Three classes from the signs of x_0 and y_0 (sum of two indicators).
Eigen::VectorXi sign_labels(Index n, Index d) {
  const auto& [x, y] = data(n, d);
  Eigen::VectorXi labels(n);
  for (Index i = 0; i < n; ++i) labels(i) = (x(i, 0) > 0 ? 1 : 0) + (y(i, 0) > 0 ? 1 : 0);
  return labels;
}

/// Column 0 of m cut into `bins` equal-count bins (ranks), as integer codes.
Eigen::VectorXi quantile_codes(const Matrix& m, int bins) {
  const Index n = m.rows();
  std::vector<Index> order(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) order[static_cast<std::size_t>(i)] = i;
  std::sort(order.begin(), order.end(), [&](Index a, Index b) { return m(a, 0) < m(b, 0); });
  Eigen::VectorXi codes(n);
  for (Index r = 0; r < n; ++r)
    codes(order[static_cast<std::size_t>(r)]) = static_cast<int>(r * bins / n);
  return codes;
}

void register_other_knn() {
  namespace knn = mmc::knn;
  knn::KlEntropyOptions kl;
  kl.threads = 1;
  knn::KsgOptions cmi;
  cmi.threads = 1;
  knn::RossOptions ross;
  ross.threads = 1;
  const std::vector<std::pair<Index, Index>> entropy_grid = {
      {1000, 1}, {10000, 1}, {100000, 1}, {1000000, 1}, {1000, 5}, {10000, 5}, {100000, 5},
      {1000, 20}, {10000, 20}};
  for (const auto& [n, d] : entropy_grid)
    register_timed(name_of("knn/kl_entropy", n, d), n, d, static_cast<double>(n), n * d >= 200000,
                   [=] { return knn::KlEntropy(kl).estimate(data(n, d).first).value; });
  for (Index d : {1, 2, 5})
    for (Index n : {1000, 10000, 100000}) {
      if (n == 100000 && d == 5) continue;  // 3 x 5 dims at 1e5: ~15 s, long for the grid
      register_timed(name_of("knn/ksg_cmi", n, d), n, d, static_cast<double>(n), n * d >= 200000, [=] {
        return knn::KsgConditional(cmi).estimate(data(n, d).first, data(n, d).second,
                                                 conditioning(n, d)).value;
      });
    }
  const std::vector<std::pair<Index, Index>> ross_grid = {
      {1000, 1}, {10000, 1}, {100000, 1}, {1000000, 1}, {1000, 2}, {10000, 2}, {100000, 2},
      {1000, 5}, {10000, 5}, {100000, 5}, {1000, 20}, {10000, 20}};
  for (const auto& [n, d] : ross_grid) {
    const Eigen::VectorXi labels = sign_labels(n, d);
    register_timed(name_of("knn/ross", n, d), n, d, static_cast<double>(n), n * d >= 200000,
                   [=] { return knn::Ross(ross).estimate(data(n, d).first, labels).value; });
  }
  for (Index n : {1000, 10000, 100000, 1000000}) {
    const Eigen::VectorXi a = quantile_codes(data(n, 1).first, 10);
    const Eigen::VectorXi b = quantile_codes(data(n, 1).second, 10);
    register_timed(name_of("knn/plugin", n, 1), n, 1, static_cast<double>(n), false,
                   [=] { return knn::PluginMutualInformation().estimate(a, b).value; });
  }
}

void register_all() {
  register_other_knn();
  const Index k3 = 1000, k4 = 10000, k5 = 100000, k6 = 1000000;
  for (const std::string est : {"ksg1", "ksg2", "kl", "mixed", "binned"}) {
    for (Index d : {1, 2, 5, 10, 20}) {
      for (Index n : {k3, k4, k5, k6}) {
        if (n == k5 && d >= 10 && est != "binned") continue;
        if (n == k6 && d > 1 && est != "binned") continue;
        register_knn(est, n, d);
      }
    }
  }
  for (Index d : {1, 2, 5})
    for (Index n : {k3, k4, k5}) register_knn("gknn", n, d);
  for (Index d : {1, 5})
    for (Index n : {k3, k4, k5}) register_knn("lnc", n, d);
  for (int threads : {1, 2}) {
    register_knn("ksg1", k6, 1, threads, "knn_threads/");
    register_knn("ksg1", k5, 5, threads, "knn_threads/");
  }
  const Index step_count = 100;
  const auto steps = static_cast<double>(step_count);
  for (const std::string est : {"mine", "nwj", "infonce", "js", "smile", "doe"}) {
    for (Index d : {1, 5, 20}) {
      const Estimate e = neural(est, step_count);
      register_timed(name_of("neural/" + est + "/step", 5000, d), 5000, d, steps, true,
                     [=] { return e(data(5000, d).first, data(5000, d).second); });
    }
  }
  for (Index d : {1, 5, 20}) {
    mmc::neural::CeneOptions o;
    o.steps = step_count;
    o.eval_interval = step_count;
    o.threads = 1;
    const Eigen::VectorXi labels = sign_labels(5000, d);
    // Counter "mi" holds H(labels | x) here, not an MI.
    register_timed(name_of("neural/cene/step", 5000, d), 5000, d, steps, true, [=] {
      return mmc::neural::Cene<>(o).estimate(labels, data(5000, d).first).value;
    });
  }
  for (const std::string est : {"mine", "nwj", "infonce", "js", "smile", "doe"}) {
    const Estimate e = neural(est, 0);
    register_timed(name_of("neural/" + est + "/estimate", 5000, 5), 5000, 5, 1.0, true,
                   [=] { return e(data(5000, 5).first, data(5000, 5).second); });
  }
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
