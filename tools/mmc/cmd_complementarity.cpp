// tools/mmc/cmd_complementarity.cpp — `mmc complementarity`: the modality
// complementarity metric of docs/design.md §3.4 for two or more modality files.
#include <mmc/data/matrix_file.hpp>
#include <mmc/metric/complementarity.hpp>

#include "commands.hpp"
#include "command_support.hpp"
#include "neural_options.hpp"
#include "significance_core.hpp"

namespace mmc::cli {

CommandSpec complementarity_spec() {
  CommandSpec spec;
  spec.name = "complementarity";
  spec.summary = "How much each modality knows about the label that the others do not.";
  spec.usage =
      "mmc complementarity --modality A --modality B [--modality C ...] --labels Y\n"
      "                    [--backend knn|cene|mine] [--pca D] [--bootstrap R] [options]";
  spec.details =
      "Reports Gamma_i = I(X_i; Y | X_-i) per modality, the metric C = sum Gamma / I(X_all; Y)\n"
      "(> 1: synergy), C_H = sum Gamma / H(Y) (the paper's approximation), the interaction\n"
      "I(X_all;Y) - sum Gamma, and Theorem 3.1's bounds on the Bayes error when a modality is\n"
      "missing. Backends: knn (Ross estimator, fast, the default), cene (conditional-entropy\n"
      "network differences), mine (MINE: one DV critic for I(X_all;Y) and every I(X_-i;Y)).\n"
      "Labels: one integer per row (CSV column or .npy int array). Values in nats.\n"
      "See docs/complementarity.md.";
  const metric::ComplementarityOptions defaults{};
  knn::KnnOptions shown = defaults.knn;
  shown.standardize = defaults.standardize;  // the metric standardises for every backend
  spec.options = join({{{"modality", "FILE", "a modality's features, one sample per row", "", true},
                        {"labels", "FILE", "integer class labels, one per row", "", false},
                        {"backend", "B", "knn | cene | mine", std::string(metric::backend_name(defaults.backend)), false},
                        {"pca", "D", "keep D whitened principal components per modality (0: off)",
                         std::to_string(defaults.pca), false},
                        {"bootstrap", "R", "bootstrap replicates for the intervals (0: off; else >= 1/(1-confidence))",
                         std::to_string(defaults.bootstrap), false},
                        {"confidence", "LEVEL", "interval confidence level", number_text(defaults.confidence), false},
                        {"permutations", "R",
                         "local-permutation null of each Gamma_i (knn backend): adds gamma_p_value, gamma_null_mean, "
                         "gamma_null_sd, gamma_corrected (docs/complementarity.md)", "", false}},
                       knn_options(shown),
                       neural_options(),
                       common_options()});
  return spec;
}

namespace {

data::Json interval_json(const metric::Interval& interval) {
  return data::Json::array({interval.lower, interval.upper});
}

}  // namespace

int run_complementarity(const ParsedArgs& args) {
  const std::vector<std::string> files = args.get_all("modality");
  if (files.size() < 2) {
    throw UsageError("option '--modality' given " + std::to_string(files.size()) +
                     " time(s); pass at least two modalities (--modality A --modality B)");
  }
  const std::string backend_name = args.get_choice("backend", {"knn", "cene", "mine"}, "knn");
  metric::ComplementarityOptions options;
  options.backend = backend_name == "knn"    ? metric::Backend::knn
                    : backend_name == "cene" ? metric::Backend::cene
                                             : metric::Backend::mine;
  const std::string subject = "backend '" + backend_name + "'";
  if (options.backend == metric::Backend::knn) reject_unused(args, neural_option_names(), subject + " (no training)");
  if (options.backend != metric::Backend::knn) reject_unused(args, {"k", "jitter"}, subject + " (no neighbours)");
  if (options.backend != metric::Backend::mine) reject_unused(args, {"ema"}, subject);
  // The mine backend trains one shared critic with a class output per label
  // (metric/shared_critic.hpp), in the host loop: --loop is for `mmc mi`.
  reject_unused(args, {"loop"}, subject + " (the metric trains in the host loop)");
  options.standardize = args.get_switch("standardize", options.standardize);
  options.pca = args.get_int("pca", options.pca);
  options.bootstrap = args.get_int("bootstrap", options.bootstrap);
  options.confidence = args.get_double("confidence", options.confidence);
  if (args.has("permutations")) {
    if (options.backend != metric::Backend::knn) {
      throw UsageError("option '--permutations' is implemented for --backend knn only (the Gamma_i nulls "
                       "re-estimate Gamma_i hundreds of times); use --backend knn or drop --permutations");
    }
    options.permutations = significance::permutations_from(args);
  }
  options.knn = knn_options_from(args, options.knn);
  options.seed = seed_from(args);
  options.threads = threads_from(args);
  std::shared_ptr<ProgressBar> bar, unused;
  apply_training_options(args, options.cene, unused, "");
  apply_training_options(args, options.mine, unused, "");
  options.mine.ema = args.get_double("ema", options.mine.ema);
  options.cene.progress = nullptr;
  options.mine.progress = nullptr;
  if (device_from(args) == "cuda") options.neural = cuda_neural_runner();
  bar = std::make_shared<ProgressBar>("mmc complementarity " + backend_name,
                                      !args.get_switch("quiet", false));
  if (bar->enabled()) {
    options.stage = [bar](Index done, Index total, const std::string&) {
      bar->update(done, total, 0.0);
    };
  }

  std::vector<RowMatrix<double>> modalities;
  for (const auto& file : files) modalities.push_back(data::read_matrix(file));
  const Labels labels = read_labels_option(args, "labels");
  const auto result = metric::Complementarity(options).estimate(modalities, labels);
  bar->finish();

  data::Json bounds = data::Json::array();
  for (std::size_t m = 0; m < result.bounds.size(); ++m) {
    bounds.push(data::Json::object({{"modality", static_cast<long long>(m)},
                                    {"missing_error_lower", result.bounds[m].error_lower},
                                    {"missing_error_upper", result.bounds[m].error_upper},
                                    {"missing_error_lower_tight", result.bounds[m].error_lower_tight},
                                    {"regression_gap", result.bounds[m].regression_gap}}));
  }
  Report report{{"backend", backend_name},
                {"metric", result.metric},
                {"metric_h", result.metric_h},
                {"gamma", data::Json::array_of(result.gamma)},
                {"interaction", result.interaction},
                {"joint_mi", result.joint_mi},
                {"h_y", result.h_y},
                {"bounds", bounds},
                {"clean_bounds", data::Json::object({{"error_lower", result.clean_bounds.error_lower},
                                                     {"error_lower_tight", result.clean_bounds.error_lower_tight},
                                                     {"error_upper", result.clean_bounds.error_upper}})},
                {"classes", result.classes},
                {"n", result.n},
                {"seconds", result.seconds}};
  if (options.backend != metric::Backend::knn) report.emplace_back("device", options.neural.device);
  report.emplace_back("dropped_columns", data::Json::array_of(result.dropped_columns));  // design.md §3.4
  if (result.replicates > 0) {
    data::Json gamma_intervals = data::Json::array();
    for (const auto& interval : result.gamma_interval) gamma_intervals.push(interval_json(interval));
    report.emplace_back("replicates", result.replicates);
    report.emplace_back("metric_interval", interval_json(result.metric_interval));
    report.emplace_back("metric_h_interval", interval_json(result.metric_h_interval));
    report.emplace_back("gamma_interval", gamma_intervals);
  }
  if (!result.gamma_null.empty()) {
    data::Json p = data::Json::array(), mean = data::Json::array(), sd = data::Json::array(),
               corrected = data::Json::array();
    for (const auto& null : result.gamma_null) {
      p.push(null.p_value);
      mean.push(null.null_mean);
      sd.push(null.null_sd);
      corrected.push(null.corrected);
    }
    report.emplace_back("gamma_p_value", p);
    report.emplace_back("gamma_null_mean", mean);
    report.emplace_back("gamma_null_sd", sd);
    report.emplace_back("gamma_corrected", corrected);
    report.emplace_back("permutations", options.permutations);
  }
  add_warnings(report, result.warnings);
  print_report(args, report);
  return 0;
}

}  // namespace mmc::cli
