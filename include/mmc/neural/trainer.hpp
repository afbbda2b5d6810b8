// mmc/neural/trainer.hpp — the one training loop of the neural estimators: the
// MI bounds (neural_mi.hpp, docs/design.md §3.2) and CENE (cene.hpp, §3.3) differ
// only in the model they train and the value they monitor.
//
// Per step: the model computes its loss and gradients on a minibatch; the loop
// checks them for divergence, optionally clips the gradient norm, applies Adam,
// records the training curve and calls the progress callback. Every
// `eval_interval` steps (and at the last step) the model evaluates its monitor
// value (the held-out bound for MI, the validation cross-entropy for CENE).
//
// Early stopping (patience > 0): after `patience` evaluations without an
// improvement of the monitor, training stops and the parameters of the best
// evaluation are restored (so the returned model is the best one seen). With
// patience = 0 training runs all `steps` and the final parameters are kept.
//
// Divergence (docs/design.md §2): a NaN/Inf loss, batch estimate, gradient norm or
// monitor value stops the run with mmc::training_error naming the step and what
// to change — unless recover_from_divergence is set: then the parameters of the
// last finite evaluation (or the initial ones) are restored, the Adam moments
// are reset, the learning rate is halved, and training continues from the next
// step; after `max_recoveries` such restarts the error is thrown anyway.
//
// Determinism: the loop itself draws no random numbers; models draw from
// streams of mmc::Rng fixed by the seed (split.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/neural/split.hpp"
#include "mmc/nn/activations.hpp"

