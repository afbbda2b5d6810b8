// accuracy_suite — bias, standard deviation and time of every mmc MI estimator
// on the ground-truth task family (docs/design.md §3.5, §6 "Accuracy suite").
//
// Tasks (all with closed-form I(X;Y), data/gaussian.hpp, student.hpp, transforms.hpp):
//   gaussian  1+1 pairs, rho 0.5 and 0.9
//   high-mi   1+1 pairs, rho 0.99 and 0.999; 5+5 pairs, rho 0.99 (9.8 nats > log 512)
//   dense     d+d, every correlation 0.5, d = 3, 10, 25
//   sparse    d+d, two pairs with rho 0.8 (I = 1.02 nats for every d), d = 2, 5, 10, 25
//   student   2+2 multivariate t, identity dispersion, nu = 1, 2, 3
//   transform half-cube, asinh, normal-CDF, spiral of sparse_d2 (same MI)
// Estimators (library defaults, inputs standardised as the CLI does): ksg1, ksg2,
// kl (3KL, max-norm), gknn (the smallest k it allows, max(3, d_x + d_y)) and
// gknn_bigk (k = max(10, 3 (d_x + d_y)), the docs' advice), both for
// d_x + d_y <= 10, lnc (k = 3 at d = 2, else d + 1, only where the authors
// tabulated alpha), mixed, binned (10 equal-width bins per column,
// Miller-Madow), and the neural mine, nwj, infonce, js, smile, doe (default
// networks and batch, fewer steps).
//
// Budget (full run, 2 cores, < 20 min): kNN cells over N = 1000, 5000, 10 000
// with 10 seeds, but 5 / 3 seeds at N = 5000 / 10 000 when d_x + d_y >= 20;
// mixed skips d = 25 (its counts cost 2-3x KSG's there); neural estimators run
// 400 training steps (default 3000; 4000 for DoE) on 6 of the tasks at
// N = 5000 and 10 000 with 2 seeds. The plan is printed first and written to
// accuracy.md. `--seeds S` gives every cell S seeds instead.
//
// Runs are independent jobs (one estimator, one task, one seed) spread over
// `--threads` workers with mmc::parallel_for; each estimate runs on ONE thread,
// so the times are single-thread times and results never depend on --threads.
//
// Usage: accuracy_suite [--quick] [--out DIR] [--seeds S] [--threads T]
//                       [--filter A,B ...] [--steps S]
//   --quick    ksg1, ksg2, kl, binned, mine (100 steps) on 3 tasks, N = 1000,
//              2 seeds: seconds; exercised by tests/benchmarks.
//   --filter   comma-separated substrings of "estimator/task"; a cell runs when
//              it contains one of them; repeat --filter to require several.
//   --steps    training steps of the neural estimators.
// Writes accuracy.csv (one row per cell), accuracy_runs.csv (one per run),
// accuracy.md (plan + tables) and SVG plots into DIR (default: .).
#include <chrono>
#include <cstdio>
#include <exception>
#include <functional>
#include <mutex>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "accuracy_report.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/data/gaussian.hpp"
#include "mmc/data/student.hpp"
#include "mmc/data/transforms.hpp"
#include "mmc/estimators/knn_dispatch.hpp"
#include "mmc/estimators/neural_dispatch.hpp"
#include "mmc/knn/binned.hpp"
#include "mmc/knn/geometric.hpp"
#include "mmc/knn/kl_entropy.hpp"
#include "mmc/knn/ksg.hpp"
#include "mmc/knn/lnc.hpp"
#include "mmc/knn/mixed.hpp"
#include "mmc/neural/doe.hpp"
#include "mmc/neural/neural_mi.hpp"

