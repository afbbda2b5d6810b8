// neural_accuracy — the accuracy table of the neural MI estimators on correlated
// Gaussians with known MI (docs/design.md §3.2–3.3, §3.5, §6;
// docs/estimators/neural-accuracy.md).
//
// Task: X, Y in R^d, pairs (x_i, y_i) with correlation rho = sqrt(1 - exp(-2 I / d))
// and no other dependence, so I(X;Y) = -d/2 log(1 - rho^2) = I exactly
// (data/gaussian.hpp). For every d, I and estimator the program trains the
// estimator at its DEFAULT settings (only `threads` and `seed` are set) and
// prints one row as soon as it is done: the held-out estimate, the relative
// error, the train estimate, the steps run and the seconds, next to the ORACLE:
// the mean of the true log density ratio
//   T*(x, y) = sum_i [-0.5 log(1 - rho^2) - (rho^2 x_i^2 - 2 rho x_i y_i + rho^2 y_i^2) / (2 (1 - rho^2))]
// over the same held-out pairs the estimators are evaluated on (the seeded split
// of neural/split.hpp). It is what a perfect critic's joint term gives on that
// sample: its deviation from I is the held-out sample's own noise, sd(T*)/sqrt(h),
// which no estimator can remove.
//
// Not a Google Benchmark: it measures accuracy, not speed. Built (always -O3,
// NDEBUG) with the benchmarks:
//   ninja -C build-bench-rel benchmarks/neural_accuracy
//   build-bench-rel/benchmarks/neural_accuracy          # the full table (54 runs, long)
//   build-bench-rel/benchmarks/neural_accuracy --estimators mine,nwj --dims 1,5 --mi 0.5,2
// Options: --estimators (mine,nwj,smile,infonce,js,doe, or "none": only the
// oracle column), --dims, --mi, --n, --seed, --threads (0 = all cores), --steps
// (override the defaults), --markdown.
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/data/gaussian.hpp"
#include "mmc/neural/doe.hpp"
#include "mmc/neural/neural_mi.hpp"
#include "mmc/neural/split.hpp"

namespace {

struct Settings {
  std::vector<std::string> estimators{"mine", "nwj", "smile", "infonce", "js", "doe"};
  std::vector<double> dims{1, 5, 20};
  std::vector<double> mi{0.5, 2.0, 5.0};
  long n = 20000;
  unsigned long seed = 0;
  int threads = 0;
  long steps = 0;  // 0: the estimator's default
  bool markdown = false;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

std::vector<double> numbers(const std::string& s) {
  std::vector<double> out;
  for (const auto& item : split_list(s)) out.push_back(std::stod(item));
  return out;
}

Settings parse(int argc, char** argv) {
  Settings s;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value after " + a);
      return argv[++i];
    };
    if (a == "--estimators") s.estimators = split_list(value());
    else if (a == "--dims") s.dims = numbers(value());
    else if (a == "--mi") s.mi = numbers(value());
    else if (a == "--n") s.n = std::stol(value());
    else if (a == "--seed") s.seed = std::stoul(value());
    else if (a == "--threads") s.threads = std::stoi(value());
    else if (a == "--steps") s.steps = std::stol(value());
    else if (a == "--markdown") s.markdown = true;
    else throw std::runtime_error("unknown option " + a + " (see the comment at the top)");
  }
  return s;
}

struct Row {
  double estimate = NAN, train = NAN, seconds = 0.0, cap = INFINITY;
  long steps = 0;
  std::string note;
};

template <class Estimator>
Row run_bound(const mmc::data::MiTask& task, const Settings& s) {
  auto o = typename Estimator::Options{};
  o.threads = s.threads;
  o.seed = s.seed;
  if (s.steps > 0) o.steps = s.steps;
  const auto r = Estimator(o).estimate(task.x, task.y);
  return {r.value, r.train_estimate, r.seconds, r.cap, static_cast<long>(r.steps), ""};
}

Row run_doe(const mmc::data::MiTask& task, const Settings& s) {
  mmc::neural::CeneOptions o;
  o.threads = s.threads;
  o.seed = s.seed;
  if (s.steps > 0) o.steps = s.steps;
  const auto r = mmc::neural::Doe<>(o).estimate(task.x, task.y);
  Row row{r.value, r.marginal.train_value - r.conditional.train_value, r.seconds, INFINITY,
          static_cast<long>(r.marginal.steps + r.conditional.steps), ""};
  char note[96];
  std::snprintf(note, sizeof note, "H(X)=%.3f H(X|Y)=%.3f", r.marginal.value, r.conditional.value);
  row.note = note;
  return row;
}

