// mmc/fusion/robustness.hpp — the robustness evaluation of docs/design.md §3.6 ("what
// the complementarity metric predicts"): the accuracy of a trained late-fusion
// model on clean test data and with ONE modality perturbed at a time,
//   missing      the modality replaced by its training mean,
//   noisy        + N(0, noise_sd^2) per entry, noise_sd = 0.5 training SDs,
//   adversarial  FGSM (Goodfellow et al. 2015) on that modality only:
//                x_m + epsilon * sign(grad_{x_m} CE(model(x), y)), epsilon = 0.03
//                training SDs, the gradient of each sample's own loss;
// and per perturbation kind, robustness = (mean over modalities of the
// perturbed accuracy) / clean accuracy. The paper predicts that robustness
// falls as the complementarity C rises: the more each modality carries
// information the others lack, the more its loss costs.
//
// All perturbations act in model space (standardised units, standardizer.hpp);
// every other modality, and the chosen one where it must not change, stays
// bit-identical (tested). Noise for modality m comes from Rng(seed, 500 + m).
// A clean accuracy of 0 leaves the ratios at 0 (they are undefined).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/late_fusion.hpp"
#include "mmc/fusion/model.hpp"
#include "mmc/fusion/options.hpp"

namespace mmc::fusion {

struct RobustnessOptions {
  double noise_sd = 0.5;   ///< Gaussian noise SD, in training standard deviations
  double epsilon = 0.03;   ///< FGSM step, in training standard deviations
  std::uint64_t seed = 0;  ///< noise draws
};

/// Accuracies with modality m perturbed.
struct ModalityRobustness {
  double missing = 0.0, noisy = 0.0, adversarial = 0.0;
};

struct RobustnessResult {
  double clean = 0.0;
  std::vector<ModalityRobustness> per_modality;
  /// Means of per_modality over the modalities.
  double missing = 0.0, noisy = 0.0, adversarial = 0.0;
  /// The means divided by clean (docs/design.md §3.6).
  double robustness_missing = 0.0, robustness_noisy = 0.0, robustness_adversarial = 0.0;
  Index samples = 0;  ///< evaluated (test) samples
};

namespace detail {

template <class T>
void check_perturbation(std::string_view fn, const LateFusion<T>& model, const ModalityList<T>& x,
                        Index m) {
  model.check_model_space(x);
  if (m < 0 || m >= model.modalities()) {
    mmc::detail::throw_invalid(fn, "modality",
                               "is " + std::to_string(m) + " but the model has " +
                                   std::to_string(model.modalities()) + " modalities",
                               "pass a modality index in [0, " + std::to_string(model.modalities()) + ")");
  }
}

inline void check_size(std::string_view fn, std::string_view argument, double value,
                       std::string_view fix) {
  if (!(std::isfinite(value) && value >= 0.0)) {
    mmc::detail::throw_invalid(fn, argument, "is " + std::to_string(value) + ", not >= 0", fix);
  }
}

inline void check_robustness_options(std::string_view fn, const RobustnessOptions& o) {
  check_size(fn, "options.noise_sd", o.noise_sd, "use a standard deviation >= 0 (the paper's is 0.5)");
  check_size(fn, "options.epsilon", o.epsilon, "use an FGSM step >= 0 (the paper's is 0.03)");
}

}  // namespace detail

/// x (model space) with modality m replaced by the training mean.
template <class T>
ModalityList<T> perturb_missing(const LateFusion<T>& model, const ModalityList<T>& x, Index m) {
  detail::check_perturbation("mmc::fusion::perturb_missing", model, x, m);
  ModalityList<T> out = x;
  const Vector<T> mean = model.standardizer().mean_in_model_space(m);
  auto& xm = out[static_cast<std::size_t>(m)];
  for (Index r = 0; r < xm.rows(); ++r) xm.row(r) = mean.transpose();
  return out;
}

/// x (model space) with N(0, sd^2) training-SD units added to modality m.
template <class T>
ModalityList<T> perturb_noisy(const LateFusion<T>& model, const ModalityList<T>& x, Index m,
                              double sd, std::uint64_t seed) {
  detail::check_perturbation("mmc::fusion::perturb_noisy", model, x, m);
  detail::check_size("mmc::fusion::perturb_noisy", "sd", sd, "use a standard deviation >= 0");
  ModalityList<T> out = x;
  const Vector<T> unit = model.standardizer().unit(m);
  Rng rng(seed, streams::noise + static_cast<std::uint64_t>(m));
  auto& xm = out[static_cast<std::size_t>(m)];
  for (Index r = 0; r < xm.rows(); ++r) {
    for (Index c = 0; c < xm.cols(); ++c) xm(r, c) += static_cast<T>(sd * unit(c) * rng.normal());
  }
  return out;
}

/// x (model space) with FGSM applied to modality m: + epsilon * sign(gradient
/// of each sample's cross-entropy with respect to x_m), in training-SD units.
template <class T>
ModalityList<T> perturb_fgsm(LateFusion<T>& model, const ModalityList<T>& x, const Labels& labels,
                             Index m, double epsilon) {
  detail::check_perturbation("mmc::fusion::perturb_fgsm", model, x, m);
  detail::check_size("mmc::fusion::perturb_fgsm", "epsilon", epsilon, "use an FGSM step >= 0");
  RowMatrix<T> gradient;
  model.loss_input_gradient(x, labels, m, gradient);
  ModalityList<T> out = x;
  const Vector<T> unit = model.standardizer().unit(m);
  auto& xm = out[static_cast<std::size_t>(m)];
  for (Index r = 0; r < xm.rows(); ++r) {
    for (Index c = 0; c < xm.cols(); ++c) {
      const T g = gradient(r, c);
      const T sign = g > T(0) ? T(1) : (g < T(0) ? T(-1) : T(0));
      xm(r, c) += static_cast<T>(epsilon) * unit(c) * sign;
    }
  }
  return out;
}

/// Clean and perturbed accuracies of a trained model on (raw) test data.
template <class T, ModalityRange R, class L>
RobustnessResult evaluate_robustness(LateFusion<T>& model, const R& modalities,
                                     const Eigen::DenseBase<L>& labels,
                                     const RobustnessOptions& options = {}) {
  constexpr std::string_view fn = "mmc::fusion::evaluate_robustness";
  detail::check_robustness_options(fn, options);
  const ModalityList<T> x = model.to_model_space(modalities);
  Index classes = 0;
  const Labels y = detail::to_labels(fn, labels, x.front().rows(), model.classes(), classes, false);
  RobustnessResult r;
  r.samples = y.size();
  r.clean = model.accuracy_in_model_space(x, y);
  for (Index m = 0; m < model.modalities(); ++m) {
    ModalityRobustness p;
    p.missing = model.accuracy_in_model_space(perturb_missing(model, x, m), y);
    p.noisy = model.accuracy_in_model_space(perturb_noisy(model, x, m, options.noise_sd, options.seed), y);
    p.adversarial = model.accuracy_in_model_space(perturb_fgsm(model, x, y, m, options.epsilon), y);
    r.missing += p.missing;
    r.noisy += p.noisy;
    r.adversarial += p.adversarial;
    r.per_modality.push_back(p);
  }
  const auto count = static_cast<double>(model.modalities());
  r.missing /= count;
  r.noisy /= count;
  r.adversarial /= count;
  if (r.clean > 0.0) {
    r.robustness_missing = r.missing / r.clean;
    r.robustness_noisy = r.noisy / r.clean;
    r.robustness_adversarial = r.adversarial / r.clean;
  }
  return r;
}

struct RobustnessExperimentOptions {
  /// The late-fusion model (naive training). Unlike TrainOptions' linear head,
  /// the default head has one hidden layer of 64 ReLU units: with a linear
  /// head the fused logit is a sum of per-modality terms, which cannot fit
  /// labels that need a product of modalities (the alpha generator at alpha
  /// near 0: clean accuracy ~50 %), and the robustness of a model that has not
  /// learned the task says nothing. Set head_hidden = {} for the linear head.
  TrainOptions train{.head_hidden = {64}};
  RobustnessOptions robustness; ///< the perturbations
  double test_fraction = 0.3;   ///< held out for the evaluation (split from train.seed)
};

/// The paper's experiment end to end: a seeded train/test split, naive late
/// fusion on the training part, evaluate_robustness on the test part.
template <class T = float, ModalityRange R, class L>
RobustnessResult robustness_experiment(const R& modalities, const Eigen::DenseBase<L>& labels,
                                       const RobustnessExperimentOptions& options = {}) {
  constexpr std::string_view fn = "mmc::fusion::robustness_experiment";
  detail::check_robustness_options(fn, options.robustness);
  detail::check_open_fraction(fn, "options.test_fraction", options.test_fraction);
  const auto s = detail::split_data(
      detail::training_data<T>(fn, modalities, labels, options.train, 2, 0), 0.0,
      options.test_fraction, options.train.seed);
  detail::check_evaluation_size(fn, "options.test_fraction", s.test_y.size(),
                                s.train.y.size() + s.test_y.size());
  LateFusion<T> model = detail::fit_network(fn, s.train, options.train);
  return evaluate_robustness(model, s.test_x, s.test_y, options.robustness);
}

}  // namespace mmc::fusion
