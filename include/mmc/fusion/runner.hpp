// mmc/fusion/runner.hpp — the fusion experiments on one nn backend, as
// functions (docs/design.md §3.6-3.7, §4): the strategy comparison of `mmc
// fusion`, the robustness experiment of `mmc robustness`, and "train a
// late-fusion model, evaluate its robustness" as the AAV-MNIST experiment does
// it (experiments/aav_mnist.hpp).
//
// Why functions and not templates: fusion/ is templated on the nn backend
// (nn/backend.hpp), and the CUDA backend exists only in translation units
// compiled by nvcc. fusion_runner<B>() instantiates the experiments for B
// where B is known (the CLI's --device cuda: tools/mmc/cmd_fusion_cuda.cu);
// callers compiled by the host compiler hold a FusionRunner and never see B.
// metric::NeuralRunner (metric/neural_backends.hpp) does the same for the
// complementarity metric's neural backends.
#pragma once

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/late_fusion.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/fusion/robustness.hpp"
#include "mmc/fusion/strategies.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::fusion {

/// The fusion experiments on one nn backend. Made by fusion_runner<B>().
struct FusionRunner {
  std::string device = "cpu";  ///< for messages and reports
  /// compare_strategies<float, B> (strategies.hpp).
  std::function<StrategyReport(const ModalityList<double>& modalities, const Labels& labels,
                               const StrategyOptions& options)>
      compare_strategies;
  /// robustness_experiment<float, B> (robustness.hpp).
  std::function<RobustnessResult(const ModalityList<double>& modalities, const Labels& labels,
                                 const RobustnessExperimentOptions& options)>
      robustness_experiment;
  /// fit_late_fusion<float, B> on (train_x, train_y) with `classes` classes,
  /// then evaluate_robustness on (test_x, test_y) with the training data's
  /// column ranges.
  std::function<RobustnessResult(const ModalityList<double>& train_x, const Labels& train_y, Index classes,
                                 const TrainOptions& train, const ModalityList<double>& test_x,
                                 const Labels& test_y, const RobustnessOptions& robustness)>
      fit_and_evaluate_robustness;
};

/// The runner for nn backend B (float scalars, fusion/'s default).
template <class B>
FusionRunner fusion_runner(std::string device) {
  MMC_NN_CHECK_BACKEND(B, float, "mmc::fusion::fusion_runner<B>");
  FusionRunner r;
  r.device = std::move(device);
  r.compare_strategies = [](const ModalityList<double>& modalities, const Labels& labels,
                            const StrategyOptions& options) {
    return compare_strategies<float, B>(modalities, labels, options);
  };
  r.robustness_experiment = [](const ModalityList<double>& modalities, const Labels& labels,
                               const RobustnessExperimentOptions& options) {
    return robustness_experiment<float, B>(modalities, labels, options);
  };
  r.fit_and_evaluate_robustness = [](const ModalityList<double>& train_x, const Labels& train_y, Index classes,
                                     const TrainOptions& train, const ModalityList<double>& test_x,
                                     const Labels& test_y, const RobustnessOptions& robustness) {
    auto model = fit_late_fusion<float, B>(train_x, train_y, train, classes);
    return evaluate_robustness(model, test_x, test_y, robustness, input_range(train_x));
  };
  return r;
}

/// The CPU (Eigen) runner.
inline FusionRunner cpu_fusion_runner() { return fusion_runner<nn::CpuBackend<float>>("cpu"); }

}  // namespace mmc::fusion