/// Mean of the true log density ratio over the held-out pairs (see the top).
double heldout_oracle(const mmc::data::MiTask& task, double rho, const Settings& s) {
  const auto split = mmc::neural::make_split(task.n(), mmc::neural::TrainingOptions{}.holdout, s.seed);
  const double r2 = rho * rho, c = -0.5 * std::log1p(-r2), denominator = 2.0 * (1.0 - r2);
  double sum = 0.0;
  for (const mmc::Index i : split.heldout) {
    for (mmc::Index j = 0; j < task.x.cols(); ++j) {
      const double x = task.x(i, j), y = task.y(i, j);
      sum += c - (r2 * x * x - 2.0 * rho * x * y + r2 * y * y) / denominator;
    }
  }
  return sum / static_cast<double>(split.heldout.size());
}

Row run(const std::string& name, const mmc::data::MiTask& task, const Settings& s) {
  namespace nl = mmc::neural;
  if (name == "mine") return run_bound<nl::Mine<>>(task, s);
  if (name == "nwj") return run_bound<nl::Nwj<>>(task, s);
  if (name == "smile") return run_bound<nl::Smile<>>(task, s);
  if (name == "infonce") return run_bound<nl::InfoNce<>>(task, s);
  if (name == "js") return run_bound<nl::Js<>>(task, s);
  if (name == "doe") return run_doe(task, s);
  if (name == "none") return {};
  throw std::runtime_error("unknown estimator " + name);
}

}  // namespace

int main(int argc, char** argv) {
  Settings s;
  try {
    s = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "neural_accuracy: %s\n", e.what());
    return 2;
  }
  if (s.markdown) {
    std::fputs("| estimator | d | true I | held-out oracle | estimate | rel. error | within 10 % | train est. | steps | seconds | note |\n"
               "|---|---|---|---|---|---|---|---|---|---|---|\n", stdout);
  } else {
    std::printf("%-8s %3s %6s %7s %9s %9s %6s %9s %6s %8s  %s\n", "estim.", "d", "true", "oracle",
                "estimate", "rel.err", "10%", "train", "steps", "seconds", "note");
  }
  std::fflush(stdout);
  for (const auto& name : s.estimators) {
    for (double d : s.dims) {
      for (double mi : s.mi) {
        const auto dim = static_cast<mmc::Index>(d);
        const std::vector<double> rho(static_cast<std::size_t>(dim),
                                      std::sqrt(-std::expm1(-2.0 * mi / d)));
        const auto task = mmc::data::correlated_gaussian_task(rho, s.n, 1000 + s.seed);
        const double oracle = heldout_oracle(task, rho[0], s);
        Row row;
        try {
          row = run(name, task, s);
        } catch (const mmc::training_error& e) {
          row.note = std::string("training_error: ") + e.what();
        }
        if (std::isfinite(row.cap)) {
          char cap[48];
          std::snprintf(cap, sizeof cap, "log K = %.3f", row.cap);
          row.note = cap;
        }
        const double rel = (row.estimate - task.true_mi) / task.true_mi;
        const char* ok = std::fabs(rel) <= 0.10 ? "yes" : "no";
        if (s.markdown) {  // a '|' inside a cell must be escaped
          // (built by appending: GCC 12 at -O3 flags std::string::insert here
          // with a false -Wrestrict, an error under -Werror)
          std::string escaped;
          for (const char c : row.note) {
            if (c == '|') escaped += '\\';
            escaped += c;
          }
          row.note = escaped;
          std::printf("| %s | %ld | %.3f | %.3f | %.3f | %+.1f %% | %s | %.3f | %ld | %.1f | %s |\n",
                      name.c_str(), static_cast<long>(dim), task.true_mi, oracle, row.estimate,
                      100 * rel, ok, row.train, row.steps, row.seconds, row.note.c_str());
        } else {
          std::printf("%-8s %3ld %6.3f %7.3f %9.4f %+8.1f%% %6s %9.4f %6ld %8.1f  %s\n",
                      name.c_str(), static_cast<long>(dim), task.true_mi, oracle, row.estimate,
                      100 * rel, ok, row.train, row.steps, row.seconds, row.note.c_str());
        }
        std::fflush(stdout);
      }
    }
  }
  return 0;
}