namespace mmc::neural {

/// What the progress callback sees after every step.
struct Progress {
  Index step = 0;                 ///< 1-based step just taken
  Index steps = 0;                ///< the configured number of steps
  double train_estimate = 0.0;    ///< the estimate on this step's batch (nats)
  /// Monitor value evaluated at this step (held-out bound / validation
  /// cross-entropy), NaN when this step did not evaluate.
  double heldout = std::numeric_limits<double>::quiet_NaN();
  double learning_rate = 0.0;     ///< of this step (schedule; halved by each recovery)
};

/// The callback's answer.
enum class ProgressAction { proceed, stop };
using ProgressCallback = std::function<ProgressAction(const Progress&)>;

/// Options every neural estimator shares (defaults documented per estimator).
struct TrainingOptions {
  Index steps = 3000;              ///< maximum number of Adam steps (>= 1)
  Index batch = 512;               ///< minibatch size K (>= 2)
  double lr = 5e-4;                ///< Adam learning rate (> 0)
  double weight_decay = 0.0;       ///< decoupled (AdamW) weight decay per unit lr (>= 0)
  /// Final learning rate as a fraction of lr, reached by cosine annealing over
  /// `steps` (Loshchilov & Hutter 2017); 1 = constant. In (0, 1].
  double lr_decay = 1.0;
  std::vector<Index> hidden = {256, 256};             ///< hidden widths
  nn::Activation activation = nn::Activation::relu;   ///< hidden activation
  double holdout = 0.2;            ///< held-out fraction, in (0, 1)
  Index eval_interval = 250;       ///< steps between evaluations (>= 1)
  Index patience = 0;              ///< evaluations without improvement before stopping (0: off)
  double clip_norm = 0.0;          ///< max global gradient norm (0: no clipping)
  bool recover_from_divergence = false;  ///< restore + halve lr instead of throwing
  Index max_recoveries = 5;        ///< recoveries before training_error anyway
  bool standardize = true;         ///< standardise input columns (a copy) first
  std::uint64_t seed = 0;          ///< all randomness (split, init, batches)
  int threads = 0;                 ///< backend threads (0 = all cores); never changes results
  ProgressCallback progress;       ///< called after every step; may stop training
};

/// One point of the training curve.
struct CurvePoint {
  Index step = 0;
  double train = 0.0;  ///< the estimate on that step's batch
  double heldout = std::numeric_limits<double>::quiet_NaN();  ///< monitor, when evaluated
};

/// Why the loop ended.
enum class StopReason { completed, early_stopping, callback };

/// What the loop reports back to the estimator.
struct TrainingLog {
  std::vector<CurvePoint> curve;
  Index steps = 0;                 ///< steps actually run
  double train_estimate = 0.0;     ///< mean batch estimate over the last eval_interval steps
  double monitor = std::numeric_limits<double>::quiet_NaN();  ///< of the returned parameters
  Index best_step = 0;             ///< step whose parameters are returned
  Index recoveries = 0;
  double learning_rate = 0.0;      ///< learning rate of the last step
  StopReason stop = StopReason::completed;
};

/// What a model returns from one training step.
struct StepValues {
  double loss = 0.0;
  double estimate = 0.0;
};

namespace detail {

/// Validates the shared options (not the data-dependent sizes).
inline void check_training_options(std::string_view fn, const TrainingOptions& o) {
  mmc::detail::check_at_least(fn, "steps", o.steps, 1);
  mmc::detail::check_at_least(fn, "batch", o.batch, 2);
  mmc::detail::check_at_least(fn, "eval_interval", o.eval_interval, 1);
  mmc::detail::check_at_least(fn, "patience", o.patience, 0);
  mmc::detail::check_at_least(fn, "max_recoveries", o.max_recoveries, 0);
  mmc::detail::check_learning_rate(fn, "lr", o.lr);
  mmc::detail::check_weight_decay(fn, "weight_decay", o.weight_decay);
  if (!(o.lr_decay > 0.0 && o.lr_decay <= 1.0)) {
    mmc::detail::throw_invalid(fn, "lr_decay", "is " + number(o.lr_decay) + ", outside (0, 1]",
                               "pass 1 for a constant learning rate or e.g. 0.1");
  }
  if (!(o.clip_norm >= 0.0) || !std::isfinite(o.clip_norm)) {
    mmc::detail::throw_invalid(fn, "clip_norm", "is " + number(o.clip_norm),
                               "pass 0 for no clipping or a positive norm such as 1.0");
  }
  check_fraction(fn, "holdout", o.holdout);
  for (std::size_t i = 0; i < o.hidden.size(); ++i) {
    if (o.hidden[i] < 1) {
      mmc::detail::throw_invalid(fn, "hidden",
                                 "has width " + std::to_string(o.hidden[i]) + " at position " +
                                     std::to_string(i),
                                 "every hidden layer needs at least one unit, e.g. {256, 256}");
    }
  }
}

/// A backend for `threads` workers: B(threads) when B takes it, else B().
template <class B>
B make_backend(int threads) {
  if constexpr (std::is_constructible_v<B, int>) return B(threads);
  else return B();
}

/// The learning rate of 1-based `step` of `steps`: lr itself, or cosine
/// annealing from lr to lr * lr_decay (Loshchilov & Hutter 2017) when lr_decay < 1.
inline double scheduled_learning_rate(double lr, double lr_decay, Index step, Index steps) {
  if (lr_decay >= 1.0) return lr;
  const double pi = 3.14159265358979323846;
  const double t = static_cast<double>(step - 1) / static_cast<double>(steps);
  return lr * (lr_decay + (1.0 - lr_decay) * 0.5 * (1.0 + std::cos(pi * t)));
}

inline const char* nonfinite_word(double v) noexcept { return std::isnan(v) ? "NaN" : "Inf"; }

/// The bookkeeping of evaluations shared by the host loop (run_training) and
/// the device-resident loop (resident.hpp): the last finite evaluation's
/// parameters (`good`, for divergence recovery), the best one's (`best`, for
/// early stopping) and the patience counter.
template <class Snapshot>
struct EvaluationTracker {
  Snapshot good, best;
  bool evaluated = false;
  double best_value = std::numeric_limits<double>::quiet_NaN();
  Index since_best = 0;

