// tools/mmc/cmd_cmi.cpp — `mmc cmi`: conditional mutual information I(X;Y|Z)
// with the Frenzel–Pompe / KSG estimator (docs/design.md §3.1).
#include <mmc/knn/ksg_conditional.hpp>

#include "commands.hpp"
#include "common.hpp"

namespace mmc::cli {

CommandSpec cmi_spec() {
  CommandSpec spec;
  spec.name = "cmi";
  spec.summary = "Estimate the conditional mutual information I(X;Y|Z) in nats.";
  spec.usage = "mmc cmi --x FILE --y FILE --z FILE [--estimator ksg1|ksg2] [options]";
  spec.details =
      "Files: CSV (optional header) or .npy, one sample per row, the same rows in all three.\n"
      "ksg1: Frenzel-Pompe (strict counts); ksg2: the KSG-2 variant (Vejmelka & Palus 2008).";
  spec.options = join({{{"x", "FILE", "first variable", "", false},
                        {"y", "FILE", "second variable", "", false},
                        {"z", "FILE", "conditioning variable", "", false},
                        {"estimator", "NAME", "ksg1 | ksg2", "ksg1", false}},
                       knn_options(),
                       common_options()});
  return spec;
}

int run_cmi(const ParsedArgs& args) {
  const std::string estimator = args.get_choice("estimator", {"ksg1", "ksg2"}, "ksg1");
  const RowMatrix<double> x = read_matrix_option(args, "x");
  const RowMatrix<double> y = read_matrix_option(args, "y");
  const RowMatrix<double> z = read_matrix_option(args, "z");
  knn::KsgOptions options;
  static_cast<knn::KnnOptions&>(options) = knn_options_from(args);
  options.algorithm = estimator == "ksg1" ? 1 : 2;
  const auto [result, seconds] = timed([&] { return knn::KsgConditional(options).estimate(x, y, z); });
  print_report(args, {{"estimator", estimator},
                      {"value", result.value},
                      {"n", result.n},
                      {"seconds", seconds},
                      {"k", result.k},
                      {"standardize", options.standardize}});
  return 0;
}

}  // namespace mmc::cli
