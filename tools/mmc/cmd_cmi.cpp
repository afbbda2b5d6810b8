// tools/mmc/cmd_cmi.cpp — `mmc cmi`: conditional mutual information I(X;Y|Z)
// with the Frenzel–Pompe / KSG estimator (docs/design.md §3.1), through the
// registry (mmc/estimators/).
#include <mmc/estimators/knn_dispatch.hpp>

#include "command_support.hpp"
#include "commands.hpp"

namespace mmc::cli {

CommandSpec cmi_spec() {
  const std::string list = estimators::names(estimators::kConditionalMutualInformation);
  CommandSpec spec;
  spec.name = "cmi";
  spec.summary = "Estimate the conditional mutual information I(X;Y|Z) in nats.";
  spec.usage = "mmc cmi --x FILE --y FILE --z FILE [--estimator " + list + "] [options]";
  spec.details =
      "Files: CSV (optional header) or .npy, one sample per row, the same rows in all three.\n"
      "ksg1: Frenzel-Pompe (strict counts); ksg2: the KSG-2 variant (Vejmelka & Palus 2008).";
  spec.options = join({{{"x", "FILE", "first variable", "", false},
                        {"y", "FILE", "second variable", "", false},
                        {"z", "FILE", "conditioning variable", "", false},
                        {"estimator", "NAME", list, "ksg1", false}},
                       knn_options(),
                       common_options()});
  return spec;
}

int run_cmi(const ParsedArgs& args) {
  const auto& info = estimator_from(args, estimators::kConditionalMutualInformation, "ksg1");
  estimators::NonNeuralOptions options;
  options.knn = knn_options_from(args, cli_knn_defaults(true));
  const RowMatrix<double> x = read_matrix_option(args, "x");
  const RowMatrix<double> y = read_matrix_option(args, "y");
  const RowMatrix<double> z = read_matrix_option(args, "z");
  const auto [estimate, seconds] = timed([&] { return estimators::estimate_cmi(info.id, x, y, z, options); });
  Report report{{"estimator", std::string(info.name)},
                {"value", estimate.value},
                {"n", estimate.n},
                {"seconds", seconds},
                {"k", estimate.k},
                {"standardize", options.knn.standardize}};
  add_warnings(report, estimate.warnings);
  print_report(args, report);
  return 0;
}

}  // namespace mmc::cli
