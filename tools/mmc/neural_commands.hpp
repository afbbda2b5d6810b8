// tools/mmc/neural_commands.hpp — the neural estimators of `mmc mi` and
// `mmc entropy`, templated on the nn backend B so the same code runs on the CPU
// (cmd_mi_neural.cpp, nn::CpuBackend<float>) and, when the program is built with
// CUDA, on the GPU (cmd_neural_cuda.cu, cuda::CudaBackend<float>, --device cuda).
// The estimator type for a name comes from the registry's visitor
// (mmc/estimators/neural_dispatch.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <type_traits>

#include <mmc/estimators/neural_dispatch.hpp>
#include <mmc/estimators/neural_permutation.hpp>

#include "command_support.hpp"
#include "commands.hpp"
#include "neural_options.hpp"
#include "significance_core.hpp"

namespace mmc::cli {

/// --permutations R: R retrainings on shuffled y (estimators/neural_permutation.hpp),
/// appended to `report` as p_value, null_mean, null_sd, corrected, permutations.
template <class Estimator>
void add_neural_permutations(const ParsedArgs& args, Report& report, const typename Estimator::Options& options,
                             const RowMatrix<double>& x, const RowMatrix<double>& y, double value) {
  const Index permutations = significance::permutations_from(args);
  if (permutations == 0) return;
  const auto [null, seconds] =
      timed([&] { return estimators::neural_permutation_null<Estimator>(options, x, y, permutations); });
  significance::add_null_fields(report, estimators::summarise_null(value, null));
  report.emplace_back("permutation_seconds", seconds);
}

template <class Estimator>
Report run_bound(const ParsedArgs& args, const RowMatrix<double>& x, const RowMatrix<double>& y,
                 const std::string& name, double& value) {
  typename Estimator::Options options;
  std::shared_ptr<ProgressBar> bar;
  apply_training_options(args, options, bar, "mmc mi " + name);
  if constexpr (Estimator::bound == neural::Bound::dv) options.ema = args.get_double("ema", options.ema);
  options.loop = loop_from(args);
  const auto [result, seconds] = timed([&] { return Estimator(options).estimate(x, y); });
  bar->finish();
  value = result.value;
  Report report{{"value", result.value},
                {"n", x.rows()},
                {"seconds", seconds},
                {"steps", result.steps},
                {"train_estimate", result.train_estimate},
                {"n_train", result.n_train},
                {"n_heldout", result.n_heldout},
                {"best_step", result.best_step}};
  if (std::isfinite(result.cap)) report.emplace_back("cap", result.cap);
  report.emplace_back("loop", std::string(result.resident ? "resident" : "host"));
  add_neural_permutations<Estimator>(args, report, options, x, y, result.value);
  return report;
}

template <class Estimator>
Report run_doe(const ParsedArgs& args, const RowMatrix<double>& x, const RowMatrix<double>& y, double& value) {
  typename Estimator::Options options;
  std::shared_ptr<ProgressBar> bar;
  apply_training_options(args, options, bar, "mmc mi doe");
  const auto [result, seconds] = timed([&] { return Estimator(options).estimate(x, y); });
  bar->finish();
  value = result.value;
  // DoE trains two CENE models, each for at most --steps: "steps" is the
  // longer of the two runs (comparable with --steps), "steps_total" their sum.
  Report report{{"value", result.value},
                {"n", x.rows()},
                {"seconds", seconds},
                {"steps", std::max(result.marginal.steps, result.conditional.steps)},
                {"steps_total", result.marginal.steps + result.conditional.steps},
                {"train_estimate", result.marginal.train_value - result.conditional.train_value},
                {"h_x", result.marginal.value},
                {"h_x_given_y", result.conditional.value}};
  add_neural_permutations<Estimator>(args, report, options, x, y, result.value);
  return report;
}

template <class B>
int run_mi_neural_on(const ParsedArgs& args, estimators::Estimator id) {
  const std::string name(estimators::name_of(id));
  const bool value_only = significance::value_only(args);
  significance::permutations_from(args);  // a bad R is refused before any training
  const RowMatrix<double> x = read_matrix_option(args, "x");
  const RowMatrix<double> y = read_matrix_option(args, "y");
  Report report{{"estimator", name}};
  double value = 0.0;
  const Report fields = estimators::visit_neural_mi<float, B>(id, [&]<class Estimator>() {
    if constexpr (std::is_same_v<Estimator, neural::Doe<float, B>>)
      return run_doe<Estimator>(args, x, y, value);
    else
      return run_bound<Estimator>(args, x, y, name, value);
  });
  report.insert(report.end(), fields.begin(), fields.end());
  report.emplace_back("device", device_from(args));
  add_warnings(report, {});
  if (value_only) {
    significance::print_value(value);
    return 0;
  }
  print_report(args, report);
  return 0;
}

template <class B>
int run_entropy_cene_on(const ParsedArgs& args) {
  neural::CeneOptions options;
  std::shared_ptr<ProgressBar> bar;
  apply_training_options(args, options, bar, "mmc entropy cene");
  // Entropy is not scale-invariant: no standardisation unless asked.
  options.standardize = args.get_switch("standardize", false);
  const bool value_only = significance::value_only(args);
  const RowMatrix<double> x = read_matrix_option(args, "x");
  const auto [result, seconds] = timed([&] { return neural::Cene<float, B>(options).estimate(x); });
  bar->finish();
  Report report{{"estimator", "cene"},
                {"value", result.value},
                {"n", x.rows()},
                {"seconds", seconds},
                {"steps", result.steps},
                {"train_estimate", result.train_value},
                {"device", device_from(args)}};
  add_warnings(report, {});
  if (value_only) {
    significance::print_value(result.value);
    return 0;
  }
  print_report(args, report);
  return 0;
}

}  // namespace mmc::cli
