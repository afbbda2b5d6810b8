// mmc/fusion/strategies.hpp — naive late fusion vs UME vs UMT on one data set,
// with the advisor's verdict (docs/design.md §3.7, §5 `mmc fusion`).
//
// One seeded split into train / validation / test. The uni-modal models are
// trained once on the training part and serve three roles: UME's members,
// UMT's frozen teachers and the advisor's feature extractors; the advisor
// decides on the validation part; the three strategies are scored on the test
// part, which nothing was fitted or selected on. So the report can show
// whether the advisor's pick is the better strategy on unseen data.
#pragma once

#include <Eigen/Core>
#include <string_view>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/fusion/advisor.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/late_fusion.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/fusion/ume.hpp"
#include "mmc/fusion/umt.hpp"
#include "mmc/fusion/unimodal.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::fusion {

struct StrategyOptions {
  /// Every network; the fused head (naive and UMT) is default_fused_head()
  /// (options.hpp), the one of RobustnessExperimentOptions.
  TrainOptions train{.head_hidden = default_fused_head()};
  ProbeOptions probe;                ///< the advisor's linear classifier
  double lambda = 1.0;               ///< UMT's distillation weight
  double validation_fraction = 0.2;  ///< for the advisor
  double test_fraction = 0.2;        ///< for the reported accuracies
  double z = 2.0;                    ///< the advisor's margin (advisor.hpp)
};

struct StrategyReport {
  double naive = 0.0, ume = 0.0, umt = 0.0;  ///< test accuracies
  std::vector<double> unimodal;              ///< test accuracy of each uni-modal model
  AdvisorResult advisor;                     ///< on the validation part
  Index train_samples = 0, validation_samples = 0, test_samples = 0;
};

/// B: the nn backend every network trains on (nn/backend.hpp, docs/design.md §4).
template <class T = float, class B = nn::CpuBackend<T>, ModalityRange R, class L>
StrategyReport compare_strategies(const R& modalities, const Eigen::DenseBase<L>& labels,
                                  const StrategyOptions& options = {}) {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::compare_strategies<T, B>");
  constexpr std::string_view fn = "mmc::fusion::compare_strategies";
  detail::check_z(fn, options.z);
  detail::check_lambda(fn, options.lambda);
  detail::check_open_fraction(fn, "options.validation_fraction", options.validation_fraction);
  detail::check_open_fraction(fn, "options.test_fraction", options.test_fraction);
  const auto s = detail::split_data(
      detail::training_data<T>(fn, modalities, labels, options.train, 2, 0),
      options.validation_fraction, options.test_fraction, options.train.seed);
  const Index total = s.train.y.size() + s.validation_y.size() + s.test_y.size();
  detail::check_evaluation_size(fn, "options.test_fraction", s.test_y.size(), total);
  detail::check_evaluation_size(fn, "options.validation_fraction", s.validation_y.size(), total);
  const auto& train = s.train;
  const auto& test_x = s.test_x;
  const auto& test_y = s.test_y;
  StrategyReport r;
  r.train_samples = train.y.size();
  r.validation_samples = s.validation_y.size();
  r.test_samples = test_y.size();
  auto members = detail::fit_members<T, B>(fn, train, options.train);
  r.advisor = detail::advise_members(members, train, s.validation_x, s.validation_y, options.probe,
                                     options.z);
  for (std::size_t m = 0; m < members.size(); ++m) {
    r.unimodal.push_back(members[m].accuracy(test_x[m], test_y));
  }
  LateFusion<T, B> naive = detail::fit_network<T, B>(fn, train, options.train);
  r.naive = naive.accuracy(test_x, test_y);
  r.ume = detail::fraction_correct(detail::ensemble_predict(members, test_x), test_y);
  LateFusion<T, B> umt = detail::fit_student(fn, train, members, options.train, options.lambda);
  r.umt = umt.accuracy(test_x, test_y);
  return r;
}

}  // namespace mmc::fusion
