// mmc/neural/bounds.hpp — the variational lower bounds on mutual information of
// docs/design.md §3.2, as formulas over a few sufficient statistics of a batch of
// critic scores. All values are in nats.
//
// T is the critic, P = p(x, y) the joint, Q = p(x) p(y) the product of marginals.
//   DV / MINE  (Belghazi et al. 2018)   E_P[T] - log E_Q[e^T]
//   NWJ / MINE-f (Nguyen, Wainwright & Jordan 2010)
//                                       E_P[T] - e^{-1} E_Q[e^T]
//   InfoNCE (van den Oord et al. 2018; Poole et al. 2019)
//                                       log K + (1/K) sum_i (S_ii - logsumexp_j S_ij) <= log K
//   JS (Hjelm et al. 2019; a training objective, not an MI bound)
//                                       E_P[-softplus(-T)] - E_Q[softplus(T)]
//   SMILE(tau) (Song & Ermon 2020)      E_P[T] - log E_Q[clip(e^T, e^-tau, e^tau)]
//
// Why sufficient statistics: every bound above is a function of a handful of
// sums over the joint scores (count, sum, sum of -softplus(-t)), over the
// marginal scores (count, log-sum-exp of t and of clip(t, -tau, tau), sum of
// softplus(t)) and, for InfoNCE, of the rows of the K x K score matrix. Sums of
// that kind MERGE: the held-out value over thousands of pairs is accumulated
// chunk by chunk (bound_ops.hpp computes the statistics of one chunk, possibly
// on a GPU, and only these doubles come back), and the value is then the same
// formula as on one training batch. NWJ uses E_Q[e^{T-1}] = exp(lse - log n - 1).
//
// Which value a trained critic reports (Bound -> estimate_bound):
//   dv, nwj, infonce, smile report their own formula;
//   js reports DV: the JS objective is not an MI bound, but its optimal critic
//   is the log density ratio log p/q, for which DV is tight (Poole et al. 2019
//   §2.3; Song & Ermon 2020 evaluate JS-trained critics the same way).
// Which objective trains the critic (Bound -> training_objective):
//   dv (with MINE's moving-average gradient, bound_ops.hpp), nwj, infonce, js;
//   smile trains with js (Song & Ermon 2020 §4).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "mmc/core/errors.hpp"
#include "mmc/core/special.hpp"

namespace mmc::neural {

/// The variational bound of an estimator (docs/design.md §3.2).
enum class Bound { dv, nwj, infonce, js, smile };

/// How marginal pairs are formed in a batch of K joint pairs (docs/design.md §3.2):
/// shuffled  — K marginal pairs (x_i, y_sigma(i)), one random permutation per step;
/// all_pairs — the K x K score matrix S_ij = T(x_i, y_j): the diagonal holds the
///             joint scores, the K (K - 1) off-diagonal entries the marginal ones.
enum class Pairing { shuffled, all_pairs };

/// Name used by the CLI and in messages: "dv" is printed as "mine".
inline std::string_view bound_name(Bound b) noexcept {
  switch (b) {
    case Bound::dv: return "mine";
    case Bound::nwj: return "nwj";
    case Bound::infonce: return "infonce";
    case Bound::js: return "js";
    case Bound::smile: return "smile";
  }
  return "unknown";
}

inline std::string_view pairing_name(Pairing p) noexcept {
  return p == Pairing::shuffled ? "shuffled" : "all_pairs";
}

/// Parses "mine" (or "dv"), "nwj", "infonce", "js", "smile".
inline Bound parse_bound(std::string_view name) {
  if (name == "dv") return Bound::dv;
  for (Bound b : {Bound::dv, Bound::nwj, Bound::infonce, Bound::js, Bound::smile}) {
    if (name == bound_name(b)) return b;
  }
  mmc::detail::throw_invalid("mmc::neural::parse_bound", "name",
                             "is '" + std::string(name) + "', which is not a bound",
                             "use one of mine, nwj, infonce, js, smile");
}

/// The objective that trains the critic (SMILE trains with JS).
constexpr Bound training_objective(Bound b) noexcept { return b == Bound::smile ? Bound::js : b; }

/// The formula a trained critic reports (JS-trained critics report DV).
constexpr Bound estimate_bound(Bound b) noexcept { return b == Bound::js ? Bound::dv : b; }

/// Mergeable statistics of critic scores (see the header comment). Counts and
/// sums are doubles; log-sum-exps start at -infinity (empty).
struct ScoreStats {
  static constexpr double kEmpty = -std::numeric_limits<double>::infinity();

