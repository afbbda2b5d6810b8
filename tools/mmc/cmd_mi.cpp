// tools/mmc/cmd_mi.cpp — `mmc mi`: mutual information between two files with
// any of mmc's estimators. The kNN-family estimators run here; the neural ones
// in cmd_mi_neural.cpp (a separate translation unit: they are heavy templates).
#include <mmc/knn/binned.hpp>
#include <mmc/knn/geometric.hpp>
#include <mmc/knn/kl_entropy.hpp>
#include <mmc/knn/ksg.hpp>
#include <mmc/knn/lnc.hpp>
#include <mmc/knn/mixed.hpp>
#include <mmc/knn/plugin.hpp>
#include <mmc/knn/ross.hpp>

#include "commands.hpp"
#include "common.hpp"

namespace mmc::cli {

namespace {

const std::vector<std::string> kKnnEstimators = {"ksg1", "ksg2", "kl",   "gknn",
                                                 "lnc",  "mixed", "ross", "plugin"};

bool is_neural(const std::string& name) {
  for (const auto& n : neural_mi_estimators())
    if (n == name) return true;
  return false;
}

}  // namespace

CommandSpec mi_spec() {
  std::vector<std::string> choices = kKnnEstimators;
  for (const auto& n : neural_mi_estimators()) choices.push_back(n);
  std::string list;
  for (const auto& c : choices) list += (list.empty() ? "" : "|") + c;
  CommandSpec spec;
  spec.name = "mi";
  spec.summary = "Estimate the mutual information I(X;Y) in nats between the rows of two files.";
  spec.usage = "mmc mi --x FILE --y FILE [--estimator " + list + "] [options]";
  spec.details =
      "Files: CSV (optional header) or .npy, one sample per row, the same rows in both.\n"
      "Estimators: ksg1/ksg2 (Kraskov-Stoegbauer-Grassberger 1/2, max-norm), kl (3KL: H(X)+H(Y)-H(X,Y)\n"
      "with Kozachenko-Leonenko entropies), gknn (geometric kNN, Lord et al. 2018), lnc (local\n"
      "non-uniformity correction, Gao et al. 2015), mixed (Gao et al. 2017, discrete/continuous\n"
      "mixtures), ross (Y = integer labels, X continuous; Ross 2014), plugin (discrete X and Y; with\n"
      "--bins B: the binned estimator for continuous data), and the neural bounds\n"
      "mine|nwj|infonce|js|smile and doe (difference of CENE entropies).\n"
      "The value is in nats; --json prints {estimator, value, n, seconds, ...}.";
  spec.options = join({{{"x", "FILE", "first variable (rows = samples)", "", false},
                        {"y", "FILE", "second variable (labels for ross)", "", false},
                        {"estimator", "NAME", list, "ksg1", false},
                        {"bins", "B", "bins per dimension for plugin on continuous data", "", false},
                        {"binning", "KIND", "equal-width | equal-frequency (with --bins)",
                         "equal-width", false},
                        {"miller-madow", "", "Miller-Madow bias correction for plugin", "on",
                         false},
                        {"variant", "V", "mixed: paper (DESIGN.md's formula) | reference (the "
                         "authors' code: psi of strict counts, less fixed-k bias)", "paper", false}},
                       knn_options(),
                       neural_options(),
                       common_options()});
  return spec;
}

int run_mi(const ParsedArgs& args) {
  std::vector<std::string> choices = kKnnEstimators;
  for (const auto& n : neural_mi_estimators()) choices.push_back(n);
  const std::string estimator = args.get_choice("estimator", choices, "ksg1");
  if (is_neural(estimator)) return run_mi_neural(args, estimator);

  const RowMatrix<double> x = read_matrix_option(args, "x");
  knn::KnnOptions base = knn_options_from(args);
  Report report;
  report.emplace_back("estimator", estimator);

  if (estimator == "ross") {
    const Labels labels = read_labels_option(args, "y");
    knn::RossOptions options;
    static_cast<knn::KnnOptions&>(options) = base;
    const auto [result, seconds] = timed([&] { return knn::Ross(options).estimate(x, labels); });
    report.emplace_back("value", result.value);
    report.emplace_back("n", result.n);
    report.emplace_back("seconds", seconds);
    report.emplace_back("k", result.k);
    report.emplace_back("classes", result.classes);
    report.emplace_back("dropped", result.dropped);
    print_report(args, report);
    return 0;
  }

  const RowMatrix<double> y = read_matrix_option(args, "y");
  if (estimator == "plugin") {
    if (args.has("bins")) {
      knn::BinnedOptions options;
      options.bins = args.get_int("bins", 10);
      options.binning = args.get_choice("binning", {"equal-width", "equal-frequency"},
                                        "equal-width") == "equal-width"
                            ? knn::Binning::equal_width
                            : knn::Binning::equal_frequency;
      options.miller_madow = args.get_switch("miller-madow", true);
      const auto [result, seconds] =
          timed([&] { return knn::BinnedMutualInformation(options).estimate(x, y); });
      report.emplace_back("value", result.value);
      report.emplace_back("n", result.n);
      report.emplace_back("seconds", seconds);
      report.emplace_back("bins", options.bins);
      report.emplace_back("correction", result.correction);
    } else {
      const std::string fix = "plugin needs discrete (integer) data; for continuous data add --bins B";
      require_integer_valued(x, "x", fix);
      require_integer_valued(y, "y", fix);
      knn::PluginOptions options;
      options.miller_madow = args.get_switch("miller-madow", true);
      const auto [result, seconds] =
          timed([&] { return knn::PluginMutualInformation(options).estimate(x, y); });
      report.emplace_back("value", result.value);
      report.emplace_back("n", result.n);
      report.emplace_back("seconds", seconds);
      report.emplace_back("correction", result.correction);
    }
    print_report(args, report);
    return 0;
  }

  double value = 0.0, seconds = 0.0;
  Index n = 0;
  if (estimator == "ksg1" || estimator == "ksg2") {
    knn::KsgOptions options;
    static_cast<knn::KnnOptions&>(options) = base;
    options.algorithm = estimator == "ksg1" ? 1 : 2;
    const auto [result, s] = timed([&] { return knn::Ksg(options).estimate(x, y); });
    value = result.value, n = result.n, seconds = s;
  } else if (estimator == "kl") {
    knn::KlEntropyOptions options;
    static_cast<knn::KnnOptions&>(options) = base;
    const auto [result, s] = timed([&] { return knn::KlMutualInformation(options).estimate(x, y); });
    value = result.value, n = result.n, seconds = s;
  } else if (estimator == "gknn") {
    const auto [result, s] = timed([&] { return knn::GeometricKnn(base).estimate(x, y); });
    value = result.value, n = result.n, seconds = s;
  } else if (estimator == "lnc") {
    knn::LncOptions options;
    static_cast<knn::KnnOptions&>(options) = base;
    const auto [result, s] = timed([&] { return knn::Lnc(options).estimate(x, y); });
    value = result.value, n = result.n, seconds = s;
  } else {  // mixed
    knn::MixedOptions options;
    static_cast<knn::KnnOptions&>(options) = base;
    options.variant = args.get_choice("variant", {"paper", "reference"}, "paper") == "paper"
                          ? knn::MixedVariant::paper
                          : knn::MixedVariant::reference;
    const auto [result, s] = timed([&] { return knn::MixedKsg(options).estimate(x, y); });
    value = result.value, n = result.n, seconds = s;
  }
  report.emplace_back("value", value);
  report.emplace_back("n", n);
  report.emplace_back("seconds", seconds);
  report.emplace_back("k", base.k);
  report.emplace_back("standardize", base.standardize);
  print_report(args, report);
  return 0;
}

}  // namespace mmc::cli