  /// Records evaluation `h` (finite) at `step` with the model's current
  /// parameters `now`; returns true when patience has run out.
  bool record(Index step, double h, Snapshot now, const TrainingOptions& o, bool maximize,
              TrainingLog& log) {
    good = std::move(now);
    if (!evaluated || (maximize ? h > best_value : h < best_value)) {
      evaluated = true;
      best_value = h;
      log.best_step = step;
      since_best = 0;
      if (o.patience > 0) best = good;
      return false;
    }
    return o.patience > 0 && ++since_best >= o.patience;
  }
};

/// The divergence error (or nothing, after a recovery the caller performs):
/// true when the caller should recover, else throws mmc::training_error.
inline bool may_recover(const TrainingOptions& o, TrainingLog& log, std::string_view fn,
                        std::string_view fix, Index step, const std::string& what, double value) {
  if (o.recover_from_divergence && log.recoveries < o.max_recoveries) {
    ++log.recoveries;
    return true;
  }
  throw training_error(
      std::string(fn) + ": training diverged at step " + std::to_string(step) + " of " +
      std::to_string(o.steps) + " (" + what + " is " + nonfinite_word(value) +
      (log.recoveries > 0 ? ", after " + std::to_string(log.recoveries) + " recoveries" : "") +
      "); " + std::string(fix));
}

/// Ends a run: the returned parameters and monitor value, the mean training
/// estimate of the last eval_interval steps.
template <class Model, class Snapshot>
void finish_training(Model& model, const TrainingOptions& o, const EvaluationTracker<Snapshot>& t,
                     double current, std::string_view fn, std::string_view fix, TrainingLog& log) {
  if (log.steps == 0) {
    throw training_error(std::string(fn) + ": no training step succeeded; " + std::string(fix));
  }
  const CurvePoint& last = log.curve.back();
  if (o.patience > 0 && t.evaluated && log.best_step != last.step) {
    model.restore(t.best);  // early stopping returns the best evaluation's parameters
    log.monitor = t.best_value;
  } else if (!std::isnan(last.heldout)) {
    log.monitor = last.heldout;  // the final parameters were evaluated at the last step
    log.best_step = last.step;
  } else {  // stopped by the callback between evaluations
    log.monitor = model.evaluate();
    log.best_step = last.step;
  }
  log.learning_rate = current;
  const std::size_t tail = std::min<std::size_t>(log.curve.size(),
                                                 static_cast<std::size_t>(o.eval_interval));
  double sum = 0.0;
  for (std::size_t i = log.curve.size() - tail; i < log.curve.size(); ++i) sum += log.curve[i].train;
  log.train_estimate = sum / static_cast<double>(tail);
}

}  // namespace detail

/// Runs the loop on `model`, which provides
///   StepValues step()              loss, batch estimate and gradients of one minibatch
///   double clip(double max_norm)   gradient norm before clipping (<= 0: no clipping)
///   void update()                  one Adam step
///   double evaluate()              the monitor value
///   Snapshot snapshot() / void restore(const Snapshot&)
///   void set_learning_rate(double), void reset_optimizer(), void reset_state()
/// `maximize`: whether a larger monitor is better. `fix` is appended to the
/// divergence message (what to change).
template <class Model>
TrainingLog run_training(Model& model, const TrainingOptions& o, std::string_view fn,
                         bool maximize, std::string_view fix) {
  TrainingLog log;
  log.curve.reserve(static_cast<std::size_t>(o.steps));
  double lr = o.lr;
  detail::EvaluationTracker<decltype(model.snapshot())> tracker;
  tracker.good = model.snapshot();  // the initial parameters count as good
  tracker.best = tracker.good;
  double current = lr;  // this step's learning rate (schedule)

  const auto diverged = [&](Index step, const std::string& what, double value) {
    if (!detail::may_recover(o, log, fn, fix, step, what, value)) return;
    model.restore(tracker.good);
    model.reset_optimizer();
    model.reset_state();
    lr *= 0.5;
    current = lr;
    model.set_learning_rate(lr);
  };

  for (Index step = 1; step <= o.steps; ++step) {
    current = detail::scheduled_learning_rate(lr, o.lr_decay, step, o.steps);
    if (o.lr_decay < 1.0) model.set_learning_rate(current);
    const StepValues v = model.step();
    if (!std::isfinite(v.loss)) { diverged(step, "the training loss", v.loss); continue; }
    if (!std::isfinite(v.estimate)) { diverged(step, "the batch estimate", v.estimate); continue; }
    const double norm = model.clip(o.clip_norm);
    if (!std::isfinite(norm)) { diverged(step, "the gradient norm", norm); continue; }
    model.update();
    log.steps = step;
    log.curve.push_back({step, v.estimate, std::numeric_limits<double>::quiet_NaN()});

    Progress p{step, o.steps, v.estimate, std::numeric_limits<double>::quiet_NaN(), current};
    bool stop_early = false;
    if (step % o.eval_interval == 0 || step == o.steps) {
      const double h = model.evaluate();
      if (!std::isfinite(h)) { diverged(step, "the evaluated value", h); continue; }
      log.curve.back().heldout = p.heldout = h;
      stop_early = tracker.record(step, h, model.snapshot(), o, maximize, log);
    }
    if (o.progress && o.progress(p) == ProgressAction::stop) {
      log.stop = StopReason::callback;
      break;
    }
    if (stop_early) {
      log.stop = StopReason::early_stopping;
      break;
    }
  }
  detail::finish_training(model, o, tracker, current, fn, fix, log);
  return log;
}

}  // namespace mmc::neural