namespace {

using mmc::Index;
using mmc::bench::Cell;
using mmc::bench::Run;
using mmc::data::MiTask;

struct Settings {
  bool quick = false;
  std::string out = ".";
  int seeds = 0;  // 0: the budget plan
  int threads = 0;
  long steps = 0;  // 0: 400 (full) or 100 (quick)
  std::vector<std::vector<std::string>> filters;
};

struct TaskDef {
  std::string name, family;
  Index dx, dy;
  double truth;
  std::function<MiTask(Index n, std::uint64_t seed)> make;
  bool neural;  // in the neural subset
};

std::vector<TaskDef> task_family() {
  using namespace mmc::data;
  std::vector<TaskDef> t;
  const auto pairs = [&](std::string name, std::string family, Index d, double rho, bool neural) {
    const std::vector<double> r(static_cast<std::size_t>(d), rho);
    t.push_back({std::move(name), std::move(family), d, d, gaussian_mi_pairs(r),
                 [r](Index n, std::uint64_t s) { return correlated_gaussian_task(r, n, s); }, neural});
  };
  pairs("gauss_1d_r0.5", "gaussian", 1, 0.5, false);
  pairs("gauss_1d_r0.9", "gaussian", 1, 0.9, true);
  pairs("highmi_1d_r0.99", "high-mi", 1, 0.99, false);
  pairs("highmi_1d_r0.999", "high-mi", 1, 0.999, true);
  pairs("highmi_5d_r0.99", "high-mi", 5, 0.99, true);
  for (Index d : {3, 10, 25}) {
    t.push_back({"dense_d" + std::to_string(d) + "_r0.5", "dense", d, d,
                 gaussian_mi(dense_covariance(d, d, 0.5), d),
                 [d](Index n, std::uint64_t s) { return dense_gaussian_task(d, d, 0.5, n, s); }, false});
  }
  const double sparse_mi = -std::log1p(-0.64);  // two pairs with rho = 0.8
  for (Index d : {2, 5, 10, 25}) {
    t.push_back({"sparse_d" + std::to_string(d), "sparse", d, d, sparse_mi,
                 [d](Index n, std::uint64_t s) { return sparse_gaussian_task(d, d, 2, 0.8, n, s); },
                 d == 25});
  }
  for (double nu : {1.0, 2.0, 3.0}) {
    t.push_back({"student_nu" + std::to_string(static_cast<int>(nu)), "student", 2, 2,
                 student_t_mi(2, 2, nu),
                 [nu](Index n, std::uint64_t s) { return student_t_task(2, 2, nu, n, s); }, nu == 1.0});
  }
  for (auto kind : {TransformKind::half_cube, TransformKind::asinh, TransformKind::normal_cdf,
                    TransformKind::spiral}) {
    t.push_back({std::string(transform_name(kind)) + "(sparse_d2)", "transform", 2, 2, sparse_mi,
                 [kind](Index n, std::uint64_t s) {
                   const Transform tr{kind, 1.0};
                   return transform_task(sparse_gaussian_task(2, 2, 2, 0.8, n, s), tr, tr);
                 },
                 kind == TransformKind::spiral});
  }
  return t;
}

const std::vector<std::string> kKnn = {"ksg1", "ksg2",  "kl",    "gknn",
                                       "gknn_bigk", "lnc", "mixed", "binned"};
const std::vector<std::string> kNeural = {"mine", "nwj", "infonce", "js", "smile", "doe"};

bool is_neural(const std::string& e) {
  return std::find(kNeural.begin(), kNeural.end(), e) != kNeural.end();
}

Index joint_dim(const TaskDef& t) { return t.dx + t.dy; }

Index knn_k(const std::string& e, const TaskDef& t) {
  if (e == "gknn") return std::max<Index>(3, joint_dim(t));
  if (e == "gknn_bigk") return std::max<Index>(10, 3 * joint_dim(t));
  if (e == "lnc") return joint_dim(t) == 2 ? 3 : joint_dim(t) + 1;
  return 3;
}

/// Whether the estimator runs on the task at all (empty string) or why not.
bool applicable(const std::string& e, const TaskDef& t) {
  if (is_neural(e)) return t.neural;
  if (e == "gknn" || e == "gknn_bigk") return joint_dim(t) <= 10;
  if (e == "lnc") return mmc::knn::detail::lnc_tabulated_alpha(joint_dim(t), knn_k(e, t)) > 0;
  if (e == "mixed") return t.dx < 25;
  return true;
}

double estimate(const std::string& e, const TaskDef& def, const MiTask& task, std::uint64_t seed,
                long steps) {
  namespace est = mmc::estimators;
  // gknn_bigk is gknn with a larger k (knn_k); every other name is the registry's.
  const std::string name = e == "gknn_bigk" ? "gknn" : e;
  const est::Estimator id = est::parse(est::kMutualInformation, name, "accuracy_suite", "estimator").id;
  if (is_neural(e)) {
    return est::visit_neural_mi<float, mmc::nn::CpuBackend<float>>(id, [&]<class Estimator>() {
      typename Estimator::Options o;
      o.steps = steps;
      o.seed = seed;
      o.threads = 1;
      return Estimator(o).estimate(task.x, task.y).value;
    });
  }
  est::NonNeuralOptions o;
  o.knn.k = knn_k(e, def);
  o.knn.standardize = true;
  o.knn.seed = seed;
  o.knn.threads = 1;
  return est::estimate_mi(id, task.x, task.y, o).value;
}

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) out.push_back(item);
  return out;
}

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument("missing value after " + a);
      return argv[++i];
    };
    if (a == "--quick") s.quick = true;
    else if (a == "--out") s.out = value();
    else if (a == "--seeds") s.seeds = std::stoi(value());
    else if (a == "--threads") s.threads = std::stoi(value());
    else if (a == "--steps") s.steps = std::stol(value());
    else if (a == "--filter") s.filters.push_back(split(value()));
    else if (a == "--help" || a == "-h") throw std::invalid_argument("help");
    else throw std::invalid_argument("unknown option " + a);
  }
  if (s.seeds < 0 || s.steps < 0) throw std::invalid_argument("--seeds and --steps must be >= 0");
  if (s.steps == 0) s.steps = s.quick ? 100 : 400;
  return s;
}

