// tools/mmc/cmd_entropy.cpp — `mmc entropy`: differential (kl, gknn) or
// discrete (plugin) entropy of the rows of one file; cene in cmd_entropy_neural.cpp.
#include <mmc/knn/binned.hpp>
#include <mmc/knn/geometric.hpp>
#include <mmc/knn/kl_entropy.hpp>
#include <mmc/knn/plugin.hpp>

#include "commands.hpp"
#include "common.hpp"

namespace mmc::cli {

CommandSpec entropy_spec() {
  CommandSpec spec;
  spec.name = "entropy";
  spec.summary = "Estimate the entropy H(X) in nats of the rows of a file.";
  spec.usage = "mmc entropy --x FILE [--estimator kl|gknn|plugin|cene] [options]";
  spec.details =
      "kl: Kozachenko-Leonenko (--norm max|euclidean); gknn: geometric kNN (Lord et al. 2018);\n"
      "plugin: discrete entropy of integer rows (with --bins B: binned differential entropy);\n"
      "cene: held-out NLL of a mixture density network (a neural upper bound).\n"
      "Differential entropies depend on the scale: standardisation is OFF by default here.";
  spec.options = join({{{"x", "FILE", "the variable (rows = samples)", "", false},
                        {"estimator", "NAME", "kl | gknn | plugin | cene", "kl", false},
                        {"norm", "NORM", "max | euclidean (kl)", "max", false},
                        {"bins", "B", "bins per dimension (plugin on continuous data)", "", false},
                        {"binning", "KIND", "equal-width | equal-frequency", "equal-width", false},
                        {"miller-madow", "", "Miller-Madow bias correction (plugin)", "on", false}},
                       knn_options(),
                       neural_options(),
                       common_options()});
  return spec;
}

int run_entropy(const ParsedArgs& args) {
  const std::string estimator =
      args.get_choice("estimator", {"kl", "gknn", "plugin", "cene"}, "kl");
  if (estimator == "cene") return run_entropy_cene(args);
  const RowMatrix<double> x = read_matrix_option(args, "x");
  // Entropy is not scale-invariant, so the CLI does not standardise unless asked.
  const knn::KnnOptions base = knn_options_from(args, /*standardize_default=*/false);
  Report report{{"estimator", estimator}};
  if (estimator == "plugin") {
    if (args.has("bins")) {
      knn::BinnedOptions options;
      options.bins = args.get_int("bins", 10);
      options.binning = args.get_choice("binning", {"equal-width", "equal-frequency"},
                                        "equal-width") == "equal-width"
                            ? knn::Binning::equal_width
                            : knn::Binning::equal_frequency;
      options.miller_madow = args.get_switch("miller-madow", true);
      const auto [result, seconds] = timed([&] { return knn::BinnedEntropy(options).estimate(x); });
      report.insert(report.end(), {{"value", result.value}, {"n", result.n}, {"seconds", seconds},
                                   {"bins", options.bins}});
    } else {
      require_integer_valued(x, "x",
                             "plugin needs discrete (integer) data; for continuous data add --bins B");
      knn::PluginOptions options;
      options.miller_madow = args.get_switch("miller-madow", true);
      const auto [result, seconds] = timed([&] { return knn::PluginEntropy(options).estimate(x); });
      report.insert(report.end(), {{"value", result.value}, {"n", result.n}, {"seconds", seconds},
                                   {"cells", result.cells}});
    }
  } else if (estimator == "kl") {
    knn::KlEntropyOptions options;
    static_cast<knn::KnnOptions&>(options) = base;
    options.norm = args.get_choice("norm", {"max", "euclidean"}, "max") == "max" ? Norm::max
                                                                                 : Norm::euclidean;
    const auto [result, seconds] = timed([&] { return knn::KlEntropy(options).estimate(x); });
    report.insert(report.end(), {{"value", result.value}, {"n", result.n}, {"seconds", seconds},
                                 {"k", result.k}});
  } else {
    const auto [result, seconds] = timed([&] { return knn::GeometricKnn(base).entropy(x); });
    report.insert(report.end(), {{"value", result.value}, {"n", result.n}, {"seconds", seconds},
                                 {"k", result.k}});
  }
  print_report(args, report);
  return 0;
}

}  // namespace mmc::cli
