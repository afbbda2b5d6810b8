// mmc/fusion/paired_features.hpp — a two-modality binary task built from
// feature "kinds" (docs/design.md §3.7 synthetic check; Du et al. 2023, §3): uni-modal
// features of different strength and frequency, and optional PAIRED features,
// information about the label that exists only when the modalities are combined.
// It makes modality laziness and the UME-vs-UMT advisor's verdicts visible.
//
// Per sample: y ~ Bernoulli(1/2), s = 2y - 1, noise e ~ N(0, 1) fresh per entry.
// Columns of each modality m, in this order (counts per modality):
//   strong  s * strong_shift + e          (uni-modal, linear; easy to learn)
//   weak    s * weak_shift + e            (uni-modal, linear, small shift)
//   rare    with probability rare_rate: s * rare_shift + e, otherwise e
//           (uni-modal, strong but present in few samples)
//   interaction    TWO columns per feature: a bit c ~ Bernoulli(1/2),
//           (2c - 1) * interaction_shift + e  and  (2 (c xor y) - 1) * interaction_shift + e
//           (uni-modal but nonlinear: y is the XOR of the two columns' signs, so
//           neither a linear classifier on the raw columns nor a linear probe on
//           a random, untrained encoder sees much of it; an encoder must LEARN
//           it, which is what a lazy encoder fails to do)
//   paired_linear  feature k has a CARRIER modality c = k mod 2 and a partner
//           1 - c sharing a nuisance v ~ N(0, 1):
//             carrier: s * paired_shift + nuisance_sd * v + paired_noise * e
//             partner:                    nuisance_sd * v + paired_noise * e
//           Alone, the carrier's column has a weak shift (SNR paired_shift /
//           nuisance_sd) and the partner's none; their DIFFERENCE cancels the
//           nuisance (SNR paired_shift / (sqrt 2 paired_noise)). A uni-modal
//           model gives the partner column no weight, so neither it nor an
//           ensemble of uni-modal models (UME) can cancel v; a LINEAR function
//           of both modalities can, so a linear probe on concatenated frozen
//           features sees it (as long as the encoders keep the column, which
//           random ReLU features mostly do), and so can a late-fusion head.
//   paired_xor     bits b_0 ~ Bernoulli(1/2), b_1 = b_0 xor y:
//             modality m: (2 b_m - 1) * xor_shift + e
//           Each column alone is independent of y; y = b_0 xor b_1 needs the
//           PRODUCT of the two modalities. No linear probe and no late-fusion
//           model with a linear head (whose logit is a sum of per-modality
//           terms) can use it; it needs a nonlinear head (TrainOptions::
//           head_hidden) or early fusion. It is the synergy of docs/design.md §3.4.
//   noise   e                              (distractors)
// Truth (accuracies) where closed forms exist, i.e. when rare = interaction =
// paired_xor = 0 (every class-conditional law is then Gaussian with class
// means +-mu and covariance Sigma, and the Bayes accuracy is Phi(sqrt(mu' Sigma^-1 mu))):
//   bayes_accuracy_0 / _1: one modality alone; bayes_accuracy_joint: both.
// Draws: labels and all features from Rng(seed, 0) in row order, so a sample
// does not depend on n.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "mmc/core/errors.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/data/task.hpp"

