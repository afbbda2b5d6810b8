// mmc/fusion/advisor.hpp — the UME-vs-UMT advisor (docs/design.md §3.7; Du et al.
// 2023, §5): train one uni-modal model per modality, freeze their encoders,
// and compare on a VALIDATION split
//   (a) UME: the average of the uni-modal models' class probabilities, with
//   (b) a linear classifier (linear_probe.hpp) on the concatenated frozen
//       uni-modal features [phi_1(x_1); ...; phi_M(x_M)].
// Both see exactly the uni-modal features; only (b) can combine them across
// modalities before the decision. If (b) is clearly better, paired
// (cross-modal) features matter, and UMT — which keeps the uni-modal features
// AND trains a fused head — is recommended; otherwise UME (cheaper, and immune
// to a missing modality's training interactions).
//
// "Clearly better" is a one-sided paired test on the validation samples: with
// d_i = 1[linear correct on i] - 1[UME correct on i], mean d and standard error
// SE = sd(d_i) / sqrt(n), recommend UMT only if d > z * SE (and d > 0). z = 2
// by default: under "no advantage" (E d = 0) the normal approximation gives a
// false UMT verdict with probability ~2.3 %; the test is McNemar's on the
// discordant pairs. A tie (d = 0, including identical predictions) goes to UME.
// Caveat (documented in docs/fusion.md): the linear probe sees only paired
// information that is LINEAR in the frozen features (e.g. a shared nuisance
// that cancels in a difference); XOR-like interactions are invisible to it.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string_view>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/late_fusion.hpp"
#include "mmc/fusion/linear_probe.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/fusion/ume.hpp"
#include "mmc/fusion/unimodal.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::fusion {

enum class Strategy { ume, umt };

inline std::string_view strategy_name(Strategy s) noexcept { return s == Strategy::umt ? "umt" : "ume"; }

struct AdvisorOptions {
  TrainOptions train;                 ///< the uni-modal models
  ProbeOptions probe;                 ///< the linear classifier on their features
  double validation_fraction = 0.3;   ///< of the samples given to advise()
  double z = 2.0;                     ///< margin in standard errors (see top)
};

struct AdvisorResult {
  double linear_accuracy = 0.0;  ///< linear probe on concatenated uni-modal features
  double ume_accuracy = 0.0;     ///< uni-modal ensemble
  double difference = 0.0;       ///< linear_accuracy - ume_accuracy (paired)
  double standard_error = 0.0;   ///< of the paired difference
  double z = 2.0;                ///< the margin used
  Index validation_samples = 0;
  Strategy recommendation = Strategy::ume;
};

namespace detail {

/// Features of every member on its modality (raw data), concatenated: n x sum e_m.
template <class T, class B>
RowMatrix<T> concatenated_features(std::vector<UniModal<T, B>>& members,
                                   const ModalityList<double>& x) {
  Index width = 0;
  for (auto& member : members) width += member.feature_size();
  RowMatrix<T> out(x.front().rows(), width);
  Index offset = 0;
  for (std::size_t m = 0; m < members.size(); ++m) {
    out.middleCols(offset, members[m].feature_size()) = members[m].features(x[m]);
    offset += members[m].feature_size();
  }
  return out;
}

/// The verdict from paired correctness vectors (1 = correct).
inline AdvisorResult decide(const Eigen::ArrayXd& linear_correct, const Eigen::ArrayXd& ume_correct,
                            double z) {
  AdvisorResult r;
  const auto n = static_cast<double>(linear_correct.size());
  r.validation_samples = linear_correct.size();
  r.linear_accuracy = linear_correct.mean();
  r.ume_accuracy = ume_correct.mean();
  const Eigen::ArrayXd d = linear_correct - ume_correct;
  r.difference = d.mean();
  r.standard_error = n > 1 ? std::sqrt((d - r.difference).square().sum() / (n - 1.0) / n) : 0.0;
  r.z = z;
  r.recommendation =
      r.difference > 0.0 && r.difference > z * r.standard_error ? Strategy::umt : Strategy::ume;
  return r;
}

/// The advisor on trained members, their training data and a validation part;
/// the probe trains on the members' backend B.
template <class T, class B>
AdvisorResult advise_members(std::vector<UniModal<T, B>>& members, const TrainingData<T>& train,
                             const ModalityList<double>& validation_x, const Labels& validation_y,
                             const ProbeOptions& probe_options, double z) {
  auto probe = fit_linear_probe<T, B>(concatenated_features(members, train.x), train.y, probe_options,
                                      train.classes);
  const Labels linear = probe.predict(concatenated_features(members, validation_x));
  const Labels ensemble = ensemble_predict(members, validation_x);  // UME, equal weights
  return decide((linear.array() == validation_y.array()).template cast<double>(),
                (ensemble.array() == validation_y.array()).template cast<double>(), z);
}

inline void check_z(std::string_view fn, double z) {
  if (!(std::isfinite(z) && z >= 0.0)) {
    mmc::detail::throw_invalid(fn, "options.z", "is " + std::to_string(z),
                               "use a margin >= 0 in standard errors (2 is the default)");
  }
}

}  // namespace detail

/// Splits the samples (validation_fraction, seeded by options.train.seed),
/// trains the uni-modal models on the rest and returns both validation
/// accuracies and the recommendation. Every network trains on nn backend B.
template <class T = float, class B = nn::CpuBackend<T>, ModalityRange R, class L>
AdvisorResult advise(const R& modalities, const Eigen::DenseBase<L>& labels,
                     const AdvisorOptions& options = {}) {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::advise<T, B>");
  constexpr std::string_view fn = "mmc::fusion::advise";
  detail::check_z(fn, options.z);
  detail::check_open_fraction(fn, "options.validation_fraction", options.validation_fraction);
  const auto s = detail::split_data(
      detail::training_data<T>(fn, modalities, labels, options.train, 2, 0),
      options.validation_fraction, 0.0, options.train.seed);
  detail::check_evaluation_size(fn, "options.validation_fraction", s.validation_y.size(),
                                s.train.y.size() + s.validation_y.size());
  auto members = detail::fit_members<T, B>(fn, s.train, options.train);
  return detail::advise_members(members, s.train, s.validation_x, s.validation_y, options.probe,
                                options.z);
}

}  // namespace mmc::fusion
