// tools/mmc/cmd_entropy.cpp — `mmc entropy`: differential (kl, gknn, binned) or
// discrete (plugin) entropy of the rows of one file through the registry
// (mmc/estimators/); cene (neural) in cmd_mi_neural.cpp.
#include <mmc/estimators/knn_dispatch.hpp>

#include "command_support.hpp"
#include "commands.hpp"
#include "neural_options.hpp"
#include "significance_core.hpp"

namespace mmc::cli {

CommandSpec entropy_spec() {
  const std::string list = estimators::names(estimators::kEntropy);
  std::string descriptions;
  for (const auto& info : estimators::kEntropy)
    descriptions += "  " + std::string(info.name) + std::string(9 - info.name.size(), ' ') +
                    std::string(info.summary) + "\n";
  CommandSpec spec;
  spec.name = "entropy";
  spec.summary = "Estimate the entropy H(X) in nats of the rows of a file.";
  spec.usage = "mmc entropy --x FILE [--estimator " + list + "] [options]";
  spec.details =
      "Estimators (docs/design.md §3.1, §3.3):\n" + descriptions +
      "plugin with --bins B is the binned estimator.\n"
      "Differential entropies depend on the scale: standardisation is OFF by default here.\n"
      "Options that the chosen estimator does not use are rejected, not ignored.";
  const knn::BinnedOptions binned{};
  spec.options = join({{{"x", "FILE", "the variable (rows = samples)", "", false},
                        {"estimator", "NAME", list, "kl", false},
                        {"norm", "NORM", "max | euclidean (kl)", "max", false},
                        {"bins", "B", "bins per dimension (plugin on continuous data, binned)",
                         std::to_string(binned.bins) + " for binned", false},
                        {"binning", "KIND", "equal-width | equal-frequency", "equal-width", false},
                        {"miller-madow", "", "Miller-Madow bias correction (plugin, binned)", "on", false},
                        significance::value_only_option()},
                       knn_options(cli_knn_defaults(false)),
                       neural_options(),
                       common_options()});
  return spec;
}

int run_entropy(const ParsedArgs& args) {
  const auto& info = estimator_from(args, estimators::kEntropy, "kl");
  estimators::Estimator id = info.id;
  const std::string subject = "estimator '" + std::string(info.name) + "'";
  const std::vector<std::string> discrete_only = {"bins", "binning", "miller-madow"};
  if (id != estimators::Estimator::kl) reject_unused(args, {"norm"}, subject);
  if (info.family == estimators::Family::neural) {
    reject_unused(args, {"k", "jitter", "ema", "loop"}, subject + " (a neural estimator)");
    reject_unused(args, discrete_only, subject + " (a neural estimator)");
    return run_entropy_cene(args);
  }
  if (id == estimators::Estimator::plugin && args.has("bins")) id = estimators::Estimator::binned;
  reject_unused(args, neural_option_names(), subject + " (it runs on the CPU, without training)");
  if (info.family == estimators::Family::knn) reject_unused(args, discrete_only, subject + " (a kNN estimator)");
  if (info.family == estimators::Family::discrete) reject_unused(args, {"k", "jitter"}, subject + " (it counts, no neighbours)");
  if (id != estimators::Estimator::binned) reject_unused(args, {"binning"}, subject);

  // Entropy is not scale-invariant, so the CLI does not standardise unless asked.
  estimators::NonNeuralOptions options = non_neural_options_from(args, /*standardize_default=*/false);
  options.norm = args.get_choice("norm", {"max", "euclidean"}, "max") == "max" ? Norm::max : Norm::euclidean;
  const bool value_only = significance::value_only(args);
  const RowMatrix<double> x = read_matrix_option(args, "x");
  if (id == estimators::Estimator::plugin) {
    require_integer_valued(x, "x", "plugin needs discrete (integer) data; for continuous data add --bins B");
  }
  const auto [estimate, seconds] = timed([&] { return estimators::estimate_entropy(id, x, options); });
  Report report{{"estimator", std::string(info.name)}, {"value", estimate.value}, {"n", estimate.n},
                {"seconds", seconds}};
  if (info.family == estimators::Family::knn) report.emplace_back("k", estimate.k);
  for (const auto& [key, value] : estimate.details) {
    if (key == "correction") report.emplace_back(key, value);
    else report.emplace_back(key, static_cast<long long>(value));
  }
  add_warnings(report, estimate.warnings);
  if (value_only) {
    significance::print_value(estimate.value);
    return 0;
  }
  print_report(args, report);
  return 0;
}

}  // namespace mmc::cli
