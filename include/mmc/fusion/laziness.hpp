// mmc/fusion/laziness.hpp — measuring modality laziness (docs/design.md §3.7; Du et
// al. 2023, §3): how much less an encoder learns about its own modality when it
// is trained jointly through a fused head than when it is trained alone.
//
// For each modality m, a linear probe (linear_probe.hpp) is fitted on the
// frozen features phi_m(x_m) of (a) the jointly trained (naive) late-fusion
// model and (b) the uni-modal model of m, on the same training samples, and
// both are scored on held-out test samples. Laziness shows as
// unimodal[m] > joint[m]: typically for the modality whose features are
// harder to learn, when another modality already fits the labels (the fused
// loss, and with it the gradient reaching the lazy encoder, fades). The probe
// on phi_m reads nothing but modality m, so the numbers measure the encoders,
// not the fusion.
#pragma once

#include <Eigen/Core>
#include <string_view>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/late_fusion.hpp"
#include "mmc/fusion/linear_probe.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/fusion/unimodal.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::fusion {

struct LazinessOptions {
  TrainOptions train;          ///< the naive model and the uni-modal models
  ProbeOptions probe;          ///< the probes
  double test_fraction = 0.3;  ///< held out for the probes' accuracies (split from train.seed)
};

struct LazinessResult {
  /// Test accuracy of a linear probe on modality m's encoder features:
  /// trained alone (unimodal) and trained jointly (joint).
  std::vector<double> unimodal, joint;
  Index test_samples = 0;
  /// unimodal[m] - joint[m] (> 0: the joint encoder of m is lazy).
  double gap(Index m) const {
    return unimodal[static_cast<std::size_t>(m)] - joint[static_cast<std::size_t>(m)];
  }
};

/// Trains a naive late-fusion model and one uni-modal model per modality on a
/// seeded training split and probes their encoders on the test split; every
/// network (probes included) on nn backend B.
template <class T = float, class B = nn::CpuBackend<T>, ModalityRange R, class L>
LazinessResult measure_laziness(const R& modalities, const Eigen::DenseBase<L>& labels,
                                const LazinessOptions& options = {}) {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::measure_laziness<T, B>");
  constexpr std::string_view fn = "mmc::fusion::measure_laziness";
  detail::check_open_fraction(fn, "options.test_fraction", options.test_fraction);
  const auto s = detail::split_data(
      detail::training_data<T>(fn, modalities, labels, options.train, 2, 0), 0.0,
      options.test_fraction, options.train.seed);
  const auto& train = s.train;
  const auto& test_x = s.test_x;
  const auto& test_y = s.test_y;
  LateFusion<T, B> joint = detail::fit_network<T, B>(fn, train, options.train);
  auto members = detail::fit_members<T, B>(fn, train, options.train);
  const ModalityList<T> joint_train = joint.standardizer().apply(train.x);
  const ModalityList<T> joint_test = joint.standardizer().apply(test_x);
  LazinessResult r;
  r.test_samples = test_y.size();
  for (Index m = 0; m < joint.modalities(); ++m) {
    const auto i = static_cast<std::size_t>(m);
    auto lazy = fit_linear_probe<T, B>(joint.features(m, joint_train[i]), train.y, options.probe, train.classes);
    r.joint.push_back(lazy.accuracy(joint.features(m, joint_test[i]), test_y));
    auto alone = fit_linear_probe<T, B>(members[i].features(train.x[i]), train.y, options.probe, train.classes);
    r.unimodal.push_back(alone.accuracy(members[i].features(test_x[i]), test_y));
  }
  return r;
}

}  // namespace mmc::fusion
