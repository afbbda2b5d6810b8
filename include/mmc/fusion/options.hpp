// mmc/fusion/options.hpp — the training options shared by every model of
// fusion/ (late fusion, uni-modal models, UME, UMT, the advisor;
// docs/design.md §3.6-3.7) and their validation.
//
// Why one struct: UME, UMT and the advisor train several networks (uni-modal
// teachers, a fused student) that must be comparable, so they share the
// architecture, the optimiser and the budget. Defaults are small on purpose:
// the README's demo trains six late-fusion models in well under a minute on two
// cores, and on the synthetic tasks of data/ and fusion/paired_features.hpp a
// 2 x 64 ReLU encoder converges within 20 epochs of Adam at lr 1e-3.
#pragma once

#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/streams.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"

namespace mmc::fusion {

struct TrainOptions {
  /// Widths of each modality's encoder after its input, ReLU after every layer;
  /// the last width is the feature size phi_m(x_m) that enters the fusion.
  std::vector<Index> encoder_widths = {64, 64};
  /// Hidden widths (ReLU) of the fused head before the class logits. Empty (the
  /// default) is the linear head of docs/design.md §3.6-3.7. A linear head makes the
  /// fused logit a SUM of per-modality terms, so a late-fusion model cannot use
  /// multiplicative interactions between modalities (e.g. y = 1[x.z > 0] of the
  /// alpha generator at alpha = 0); a hidden layer here lets it. Uni-modal
  /// models always use a linear head.
  std::vector<Index> head_hidden = {};
  /// Passes over the training samples.
  int epochs = 20;
  /// Minibatch size (the last batch of an epoch may be smaller).
  Index batch = 64;
  /// Adam learning rate.
  double lr = 1e-3;
  /// Decoupled (AdamW) weight decay per unit learning rate; 0 = plain Adam.
  double weight_decay = 0.0;
  /// Every random draw (initialisation, batches, splits, noise) derives from it.
  std::uint64_t seed = 0;
  /// Threads for GEMMs, or for training independent models side by side
  /// (0 = all cores). Results do not depend on it.
  int threads = 0;
  /// Standardise each modality with the training split's mean and standard
  /// deviation (constant columns keep scale 1). Strongly recommended.
  bool standardize = true;
};

/// The fused head of the strategy comparison (StrategyOptions, `mmc fusion`)
/// and of the robustness experiment (RobustnessExperimentOptions,
/// `mmc robustness`): one hidden layer of 64 ReLU units, so both commands
/// train the same late-fusion model on the same data. TrainOptions itself keeps
/// the linear head of docs/design.md §3.6-3.7. Why hidden: a linear head makes
/// the fused logit a sum of per-modality terms, which is at chance on pure
/// synergy (the alpha generator at alpha = 0: 0.51 against 0.98 with this head,
/// docs/fusion.md "Measuring the advisor"), and on the rest of that grid the
/// hidden head was never more than 2 standard errors below the linear one.
inline std::vector<Index> default_fused_head() { return {64}; }

/// Rng streams of fusion/: the table in core/streams.hpp.
namespace streams = mmc::streams::fusion;

namespace detail {

/// Throws unless lr > 0 and weight_decay >= 0 (both finite).
inline void check_optimizer(std::string_view fn, double lr, double weight_decay) {
  mmc::detail::check_learning_rate(fn, "options.lr", lr);
  mmc::detail::check_weight_decay(fn, "options.weight_decay", weight_decay);
}

/// Throws unless every option is usable.
inline void check_train_options(std::string_view fn, const TrainOptions& o) {
  if (o.encoder_widths.empty()) {
    mmc::detail::throw_invalid(fn, "options.encoder_widths", "is empty",
                               "give at least one width, e.g. {64, 64}");
  }
  for (const Index w : o.encoder_widths) {
    mmc::detail::check_at_least(fn, "options.encoder_widths", w, 1);
  }
  for (const Index w : o.head_hidden) mmc::detail::check_at_least(fn, "options.head_hidden", w, 1);
  mmc::detail::check_at_least(fn, "options.epochs", o.epochs, 1);
  mmc::detail::check_at_least(fn, "options.batch", o.batch, 1);
  check_optimizer(fn, o.lr, o.weight_decay);
}

/// Fewest samples an evaluation or validation part may hold: the standard
/// error of an accuracy measured on m samples is up to 0.5 / sqrt(m), above
/// 0.15 for m < 10, too coarse to report (or to recommend a strategy from).
inline constexpr Index kMinEvaluationSamples = 10;

/// Throws unless a held-out part has at least kMinEvaluationSamples samples;
/// `fraction_option` names the option that sizes it.
inline void check_evaluation_size(std::string_view fn, std::string_view fraction_option, Index samples,
                                  Index total) {
  if (samples < kMinEvaluationSamples) {
    mmc::detail::throw_invalid(fn, fraction_option,
                               "leaves " + std::to_string(samples) + " of " + std::to_string(total) +
                                   " samples for evaluation",
                               "at least " + std::to_string(kMinEvaluationSamples) +
                                   " are needed for a meaningful accuracy: pass more samples or a "
                                   "larger fraction");
  }
}

/// Throws unless 0 < value < 1 (core/validate.hpp).
using mmc::detail::check_open_fraction;

}  // namespace detail
}  // namespace mmc::fusion
