// tools/mmc/neural_commands.hpp — the neural estimators of `mmc mi` and
// `mmc entropy`, templated on the nn backend B so the same code runs on the CPU
// (cmd_mi_neural.cpp, nn::CpuBackend<float>) and, when the program is built with
// CUDA, on the GPU (cmd_neural_cuda.cu, cuda::CudaBackend<float>, --device cuda).
#pragma once

#include <mmc/neural/cene.hpp>
#include <mmc/neural/doe.hpp>
#include <mmc/neural/neural_mi.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "neural_options.hpp"

namespace mmc::cli {

template <class Estimator>
int run_bound(const ParsedArgs& args, const std::string& name) {
  typename Estimator::Options options;
  std::shared_ptr<ProgressBar> bar;
  apply_training_options(args, options, bar, "mmc mi " + name);
  if constexpr (Estimator::bound == neural::Bound::dv) options.ema = args.get_double("ema", options.ema);
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
                {"best_step", result.best_step},
                {"device", args.get("device", "cpu")}};
  if (std::isfinite(result.cap)) report.emplace_back("cap", result.cap);
  print_report(args, report);
  return 0;
}

template <class B>
int run_doe(const ParsedArgs& args) {
  neural::CeneOptions options;
  std::shared_ptr<ProgressBar> bar;
  apply_training_options(args, options, bar, "mmc mi doe");
  const RowMatrix<double> x = read_matrix_option(args, "x");
  const RowMatrix<double> y = read_matrix_option(args, "y");
  const auto [result, seconds] = timed([&] { return neural::Doe<float, B>(options).estimate(x, y); });
  bar->finish();
  print_report(args, {{"estimator", "doe"},
                      {"value", result.value},
                      {"n", x.rows()},
                      {"seconds", seconds},
                      {"steps", result.marginal.steps + result.conditional.steps},
                      {"train_estimate", result.marginal.train_value - result.conditional.train_value},
                      {"h_x", result.marginal.value},
                      {"h_x_given_y", result.conditional.value},
                      {"device", args.get("device", "cpu")}});
  return 0;
}

template <class B>
int run_mi_neural_on(const ParsedArgs& args, const std::string& estimator) {
  if (estimator == "mine") return run_bound<neural::NeuralMi<neural::Bound::dv, float, B>>(args, estimator);
  if (estimator == "nwj") return run_bound<neural::NeuralMi<neural::Bound::nwj, float, B>>(args, estimator);
  if (estimator == "infonce")
    return run_bound<neural::NeuralMi<neural::Bound::infonce, float, B>>(args, estimator);
  if (estimator == "js") return run_bound<neural::NeuralMi<neural::Bound::js, float, B>>(args, estimator);
  if (estimator == "smile")
    return run_bound<neural::NeuralMi<neural::Bound::smile, float, B>>(args, estimator);
  return run_doe<B>(args);
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
  print_report(args, {{"estimator", "cene"},
                      {"value", result.value},
                      {"n", x.rows()},
                      {"seconds", seconds},
                      {"steps", result.steps},
                      {"train_estimate", result.train_value},
                      {"device", args.get("device", "cpu")}});
  return 0;
}

}  // namespace mmc::cli
