// mmc/neural/bound_ops.hpp — the per-step bound computations on a buffer of
// critic scores: their statistics (means, log-sum-exps) and dLoss/dScores. The
// trainer does all its bound math through the two operations below, so that a
// device backend (DESIGN.md §4) runs them where the scores live and only a few
// doubles come back per step.
//
// ============================== THE CONTRACT ===============================
// BoundOps<B> is specialised per nn backend B (this file: nn::CpuBackend<T>; a
// CUDA backend adds BoundOps<its backend> next to its kernels). It is an object
// made once per training run, `BoundOps<B> ops(backend)`, that may keep scratch
// memory; it is used from one thread. Score views are column-major in the
// backend's memory (nn/view.hpp), Scalar = B::Scalar; everything is reduced in
// double. It provides exactly:
//
//   ScoreStats stats(ScoreBlock kind, ConstMatrixRef<T> scores, double tau)
//       Statistics of one block of scores (bounds.hpp, ScoreStats), by `kind`:
//         joint     every entry is a joint score:      add_joint(t) for each;
//         marginal  every entry is a marginal score:   add_marginal(t, tau);
//         matrix    a square K x K matrix S_ij = T(x_i, y_j): the diagonal is
//                   joint, the off-diagonal entries marginal, and each row i
//                   adds nce_rows += 1, nce_sum += log K + S_ii - logsumexp_j S_ij.
//       The result may differ from a serial left-to-right sum only by rounding
//       (it must be deterministic: the same bits for the same input).
//
//   void gradient(Bound objective, ScoreBlock kind, ConstMatrixRef<T> scores,
//                 const GradientWeights& w, MatrixRef<T> grad)
//       grad (same shape as scores) = dLoss/dScores, Loss = -objective, for the
//       scores of ONE training batch, with w from gradient_weights() below:
//         joint entries t    : -w.joint    * phi_joint(t)
//         marginal entries t : +w.marginal * phi_marginal(t)
//         dv      phi_joint = 1,             phi_marginal = exp(t - w.log_ema)
//         nwj     phi_joint = 1,             phi_marginal = exp(t - 1)
//         js      phi_joint = sigmoid(-t),   phi_marginal = sigmoid(t)
//         infonce (kind == matrix only)      grad_ij = w.joint * (softmax_j(S_i.)_j - [i == j])
//       For kind == joint or marginal (the halves of a shuffled batch) every
//       entry is of that kind; for matrix, diagonal entries are joint and the
//       others marginal (infonce: the row-softmax formula instead).
//
// Everything else (MINE's moving average, the loss and estimate values, the
// shuffled-batch split into halves) is host arithmetic on ScoreStats, done by
// bound_step() below for every backend.
//
// MINE's bias-corrected gradient (DESIGN.md §3.2, Belghazi et al. 2018 §3.2):
// the plain DV gradient has marginal weight e^t / sum_B e^t (a softmax), whose
// denominator is a biased minibatch estimate of E_Q[e^T]. MINE replaces it by a
// moving average m_t kept in log space:
//   log m_t = logaddexp(log(1 - alpha) + log m_{t-1}, log alpha + logmeanexp_B T_marg),
//   log m_1 = logmeanexp_B T_marg (the first step uses the batch value),
// and uses dObjective/dt_marg = -e^t / (n_marg m_t). alpha = 1 gives the plain
// DV gradient (m_t = the batch mean: exactly the derivative of the batch's DV
// value), which the tests check by finite differences.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/special.hpp"
#include "mmc/core/types.hpp"
#include "mmc/neural/bounds.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::neural {

/// What a block of scores holds (see the contract above).
enum class ScoreBlock { joint, marginal, matrix };

/// The scalars gradient() needs; computed on the host by gradient_weights().
struct GradientWeights {
  double joint = 0.0;     ///< 1 / (number of joint scores)   (infonce: 1 / K)
  double marginal = 0.0;  ///< 1 / (number of marginal scores)
  double log_ema = 0.0;   ///< log m_t of MINE's moving average (dv only)
};