bool selected(const Settings& s, const std::string& estimator, const std::string& task) {
  const std::string key = estimator + "/" + task;
  for (const auto& any_of : s.filters) {
    bool hit = false;
    for (const auto& term : any_of) hit = hit || key.find(term) != std::string::npos;
    if (!hit) return false;
  }
  return true;
}

/// The cells to run (the budget plan of the header comment).
std::vector<Cell> plan(const Settings& s, const std::vector<TaskDef>& tasks) {
  std::vector<Cell> cells;
  const std::vector<std::string> quick_estimators = {"ksg1", "ksg2", "kl", "binned", "mine"};
  const std::vector<std::string> quick_tasks = {"gauss_1d_r0.9", "student_nu3", "spiral(sparse_d2)"};
  std::vector<std::string> estimators = s.quick ? quick_estimators : kKnn;
  if (!s.quick) estimators.insert(estimators.end(), kNeural.begin(), kNeural.end());
  for (const auto& e : estimators) {
    for (const auto& t : tasks) {
      const bool quick_task =
          std::find(quick_tasks.begin(), quick_tasks.end(), t.name) != quick_tasks.end();
      if (s.quick ? !quick_task : !applicable(e, t)) continue;
      if (!selected(s, e, t.name)) continue;
      const std::vector<long> ns = s.quick ? std::vector<long>{1000}
                                   : is_neural(e) ? std::vector<long>{5000, 10000}
                                                  : std::vector<long>{1000, 5000, 10000};
      for (long n : ns) {
        int seeds = s.quick ? 2 : is_neural(e) ? 2 : 10;
        if (!s.quick && !is_neural(e) && joint_dim(t) >= 20) seeds = n >= 10000 ? 3 : n >= 5000 ? 5 : 10;
        if (s.seeds > 0) seeds = s.seeds;
        const std::string settings =
            is_neural(e) ? "steps=" + std::to_string(s.steps)
            : e == "binned" ? "bins=10 equal-width"
                            : "k=" + std::to_string(knn_k(e, t));
        cells.push_back({e, is_neural(e) ? "neural" : "knn", t.name, t.family, static_cast<long>(t.dx),
                         static_cast<long>(t.dy), n, t.truth, seeds, settings});
      }
    }
  }
  return cells;
}

