// benchmarks/accuracy_report.hpp — the output stage of the accuracy suite
// (accuracy_suite.cpp; docs/design.md §6 "Accuracy suite"): per-cell statistics
// over seeds (bias, standard deviation, RMSE, time), the CSV files, the
// Markdown tables and the SVG plots (estimate vs truth, error vs N, time vs N,
// estimate vs dimension). Kept apart from the suite so that the program reads
// as "which estimators on which tasks" and this file as "what we report".
//
// A cell is one (estimator, task, N) combination run on several seeds.
// Statistics of a cell use only its successful runs; a cell with none is
// listed as failed in the Markdown and left out of the summary CSV, so every
// CSV row is finite (the benchmarks test checks this).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../tools/mmc/svg_plot.hpp"

namespace mmc::bench {

/// One (estimator, task, N) combination and what it was planned with.
struct Cell {
  std::string estimator, family;     ///< family: "knn" or "neural"
  std::string task, task_family;     ///< task_family: gaussian, dense, sparse, ...
  long dim_x = 0, dim_y = 0, n = 0;
  double truth = 0.0;                ///< closed-form I(X;Y), nats
  int seeds = 0;
  std::string settings;              ///< e.g. "k=3", "steps=500"
};

/// One estimate: a seed of a cell.
struct Run {
  std::size_t cell = 0;
  int seed = 0;
  bool ok = false;
  double value = NAN, seconds = 0.0;
  std::string error;
};

/// Statistics of a cell over its successful runs.
struct Summary {
  Cell cell;
  int ok = 0, failed = 0;
  double mean = NAN, bias = NAN, sd = NAN, rmse = NAN, seconds = NAN;
  std::string first_error;
};

inline std::vector<Summary> summarize(const std::vector<Cell>& cells, const std::vector<Run>& runs) {
  std::vector<Summary> out(cells.size());
  std::vector<std::vector<const Run*>> by_cell(cells.size());
  for (const auto& r : runs) by_cell[r.cell].push_back(&r);
  for (std::size_t c = 0; c < cells.size(); ++c) {
    Summary& s = out[c];
    s.cell = cells[c];
    double sum = 0, sq = 0, sec = 0;
    for (const Run* r : by_cell[c]) {  // runs are in seed order: sums do not depend on threads
      if (!r->ok) {
        if (s.failed++ == 0) s.first_error = r->error;
        continue;
      }
      ++s.ok;
      sum += r->value, sec += r->seconds;
      sq += (r->value - s.cell.truth) * (r->value - s.cell.truth);
    }
    if (s.ok == 0) continue;
    s.mean = sum / s.ok;
    s.bias = s.mean - s.cell.truth;
    s.rmse = std::sqrt(sq / s.ok);
    s.seconds = sec / s.ok;
    double var = 0;
    for (const Run* r : by_cell[c]) {
      if (r->ok) var += (r->value - s.mean) * (r->value - s.mean);
    }
    s.sd = s.ok > 1 ? std::sqrt(var / (s.ok - 1)) : 0.0;
  }
  return out;
}

inline std::string fmt(const char* format, double v) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, v);
  return buffer;
}

inline const char* kSummaryHeader =
    "estimator,family,task,task_family,dim_x,dim_y,n,truth,seeds,failed,mean,bias,sd,rmse,"
    "seconds,settings";

/// The summary CSV: one row per cell with at least one successful run.
inline bool write_summary_csv(const std::string& path, const std::vector<Summary>& summaries) {
  std::ofstream f(path);
  f << kSummaryHeader << "\n";
  for (const auto& s : summaries) {
    if (s.ok == 0) continue;
    const Cell& c = s.cell;
    f << c.estimator << ',' << c.family << ',' << c.task << ',' << c.task_family << ',' << c.dim_x
      << ',' << c.dim_y << ',' << c.n << ',' << fmt("%.6g", c.truth) << ',' << s.ok << ','
      << s.failed << ',' << fmt("%.6g", s.mean) << ',' << fmt("%.6g", s.bias) << ','
      << fmt("%.6g", s.sd) << ',' << fmt("%.6g", s.rmse) << ',' << fmt("%.4g", s.seconds) << ','
      << c.settings << "\n";
  }
  return static_cast<bool>(f);
}

/// Every run: estimator, task, n, seed, value, seconds, error (empty when ok).
inline bool write_runs_csv(const std::string& path, const std::vector<Cell>& cells,
                           const std::vector<Run>& runs) {
  std::ofstream f(path);
  f << "estimator,task,n,seed,value,seconds,error\n";
  for (const auto& r : runs) {
    const Cell& c = cells[r.cell];
    std::string error = r.error;
    std::replace(error.begin(), error.end(), ',', ';');
    std::replace(error.begin(), error.end(), '\n', ' ');
    f << c.estimator << ',' << c.task << ',' << c.n << ',' << r.seed << ','
      << (r.ok ? fmt("%.6g", r.value) : "") << ',' << fmt("%.4g", r.seconds) << ','
      << error.substr(0, 160) << "\n";
  }
  return static_cast<bool>(f);
}