/// Settings of the bound computations of one run.
struct BoundConfig {
  Bound bound = Bound::dv;
  Pairing pairing = Pairing::shuffled;
  /// MINE's moving-average rate alpha in (0, 1]; 1 = the plain DV gradient.
  double ema = 0.01;
  /// SMILE's clipping threshold (> 0).
  double tau = 5.0;
};

/// Host state carried from step to step: MINE's moving average log m_t.
struct BoundState {
  bool started = false;
  double log_ema = 0.0;
  /// Advances the average with a batch's logmeanexp of the marginal scores
  /// (the first call takes the batch value); returns log m_t.
  double update(double batch_log_mean_exp, double alpha) noexcept {
    if (!started || alpha >= 1.0) {
      log_ema = batch_log_mean_exp;
    } else {
      log_ema = logaddexp(std::log1p(-alpha) + log_ema, std::log(alpha) + batch_log_mean_exp);
    }
    started = true;
    return log_ema;
  }
};

/// The loss (-objective) and the reported estimate of one training batch.
struct BatchValues {
  double loss = 0.0;
  double estimate = 0.0;
};

/// Weights of gradient() from the batch statistics (updates MINE's average for dv).
inline GradientWeights gradient_weights(const BoundConfig& c, const ScoreStats& s,
                                        BoundState& state) {
  GradientWeights w;
  w.joint = c.bound == Bound::infonce ? 1.0 / s.nce_rows : 1.0 / s.joint_count;
  w.marginal = s.marginal_count > 0 ? 1.0 / s.marginal_count : 0.0;
  if (training_objective(c.bound) == Bound::dv) {
    w.log_ema = state.update(marginal_log_mean_exp(s), c.ema);
  }
  return w;
}

template <class B>
struct BoundOps;  // specialised per backend (contract above)

/// The CPU implementation: scores are host memory.
template <class T>
struct BoundOps<nn::CpuBackend<T>> {
  explicit BoundOps(const nn::CpuBackend<T>& = nn::CpuBackend<T>()) {}

  ScoreStats stats(ScoreBlock kind, nn::ConstMatrixRef<T> scores, double tau) {
    ScoreStats s;
    const auto S = nn::as_eigen(scores);
    const auto is_joint = [kind](Index i, Index j) {
      return kind == ScoreBlock::joint || (kind == ScoreBlock::matrix && i == j);
    };
    // Pass 1: joint sums, and the maxima that make the marginal sums stable.
    double top = -std::numeric_limits<double>::infinity(), clipped_top = top;
    for (Index j = 0; j < scores.cols; ++j) {
      for (Index i = 0; i < scores.rows; ++i) {
        const double t = static_cast<double>(S(i, j));
        if (is_joint(i, j)) {
          s.add_joint(t);
        } else {
          top = std::max(top, t);
          clipped_top = std::max(clipped_top, std::clamp(t, -tau, tau));
        }
      }
    }
    // Pass 2: marginal sums relative to the maxima.
    double sum = 0.0, clipped_sum = 0.0;
    for (Index j = 0; j < scores.cols; ++j) {
      for (Index i = 0; i < scores.rows; ++i) {
        if (is_joint(i, j)) continue;
        const double t = static_cast<double>(S(i, j));
        s.marginal_count += 1.0;
        sum += std::exp(t - top);
        clipped_sum += std::exp(std::clamp(t, -tau, tau) - clipped_top);
        s.marginal_js += ScoreStats::softplus(t);
      }
    }
    if (s.marginal_count > 0) {
      s.marginal_lse = top + std::log(sum);
      s.marginal_clipped_lse = clipped_top + std::log(clipped_sum);
    }
    if (kind == ScoreBlock::matrix) {
      const Index k = scores.rows;
      row_log_sum_exp(scores);
      const double log_k = std::log(static_cast<double>(k));
      for (Index i = 0; i < k; ++i) {
        s.nce_rows += 1.0;
        s.nce_sum += log_k + static_cast<double>(S(i, i)) - row_lse_[static_cast<std::size_t>(i)];
      }
    }
    return s;
  }

