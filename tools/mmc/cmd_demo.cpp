// tools/mmc/cmd_demo.cpp — `mmc demo`: the paper's pipeline end to end
// (docs/design.md §3.4-3.6). For alpha in {0, 0.2, ..., 1} on the controlled-
// complementarity generator: the metric C with several backends, then the
// robustness of a late-fusion model to a missing / noisy / attacked modality.
// Prints the table, and writes it as CSV plus an SVG plot (C vs robustness).
//
// Every option is checked before the (minutes-long) computation; both files are
// written completely under temporary names and only then renamed into place
// (mmc/data/atomic_file.hpp), so a failed write (full disk...) is reported as
// an error naming the file and never leaves a truncated or half-updated pair
// (docs/design.md §5).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <mmc/data/atomic_file.hpp>
#include <mmc/data/complementarity.hpp>
#include <mmc/data/matrix_file.hpp>
#include <mmc/fusion/robustness.hpp>
#include <mmc/metric/complementarity.hpp>

#include "commands.hpp"
#include "command_support.hpp"
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
  throw UsageError("option '--backends' has unknown backend '" + name +
                   "'; expected a comma-separated list of knn, cene, mine such as knn,cene");
}

/// The backend names of --backends, strictly: every item non-empty, known and
/// given once ("knn,,cene", "knn," and "knn,knn" are usage errors).
std::vector<std::string> backend_list(const ParsedArgs& args) {
  const std::string value = args.get("backends", "knn,cene");
  std::vector<std::string> names;
  std::size_t begin = 0;
  for (;;) {
    const std::size_t end = std::min(value.find(',', begin), value.size());
    const std::string name = value.substr(begin, end - begin);
    if (name.empty()) {
      throw UsageError("option '--backends' has value '" + value +
                       "' with an empty item; expected a comma-separated list of knn, cene, mine "
                       "such as knn,cene");
    }
    (void)parse_backend(name);
    if (std::find(names.begin(), names.end(), name) != names.end()) {
      throw UsageError("option '--backends' names '" + name + "' twice; list each backend once, e.g. knn,cene");
    }
    names.push_back(name);
    if (end == value.size()) return names;
    begin = end + 1;
  }
}

/// The alphas of --alphas: a strict list of finite numbers (ParsedArgs::get_double_list:
/// no "0.5xyz", no empty items), each in [0, 1].
std::vector<double> alpha_list(const ParsedArgs& args) {
  const std::vector<double> alphas = args.get_double_list("alphas", {0, 0.2, 0.4, 0.6, 0.8, 1});
  for (const double alpha : alphas) {
    if (!(alpha >= 0.0 && alpha <= 1.0)) {
      throw UsageError("option '--alphas' has value '" + args.get("alphas") +
                       "'; every alpha must be in [0, 1], e.g. 0,0.5,1");
    }
  }
  return alphas;
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
      "Writes DIR/demo.csv and DIR/demo.svg (C vs robustness to a missing modality); both are\n"
      "written completely under temporary names first, so a failure leaves the old ones as they were.";
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
  if (n < 1) throw UsageError("option '--n' has value " + std::to_string(n) + "; expected at least 1 sample");
  const std::vector<std::string> backend_names = backend_list(args);
  std::vector<metric::Backend> backends;
  for (const auto& name : backend_names) backends.push_back(parse_backend(name));
  const std::vector<double> alphas = alpha_list(args);
  const bool steps_given = args.has("steps");
  const long long steps = args.get_int("steps", 0);
  if (steps_given && steps < 1) {
    throw UsageError("option '--steps' has value " + std::to_string(steps) + "; expected at least 1, e.g. 4000");
  }
  // The folder now, so that a bad --out fails before minutes of computation.
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error || !std::filesystem::is_directory(out)) {
    throw UsageError("option '--out': cannot create folder " +
                     data::detail::quote_for_message(out.string(), 200) + ": " +
                     (error ? error.message() : std::string("a file of that name exists")));
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
      if (steps_given) options.cene.steps = options.mine.steps = steps;
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

  // The table as CSV (numbers in shortest round-trip form) and the plot, both
  // complete under temporary names before either is put in place.
  std::vector<std::string> header{"alpha"};
  for (const auto& name : backend_names) header.push_back("C_" + name);
  for (const char* name : {"clean", "missing", "noisy", "adversarial", "robustness_missing",
                           "robustness_noisy", "robustness_adversarial"})
    header.emplace_back(name);
  RowMatrix<double> csv_table(static_cast<Index>(rows.size()), static_cast<Index>(header.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const auto& r = row.robustness;
    std::vector<double> values{row.alpha};
    values.insert(values.end(), row.metric.begin(), row.metric.end());
    values.insert(values.end(), {r.clean, r.missing, r.noisy, r.adversarial, r.robustness_missing,
                                 r.robustness_noisy, r.robustness_adversarial});
    for (std::size_t c = 0; c < values.size(); ++c)
      csv_table(static_cast<Index>(i), static_cast<Index>(c)) = values[c];
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
  const std::filesystem::path csv_path = out / "demo.csv", svg_path = out / "demo.svg";
  data::AtomicFile csv_file(csv_path, "mmc::data::write_csv");
  data::write_csv(csv_file, csv_table, header);
  csv_file.close();
  data::AtomicFile svg_file(svg_path, "mmc::cli::save_svg");
  svg_file.write(render_svg(plot));
  svg_file.close();
  csv_file.commit();
  svg_file.commit();

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
