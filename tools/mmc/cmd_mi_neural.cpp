// tools/mmc/cmd_mi_neural.cpp — the neural estimators of `mmc mi`
// (mine|nwj|infonce|js|smile: variational bounds, DESIGN.md §3.2; doe:
// difference of CENE entropies, §3.3) and `mmc entropy --estimator cene`.
// A separate translation unit: these templates are the heaviest to compile.
#include <mmc/neural/cene.hpp>
#include <mmc/neural/doe.hpp>
#include <mmc/neural/neural_mi.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "neural_options.hpp"

namespace mmc::cli {

namespace {

template <class Estimator>
int run_bound(const ParsedArgs& args, const std::string& name) {
  typename Estimator::Options options;
  std::shared_ptr<ProgressBar> bar;
  apply_training_options(args, options, bar, "mmc mi " + name);
  if constexpr (Estimator::bound == neural::Bound::dv) options.ema = args.get_double("ema", options.ema);
  device_from(args);
  const RowMatrix<double> x = read_matrix_option(args, "x");
  const RowMatrix<double> y = read_matrix_option(args, "y");
  const auto [result, seconds] = timed([&] { return Estimator(options).estimate(x, y); });
  bar->finish();
  Report report{{"estimator", name},
                {"value", result.value},
                {"n", x.rows()},
                {"seconds", seconds},
                {"steps", result.steps},
                {"train_estimate", result.train_estimate},
                {"n_train", result.n_train},
                {"n_heldout", result.n_heldout},
                {"best_step", result.best_step}};
  if (std::isfinite(result.cap)) report.emplace_back("cap", result.cap);
  print_report(args, report);
  return 0;
}

int run_doe(const ParsedArgs& args) {
  neural::CeneOptions options;
  std::shared_ptr<ProgressBar> bar;
  apply_training_options(args, options, bar, "mmc mi doe");
  device_from(args);
  const RowMatrix<double> x = read_matrix_option(args, "x");
  const RowMatrix<double> y = read_matrix_option(args, "y");
  const auto [result, seconds] = timed([&] { return neural::Doe<float>(options).estimate(x, y); });
  bar->finish();
  print_report(args, {{"estimator", "doe"},
                      {"value", result.value},
                      {"n", x.rows()},
                      {"seconds", seconds},
                      {"steps", result.marginal.steps + result.conditional.steps},
                      {"train_estimate", result.marginal.train_value - result.conditional.train_value},
                      {"h_x", result.marginal.value},
                      {"h_x_given_y", result.conditional.value}});
  return 0;
}

}  // namespace

const std::vector<std::string>& neural_mi_estimators() {
  static const std::vector<std::string> names = {"mine", "nwj", "infonce", "js", "smile", "doe"};
  return names;
}

int run_mi_neural(const ParsedArgs& args, const std::string& estimator) {
  if (estimator == "mine") return run_bound<neural::Mine<float>>(args, estimator);
  if (estimator == "nwj") return run_bound<neural::Nwj<float>>(args, estimator);
  if (estimator == "infonce") return run_bound<neural::InfoNce<float>>(args, estimator);
  if (estimator == "js") return run_bound<neural::Js<float>>(args, estimator);
  if (estimator == "smile") return run_bound<neural::Smile<float>>(args, estimator);
  return run_doe(args);
}

int run_entropy_cene(const ParsedArgs& args) {
  neural::CeneOptions options;
  std::shared_ptr<ProgressBar> bar;
  apply_training_options(args, options, bar, "mmc entropy cene");
  // Entropy is not scale-invariant: no standardisation unless asked.
  options.standardize = args.get_switch("standardize", false);
  device_from(args);
  const RowMatrix<double> x = read_matrix_option(args, "x");
  const auto [result, seconds] = timed([&] { return neural::Cene<float>(options).estimate(x); });
  bar->finish();
  print_report(args, {{"estimator", "cene"},
                      {"value", result.value},
                      {"n", x.rows()},
                      {"seconds", seconds},
                      {"steps", result.steps},
                      {"train_estimate", result.train_value}});
  return 0;
}

}  // namespace mmc::cli
