// mmc/fusion/ume.hpp — the Uni-Modal Ensemble (docs/design.md §3.7; Du et al. 2023,
// "On Uni-Modal Feature Learning in Supervised Multi-Modal Learning"):
// independently trained uni-modal models whose class probabilities are averaged,
//     p(y | x_1..x_M) = sum_m w_m p_m(y | x_m) / sum_m w_m   (w_m = 1 by default).
//
// Why it works: each member learns its modality's features fully (no modality
// laziness), and averaging needs no joint training. What it cannot do: use
// paired (cross-modal) features, information that exists only in a combination
// of modalities; when those matter UMT is the better choice (advisor.hpp).
// Probabilities are averaged in double and returned as T.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/late_fusion.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/fusion/unimodal.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::fusion {

namespace detail {

/// Throws unless weights is empty or holds `count` finite values >= 0 with a
/// positive sum.
inline void check_weights(std::string_view fn, const std::vector<double>& weights, std::size_t count) {
  if (weights.empty()) return;
  if (weights.size() != count) {
    mmc::detail::throw_invalid(fn, "weights",
                               "has " + std::to_string(weights.size()) + " entries for " +
                                   std::to_string(count) + " modalities",
                               "pass one weight per modality, or none (equal weights)");
  }
  double sum = 0.0;
  for (const double w : weights) {
    if (!(std::isfinite(w) && w >= 0.0)) {
      mmc::detail::throw_invalid(fn, "weights", "contains " + std::to_string(w),
                                 "use finite weights >= 0");
    }
    sum += w;
  }
  if (!(sum > 0.0)) {
    mmc::detail::throw_invalid(fn, "weights", "sum to 0", "give at least one member a weight > 0");
  }
}

/// The weighted average of the members' class probabilities on raw data x
/// (one matrix per member), n x classes: UME's prediction. A free function so
/// that the advisor and compare_strategies can score the uni-modal models they
/// keep as an ensemble without copying them (networks on the CUDA backend are
/// move-only). `weights` are checked by the caller (check_weights; none empty).
template <class T, class B>
RowMatrix<T> ensemble_probabilities(std::vector<UniModal<T, B>>& members, const std::vector<double>& weights,
                                    const ModalityList<double>& x) {
  Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(x.front().rows(), members.front().classes());
  double total = 0.0;
  for (std::size_t m = 0; m < members.size(); ++m) {
    if (weights[m] == 0.0) continue;
    sum += weights[m] * members[m].predict_proba(x[m]).template cast<double>();
    total += weights[m];
  }
  return (sum / total).cast<T>();
}

/// UME's predicted classes (equal weights) on raw data; see ensemble_probabilities.
template <class T, class B>
Labels ensemble_predict(std::vector<UniModal<T, B>>& members, const ModalityList<double>& x) {
  return LateFusion<T, B>::argmax_rows(
      ensemble_probabilities(members, std::vector<double>(members.size(), 1.0), x));
}

/// Fraction of correct entries of `predicted`.
inline double fraction_correct(const Labels& predicted, const Labels& labels) {
  return static_cast<double>((predicted.array() == labels.array()).count()) /
         static_cast<double>(labels.size());
}

}  // namespace detail

template <class T = float, class B = nn::CpuBackend<T>>
class Ume {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::Ume<T, B>");

 public:
  /// members[m] reads modality m; weights: empty (all 1) or one finite w_m >= 0
  /// per member with a positive sum.
  explicit Ume(std::vector<UniModal<T, B>> members, std::vector<double> weights = {})
      : members_(std::move(members)), weights_(std::move(weights)) {
    constexpr std::string_view fn = "mmc::fusion::Ume";
    if (members_.empty()) {
      mmc::detail::throw_invalid(fn, "members", "is empty", "pass one uni-modal model per modality");
    }
    for (std::size_t m = 0; m < members_.size(); ++m) {
      if (members_[m].classes() != members_.front().classes()) {
        mmc::detail::throw_invalid(fn, "members",
                                   "disagree on the number of classes (" +
                                       std::to_string(members_[m].classes()) + " vs " +
                                       std::to_string(members_.front().classes()) + ")",
                                   "train every member with the same classes");
      }
    }
    detail::check_weights(fn, weights_, members_.size());
    if (weights_.empty()) weights_.assign(members_.size(), 1.0);
  }

  std::vector<UniModal<T, B>>& members() noexcept { return members_; }
  const std::vector<double>& weights() const noexcept { return weights_; }
  Index classes() const noexcept { return members_.front().classes(); }

  /// Weighted average of the members' probabilities, n x classes (raw data).
  template <ModalityRange R>
  RowMatrix<T> predict_proba(const R& raw) {
    const auto x = detail::to_modalities<double>("mmc::fusion::Ume::predict_proba", raw,
                                                 static_cast<Index>(members_.size()));
    if (x.size() != members_.size()) {
      mmc::detail::throw_invalid("mmc::fusion::Ume::predict_proba", "modalities",
                                 "has " + std::to_string(x.size()) + " modalities for " +
                                     std::to_string(members_.size()) + " members",
                                 "pass the modalities the ensemble was trained on");
    }
    return detail::ensemble_probabilities(members_, weights_, x);
  }

  template <ModalityRange R>
  Labels predict(const R& raw) {
    return LateFusion<T, B>::argmax_rows(predict_proba(raw));
  }

  template <ModalityRange R, class L>
  double accuracy(const R& raw, const Eigen::DenseBase<L>& labels) {
    const RowMatrix<T> p = predict_proba(raw);
    Index classes = 0;
    const Labels y = detail::to_labels("mmc::fusion::Ume::accuracy", labels, p.rows(),
                                       this->classes(), classes, false);
    return detail::fraction_correct(LateFusion<T, B>::argmax_rows(p), y);
  }

 private:
  std::vector<UniModal<T, B>> members_;
  std::vector<double> weights_;
};

/// Trains one uni-modal model per modality (fit_unimodal_models) and returns
/// their ensemble with the given weights (empty: equal).
template <class T = float, class B = nn::CpuBackend<T>, ModalityRange R, class L>
Ume<T, B> fit_ume(const R& modalities, const Eigen::DenseBase<L>& labels,
               const TrainOptions& options = {}, std::vector<double> weights = {},
               Index classes = 0) {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::fit_ume<T, B>");
  constexpr std::string_view fn = "mmc::fusion::fit_ume";
  const auto d = detail::training_data<T>(fn, modalities, labels, options, 2, classes);
  detail::check_weights(fn, weights, d.x.size());
  return Ume<T, B>(detail::fit_members<T, B>(fn, d, options), std::move(weights));
}

}  // namespace mmc::fusion
