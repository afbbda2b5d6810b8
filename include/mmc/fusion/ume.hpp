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

}  // namespace detail

template <class T = float>
class Ume {
 public:
  /// members[m] reads modality m; weights: empty (all 1) or one finite w_m >= 0
  /// per member with a positive sum.
  explicit Ume(std::vector<UniModal<T>> members, std::vector<double> weights = {})
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

  std::vector<UniModal<T>>& members() noexcept { return members_; }
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
    Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(x.front().rows(), classes());
    double total = 0.0;
    for (std::size_t m = 0; m < members_.size(); ++m) {
      if (weights_[m] == 0.0) continue;
      sum += weights_[m] * members_[m].predict_proba(x[m]).template cast<double>();
      total += weights_[m];
    }
    return (sum / total).cast<T>();
  }

  template <ModalityRange R>
  Labels predict(const R& raw) {
    return LateFusion<T>::argmax_rows(predict_proba(raw));
  }

  template <ModalityRange R, class L>
  double accuracy(const R& raw, const Eigen::DenseBase<L>& labels) {
    const RowMatrix<T> p = predict_proba(raw);
    Index classes = 0;
    const Labels y = detail::to_labels("mmc::fusion::Ume::accuracy", labels, p.rows(),
                                       this->classes(), classes, false);
    return static_cast<double>((LateFusion<T>::argmax_rows(p).array() == y.array()).count()) /
           static_cast<double>(y.size());
  }

 private:
  std::vector<UniModal<T>> members_;
  std::vector<double> weights_;
};

/// Trains one uni-modal model per modality (fit_unimodal_models) and returns
/// their ensemble with the given weights (empty: equal).
template <class T = float, ModalityRange R, class L>
Ume<T> fit_ume(const R& modalities, const Eigen::DenseBase<L>& labels,
               const TrainOptions& options = {}, std::vector<double> weights = {},
               Index classes = 0) {
  constexpr std::string_view fn = "mmc::fusion::fit_ume";
  const auto d = detail::training_data<T>(fn, modalities, labels, options, 2, classes);
  detail::check_weights(fn, weights, d.x.size());
  return Ume<T>(detail::fit_members(fn, d, options), std::move(weights));
}

}  // namespace mmc::fusion