namespace mmc::fusion {

struct PairedFeatureOptions {
  std::array<Index, 2> strong = {1, 1};  ///< strong uni-modal columns per modality
  double strong_shift = 1.0;             ///< class-mean shift of a strong column (SD units)
  std::array<Index, 2> weak = {2, 2};    ///< weak uni-modal columns per modality
  double weak_shift = 0.3;
  std::array<Index, 2> rare = {0, 0};    ///< rare uni-modal columns per modality
  double rare_rate = 0.1;                ///< fraction of samples in which a rare column is informative
  double rare_shift = 3.0;
  std::array<Index, 2> interaction = {0, 0};  ///< uni-modal XOR features (2 columns each)
  double interaction_shift = 2.0;
  Index paired_linear = 0;               ///< nuisance-cancelling paired features (in both modalities)
  double paired_shift = 1.0;
  double nuisance_sd = 3.0;
  double paired_noise = 0.25;            ///< own noise SD of each paired column
  Index paired_xor = 0;                  ///< XOR paired features (in both modalities)
  double xor_shift = 2.0;
  std::array<Index, 2> noise = {4, 4};   ///< distractor columns per modality
};

namespace detail {

inline double normal_cdf(double x) noexcept { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

inline void check_paired_options(std::string_view fn, const PairedFeatureOptions& o) {
  for (int m = 0; m < 2; ++m) {
    const std::string suffix = "[" + std::to_string(m) + "]";
    mmc::detail::check_at_least(fn, "strong" + suffix, o.strong[m], 0);
    mmc::detail::check_at_least(fn, "weak" + suffix, o.weak[m], 0);
    mmc::detail::check_at_least(fn, "rare" + suffix, o.rare[m], 0);
    mmc::detail::check_at_least(fn, "interaction" + suffix, o.interaction[m], 0);
    mmc::detail::check_at_least(fn, "noise" + suffix, o.noise[m], 0);
  }
  mmc::detail::check_at_least(fn, "paired_linear", o.paired_linear, 0);
  mmc::detail::check_at_least(fn, "paired_xor", o.paired_xor, 0);
  using data::detail::check_range;
  constexpr double inf = std::numeric_limits<double>::infinity();
  check_range(fn, "strong_shift", o.strong_shift, 0.0, inf, false, true, "pass a shift >= 0");
  check_range(fn, "weak_shift", o.weak_shift, 0.0, inf, false, true, "pass a shift >= 0");
  check_range(fn, "rare_shift", o.rare_shift, 0.0, inf, false, true, "pass a shift >= 0");
  check_range(fn, "rare_rate", o.rare_rate, 0.0, 1.0, false, false, "pass a rate in [0, 1]");
  check_range(fn, "interaction_shift", o.interaction_shift, 0.0, inf, false, true,
              "pass a shift >= 0");
  check_range(fn, "paired_shift", o.paired_shift, 0.0, inf, false, true, "pass a shift >= 0");
  check_range(fn, "nuisance_sd", o.nuisance_sd, 0.0, inf, false, true, "pass a SD >= 0");
  check_range(fn, "paired_noise", o.paired_noise, 0.0, inf, true, true,
              "pass a SD > 0 (0 would make the label a deterministic function)");
  check_range(fn, "xor_shift", o.xor_shift, 0.0, inf, false, true, "pass a shift >= 0");
}

}  // namespace detail

/// Columns of modality m under these options.
inline Index paired_task_columns(const PairedFeatureOptions& o, int m) {
  return o.strong[m] + o.weak[m] + o.rare[m] + 2 * o.interaction[m] + o.paired_linear + o.paired_xor + o.noise[m];
}

/// n samples of the task described at the top.
inline data::LabelledTask paired_features_task(const PairedFeatureOptions& o, Index n,
                                               std::uint64_t seed) {
  constexpr std::string_view fn = "mmc::fusion::paired_features_task";
  data::detail::check_sample_count(fn, n);
  detail::check_paired_options(fn, o);
  for (int m = 0; m < 2; ++m) {
    if (paired_task_columns(o, m) == 0) {
      mmc::detail::throw_invalid(fn, "noise[" + std::to_string(m) + "]",
                                 "is 0 and modality " + std::to_string(m) + " has no other column",
                                 "give every modality at least one column");
    }
  }
  data::LabelledTask task;
  task.modalities = {RowMatrix<double>(n, paired_task_columns(o, 0)),
                     RowMatrix<double>(n, paired_task_columns(o, 1))};
  task.labels.resize(n);
  Rng rng(seed, 0);
  for (Index i = 0; i < n; ++i) {
    const int y = static_cast<int>(rng() >> 63);
    const double s = 2.0 * y - 1.0;
    task.labels(i) = y;
    std::array<Index, 2> col = {0, 0};
    auto put = [&](int m, double value) { task.modalities[m](i, col[m]++) = value; };
    for (int m = 0; m < 2; ++m) {
      for (Index k = 0; k < o.strong[m]; ++k) put(m, s * o.strong_shift + rng.normal());
      for (Index k = 0; k < o.weak[m]; ++k) put(m, s * o.weak_shift + rng.normal());
      for (Index k = 0; k < o.rare[m]; ++k) {
        const bool present = rng.uniform() < o.rare_rate;
        put(m, (present ? s * o.rare_shift : 0.0) + rng.normal());
      }
      for (Index k = 0; k < o.interaction[m]; ++k) {
        const int c = static_cast<int>(rng() >> 63);
        put(m, (2.0 * c - 1.0) * o.interaction_shift + rng.normal());
        put(m, (2.0 * (c ^ y) - 1.0) * o.interaction_shift + rng.normal());
      }
    }
    for (Index k = 0; k < o.paired_linear; ++k) {
      const int carrier = static_cast<int>(k % 2);
      const double v = o.nuisance_sd * rng.normal();
      const double e_carrier = o.paired_noise * rng.normal();
      const double e_partner = o.paired_noise * rng.normal();
      const double carrier_value = s * o.paired_shift + v + e_carrier;
      const double partner_value = v + e_partner;
      put(0, carrier == 0 ? carrier_value : partner_value);
      put(1, carrier == 1 ? carrier_value : partner_value);
    }
    for (Index k = 0; k < o.paired_xor; ++k) {
      const int b0 = static_cast<int>(rng() >> 63), b1 = b0 ^ y;
      put(0, (2.0 * b0 - 1.0) * o.xor_shift + rng.normal());
      put(1, (2.0 * b1 - 1.0) * o.xor_shift + rng.normal());
    }
    for (int m = 0; m < 2; ++m) {
      for (Index k = 0; k < o.noise[m]; ++k) put(m, rng.normal());
    }
  }
  task.classes = 2;
  task.name = "paired_features";
  task.seed = seed;
  task.parameters = {{"n", static_cast<double>(n)},
                     {"paired_linear", static_cast<double>(o.paired_linear)},
                     {"paired_xor", static_cast<double>(o.paired_xor)}};
  for (int m = 0; m < 2; ++m) {
    const std::string suffix = "_" + std::to_string(m);
    task.parameters.emplace_back("strong" + suffix, static_cast<double>(o.strong[m]));
    task.parameters.emplace_back("weak" + suffix, static_cast<double>(o.weak[m]));
    task.parameters.emplace_back("rare" + suffix, static_cast<double>(o.rare[m]));
    task.parameters.emplace_back("interaction" + suffix, static_cast<double>(o.interaction[m]));
    task.parameters.emplace_back("noise" + suffix, static_cast<double>(o.noise[m]));
  }
  if (o.rare[0] + o.rare[1] + o.interaction[0] + o.interaction[1] == 0 && o.paired_xor == 0) {
    // mu' Sigma^-1 mu: independent unit-variance columns add shift^2 each; a
    // carrier column alone adds a^2 / (sd^2 + e^2); a (carrier, partner) pair,
    // covariance [[sd^2 + e^2, sd^2], [sd^2, sd^2 + e^2]] and mean (a, 0),
    // adds a^2 (sd^2 + e^2) / (e^2 (2 sd^2 + e^2)) (about a^2 / (2 e^2)).
    const double a = o.paired_shift, v2 = o.nuisance_sd * o.nuisance_sd;
    const double e2 = o.paired_noise * o.paired_noise;
    std::array<double, 2> alone{};
    for (int m = 0; m < 2; ++m) {
      alone[m] = o.strong[m] * o.strong_shift * o.strong_shift + o.weak[m] * o.weak_shift * o.weak_shift;
    }
    double joint = alone[0] + alone[1];
    for (Index k = 0; k < o.paired_linear; ++k) {
      alone[k % 2] += a * a / (v2 + e2);
      joint += a * a * (v2 + e2) / (e2 * (2.0 * v2 + e2));
    }
    task.truth = {{"bayes_accuracy_0", detail::normal_cdf(std::sqrt(alone[0]))},
                  {"bayes_accuracy_1", detail::normal_cdf(std::sqrt(alone[1]))},
                  {"bayes_accuracy_joint", detail::normal_cdf(std::sqrt(joint))}};
  }
  return task;
}

}  // namespace mmc::fusion
