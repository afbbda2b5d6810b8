// tools/mmc/cmd_demo.cpp — `mmc demo`: the paper's pipeline end to end
// (docs/design.md §3.4-3.6). For alpha in {0, 0.2, ..., 1} on the controlled-
// complementarity generator: the metric C with several backends, then the
// robustness of a late-fusion model to a missing / noisy / attacked modality.
// Prints the table, and writes it as CSV plus an SVG plot (C vs robustness).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <mmc/data/complementarity.hpp>
#include <mmc/fusion/robustness.hpp>
#include <mmc/metric/complementarity.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "neural_options.hpp"
#include "progress.hpp"
#include "svg_plot.hpp"

namespace mmc::cli {

namespace {

struct DemoRow {
  double alpha = 0.0;
  std::vector<double> metric;  // one per backend
  fusion::RobustnessResult robustness;
};

metric::Backend parse_backend(const std::string& name) {
  if (name == "knn") return metric::Backend::knn;
  if (name == "cene") return metric::Backend::cene;
  if (name == "mine") return metric::Backend::mine;
  throw UsageError("option '--backends': unknown backend '" + name + "'; use knn, cene and/or mine");
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream stream(text);
  std::string item;
  while (std::getline(stream, item, ','))
    if (!item.empty()) items.push_back(item);
  return items;
}

/// sum += r / count, field by field (the mean over `count` models).
void accumulate(fusion::RobustnessResult& sum, const fusion::RobustnessResult& r, Index count) {
  const double w = 1.0 / static_cast<double>(count);
  sum.clean += w * r.clean;
  sum.missing += w * r.missing;
  sum.noisy += w * r.noisy;
  sum.adversarial += w * r.adversarial;
  sum.robustness_missing += w * r.robustness_missing;
  sum.robustness_noisy += w * r.robustness_noisy;
  sum.robustness_adversarial += w * r.robustness_adversarial;
  sum.samples = r.samples;
}

}  // namespace

CommandSpec demo_spec() {
  CommandSpec spec;
  spec.name = "demo";
  spec.summary = "The paper's pipeline end to end: complementarity C vs robustness, alpha = 0..1.";
  spec.usage = "mmc demo [--out DIR] [--n N] [--backends knn,cene] [options]";
  spec.details =
      "For alpha in {0, 0.2, 0.4, 0.6, 0.8, 1.0} (0: fully complementary modalities, 1: redundant)\n"
      "it generates the controlled-complementarity task (docs/generators.md), estimates C with\n"
      "each backend, trains a late-fusion classifier and measures its accuracy clean and with one\n"
      "modality missing, noisy and attacked (FGSM). Expected: C falls and robustness rises with alpha.\n"
      "Writes DIR/demo.csv and DIR/demo.svg (C vs robustness to a missing modality).";
  spec.options = join({{{"out", "DIR", "output folder", "./mmc-demo", false},
                        {"n", "N", "samples per alpha", "5000", false},
                        {"backends", "LIST", "comma-separated metric backends (knn, cene, mine)",
                         "knn,cene", false},
                        {"alphas", "LIST", "comma-separated alpha values", "0,0.2,0.4,0.6,0.8,1",
                         false},
                        {"steps", "N", "maximum training steps of the neural backends", "4000",
                         false},
                        {"repeats", "R", "late-fusion models (seeds) averaged per alpha", "3",
                         false}},
                       common_options()});
  return spec;
}

int run_demo(const ParsedArgs& args) {
  const std::filesystem::path out = args.get("out", "./mmc-demo");
  const Index n = args.get_int("n", 5000);
  const std::uint64_t seed = seed_from(args);
  const int threads = threads_from(args);
  const bool quiet = args.get_switch("quiet", false);
  const Index repeats = args.get_int("repeats", 3);
  if (repeats < 1) throw UsageError("option '--repeats' must be at least 1");
  std::vector<std::string> backend_names = split_list(args.get("backends", "knn,cene"));
  if (backend_names.empty()) throw UsageError("option '--backends' is empty; use e.g. knn,cene");
  std::vector<metric::Backend> backends;
  for (const auto& name : backend_names) backends.push_back(parse_backend(name));
  std::vector<double> alphas;
  for (const auto& a : split_list(args.get("alphas", "0,0.2,0.4,0.6,0.8,1"))) {
    try {
      alphas.push_back(std::stod(a));
    } catch (const std::exception&) {
      throw UsageError("option '--alphas': '" + a + "' is not a number");
    }
  }
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error || !std::filesystem::is_directory(out)) {
    throw UsageError("option '--out': cannot create folder '" + out.string() + "'");
  }

