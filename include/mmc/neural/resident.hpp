// mmc/neural/resident.hpp — the device-resident training loop of the neural MI
// bounds (docs/design.md §4): the concat critic with shuffled pairing (the
// default of MINE, NWJ, JS and SMILE), trained without a host synchronisation
// between evaluations.
//
// What stays in the backend's memory (ResidentOps, resident_ops.hpp): the
// standardised data set, the training indices and the order of the current and
// next epoch, the step counter, MINE's moving average, the Adam moments, a table
// of Adam's per-step coefficients (learning-rate schedule and bias corrections,
// computed on the host once and again after a recovery), and a log of each
// step's loss, batch estimate and gradient norm. A step queues
//   gather the batch's joint and marginal pairs -> critic forward -> bound
//   statistics, moving average, dLoss/dScores -> critic backward -> gradient
//   norm (and clipping) -> Adam -> advance the counters,
// all with the same arguments at every step, so a CUDA backend captures it once
// in a CUDA graph and replays it. The host reads back only at evaluation points
// (every eval_interval steps and at the last): the log of the block of steps,
// the held-out evaluation, and a snapshot of the parameters.
//
// Minibatches: epoch e's order is a key sort of the training indices with keys
// counter_hash(seed, e, i) (Thrust's stable sort on a GPU, std::sort here: the
// same permutation); batches are consumed in order, a batch straddling two
// epochs takes the end of one and the start of the next (as the host loop's
// sampler does). The marginal pairs of step s pair x_i with y_{(i + d) mod K}
// for a random shift d in [1, K - 1] of the randomly ordered batch, instead of
// the host loop's random permutation: one draw instead of K, and no sample is
// ever paired with itself. So the two loops see different minibatches and their
// estimates agree within the estimator's seed-to-seed spread, not bit for bit.
//
// Differences from the host loop (trainer.hpp), all from reading back once per
// block: a non-finite loss, estimate or gradient norm is found at the end of its
// block; the error names the first such step, and a recovery (if enabled)
// restores the last evaluated parameters and continues after the block with the
// learning rate halved. The progress callback sees the steps of a block after it
// has run; a stop request ends training at the end of that block.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/neural/bound_ops.hpp"
#include "mmc/neural/critic.hpp"
#include "mmc/neural/mi_model.hpp"
#include "mmc/neural/resident_ops.hpp"
#include "mmc/neural/split.hpp"
#include "mmc/neural/trainer.hpp"
#include "mmc/nn/optimizers.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::neural {

/// Which training loop a neural MI estimator runs.
enum class TrainingLoop {
  automatic,  ///< resident where the backend prefers it (CUDA) and the setup allows, else host
  host,       ///< trainer.hpp: minibatches drawn on the host, values read every step
  resident    ///< this file (concat critic, shuffled pairing only)
};

/// Whether backend B has the resident operations, and prefers them by default.
template <class B>
inline constexpr bool resident_by_default_v = [] {
  if constexpr (!has_resident_ops_v<B>) return false;
  else if constexpr (requires { ResidentOps<B>::kPreferred; }) return ResidentOps<B>::kPreferred;
  else return false;
}();

namespace detail {

/// The model run_resident_training trains: the concat critic with ResidentOps.
template <class T, class B>
class ResidentMiModel {
 public:
  using Critic = ConcatCritic<T, B>;

  ResidentMiModel(Critic& critic, const B& backend, const BoundConfig& config,
                  const RowMatrix<T>& x, const RowMatrix<T>& y, Split split,
                  const TrainingOptions& o, Index permutations, Index chunk, std::uint64_t seed)
      : critic_(critic), backend_(backend),
        ops_(backend,
             ResidentSetup{o.batch, o.steps, critic.mlp(0).parameter_count(), config, o.clip_norm,
                           seed},
             x, y, split.train),
        options_(o), n_train_(static_cast<Index>(split.train.size())),
        rows_(x.cols() + y.cols()),
        evaluator_(critic, backend, config, x, y, std::move(split), o.batch, permutations, chunk,
                   seed) {
    // The workspaces hold the held-out evaluation's largest chunk too, so that
    // evaluating never moves the buffers a captured step (CUDA graph) points to.
    critic.mlp(0).reserve(std::max(2 * o.batch, std::min(chunk, evaluator_.heldout_size())));
    backend_.resize(input_, rows_ * 2 * o.batch);
    backend_.resize(grad_, 2 * o.batch);
    ops_.fill_epoch(0, 0);
    ops_.fill_epoch(1, 1);
    ops_.set_position(1, 0);
    schedule(1, o.lr, 0);
  }

  /// Queues steps first..last (one run_step each) and keeps the epoch window
  /// ahead of the device's position (host arithmetic mirrors the device's).
  void run_steps(Index first, Index last) {
    for (Index s = first; s <= last; ++s) {
      ops_.run_step([this] { queue_step(); });
      offset_ += options_.batch;
      if (offset_ >= n_train_) {
        offset_ -= n_train_;
        ops_.rotate_window();
        ops_.fill_epoch(1, next_epoch_++);
      }
    }
  }

  void read_log(Index first, Index count, StepRecord* out) { ops_.read_log(first, count, out); }

  /// After a divergence found at the end of block `after`: zero moments, a new
  /// moving average, and the schedule from step after + 1 with learning rate lr
  /// and Adam's bias corrections restarting (as the host loop's reset does).
  void restart(Index after, double lr) {
    ops_.reset_optimizer();
    ops_.reset_bound_state();
    if (after < options_.steps) schedule(after + 1, lr, after);
  }

  double evaluate() { return evaluator_.evaluate(); }
  auto snapshot() const { return critic_.snapshot(); }
  template <class S>
  void restore(const S& s) { critic_.restore(s); }