/// Distinct values of a field in first-appearance order.
template <class F>
auto distinct(const std::vector<Summary>& summaries, F field) {
  std::vector<decltype(field(summaries.front()))> out;
  for (const auto& s : summaries) {
    const auto v = field(s);
    if (std::find(out.begin(), out.end(), v) == out.end()) out.push_back(v);
  }
  return out;
}

inline const Summary* find(const std::vector<Summary>& summaries, const std::string& estimator,
                           const std::string& task, long n) {
  for (const auto& s : summaries) {
    if (s.cell.estimator == estimator && s.cell.task == task && s.cell.n == n) return &s;
  }
  return nullptr;
}

/// Markdown: a matrix (rows = tasks, columns = estimators) per N, each cell
/// "bias (sd)", and a matrix of mean seconds per estimate at the largest N.
inline std::string markdown_tables(const std::vector<Summary>& summaries) {
  if (summaries.empty()) return "(no cells ran)\n";
  const auto estimators = distinct(summaries, [](const Summary& s) { return s.cell.estimator; });
  const auto tasks = distinct(summaries, [](const Summary& s) { return s.cell.task; });
  auto ns = distinct(summaries, [](const Summary& s) { return s.cell.n; });
  std::sort(ns.begin(), ns.end());
  std::string md;
  const auto header = [&](const std::string& first) {
    std::string h = "| " + first + " | truth |", rule = "| --- | ---: |";
    for (const auto& e : estimators) h += " " + e + " |", rule += " ---: |";
    return h + "\n" + rule + "\n";
  };
  const auto table = [&](long n, bool timing) {
    std::string t = header("task");
    for (const auto& task : tasks) {
      std::string row;
      bool any = false;
      double truth = 0;
      for (const auto& e : estimators) {
        const Summary* s = find(summaries, e, task, n);
        if (s) truth = s->cell.truth;
        // append() rather than " " + ...: GCC 12 warns falsely (-Wrestrict) on the latter.
        if (!s) row.append(" |");
        else if (s->ok == 0) row.append(" failed |");
        else if (timing) row.append(" ").append(fmt("%.3g", s->seconds)).append(" |");
        else row.append(" ").append(fmt("%+.3f", s->bias)).append(" (").append(fmt("%.3f", s->sd)).append(") |");
        any = any || s != nullptr;
      }
      if (any) t += "| " + task + " | " + fmt("%.3f", truth) + " |" + row + "\n";
    }
    return t;
  };
  for (long n : ns) {
    md += "\n### Bias (standard deviation) in nats, N = " + std::to_string(n) + "\n\n";
    md += table(n, false);
  }
  md += "\n### Mean seconds per estimate (one thread), N = " + std::to_string(ns.back()) + "\n\n";
  md += table(ns.back(), true);
  std::string failures;
  for (const auto& s : summaries) {
    if (s.failed == 0) continue;
    failures += "- " + s.cell.estimator + " on " + s.cell.task + ", N = " + std::to_string(s.cell.n) +
                ": " + std::to_string(s.failed) + " of " + std::to_string(s.failed + s.ok) +
                " runs failed: " + s.first_error.substr(0, 200) + "\n";
  }
  if (!failures.empty()) md += "\n### Failed runs\n\n" + failures;
  return md;
}

