// tools/mmc/cmd_demo.cpp — `mmc demo`: the paper's pipeline end to end
// (docs/design.md §3.4-3.6), on one of two tasks:
// - aav-mnist (the default when its data cache is present; docs/aav-mnist.md):
//   real MNIST images + spoken digits, σ in {0, 1, 2, 3, 4}; per σ the metric C
//   on learned features and the robustness of a late-fusion model in input
//   units (mmc/experiments/aav_mnist.hpp, the code of the documented experiment);
// - synthetic (the fallback, which needs no data): alpha in {0, 0.2, ..., 1} on
//   the controlled-complementarity generator, C with several backends and the
//   robustness of a late-fusion model to a missing / noisy / attacked modality.
// Prints the table, and writes it as CSV plus an SVG plot (C vs robustness).
//
// Every option is checked before the (minutes-long) computation; both files are
// written completely under temporary names and only then renamed into place
// (mmc/data/atomic_file.hpp), so a failed write (full disk...) is reported as
// an error naming the file and never leaves a truncated or half-updated pair
// (docs/design.md §5).
#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

#include <mmc/data/atomic_file.hpp>
#include <mmc/data/complementarity.hpp>
#include <mmc/data/matrix_file.hpp>
#include <mmc/experiments/aav_mnist.hpp>
#include <mmc/fusion/robustness.hpp>
#include <mmc/fusion/runner.hpp>
#include <mmc/metric/complementarity.hpp>
#include <mmc/metric/neural_backends.hpp>

#include "commands.hpp"
#include "command_support.hpp"
#include "fusion_options.hpp"
#include "neural_options.hpp"
#include "progress.hpp"
#include "svg_plot.hpp"

