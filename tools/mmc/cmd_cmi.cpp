// tools/mmc/cmd_cmi.cpp — `mmc cmi`: conditional mutual information I(X;Y|Z)
// with the Frenzel–Pompe / KSG estimator (docs/design.md §3.1), through the
// registry (mmc/estimators/).
#include <tuple>

#include <mmc/estimators/knn_dispatch.hpp>
#include <mmc/estimators/permutation.hpp>

#include "command_support.hpp"
#include "commands.hpp"
#include "significance_options.hpp"

namespace mmc::cli {

CommandSpec cmi_spec() {
  const std::string list = estimators::names(estimators::kConditionalMutualInformation);
  CommandSpec spec;
  spec.name = "cmi";
  spec.summary = "Estimate the conditional mutual information I(X;Y|Z) in nats.";
  spec.usage = "mmc cmi --x FILE --y FILE --z FILE [--estimator " + list + "] [options]";
  spec.details =
      "Files: CSV (optional header) or .npy, one sample per row, the same rows in all three.\n"
      "ksg1: Frenzel-Pompe (strict counts); ksg2: the KSG-2 variant (Vejmelka & Palus 2008).\n"
      "--permutations R runs the local permutation test of Runge (2018): x is shuffled only among\n"
      "the --k-perm nearest neighbours of each z (without replacement where possible), so the null\n"
      "keeps I(X;Z); it adds p_value, null_mean, null_sd, corrected (docs/significance.md).\n"
      "--k 3,5,10 reports values per k, value = their mean, k_spread = max - min.";
  spec.options = join({{{"x", "FILE", "first variable", "", false},
                        {"y", "FILE", "second variable", "", false},
                        {"z", "FILE", "conditioning variable", "", false},
                        {"estimator", "NAME", list, "ksg1", false}},
                       knn_options(),
                       significance::options(true),
                       {{"k-perm", "K", "neighbours in Z among which x is shuffled (--permutations)",
                         std::to_string(estimators::kDefaultLocalPermutationNeighbours), false}},
                       common_options()});
  significance::describe_k_list(spec.options);
  return spec;
}

int run_cmi(const ParsedArgs& args) {
  const auto& info = estimator_from(args, estimators::kConditionalMutualInformation, "ksg1");
  const bool value_only = significance::value_only(args);
  const Index permutations = significance::permutations_from(args);
  if (permutations == 0) reject_unused(args, {"k-perm"}, "a run without --permutations");
  const long long k_perm = args.get_int("k-perm", estimators::kDefaultLocalPermutationNeighbours);
  if (k_perm < 1) {
    throw UsageError("option '--k-perm' has value " + args.get("k-perm") +
                     "; expected a positive number of neighbours (5 to 10 is customary)");
  }
  // --k may be a list (docs/significance.md); knn_options_from reads one integer.
  const std::vector<Index> ks = significance::k_list_from(args, cli_knn_defaults(true).k);
  significance::reject_with_k_list(args, ks.size());
  estimators::NonNeuralOptions options;
  options.knn = knn_options_from(significance::without_option(args, cmi_spec(), "k"), cli_knn_defaults(true));
  options.knn.k = ks.front();
  const RowMatrix<double> x = read_matrix_option(args, "x");
  const RowMatrix<double> y = read_matrix_option(args, "y");
  const RowMatrix<double> z = read_matrix_option(args, "z");
  Report report{{"estimator", std::string(info.name)}};
  double value = 0.0;
  if (ks.size() > 1) {
    value = significance::report_k_list(report, ks, options, [&](const estimators::NonNeuralOptions& at_k) {
      return estimators::estimate_cmi(info.id, x, y, z, at_k);
    });
  } else {
    estimators::Estimate estimate;
    estimators::PermutationResult test;
    double seconds = 0.0;
    if (permutations > 0) {
      std::tie(test, seconds) = timed([&] {
        return estimators::permutation_test_cmi(info.id, x, y, z, options, permutations, options.knn.seed,
                                                static_cast<Index>(k_perm));
      });
      estimate = test.estimate;
    } else {
      std::tie(estimate, seconds) = timed([&] { return estimators::estimate_cmi(info.id, x, y, z, options); });
    }
    report.emplace_back("value", estimate.value);
    report.emplace_back("n", estimate.n);
    report.emplace_back("seconds", seconds);
    report.emplace_back("k", estimate.k);
    report.emplace_back("standardize", options.knn.standardize);
    if (permutations > 0) {
      significance::add_permutation_fields(report, test);
      report.emplace_back("k_perm", k_perm);
    }
    add_warnings(report, estimate.warnings);
    significance::write_local(args, estimate);
    value = estimate.value;
  }
  if (value_only) {
    significance::print_value(value);
    return 0;
  }
  print_report(args, report);
  return 0;
}

}  // namespace mmc::cli
