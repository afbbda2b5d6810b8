// mmc/neural/bound_ops.hpp — the per-step bound computations on a buffer of
// critic scores: their statistics (means, log-sum-exps) and dLoss/dScores. The
// trainer does all its bound math through the two operations below, so that a
// device backend (docs/design.md §4) runs them where the scores live and only a few
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
// MINE's bias-corrected gradient (docs/design.md §3.2, Belghazi et al. 2018 §3.2):
// the plain DV gradient has marginal weight e^t / sum_B e^t (a softmax), whose
// denominator is a biased minibatch estimate of E_Q[e^T]. MINE replaces it by a
// moving average m_t kept in log space:
//   log m_t = logaddexp(log(1 - alpha) + log m_{t-1}, log alpha + logmeanexp_B T_marg),
//   log m_1 = logmeanexp_B T_marg (the first step uses the batch value),
// and uses dObjective/dt_marg = -e^t / (n_marg m_t). alpha = 1 gives the plain
// DV gradient (m_t = the batch mean: exactly the derivative of the batch's DV
// value), which the tests check by finite differences.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>

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

/// The CPU implementation: scores are host memory. Blocks are converted to a
/// double array once per call and reduced with Eigen's vectorised array
/// expressions (exp, log1p in SIMD; fixed reduction order, so deterministic):
/// a 512 x 512 InfoNCE batch then costs about as much as one small GEMM.
/// Masked entries (the diagonal when only marginal scores are summed) are set
/// to -infinity, whose exp, softplus and gradient weight are 0.
template <class T>
struct BoundOps<nn::CpuBackend<T>> {
  explicit BoundOps(const nn::CpuBackend<T>& = nn::CpuBackend<T>()) {}

  ScoreStats stats(ScoreBlock kind, nn::ConstMatrixRef<T> scores, double tau) {
    ScoreStats s;
    load(scores);
    if (kind == ScoreBlock::joint) {
      add_joint(s, a_);
      return s;
    }
    const bool matrix = kind == ScoreBlock::matrix;
    if (matrix) {
      diagonal_ = a_.matrix().diagonal();
      add_joint(s, diagonal_);
      a_.matrix().diagonal().setConstant(kMinusInf);  // off-diagonal entries only
    }
    const double count = static_cast<double>(a_.size() - (matrix ? a_.rows() : 0));
    if (count > 0) {
      s.marginal_count = count;
      s.marginal_lse = log_sum_exp(a_);
      s.marginal_js = softplus(a_).sum();
      c_ = a_.max(-tau).min(tau);
      if (matrix) c_.matrix().diagonal().setConstant(kMinusInf);
      s.marginal_clipped_lse = log_sum_exp(c_);
    }
    if (matrix) {
      a_.matrix().diagonal() = diagonal_;
      row_log_sum_exp();
      s.nce_rows = static_cast<double>(a_.rows());
      s.nce_sum = (std::log(static_cast<double>(a_.rows())) + diagonal_ - row_lse_).sum();
    }
    return s;
  }

  void gradient(Bound objective, ScoreBlock kind, nn::ConstMatrixRef<T> scores,
                const GradientWeights& w, nn::MatrixRef<T> grad) {
    load(scores);
    if (objective == Bound::infonce) {
      row_log_sum_exp();
      c_ = (a_.colwise() - row_lse_).exp() * w.joint;
      c_.matrix().diagonal().array() -= w.joint;
    } else if (kind == ScoreBlock::joint) {
      joint_gradient(objective, a_, w, c_);
    } else {
      switch (objective) {
        case Bound::dv: c_ = (a_ - w.log_ema).exp() * w.marginal; break;
        case Bound::nwj: c_ = (a_ - 1.0).exp() * w.marginal; break;
        default: c_ = w.marginal / (1.0 + (-a_).exp()); break;  // js: sigmoid(t)
      }
      if (kind == ScoreBlock::matrix) {
        diagonal_ = a_.matrix().diagonal();
        joint_gradient(objective, diagonal_, w, d_);
        c_.matrix().diagonal() = d_.matrix();
      }
    }
    nn::as_eigen(grad) = c_.matrix().template cast<T>();
  }

 private:
  static constexpr double kMinusInf = -std::numeric_limits<double>::infinity();
  using Array = Eigen::Array<double, Eigen::Dynamic, Eigen::Dynamic>;
  using Column = Eigen::Array<double, Eigen::Dynamic, 1>;

  void load(nn::ConstMatrixRef<T> scores) { a_ = nn::as_eigen(scores).template cast<double>().array(); }

  /// max(t, 0) + log(1 + e^-|t|), 0 at -infinity. log(1 + u) instead of
  /// log1p(u): Eigen 3.4 vectorises log but not log1p in double (10x), and the
  /// absolute error, < 1e-16 per entry, is far below anything the sums resolve.
  template <class A>
  static auto softplus(const A& a) {
    return a.max(0.0) + (1.0 + (-a.abs()).exp()).log();
  }
  template <class A>
  static double log_sum_exp(const A& a) {
    const double top = a.maxCoeff();
    return top + std::log((a - top).exp().sum());
  }
  template <class A>
  static void add_joint(ScoreStats& s, const A& a) {
    s.joint_count += static_cast<double>(a.size());
    s.joint_sum += a.sum();
    s.joint_js -= softplus(-a).sum();
  }
  /// -w.joint * phi_joint(t) for every entry of `a` (phi_joint in the contract).
  template <class A, class Out>
  static void joint_gradient(Bound objective, const A& a, const GradientWeights& w, Out& out) {
    if (objective == Bound::js) {
      out = -w.joint / (1.0 + a.exp());  // -sigmoid(-t)
    } else {
      out.resizeLike(a);
      out.setConstant(-w.joint);
    }
  }
  /// row_lse_(i) = logsumexp_j a_(i, j). Column by column: Eigen's row-wise
  /// sum of an exp() expression falls back to scalar exp (5x slower).
  void row_log_sum_exp() {
    row_max_ = a_.rowwise().maxCoeff();
    row_lse_.setZero(a_.rows());
    for (Index j = 0; j < a_.cols(); ++j) row_lse_ += (a_.col(j) - row_max_).exp();
    row_lse_ = row_max_ + row_lse_.log();
  }

  Array a_, c_;  // scratch, reused (no allocation after the first call at a size)
  Column diagonal_, d_, row_max_, row_lse_;
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