 private:
  /// One step's operations (ResidentOps' contract): the same calls, on the same
  /// buffers, at every step.
  void queue_step() {
    auto& mlp = critic_.mlp(0);
    const Index k2 = 2 * options_.batch;
    const nn::MatrixRef<T> input(backend_.data(input_), rows_, k2);
    const nn::MatrixRef<T> grad(backend_.data(grad_), 1, k2);
    ops_.gather_pairs(input);
    const nn::ConstMatrixRef<T> scores = mlp.forward(input);
    ops_.bound_step(scores, grad);
    mlp.backward(grad);
    ops_.gradient_norm(mlp.gradients());
    ops_.adam(mlp.parameters(), mlp.gradients());
    ops_.advance();
  }

  /// Adam's coefficients for steps first..steps: the learning-rate schedule at
  /// base rate lr, bias corrections counted from step `t0` + 1.
  void schedule(Index first, double lr, Index t0) {
    std::vector<nn::AdamCoefficients<T>> table;
    table.reserve(static_cast<std::size_t>(options_.steps - first + 1));
    for (Index s = first; s <= options_.steps; ++s) {
      const double rate = scheduled_learning_rate(lr, options_.lr_decay, s, options_.steps);
      table.push_back(nn::adam_coefficients<T>(
          nn::AdamOptions{.lr = rate, .weight_decay = options_.weight_decay}, s - t0));
    }
    ops_.set_schedule(first, table);
  }

  Critic& critic_;
  B backend_;
  ResidentOps<B> ops_;
  const TrainingOptions& options_;
  Index n_train_, rows_;
  Index offset_ = 0;
  std::uint64_t next_epoch_ = 2;
  MiModel<T, B, Critic> evaluator_;  // the held-out evaluation, as in the host loop
  typename B::Buffer input_, grad_;
};

/// The first non-finite value of a block's records, as the host loop checks
/// them (loss, batch estimate, gradient norm): its step (0: none), name and value.
struct NonFinite {
  Index step = 0;
  std::string what;
  double value = 0.0;
};
inline NonFinite first_nonfinite(std::span<const StepRecord> records, Index first) {
  for (std::size_t i = 0; i < records.size(); ++i) {
    const StepRecord& r = records[i];
    const Index step = first + static_cast<Index>(i);
    if (!std::isfinite(r.loss)) return {step, "the training loss", r.loss};
    if (!std::isfinite(r.estimate)) return {step, "the batch estimate", r.estimate};
    const double norm = std::sqrt(r.squared_norm);
    if (!std::isfinite(norm)) return {step, "the gradient norm", norm};
  }
  return {};
}

}  // namespace detail

/// run_training's contract (trainer.hpp) for a ResidentMiModel, with the
/// differences listed in this file's header.
template <class Model>
TrainingLog run_resident_training(Model& model, const TrainingOptions& o, std::string_view fn,
                                  bool maximize, std::string_view fix) {
  TrainingLog log;
  log.curve.reserve(static_cast<std::size_t>(o.steps));
  double lr = o.lr;
  detail::EvaluationTracker<decltype(model.snapshot())> tracker;
  tracker.good = model.snapshot();
  tracker.best = tracker.good;
  double current = lr;
  std::vector<StepRecord> records(static_cast<std::size_t>(std::min(o.eval_interval, o.steps)));
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

  Index first = 1;
  bool stop = false;
  while (first <= o.steps && !stop) {
    const Index last = std::min(o.steps, ((first - 1) / o.eval_interval + 1) * o.eval_interval);
    const Index count = last - first + 1;
    model.run_steps(first, last);
    model.read_log(first, count, records.data());  // the block's one read-back
    const std::span<const StepRecord> block(records.data(), static_cast<std::size_t>(count));
    const auto recover = [&] {
      model.restore(tracker.good);
      lr *= 0.5;
      current = lr;
      model.restart(last, lr);
      first = last + 1;
    };
    if (const detail::NonFinite bad = detail::first_nonfinite(block, first); bad.step > 0) {
      for (Index s = first; s < bad.step; ++s) {  // the block's good steps stay on the curve
        log.curve.push_back({s, block[static_cast<std::size_t>(s - first)].estimate, kNaN});
        log.steps = s;
      }
      if (detail::may_recover(o, log, fn, fix, bad.step, bad.what, bad.value)) recover();
      continue;
    }
    for (Index s = first; s <= last; ++s) {
      log.curve.push_back({s, block[static_cast<std::size_t>(s - first)].estimate, kNaN});
    }
    log.steps = last;
    current = detail::scheduled_learning_rate(lr, o.lr_decay, last, o.steps);
    const double h = model.evaluate();
    if (!std::isfinite(h)) {
      if (detail::may_recover(o, log, fn, fix, last, "the evaluated value", h)) recover();
      continue;
    }
    log.curve.back().heldout = h;
    const bool stop_early = tracker.record(last, h, model.snapshot(), o, maximize, log);
    if (o.progress) {
      for (Index s = first; s <= last && !stop; ++s) {
        const Progress p{s, o.steps, block[static_cast<std::size_t>(s - first)].estimate,
                         s == last ? h : kNaN,
                         detail::scheduled_learning_rate(lr, o.lr_decay, s, o.steps)};
        if (o.progress(p) == ProgressAction::stop) {
          log.stop = StopReason::callback;
          stop = true;
        }
      }
    }
    if (!stop && stop_early) {
      log.stop = StopReason::early_stopping;
      stop = true;
    }
    first = last + 1;
  }
  detail::finish_training(model, o, tracker, current, fn, fix, log);
  return log;
}

}  // namespace mmc::neural