namespace mmc::cli {

namespace {

struct DemoRow {
  double parameter = 0.0;      // alpha (synthetic) or sigma (aav-mnist)
  double c_true = 0.0;         // the task's true C
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

/// The values of --NAME (alphas or sigmas): a strict list of finite numbers
/// (ParsedArgs::get_double_list: no "0.5xyz", no empty items), each in [low, high].
std::vector<double> parameter_list(const ParsedArgs& args, const std::string& name,
                                   const std::vector<double>& fallback, double low, double high,
                                   const std::string& example) {
  const std::vector<double> values = args.get_double_list(name, fallback);
  for (const double value : values) {
    if (!(value >= low && value <= high)) {
      throw UsageError("option '--" + name + "' has value '" + args.get(name) + "'; every value must be in [" +
                       number_text(low) + ", " + number_text(high) + "], e.g. " + example);
    }
  }
  return values;
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
  spec.summary = "The paper's pipeline end to end: complementarity C vs robustness (AAV-MNIST or synthetic).";
  spec.usage = "mmc demo [--task auto|aav-mnist|synthetic] [--out DIR] [options]";
  spec.details =
      "--task aav-mnist (docs/aav-mnist.md): real MNIST images + spoken digits, audio digit = image\n"
      "digit + round(N(0, sigma)), label = round((image + audio) / 2). For each sigma it trains one\n"
      "feature encoder per modality, estimates C on the features (knn with PCA 8, cene), trains a\n"
      "late-fusion model on the raw inputs and measures its accuracy clean, with a modality missing,\n"
      "noisy (N(0, 0.5)) and under FGSM (0.03), in input units. Expected: C rises with sigma and\n"
      "robustness to a missing modality falls. Needs the data cache of scripts/fetch-data.\n"
      "--task synthetic: for alpha in {0, 0.2, ..., 1} (0: fully complementary modalities, 1:\n"
      "redundant) the controlled-complementarity task (docs/generators.md); robustness in training\n"
      "standard deviations. Expected: C falls and robustness rises with alpha.\n"
      "--task auto (default): aav-mnist when its cache is found, else synthetic (with a note).\n"
      "Writes DIR/demo.csv and DIR/demo.svg (C vs robustness to a missing modality); both are\n"
      "written completely under temporary names first, so a failure leaves the old ones as they were.\n"
      "--device cuda trains the late-fusion models and the cene/mine backends on the GPU (the\n"
      "aav-mnist feature encoders stay on the CPU; docs/cuda.md).";
  spec.options = join({{{"task", "NAME", "auto, aav-mnist or synthetic", "auto", false},
                        {"data", "DIR", "AAV-MNIST cache of scripts/fetch-data (aav-mnist)", "auto", false},
                        {"out", "DIR", "output folder", "./mmc-demo", false},
                        {"n", "N", "samples per point (aav-mnist: test samples; training uses 3000)",
                         "5000 (aav-mnist: 2000)", false},
                        {"backends", "LIST", "comma-separated metric backends (knn, cene, mine)",
                         "knn,cene", false},
                        {"alphas", "LIST", "synthetic: comma-separated alpha values", "0,0.2,0.4,0.6,0.8,1",
                         false},
                        {"sigmas", "LIST", "aav-mnist: comma-separated sigma values", "0,1,2,3,4", false},
                        {"steps", "N", "maximum training steps of the neural backends", "4000",
                         false},
                        {"repeats", "R", "models (seeds) averaged per point", "3 (aav-mnist: 1)",
                         false},
                        fusion_device_option("where the late-fusion models and the cene/mine backends train")},
                       common_options()});
  return spec;
}

namespace {

struct DemoSettings {
  bool aav = false;
  std::filesystem::path data;  // aav-mnist cache
  Index n = 0, repeats = 0;
  std::uint64_t seed = 0;
  int threads = 0;
  bool quiet = false, steps_given = false;
  long long steps = 0;
  std::vector<std::string> backend_names;
  std::vector<metric::Backend> backends;
  std::vector<double> parameters;  // alphas or sigmas
  // --device: the nn backend of the late-fusion models and of cene/mine.
  fusion::FusionRunner fusion = fusion::cpu_fusion_runner();
  metric::NeuralRunner neural = metric::cpu_neural_runner();
};

/// The synthetic alpha demo: C per backend and late-fusion robustness in
/// training standard deviations, averaged over `repeats` models.
std::vector<DemoRow> synthetic_rows(const DemoSettings& d) {
  std::vector<DemoRow> rows;
  ProgressBar bar("mmc demo", !d.quiet);
  const Index total = static_cast<Index>(d.parameters.size() * (d.backends.size() + 1));
  Index done = 0;
  for (double alpha : d.parameters) {
    DemoRow row;
    row.parameter = alpha;
    data::SyntheticOptions synthetic;
    synthetic.alpha = alpha;
    const data::LabelledTask task = data::synthetic_task(synthetic, d.n, d.seed);
    row.c_true = data::lookup(task.truth, "metric").value_or(std::nan(""));
    for (metric::Backend backend : d.backends) {
      metric::ComplementarityOptions options;
      options.backend = backend;
      options.seed = d.seed;
      options.threads = d.threads;
      options.neural = d.neural;
      if (d.steps_given) options.cene.steps = options.mine.steps = d.steps;
      row.metric.push_back(metric::Complementarity(options).estimate(task.modalities, task.labels).metric);
      bar.update(++done, total, row.metric.back());
    }
    // The robustness of one trained model varies with its seed (how much it
    // leans on each modality), so the demo averages `repeats` models.
    for (Index r = 0; r < d.repeats; ++r) {
      fusion::RobustnessExperimentOptions robustness;
      robustness.train.seed = d.seed + static_cast<std::uint64_t>(r);
      robustness.train.threads = d.threads;
      robustness.robustness.seed = d.seed + static_cast<std::uint64_t>(r);
      accumulate(row.robustness, d.fusion.robustness_experiment(task.modalities, task.labels, robustness),
                 d.repeats);
    }
    bar.update(++done, total, row.robustness.robustness_missing);
    rows.push_back(std::move(row));
  }
  bar.finish();
  return rows;
}

/// The AAV-MNIST sigma demo (mmc/experiments/aav_mnist.hpp): per seed one pair
/// of feature encoders, then per sigma C per backend and late-fusion
/// robustness in input units; means over the `repeats` seeds.
std::vector<DemoRow> aav_rows(const DemoSettings& d) {
  const data::AavSplit split = data::split_aav_mnist(data::load_aav_mnist(d.data), 0.2, 1);
  std::vector<DemoRow> rows(d.parameters.size());
  ProgressBar bar("mmc demo (aav-mnist)", !d.quiet);
  const Index total = static_cast<Index>(d.parameters.size()) * d.repeats;
  Index done = 0;
  for (Index r = 0; r < d.repeats; ++r) {
    const std::uint64_t seed = d.seed + static_cast<std::uint64_t>(r);
    data::AavFeatureOptions features;
    features.seed = seed;
    features.threads = d.threads;
    data::AavFeatureExtractors encoders = data::fit_aav_feature_extractors(split.train, features);
    for (std::size_t p = 0; p < d.parameters.size(); ++p) {
      experiments::AavPointOptions options;
      options.n_test = d.n;
      options.threads = d.threads;
      options.bootstrap = 0;  // the demo reports point estimates
      options.cene = options.mine = false;
      options.neural = d.neural;
      options.fusion = d.fusion;
      for (metric::Backend b : d.backends) {
        if (b == metric::Backend::cene) options.cene = true;
        if (b == metric::Backend::mine) options.mine = true;
      }
      const experiments::AavPoint point = experiments::run_aav_mnist_point(split, encoders, d.parameters[p], seed, options);
      DemoRow& row = rows[p];
      const double w = 1.0 / static_cast<double>(d.repeats);
      if (r == 0) row.metric.assign(d.backends.size(), 0.0);
      row.parameter = d.parameters[p];
      row.c_true += w * point.c_true;
      for (std::size_t b = 0; b < d.backends.size(); ++b) {
        const metric::Backend backend = d.backends[b];
        const double c = backend == metric::Backend::knn    ? point.knn.metric
                         : backend == metric::Backend::cene ? point.cene->metric
                                                            : point.mine->metric;
        row.metric[b] += w * c;
      }
      accumulate(row.robustness, point.robustness, d.repeats);
      bar.update(++done, total, point.knn.metric);
    }
  }
  bar.finish();
  return rows;
}

}  // namespace

int run_demo(const ParsedArgs& args) {
  DemoSettings d;
  const std::string task = args.get_choice("task", {"auto", "aav-mnist", "synthetic"}, "auto");
  std::string data_dir = args.get("data", "auto");
  if (data_dir == "auto") data_dir.clear();
  d.data = data_dir.empty() ? data::default_aav_mnist_dir() : std::filesystem::path(data_dir);
  // The cache's parts as load_aav_mnist reads them (MANIFEST is bookkeeping of
  // scripts/fetch-data; a hand-made folder of the same layout works too).
  std::error_code probe;
  const bool cache_found = !d.data.empty() && std::filesystem::is_regular_file(d.data / "mnist" / "0.json", probe) &&
                           std::filesystem::is_directory(d.data / "audio", probe);
  if (task == "aav-mnist" && !cache_found) {
    throw UsageError("option '--task aav-mnist': no AAV-MNIST data cache at " +
                     data::detail::quote_for_message(d.data.string(), 200) +
                     "; run scripts/fetch-data to build it (about 2 minutes, 70 MB), or pass --data DIR");
  }
  // auto: --alphas asks for the synthetic task, --sigmas for aav-mnist.
  const bool wants_synthetic = task == "synthetic" || (task == "auto" && args.has("alphas"));
  if (task == "auto" && args.has("sigmas") && !cache_found) {
    throw UsageError("option '--sigmas' belongs to --task aav-mnist, and there is no AAV-MNIST data cache at " +
                     data::detail::quote_for_message(d.data.string(), 200) +
                     "; run scripts/fetch-data first, or pass --data DIR");
  }
  d.aav = task == "aav-mnist" || (task == "auto" && !wants_synthetic && cache_found);
  const std::filesystem::path out = args.get("out", "./mmc-demo");
  d.n = args.get_int("n", d.aav ? 2000 : 5000);
  d.seed = seed_from(args);
  d.threads = threads_from(args);
  d.quiet = args.get_switch("quiet", false);
  d.repeats = args.get_int("repeats", d.aav ? 1 : 3);
  if (d.repeats < 1) throw UsageError("option '--repeats' must be at least 1");
  const Index min_n = d.aav ? 200 : 1;
  if (d.n < min_n) {
    throw UsageError("option '--n' has value " + std::to_string(d.n) + "; expected at least " +
                     std::to_string(min_n) + " samples");
  }
  d.backend_names = backend_list(args);
  for (const auto& name : d.backend_names) d.backends.push_back(parse_backend(name));
  if (d.aav) {
    if (args.has("alphas")) throw UsageError("option '--alphas' belongs to --task synthetic; use --sigmas with aav-mnist");
    d.parameters = parameter_list(args, "sigmas", {0, 1, 2, 3, 4}, 0.0, 100.0, "0,1,2,3,4");
  } else {
    if (args.has("sigmas")) throw UsageError("option '--sigmas' belongs to --task aav-mnist; use --alphas with synthetic");
    d.parameters = parameter_list(args, "alphas", {0, 0.2, 0.4, 0.6, 0.8, 1}, 0.0, 1.0, "0,0.5,1");
  }
  d.steps_given = args.has("steps");
  d.steps = args.get_int("steps", 0);
  if (d.steps_given && d.steps < 1) {
    throw UsageError("option '--steps' has value " + std::to_string(d.steps) + "; expected at least 1, e.g. 4000");
  }
  if (d.aav && d.steps_given) throw UsageError("option '--steps' belongs to --task synthetic (aav-mnist uses the backends' defaults)");
  if (device_from(args) == "cuda") {  // fails here, before any output, without CUDA or a device
    d.fusion = fusion_runner_from(args);
    d.neural = cuda_neural_runner();
  }
  // The folder now, so that a bad --out fails before minutes of computation.
  std::error_code error;
  std::filesystem::create_directories(out, error);
  if (error || !std::filesystem::is_directory(out)) {
    throw UsageError("option '--out': cannot create folder " +
                     data::detail::quote_for_message(out.string(), 200) + ": " +
                     (error ? error.message() : std::string("a file of that name exists")));
  }

  // Told only once every option is valid, so that a usage error stays one line.
  if (!d.aav && task == "auto" && !wants_synthetic) {
    std::fprintf(stderr,
                 "mmc demo: no AAV-MNIST data cache at %s, so this runs the synthetic alpha demo.\n"
                 "          For the paper's real-data experiment run scripts/fetch-data first "
                 "(real MNIST + spoken digits, about 2 minutes) or pass --data DIR.\n",
                 d.data.empty() ? "(no MMC_DATA_DIR or HOME)" : d.data.string().c_str());
  }
  const auto start = std::chrono::steady_clock::now();
  const std::vector<DemoRow> rows = d.aav ? aav_rows(d) : synthetic_rows(d);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string parameter = d.aav ? "sigma" : "alpha";
  const auto& backend_names = d.backend_names;

  // The table as CSV (numbers in shortest round-trip form) and the plot, both
  // complete under temporary names before either is put in place.
  std::vector<std::string> header{parameter, "C_true"};
  for (const auto& name : backend_names) header.push_back("C_" + name);
  for (const char* name : {"clean", "missing", "noisy", "adversarial", "robustness_missing",
                           "robustness_noisy", "robustness_adversarial"})
    header.emplace_back(name);
  RowMatrix<double> csv_table(static_cast<Index>(rows.size()), static_cast<Index>(header.size()));
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& row = rows[i];
    const auto& r = row.robustness;
    std::vector<double> values{row.parameter, row.c_true};
    values.insert(values.end(), row.metric.begin(), row.metric.end());
    values.insert(values.end(), {r.clean, r.missing, r.noisy, r.adversarial, r.robustness_missing,
                                 r.robustness_noisy, r.robustness_adversarial});
    for (std::size_t c = 0; c < values.size(); ++c)
      csv_table(static_cast<Index>(i), static_cast<Index>(c)) = values[c];
  }
  PlotSpec plot;
  plot.title = d.aav ? "AAV-MNIST: complementarity vs robustness to a missing modality"
                     : "Complementarity vs robustness to a missing modality";
  plot.x_label = "complementarity C";
  plot.y_label = "robustness (missing accuracy / clean accuracy)";
  for (std::size_t b = 0; b < d.backends.size(); ++b) {
    PlotSeries series;
    series.name = "C (" + backend_names[b] + ")";
    for (const auto& row : rows) {
      series.x.push_back(row.metric[b]);
      series.y.push_back(row.robustness.robustness_missing);
      char label[32];
      std::snprintf(label, sizeof label, d.aav ? "s=%g" : "a=%.1f", row.parameter);
      if (b == 0) series.labels.push_back(label);  // one label per point is enough
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
      data::Json entry = data::Json::object({{parameter, row.parameter}});
      if (std::isfinite(row.c_true)) entry.set("C_true", row.c_true);
      for (std::size_t b = 0; b < d.backends.size(); ++b) entry.set("C_" + backend_names[b], row.metric[b]);
      const auto& r = row.robustness;
      entry.set("clean", r.clean);
      entry.set("missing", r.missing);
      entry.set("noisy", r.noisy);
      entry.set("adversarial", r.adversarial);
      entry.set("robustness_missing", r.robustness_missing);
      table.push(entry);
    }
    print_report(args, {{"task", d.aav ? "aav-mnist" : "synthetic"},
                        {"units", d.aav ? "input" : "standardized"},
                        {"device", d.fusion.device},
                        {"rows", table},
                        {"csv", (out / "demo.csv").string()},
                        {"plot", (out / "demo.svg").string()},
                        {"seconds", seconds}});
    return 0;
  }
  std::printf("task: %s (perturbations in %s units%s)\n", d.aav ? "aav-mnist" : "synthetic",
              d.aav ? "input" : "training standard deviation",
              d.fusion.device == "cpu" ? "" : "; networks on the GPU");
  std::printf("%-6s  %6s", parameter.c_str(), "C_true");
  for (const auto& name : backend_names) std::printf("  %8s", ("C_" + name).c_str());
  std::printf("  %6s  %7s  %6s  %11s  %10s\n", "clean", "missing", "noisy", "adversarial",
              "robustness");
  for (const auto& row : rows) {
    std::printf("%-6.1f  ", row.parameter);
    if (std::isfinite(row.c_true)) std::printf("%6.3f", row.c_true);
    else std::printf("%6s", "-");
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