  void gradient(Bound objective, ScoreBlock kind, nn::ConstMatrixRef<T> scores,
                const GradientWeights& w, nn::MatrixRef<T> grad) {
    const auto S = nn::as_eigen(scores);
    auto G = nn::as_eigen(grad);
    if (objective == Bound::infonce) {
      row_log_sum_exp(scores);
      for (Index j = 0; j < scores.cols; ++j) {
        for (Index i = 0; i < scores.rows; ++i) {
          const double p = std::exp(static_cast<double>(S(i, j)) - row_lse_[static_cast<std::size_t>(i)]);
          G(i, j) = static_cast<T>(w.joint * (p - (i == j ? 1.0 : 0.0)));
        }
      }
      return;
    }
    for (Index j = 0; j < scores.cols; ++j) {
      for (Index i = 0; i < scores.rows; ++i) {
        const double t = static_cast<double>(S(i, j));
        const bool joint = kind == ScoreBlock::joint || (kind == ScoreBlock::matrix && i == j);
        G(i, j) = static_cast<T>(joint ? -w.joint * phi_joint(objective, t)
                                       : w.marginal * phi_marginal(objective, t, w.log_ema));
      }
    }
  }

 private:
  static double sigmoid(double x) noexcept {
    return x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x));
  }
  static double phi_joint(Bound objective, double t) noexcept {
    return objective == Bound::js ? sigmoid(-t) : 1.0;
  }
  static double phi_marginal(Bound objective, double t, double log_ema) noexcept {
    switch (objective) {
      case Bound::dv: return std::exp(t - log_ema);
      case Bound::nwj: return std::exp(t - 1.0);
      default: return sigmoid(t);  // js
    }
  }
  /// row_lse_[i] = logsumexp_j S_ij of a square block (two passes, column order).
  void row_log_sum_exp(nn::ConstMatrixRef<T> scores) {
    const auto S = nn::as_eigen(scores);
    const auto k = static_cast<std::size_t>(scores.rows);
    row_max_.assign(k, -std::numeric_limits<double>::infinity());
    row_lse_.assign(k, 0.0);
    for (Index j = 0; j < scores.cols; ++j) {
      for (std::size_t i = 0; i < k; ++i) {
        row_max_[i] = std::max(row_max_[i], static_cast<double>(S(static_cast<Index>(i), j)));
      }
    }
    for (Index j = 0; j < scores.cols; ++j) {
      for (std::size_t i = 0; i < k; ++i) {
        row_lse_[i] += std::exp(static_cast<double>(S(static_cast<Index>(i), j)) - row_max_[i]);
      }
    }
    for (std::size_t i = 0; i < k; ++i) row_lse_[i] = row_max_[i] + std::log(row_lse_[i]);
  }

  std::vector<double> row_max_, row_lse_;  // scratch, reused (no allocation after step 1)
};

/// One training batch: statistics, MINE's average, loss, estimate and dLoss/dScores.
/// scores/grad: (1 x 2K) [joint | marginal] for shuffled pairing, K x K for all_pairs.
template <class B, class T>
BatchValues bound_step(BoundOps<B>& ops, const BoundConfig& c, nn::ConstMatrixRef<T> scores,
                       nn::MatrixRef<T> grad, BoundState& state) {
  const Bound objective = training_objective(c.bound);
  BatchValues v;
  if (c.pairing == Pairing::all_pairs) {
    const ScoreStats s = ops.stats(ScoreBlock::matrix, scores, c.tau);
    const GradientWeights w = gradient_weights(c, s, state);
    v.loss = -bound_value(objective, s);
    v.estimate = estimate_value(c.bound, s);
    ops.gradient(objective, ScoreBlock::matrix, scores, w, grad);
    return v;
  }
  const Index k = scores.cols / 2;
  ScoreStats s = ops.stats(ScoreBlock::joint, scores.middle_cols(0, k), c.tau);
  s.merge(ops.stats(ScoreBlock::marginal, scores.middle_cols(k, k), c.tau));
  const GradientWeights w = gradient_weights(c, s, state);
  v.loss = -bound_value(objective, s);
  v.estimate = estimate_value(c.bound, s);
  ops.gradient(objective, ScoreBlock::joint, scores.middle_cols(0, k), w, grad.middle_cols(0, k));
  ops.gradient(objective, ScoreBlock::marginal, scores.middle_cols(k, k), w,
               grad.middle_cols(k, k));
  return v;
}

}  // namespace mmc::neural