/// The SVG figures; returns the file names written (relative to dir).
inline std::vector<std::string> write_plots(const std::string& dir,
                                            const std::vector<Summary>& summaries) {
  using cli::PlotSeries;
  using cli::PlotSpec;
  std::vector<std::string> written;
  const auto save = [&](const std::string& name, const PlotSpec& spec) {
    if (cli::write_svg(dir + "/" + name, spec)) written.push_back(name);
  };
  if (summaries.empty()) return written;
  const auto estimators = distinct(summaries, [](const Summary& s) { return s.cell.estimator; });
  auto ns = distinct(summaries, [](const Summary& s) { return s.cell.n; });
  std::sort(ns.begin(), ns.end());
  const auto family_of = [&](const std::string& e) {
    for (const auto& s : summaries)
      if (s.cell.estimator == e) return s.cell.family;
    return std::string();
  };
  const auto median = [](std::vector<double> v) -> double {
    if (v.empty()) return NAN;
    std::sort(v.begin(), v.end());
    const std::size_t m = v.size() / 2;
    return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
  };
  const auto tasks = distinct(summaries, [](const Summary& s) { return s.cell.task; });
  for (const std::string family : {"knn", "neural"}) {
    const std::string label = family == "knn" ? "kNN family" : "neural estimators";
    std::vector<std::string> members;
    for (const auto& e : estimators)
      if (family_of(e) == family) members.push_back(e);
    // Error and time curves aggregate over the tasks that every member ran
    // successfully at every N it ran, so that the curves compare like with like.
    std::vector<std::string> common;
    for (const auto& task : tasks) {
      bool all = !members.empty();
      for (const auto& e : members)
        for (const auto& x : summaries)
          if (x.cell.estimator == e) {
            const Summary* c = find(summaries, e, task, x.cell.n);
            all = all && c && c->ok > 0;
          }
      if (all) common.push_back(task);
    }
    const std::string over = std::to_string(common.size()) + " common tasks";
    PlotSpec truth{"Mean estimate vs truth (" + label + ", largest N)", "true I(X;Y) [nats]",
                   "mean estimate [nats]", {}, false, false, true};
    PlotSpec error{"Median RMSE / truth over " + over + " vs N (" + label + ")", "N",
                   "median RMSE / truth", {}, true, true, false};
    PlotSpec time{"Median seconds per estimate over " + over + " (" + label + ")", "N",
                  "seconds (1 thread)", {}, true, true, false};
    for (const auto& e : members) {
      PlotSeries t{e, {}, {}, {}, false}, r{e, {}, {}, {}, true}, s{e, {}, {}, {}, true};
      long largest = 0;
      for (const auto& x : summaries)
        if (x.cell.estimator == e && x.ok > 0) largest = std::max(largest, x.cell.n);
      for (long n : ns) {
        std::vector<double> rel, sec;
        for (const auto& x : summaries) {
          if (x.cell.estimator != e || x.cell.n != n || x.ok == 0) continue;
          if (n == largest) t.x.push_back(x.cell.truth), t.y.push_back(x.mean);
          if (std::find(common.begin(), common.end(), x.cell.task) == common.end()) continue;
          rel.push_back(x.rmse / x.cell.truth);
          sec.push_back(x.seconds);
        }
        if (rel.empty()) continue;
        r.x.push_back(static_cast<double>(n)), r.y.push_back(median(rel));
        s.x.push_back(static_cast<double>(n)), s.y.push_back(median(sec));
      }
      truth.series.push_back(t), error.series.push_back(r), time.series.push_back(s);
    }
    if (truth.series.empty()) continue;
    // A diverged estimate (e.g. DV at -256 nats) would flatten every other
    // point: draw estimates within [-(T + 1), 2T + 1], T = the largest truth.
    double top = 0;
    for (const auto& t : truth.series)
      for (double v : t.x) top = std::max(top, v);
    int hidden = 0;
    for (auto& t : truth.series) {
      for (std::size_t i = t.y.size(); i-- > 0;) {
        if (t.y[i] >= -(top + 1) && t.y[i] <= 2 * top + 1) continue;
        t.x.erase(t.x.begin() + static_cast<std::ptrdiff_t>(i));
        t.y.erase(t.y.begin() + static_cast<std::ptrdiff_t>(i));
        ++hidden;
      }
    }
    if (hidden > 0) truth.title += "; " + std::to_string(hidden) + " off-scale not drawn";
    save("estimate_vs_truth_" + family + ".svg", truth);
    if (common.empty()) continue;
    save("error_vs_n_" + family + ".svg", error);
    save("time_vs_n_" + family + ".svg", time);
  }
  // Fixed MI, growing dimension: the sparse family (and its d = 2 base task)
  // at the largest N; the truth as a reference series.
  PlotSpec dim{"Sparse Gaussians, I = 1.02 nats: estimate vs d (largest N)",
               "dimension per side", "mean estimate [nats]", {}, true, false, false};
  PlotSeries reference{"truth", {}, {}, {}, true};
  for (const auto& e : estimators) {
    PlotSeries p{e, {}, {}, {}, true};
    for (const auto& x : summaries) {
      if (x.cell.estimator != e || x.cell.task_family != "sparse" || x.ok == 0 ||
          x.cell.n != ns.back())
        continue;
      p.x.push_back(static_cast<double>(x.cell.dim_x)), p.y.push_back(x.mean);
      if (std::find(reference.x.begin(), reference.x.end(), x.cell.dim_x) == reference.x.end())
        reference.x.push_back(static_cast<double>(x.cell.dim_x)), reference.y.push_back(x.cell.truth);
    }
    if (p.x.size() > 1) dim.series.push_back(p);
  }
  if (!dim.series.empty()) {
    std::vector<std::size_t> order(reference.x.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(), [&](auto a, auto b) { return reference.x[a] < reference.x[b]; });
    PlotSeries sorted{"truth", {}, {}, {}, true};
    for (auto i : order) sorted.x.push_back(reference.x[i]), sorted.y.push_back(reference.y[i]);
    dim.series.insert(dim.series.begin(), sorted);
    save("estimate_vs_dimension.svg", dim);
  }
  return written;
}

}  // namespace mmc::bench
