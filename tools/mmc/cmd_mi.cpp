// tools/mmc/cmd_mi.cpp — `mmc mi`: mutual information between two files with
// any estimator of the registry (mmc/estimators/registry.hpp). The kNN-family
// and discrete estimators run here through estimators::estimate_mi; the neural
// ones in cmd_mi_neural.cpp (a separate translation unit: heavy templates).
#include <mmc/estimators/knn_dispatch.hpp>
#include <mmc/estimators/mi_matrix.hpp>
#include <mmc/estimators/permutation.hpp>

#include "command_support.hpp"
#include "commands.hpp"
#include "neural_options.hpp"
#include "significance_options.hpp"

namespace mmc::cli {

namespace {

using estimators::Estimator;
using estimators::Family;

// The options only some estimators read; naming one that the chosen estimator
// ignores is an error (reject_unused), never a silent no-op.
const std::vector<std::string> kKnnOnly = {"k", "jitter"};
const std::vector<std::string> kDiscreteOnly = {"bins", "binning", "miller-madow"};

}  // namespace

CommandSpec mi_spec() {
  const std::string list = estimators::names(estimators::kMutualInformation);
  std::string descriptions;
  for (const auto& info : estimators::kMutualInformation)
    descriptions += "  " + std::string(info.name) + std::string(9 - info.name.size(), ' ') +
                    std::string(info.summary) + "\n";
  CommandSpec spec;
  spec.name = "mi";
  spec.summary = "Estimate the mutual information I(X;Y) in nats between the rows of two files.";
  spec.usage = "mmc mi --x FILE --y FILE [--estimator " + list + "] [options]";
  spec.details =
      "Files: CSV (optional header) or .npy, one sample per row, the same rows in both.\n"
      "Estimators (docs/design.md §3.1-3.3):\n" + descriptions +
      "ross takes integer labels in --y; plugin takes integer-valued X and Y (with --bins B it\n"
      "bins continuous data: the same as --estimator binned).\n"
      "Options that the chosen estimator does not use are rejected, not ignored.\n"
      "The value is in nats; --json prints {estimator, value, n, seconds, ..., warnings}.\n"
      "ross and plugin add normalized = I/H(Y), H(Y) the plug-in entropy of y (Theil's uncertainty\n"
      "coefficient), and h_y. --permutations R adds a permutation test: p_value = (1 + #{null >= value})\n"
      "/ (R + 1), null_mean, null_sd, corrected = value - null_mean (docs/significance.md); a neural\n"
      "estimator retrains from scratch on each shuffle (R + 1 trainings; it adds permutation_seconds).\n"
      "--k 3,5,10 (kNN estimators) reports values per k, value = their mean, k_spread = max - min.";
  const knn::BinnedOptions binned{};
  spec.options = join({{{"x", "FILE", "first variable (rows = samples)", "", false},
                        {"y", "FILE", "second variable (labels for ross)", "", false},
                        {"estimator", "NAME", list, "ksg1", false},
                        {"bins", "B", "bins per dimension (plugin on continuous data, binned)",
                         std::to_string(binned.bins) + " for binned", false},
                        {"binning", "KIND", "equal-width | equal-frequency (binned)",
                         "equal-width", false},
                        {"miller-madow", "", "Miller-Madow bias correction (plugin, binned)", "on",
                         false},
                        {"variant", "V", "mixed: paper (the formula in docs/design.md §3.1) | reference (the "
                         "authors' code: psi of strict counts, less fixed-k bias)", "paper", false}},
                       knn_options(),
                       significance::options(true),
                       neural_options(),
                       common_options()});
  significance::describe_k_list(spec.options);
  return spec;
}

/// The non-neural options from the command line (shared with `mmc entropy`).
estimators::NonNeuralOptions non_neural_options_from(const ParsedArgs& args, bool standardize_default) {
  estimators::NonNeuralOptions options;
  options.knn = knn_options_from(args, cli_knn_defaults(standardize_default));
  options.plugin.miller_madow = args.get_switch("miller-madow", true);
  options.binned.miller_madow = options.plugin.miller_madow;
  options.binned.bins = args.get_int("bins", options.binned.bins);
  options.binned.binning =
      args.get_choice("binning", {"equal-width", "equal-frequency"}, "equal-width") == "equal-width"
          ? knn::Binning::equal_width
          : knn::Binning::equal_frequency;
  return options;
}

/// Report fields of a non-neural estimate, after {estimator}.
void report_estimate(Report& report, const estimators::Estimate& e, double seconds,
                     const estimators::EstimatorInfo& info, const knn::KnnOptions& knn) {
  report.emplace_back("value", e.value);
  report.emplace_back("n", e.n);
  report.emplace_back("seconds", seconds);
  if (info.family == Family::knn) {
    report.emplace_back("k", e.k);
    report.emplace_back("standardize", knn.standardize);
  }
  for (const auto& [key, value] : e.details) {
    if (key == "classes" || key == "dropped" || key == "bins" || key == "cells")
      report.emplace_back(key, static_cast<long long>(value));
    else
      report.emplace_back(key, value);
  }
  add_warnings(report, e.warnings);
}

int run_mi(const ParsedArgs& args) {
  const auto& info = estimator_from(args, estimators::kMutualInformation, "ksg1");
  Estimator id = info.id;
  if (info.family == Family::neural) {
    // --permutations retrains the network R times on shuffled y
    // (estimators/neural_permutation.hpp); no local values (docs/significance.md).
    reject_unused(args, {"local"},
                  "estimator '" + std::string(info.name) + "' (a neural estimator)");
    reject_unused(args, kKnnOnly, "estimator '" + std::string(info.name) + "' (a neural estimator)");
    reject_unused(args, kDiscreteOnly, "estimator '" + std::string(info.name) + "' (a neural estimator)");
    reject_unused(args, {"variant"}, "estimator '" + std::string(info.name) + "'");
    if (id != Estimator::mine) reject_unused(args, {"ema"}, "estimator '" + std::string(info.name) + "'");
    if (id == Estimator::doe) reject_unused(args, {"loop"}, "estimator 'doe' (it trains CENE classifiers)");
    if (id == Estimator::infonce && args.has("loop") && loop_from(args) == neural::TrainingLoop::resident) {
      throw UsageError("option '--loop resident' trains the concat critic with shuffled pairs (mine, nwj, "
                       "js, smile); infonce trains a separable critic on all pairs: use --loop host or auto");
    }
    return run_mi_neural(args, id);
  }
  // A plug-in estimate of continuous data is the binned estimator.
  if (id == Estimator::plugin && args.has("bins")) id = Estimator::binned;
  const std::string subject = "estimator '" + std::string(info.name) + "'";
  reject_unused(args, neural_option_names(), subject + " (it runs on the CPU, without training)");
  if (info.family == Family::discrete) reject_unused(args, kKnnOnly, subject + " (it counts, no neighbours)");
  if (info.family == Family::knn) reject_unused(args, kDiscreteOnly, subject + " (a kNN estimator)");
  if (id != Estimator::binned) reject_unused(args, {"binning"}, subject);
  if (id != Estimator::mixed) reject_unused(args, {"variant"}, subject);
  const bool value_only = significance::value_only(args);
  const Index permutations = significance::permutations_from(args);
  significance::require_local_values(args, info.has_local && id != Estimator::binned,
                                     id == Estimator::binned ? "estimator 'plugin' with --bins (binned)" : subject);
  // --k may be a list (docs/significance.md); knn_options_from reads one integer.
  const std::vector<Index> ks = significance::k_list_from(args, cli_knn_defaults(true).k);
  significance::reject_with_k_list(args, ks.size());

  estimators::NonNeuralOptions options =
      non_neural_options_from(significance::without_option(args, mi_spec(), "k"), true);
  options.knn.k = ks.front();
  options.mixed_variant = args.get_choice("variant", {"paper", "reference"}, "paper") == "paper"
                              ? knn::MixedVariant::paper
                              : knn::MixedVariant::reference;
  const RowMatrix<double> x = read_matrix_option(args, "x");
  const RowMatrix<double> y = read_matrix_option(args, "y");
  if (id == Estimator::plugin) {
    const std::string fix = "plugin needs discrete (integer) data; for continuous data add --bins B";
    require_integer_valued(x, "x", fix);
    require_integer_valued(y, "y", fix);
  }
  Report report{{"estimator", std::string(info.name)}};
  double value = 0.0;
  if (ks.size() > 1) {
    value = significance::report_k_list(report, ks, options, [&](const estimators::NonNeuralOptions& at_k) {
      return estimators::estimate_mi(id, x, y, at_k);
    });
  } else if (permutations > 0) {
    const auto [test, seconds] = timed([&] {
      return estimators::permutation_test_mi(id, x, y, options, permutations, options.knn.seed);
    });
    report_estimate(report, test.estimate, seconds, info, options.knn);
    report.pop_back();  // warnings last
    significance::add_permutation_fields(report, test);
    add_warnings(report, test.estimate.warnings);
    significance::write_local(args, test.estimate);
    value = test.estimate.value;
  } else {
    const auto [estimate, seconds] = timed([&] { return estimators::estimate_mi(id, x, y, options); });
    report_estimate(report, estimate, seconds, info, options.knn);
    significance::write_local(args, estimate);
    value = estimate.value;
  }
  // Normalised MI for discrete targets: I / H(Y), H(Y) the plug-in entropy of
  // y's rows (Theil's uncertainty coefficient; docs/significance.md).
  if (id == Estimator::ross || id == Estimator::plugin) {
    const double h_y = estimators::plugin_entropy_of(y);
    auto at = report.end() - 1;  // before warnings
    at = report.insert(at, {"h_y", h_y});
    if (h_y > 0.0) report.insert(at + 1, {"normalized", value / h_y});
  }
  if (value_only) {
    significance::print_value(value);
    return 0;
  }
  print_report(args, report);
  return 0;
}

}  // namespace mmc::cli