  const auto start = std::chrono::steady_clock::now();
  std::vector<DemoRow> rows;
  ProgressBar bar("mmc demo", !quiet);
  const Index total = static_cast<Index>(alphas.size() * (backends.size() + 1));
  Index done = 0;
  for (double alpha : alphas) {
    DemoRow row;
    row.alpha = alpha;
    data::SyntheticOptions synthetic;
    synthetic.alpha = alpha;
    const data::LabelledTask task = data::synthetic_task(synthetic, n, seed);
    for (metric::Backend backend : backends) {
      metric::ComplementarityOptions options;
      options.backend = backend;
      options.seed = seed;
      options.threads = threads;
      options.cene.steps = args.get_int("steps", options.cene.steps);
      options.mine.steps = args.get_int("steps", options.mine.steps);
      row.metric.push_back(metric::Complementarity(options).estimate(task.modalities, task.labels).metric);
      bar.update(++done, total, row.metric.back());
    }
    // The robustness of one trained model varies with its seed (how much it
    // leans on each modality), so the demo averages `repeats` models.
    for (Index r = 0; r < repeats; ++r) {
      fusion::RobustnessExperimentOptions robustness;
      robustness.train.seed = seed + static_cast<std::uint64_t>(r);
      robustness.train.threads = threads;
      robustness.robustness.seed = seed + static_cast<std::uint64_t>(r);
      accumulate(row.robustness,
                 fusion::robustness_experiment(task.modalities, task.labels, robustness), repeats);
    }
    bar.update(++done, total, row.robustness.robustness_missing);
    rows.push_back(std::move(row));
  }
  bar.finish();
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  // The table: stdout, and the same as CSV.
  std::ostringstream csv;
  csv << "alpha";
  for (const auto& name : backend_names) csv << ",C_" << name;
  csv << ",clean,missing,noisy,adversarial,robustness_missing,robustness_noisy,robustness_adversarial\n";
  for (const auto& row : rows) {
    csv << row.alpha;
    for (double c : row.metric) csv << "," << c;
    const auto& r = row.robustness;
    csv << "," << r.clean << "," << r.missing << "," << r.noisy << "," << r.adversarial << ","
        << r.robustness_missing << "," << r.robustness_noisy << "," << r.robustness_adversarial << "\n";
  }
  {
    std::ofstream file(out / "demo.csv");
    file << csv.str();
    if (!file) throw io_error("mmc demo: cannot write " + (out / "demo.csv").string());
  }
  PlotSpec plot;
  plot.title = "Complementarity vs robustness to a missing modality";
  plot.x_label = "complementarity C";
  plot.y_label = "robustness (missing accuracy / clean accuracy)";
  for (std::size_t b = 0; b < backends.size(); ++b) {
    PlotSeries series;
    series.name = "C (" + backend_names[b] + ")";
    for (const auto& row : rows) {
      series.x.push_back(row.metric[b]);
      series.y.push_back(row.robustness.robustness_missing);
      char label[32];
      std::snprintf(label, sizeof label, "a=%.1f", row.alpha);
      if (b == 0) series.labels.push_back(label);  // one label per alpha is enough
    }
    plot.series.push_back(series);
  }
  if (!write_svg((out / "demo.svg").string(), plot))
    throw io_error("mmc demo: cannot write " + (out / "demo.svg").string());

  if (args.get_switch("json", false)) {
    data::Json table = data::Json::array();
    for (const auto& row : rows) {
      data::Json entry = data::Json::object({{"alpha", row.alpha}});
      for (std::size_t b = 0; b < backends.size(); ++b) entry.set("C_" + backend_names[b], row.metric[b]);
      const auto& r = row.robustness;
      entry.set("clean", r.clean);
      entry.set("missing", r.missing);
      entry.set("noisy", r.noisy);
      entry.set("adversarial", r.adversarial);
      entry.set("robustness_missing", r.robustness_missing);
      table.push(entry);
    }
    print_report(args, {{"rows", table}, {"csv", (out / "demo.csv").string()},
                        {"plot", (out / "demo.svg").string()}, {"seconds", seconds}});
    return 0;
  }
  std::printf("%-6s", "alpha");
  for (const auto& name : backend_names) std::printf("  %8s", ("C_" + name).c_str());
  std::printf("  %6s  %7s  %6s  %11s  %10s\n", "clean", "missing", "noisy", "adversarial",
              "robustness");
  for (const auto& row : rows) {
    std::printf("%-6.1f", row.alpha);
    for (double c : row.metric) std::printf("  %8.3f", c);
    const auto& r = row.robustness;
    std::printf("  %6.3f  %7.3f  %6.3f  %11.3f  %10.3f\n", r.clean, r.missing, r.noisy,
                r.adversarial, r.robustness_missing);
  }
  std::printf("\nrobustness = accuracy with a modality missing / clean accuracy (mean over modalities)\n");
  std::printf("wrote %s and %s (%.1f s)\n", (out / "demo.csv").string().c_str(),
              (out / "demo.svg").string().c_str(), seconds);
  return 0;
}

}  // namespace mmc::cli