std::string plan_text(const std::vector<Cell>& cells, long runs) {
  std::ostringstream o;
  o << "| estimator | tasks | N | seeds per cell | settings | runs |\n| --- | ---: | --- | --- | --- | ---: |\n";
  std::vector<std::string> order;
  for (const auto& c : cells)
    if (std::find(order.begin(), order.end(), c.estimator) == order.end()) order.push_back(c.estimator);
  for (const auto& e : order) {
    std::vector<std::string> tasks, ns, seeds, settings;
    long r = 0;
    const auto add = [](std::vector<std::string>& v, const std::string& x) {
      if (std::find(v.begin(), v.end(), x) == v.end()) v.push_back(x);
    };
    for (const auto& c : cells) {
      if (c.estimator != e) continue;
      add(tasks, c.task), add(ns, std::to_string(c.n)), add(seeds, std::to_string(c.seeds));
      add(settings, c.settings);
      r += c.seeds;
    }
    const auto join = [](const std::vector<std::string>& v) {
      std::string j;
      for (const auto& x : v) j += (j.empty() ? "" : ", ") + x;
      return j;
    };
    o << "| " << e << " | " << tasks.size() << " | " << join(ns) << " | " << join(seeds) << " | "
      << join(settings) << " | " << r << " |\n";
  }
  o << "\nTotal: " << cells.size() << " cells, " << runs << " estimates.\n";
  return o.str();
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  try {
    s = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\nusage: accuracy_suite [--quick] [--out DIR] [--seeds S] [--threads T] "
                 "[--filter A,B ...] [--steps S]\n", e.what());
    return std::string(e.what()) == "help" ? 0 : 2;
  }
  const auto start = std::chrono::steady_clock::now();
  const std::vector<TaskDef> tasks = task_family();
  const std::vector<Cell> cells = plan(s, tasks);
  std::vector<Run> runs;
  for (std::size_t c = 0; c < cells.size(); ++c)
    for (int seed = 0; seed < cells[c].seeds; ++seed) runs.push_back(Run{c, seed, false, NAN, 0.0, {}});
  const std::string planned = plan_text(cells, static_cast<long>(runs.size()));
  const int workers = mmc::resolve_threads(s.threads);
  std::printf("accuracy_suite%s: %d worker(s), one thread per estimate, output in %s\n%s\n",
              s.quick ? " --quick" : "", workers, s.out.c_str(), planned.c_str());
  std::fflush(stdout);
  if (cells.empty()) {
    std::fprintf(stderr, "no cell matches the filters\n");
    return 2;
  }

  std::vector<int> remaining(cells.size());
  for (const auto& r : runs) ++remaining[r.cell];
  std::mutex print_mutex;
  std::size_t done_cells = 0;
  mmc::parallel_for(static_cast<Index>(runs.size()), workers, 1, [&](Index begin, Index end) {
    for (Index j = begin; j < end; ++j) {
      Run& r = runs[static_cast<std::size_t>(j)];
      const Cell& c = cells[r.cell];
      const TaskDef& def = *std::find_if(tasks.begin(), tasks.end(),
                                         [&](const TaskDef& t) { return t.name == c.task; });
      const auto t0 = std::chrono::steady_clock::now();
      try {
        const MiTask task = def.make(c.n, static_cast<std::uint64_t>(r.seed));
        const auto t1 = std::chrono::steady_clock::now();
        r.value = estimate(c.estimator, def, task, static_cast<std::uint64_t>(r.seed), s.steps);
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
        r.ok = std::isfinite(r.value);
        if (!r.ok) r.error = "non-finite estimate";
      } catch (const std::exception& e) {
        r.error = e.what();
        r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      }
      std::lock_guard<std::mutex> lock(print_mutex);
      if (--remaining[r.cell] == 0) {
        const double elapsed =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        std::printf("[%4zu/%zu %6.0f s] %-8s %-20s N=%-6ld done\n", ++done_cells, cells.size(),
                    elapsed, c.estimator.c_str(), c.task.c_str(), c.n);
        std::fflush(stdout);
      }
    }
  });

  const auto summaries = mmc::bench::summarize(cells, runs);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bool ok = mmc::bench::write_summary_csv(s.out + "/accuracy.csv", summaries);
  ok = mmc::bench::write_runs_csv(s.out + "/accuracy_runs.csv", cells, runs) && ok;
  const auto plots = mmc::bench::write_plots(s.out, summaries);
  std::ofstream md(s.out + "/accuracy.md");
  md << "# mmc accuracy suite" << (s.quick ? " (--quick)" : "") << "\n\nGenerated by `accuracy_suite"
     << (s.quick ? " --quick" : "") << "`: " << workers << " worker(s), one thread per estimate, "
     << mmc::bench::fmt("%.0f", wall) << " s wall time. Values in nats; bias = mean - truth over "
     << "the seeds, sd = sample standard deviation over the seeds.\n\n## Plan\n\n" << planned
     << "\n## Results\n" << mmc::bench::markdown_tables(summaries) << "\n## Plots\n\n";
  for (const auto& p : plots) md << "![" << p << "](" << p << ")\n";
  ok = static_cast<bool>(md) && ok;
  std::printf("\nwall time %.1f s; wrote accuracy.csv, accuracy_runs.csv, accuracy.md and %zu plots "
              "to %s\n", wall, plots.size(), s.out.c_str());
  if (!ok) {
    std::fprintf(stderr, "could not write every output file to %s\n", s.out.c_str());
    return 1;
  }
  return 0;
}