  double joint_count = 0.0;      ///< number of joint scores
  double joint_sum = 0.0;        ///< sum of t over joint scores
  double joint_js = 0.0;         ///< sum of -softplus(-t) over joint scores
  double marginal_count = 0.0;   ///< number of marginal scores
  double marginal_lse = kEmpty;  ///< log sum exp t over marginal scores
  double marginal_clipped_lse = kEmpty;  ///< log sum exp clamp(t, -tau, tau)
  double marginal_js = 0.0;      ///< sum of softplus(t) over marginal scores
  double nce_rows = 0.0;         ///< rows of score matrices seen (InfoNCE)
  double nce_sum = 0.0;          ///< sum over rows of log K + S_ii - logsumexp_j S_ij

  /// Adds another chunk's statistics.
  void merge(const ScoreStats& o) noexcept {
    joint_count += o.joint_count;
    joint_sum += o.joint_sum;
    joint_js += o.joint_js;
    marginal_count += o.marginal_count;
    marginal_lse = logaddexp(marginal_lse, o.marginal_lse);
    marginal_clipped_lse = logaddexp(marginal_clipped_lse, o.marginal_clipped_lse);
    marginal_js += o.marginal_js;
    nce_rows += o.nce_rows;
    nce_sum += o.nce_sum;
  }

  /// Adds one joint score.
  void add_joint(double t) noexcept {
    joint_count += 1.0;
    joint_sum += t;
    joint_js -= softplus(-t);
  }
  /// Adds one marginal score; tau is SMILE's clipping threshold.
  void add_marginal(double t, double tau) noexcept {
    marginal_count += 1.0;
    marginal_lse = logaddexp(marginal_lse, t);
    marginal_clipped_lse = logaddexp(marginal_clipped_lse, std::clamp(t, -tau, tau));
    marginal_js += softplus(t);
  }

  /// log(1 + e^x) without overflow.
  static double softplus(double x) noexcept {
    return std::max(x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
  }
};

/// log of the mean of e^t over the marginal scores: lse - log n.
inline double marginal_log_mean_exp(const ScoreStats& s) noexcept {
  return s.marginal_lse - std::log(s.marginal_count);
}

/// The value of bound `b`'s own formula on the statistics (nats). For js this
/// is the JS objective itself (use estimate_bound(js) = dv for an MI value).
/// NaN when the statistics lack what the formula needs (no joint or marginal
/// scores; no score-matrix rows for infonce).
inline double bound_value(Bound b, const ScoreStats& s) noexcept {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  if (b == Bound::infonce) return s.nce_rows > 0 ? s.nce_sum / s.nce_rows : nan;
  if (!(s.joint_count > 0) || !(s.marginal_count > 0)) return nan;
  const double joint_mean = s.joint_sum / s.joint_count;
  switch (b) {
    case Bound::dv: return joint_mean - marginal_log_mean_exp(s);
    case Bound::nwj: return joint_mean - std::exp(marginal_log_mean_exp(s) - 1.0);
    case Bound::js: return s.joint_js / s.joint_count - s.marginal_js / s.marginal_count;
    case Bound::smile:
      return joint_mean - (s.marginal_clipped_lse - std::log(s.marginal_count));
    case Bound::infonce: break;
  }
  return nan;
}

/// The MI estimate a critic trained for `b` reports: bound_value(estimate_bound(b), s).
inline double estimate_value(Bound b, const ScoreStats& s) noexcept {
  return bound_value(estimate_bound(b), s);
}

}  // namespace mmc::neural
