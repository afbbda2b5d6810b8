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
// Units of noise_sd and epsilon (RobustnessOptions::units, docs/design.md §3.6):
//   standardized  training standard deviations: the perturbation is added in
//                 model space (standardizer.hpp);
//   input         the raw input's own units: x_m + N(0, noise_sd^2), or
//                 x_m + epsilon * sign(gradient), on the raw values, then
//                 clipped column by column to the range [min, max] observed in
//                 the training data, then standardised like clean data. For
//                 pixels in [0, 1] this is the usual "noise 0.5, epsilon 0.03
//                 of the pixel range" of the robustness literature; in SD units
//                 a pixel column with SD 0.1 would only get noise 0.05;
//   automatic     (default) input when every column of every training modality
//                 lies in [0, 1] (bounded data such as pixels or probabilities),
//                 else standardized. RobustnessResult::units says which was used.
// The sign of the gradient is the same in raw and in model space (the
// standardizer divides by a positive scale), so FGSM in input units moves each
// raw value by exactly epsilon before clipping.
// Every other modality, and the chosen one where it must not change, stays
// bit-identical (tested). Noise for modality m comes from Rng(seed, 500 + m),
// in either unit.
// A clean accuracy of 0 leaves the ratios at 0 (they are undefined).
// The model may run on any nn backend B (docs/design.md §4): the perturbations
// are host arithmetic on host data, and the FGSM gradient reaches the host
// through LateFusion::loss_input_gradient, which downloads it.
#pragma once

#include <Eigen/Core>
#include <algorithm>
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
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::fusion {

/// The unit of RobustnessOptions::noise_sd and ::epsilon (see top).
enum class PerturbationUnits { automatic, standardized, input };

inline std::string_view units_name(PerturbationUnits u) noexcept {
  return u == PerturbationUnits::standardized ? "standardized"
         : u == PerturbationUnits::input      ? "input"
                                              : "auto";
}

struct RobustnessOptions {
  double noise_sd = 0.5;   ///< Gaussian noise SD, in `units`
  double epsilon = 0.03;   ///< FGSM step, in `units`
  std::uint64_t seed = 0;  ///< noise draws
  /// automatic: input units for data in [0, 1], else standardized (see top).
  PerturbationUnits units = PerturbationUnits::automatic;
};

/// Per modality and column, the [min, max] of the training data: where
/// input-unit perturbations are clipped to (docs/design.md §3.6).
struct InputRange {
  std::vector<Eigen::VectorXd> low, high;

  bool empty() const noexcept { return low.empty(); }
  /// true when every column lies in [0, 1] (what `automatic` units test).
  bool unit_interval() const {
    if (empty()) return false;
    for (std::size_t m = 0; m < low.size(); ++m) {
      if (low[m].size() > 0 && (low[m].minCoeff() < 0.0 || high[m].maxCoeff() > 1.0)) return false;
    }
    return true;
  }
};

/// The column ranges of raw data (one matrix per modality).
inline InputRange input_range(const ModalityList<double>& raw) {
  InputRange r;
  for (const auto& x : raw) {
    if (x.rows() == 0) {
      r.low.push_back(Eigen::VectorXd::Zero(x.cols()));
      r.high.push_back(Eigen::VectorXd::Zero(x.cols()));
      continue;
    }
    r.low.push_back(x.colwise().minCoeff().transpose());
    r.high.push_back(x.colwise().maxCoeff().transpose());
  }
  return r;
}

/// `automatic` resolved for data with these training ranges.
inline PerturbationUnits resolve_units(PerturbationUnits requested, const InputRange& training) {
  if (requested != PerturbationUnits::automatic) return requested;
  return training.unit_interval() ? PerturbationUnits::input : PerturbationUnits::standardized;
}

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
  /// The units noise_sd and epsilon were applied in (never `automatic`).
  PerturbationUnits units = PerturbationUnits::standardized;
};

