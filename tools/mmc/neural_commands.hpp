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

#include "command_support.hpp"
#include "commands.hpp"
#include "neural_options.hpp"

namespace mmc::cli {

template <class Estimator>
Report run_bound(const ParsedArgs& args, const RowMatrix<double>& x, const RowMatrix<double>& y,
                 const std::string& name) {
  typename Estimator::Options options;
  std::shared_ptr<ProgressBar> bar;
  apply_training_options(args, options, bar, "mmc mi " + name);
  if constexpr (Estimator::bound == neural::Bound::dv) options.ema = args.get_double("ema", options.ema);
  const auto [result, seconds] = timed([&] { return Estimator(options).estimate(x, y); });
  bar->finish();
  Report report{{"value", result.value},
                {"n", x.rows()},
                {"seconds", seconds},
                {"steps", result.steps},
                {"train_estimate", result.train_estimate},
                {"n_train", result.n_train},
                {"n_heldout", result.n_heldout},
                {"best_step", result.best_step}};
  if (std::isfinite(result.cap)) report.emplace_back("cap", result.cap);
  return report;
}

template <class Estimator>
Report run_doe(const ParsedArgs& args, const RowMatrix<double>& x, const RowMatrix<double>& y) {
  typename Estimator::Options options;
  std::shared_ptr<ProgressBar> bar;
  apply_training_options(args, options, bar, "mmc mi doe");
  const auto [result, seconds] = timed([&] { return Estimator(options).estimate(x, y); });
  bar->finish();
  // DoE trains two CENE models, each for at most --steps: "steps" is the
  // longer of the two runs (comparable with --steps), "steps_total" their sum.
  return {{"value", result.value},
          {"n", x.rows()},
          {"seconds", seconds},
          {"steps", std::max(result.marginal.steps, result.conditional.steps)},
          {"steps_total", result.marginal.steps + result.conditional.steps},
          {"train_estimate", result.marginal.train_value - result.conditional.train_value},
          {"h_x", result.marginal.value},
          {"h_x_given_y", result.conditional.value}};
}

template <class B>
int run_mi_neural_on(const ParsedArgs& args, estimators::Estimator id) {
  const std::string name(estimators::name_of(id));
  const RowMatrix<double> x = read_matrix_option(args, "x");
  const RowMatrix<double> y = read_matrix_option(args, "y");
  Report report{{"estimator", name}};
  const Report fields = estimators::visit_neural_mi<float, B>(id, [&]<class Estimator>() {
    if constexpr (std::is_same_v<Estimator, neural::Doe<float, B>>)
      return run_doe<Estimator>(args, x, y);
    else
      return run_bound<Estimator>(args, x, y, name);
  });
  report.insert(report.end(), fields.begin(), fields.end());
  report.emplace_back("device", device_from(args));
  add_warnings(report, {});
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
  print_report(args, report);
  return 0;
}

}  // namespace mmc::cli