namespace detail {

template <class T, class B>
void check_perturbation(std::string_view fn, const LateFusion<T, B>& model, const ModalityList<T>& x,
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
template <class T, class B>
ModalityList<T> perturb_missing(const LateFusion<T, B>& model, const ModalityList<T>& x, Index m) {
  detail::check_perturbation("mmc::fusion::perturb_missing", model, x, m);
  ModalityList<T> out = x;
  const Vector<T> mean = model.standardizer().mean_in_model_space(m);
  auto& xm = out[static_cast<std::size_t>(m)];
  for (Index r = 0; r < xm.rows(); ++r) xm.row(r) = mean.transpose();
  return out;
}

/// x (model space) with N(0, sd^2) training-SD units added to modality m.
template <class T, class B>
ModalityList<T> perturb_noisy(const LateFusion<T, B>& model, const ModalityList<T>& x, Index m,
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
template <class T, class B>
ModalityList<T> perturb_fgsm(LateFusion<T, B>& model, const ModalityList<T>& x, const Labels& labels,
                             Index m, double epsilon) {
  detail::check_perturbation("mmc::fusion::perturb_fgsm", model, x, m);
  detail::check_size("mmc::fusion::perturb_fgsm", "epsilon", epsilon, "use an FGSM step >= 0");
  RowMatrix<T> gradient;  // host memory (downloaded by loss_input_gradient)
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

namespace detail {

inline void check_input_perturbation(std::string_view fn, const ModalityList<double>& raw, Index m,
                                     const InputRange& range) {
  if (m < 0 || m >= static_cast<Index>(raw.size())) {
    mmc::detail::throw_invalid(fn, "modality",
                               "is " + std::to_string(m) + " but there are " + std::to_string(raw.size()) +
                                   " modalities",
                               "pass a modality index in [0, " + std::to_string(raw.size()) + ")");
  }
  const auto i = static_cast<std::size_t>(m);
  if (range.low.size() != raw.size() || range.high.size() != raw.size() ||
      range.low[i].size() != raw[i].cols() || range.high[i].size() != raw[i].cols()) {
    mmc::detail::throw_invalid(fn, "range", "does not match the modalities' widths",
                               "build it with input_range() on the training data");
  }
}

inline void clip_row(Eigen::Ref<Eigen::RowVectorXd> row, const Eigen::VectorXd& low, const Eigen::VectorXd& high) {
  for (Index c = 0; c < row.size(); ++c) row(c) = std::clamp(row(c), low(c), high(c));
}

}  // namespace detail

/// Raw data with N(0, sd^2) in the input's own units added to modality m, then
/// clipped to `range` (docs/design.md §3.6). Same noise stream as perturb_noisy.
inline ModalityList<double> perturb_noisy_input(const ModalityList<double>& raw, Index m, double sd,
                                                std::uint64_t seed, const InputRange& range) {
  constexpr std::string_view fn = "mmc::fusion::perturb_noisy_input";
  detail::check_input_perturbation(fn, raw, m, range);
  detail::check_size(fn, "sd", sd, "use a standard deviation >= 0");
  ModalityList<double> out = raw;
  const auto i = static_cast<std::size_t>(m);
  Rng rng(seed, streams::noise + static_cast<std::uint64_t>(m));
  auto& xm = out[i];
  for (Index r = 0; r < xm.rows(); ++r) {
    for (Index c = 0; c < xm.cols(); ++c) xm(r, c) += sd * rng.normal();
    detail::clip_row(xm.row(r), range.low[i], range.high[i]);
  }
  return out;
}

/// Raw data with FGSM applied to modality m in the input's own units: each raw
/// value moves by epsilon * sign(gradient of the sample's cross-entropy), then
/// is clipped to `range` (docs/design.md §3.6). `x` is `raw` in model space.
template <class T, class B>
ModalityList<double> perturb_fgsm_input(LateFusion<T, B>& model, const ModalityList<double>& raw,
                                        const ModalityList<T>& x, const Labels& labels, Index m,
                                        double epsilon, const InputRange& range) {
  constexpr std::string_view fn = "mmc::fusion::perturb_fgsm_input";
  detail::check_perturbation(fn, model, x, m);
  detail::check_input_perturbation(fn, raw, m, range);
  detail::check_size(fn, "epsilon", epsilon, "use an FGSM step >= 0");
  RowMatrix<T> gradient;  // host memory (downloaded by loss_input_gradient)
  model.loss_input_gradient(x, labels, m, gradient);
  ModalityList<double> out = raw;
  const auto i = static_cast<std::size_t>(m);
  auto& xm = out[i];
  for (Index r = 0; r < xm.rows(); ++r) {
    for (Index c = 0; c < xm.cols(); ++c) {
      const T g = gradient(r, c);
      xm(r, c) += epsilon * (g > T(0) ? 1.0 : (g < T(0) ? -1.0 : 0.0));
    }
    detail::clip_row(xm.row(r), range.low[i], range.high[i]);
  }
  return out;
}

/// Clean and perturbed accuracies of a trained model on (raw) test data.
/// `training_range`: the training data's column ranges (input_range), used to
/// resolve `automatic` units and to clip input-unit perturbations; when empty,
/// the range of the evaluated data itself stands in for it.
template <class T, class B, ModalityRange R, class L>
RobustnessResult evaluate_robustness(LateFusion<T, B>& model, const R& modalities,
                                     const Eigen::DenseBase<L>& labels,
                                     const RobustnessOptions& options = {},
                                     const InputRange& training_range = {}) {
  constexpr std::string_view fn = "mmc::fusion::evaluate_robustness";
  detail::check_robustness_options(fn, options);
  const ModalityList<T> x = model.to_model_space(modalities);  // validates (named as LateFusion)
  const ModalityList<double> raw = detail::to_modalities<double>(fn, modalities, model.modalities());
  Index classes = 0;
  const Labels y = detail::to_labels(fn, labels, x.front().rows(), model.classes(), classes, false);
  const InputRange range = training_range.empty() ? input_range(raw) : training_range;
  RobustnessResult r;
  r.units = resolve_units(options.units, range);
  const bool input = r.units == PerturbationUnits::input;
  r.samples = y.size();
  r.clean = model.accuracy_in_model_space(x, y);
  for (Index m = 0; m < model.modalities(); ++m) {
    ModalityRobustness p;
    p.missing = model.accuracy_in_model_space(perturb_missing(model, x, m), y);
    if (input) {
      p.noisy = model.accuracy_in_model_space(
          model.to_model_space(perturb_noisy_input(raw, m, options.noise_sd, options.seed, range)), y);
      p.adversarial = model.accuracy_in_model_space(
          model.to_model_space(perturb_fgsm_input(model, raw, x, y, m, options.epsilon, range)), y);
    } else {
      p.noisy = model.accuracy_in_model_space(perturb_noisy(model, x, m, options.noise_sd, options.seed), y);
      p.adversarial = model.accuracy_in_model_space(perturb_fgsm(model, x, y, m, options.epsilon), y);
    }
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
  /// the default head is default_fused_head() (options.hpp, shared with
  /// StrategyOptions): with a linear head the fused logit is a sum of
  /// per-modality terms, which cannot fit labels that need a product of
  /// modalities (the alpha generator at alpha near 0: clean accuracy ~50 %),
  /// and the robustness of a model that has not learned the task says nothing.
  /// Set head_hidden = {} for the linear head.
  TrainOptions train{.head_hidden = default_fused_head()};
  RobustnessOptions robustness; ///< the perturbations
  double test_fraction = 0.3;   ///< held out for the evaluation (split from train.seed)
};

/// The paper's experiment end to end: a seeded train/test split, naive late
/// fusion on the training part (on nn backend B), evaluate_robustness on the
/// test part.
template <class T = float, class B = nn::CpuBackend<T>, ModalityRange R, class L>
RobustnessResult robustness_experiment(const R& modalities, const Eigen::DenseBase<L>& labels,
                                       const RobustnessExperimentOptions& options = {}) {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::robustness_experiment<T, B>");
  constexpr std::string_view fn = "mmc::fusion::robustness_experiment";
  detail::check_robustness_options(fn, options.robustness);
  detail::check_open_fraction(fn, "options.test_fraction", options.test_fraction);
  const auto s = detail::split_data(
      detail::training_data<T>(fn, modalities, labels, options.train, 2, 0), 0.0,
      options.test_fraction, options.train.seed);
  detail::check_evaluation_size(fn, "options.test_fraction", s.test_y.size(),
                                s.train.y.size() + s.test_y.size());
  LateFusion<T, B> model = detail::fit_network<T, B>(fn, s.train, options.train);
  return evaluate_robustness(model, s.test_x, s.test_y, options.robustness, input_range(s.train.x));
}

}  // namespace mmc::fusion
