// mmc/neural/neural_mi.hpp — the neural MI estimators as value types
// (docs/design.md §2, §3.2): Mine (DV with MINE's moving-average gradient), Nwj
// (MINE-f), InfoNce, Js and Smile, all one template NeuralMi<Bound, T, B>.
//
//   mmc::neural::Mine<> mine;                          // float, CPU backend
//   auto r = mine.estimate(x, y);                      // any Eigen expressions
//   r.value;           // the bound on the held-out split, nats
//   r.train_estimate;  // the bound on the last training batches
//   r.curve;           // (step, batch value, held-out value when evaluated)
//
// What estimate() does: copies x and y (caller data is never modified),
// standardises each column in double (option, default on: MI is invariant to it
// and networks train far better on unit-scale inputs) and only then rounds to
// the scalar T (docs/design.md §2: float32 cannot hold an offset such as a Unix
// timestamp, x * 100 + 1.7e9 keeps multiples of 128; without standardisation
// such data are refused, core/preprocess.hpp to_working_copy), splits the samples into a
// training and a held-out part (split.hpp), trains the critic (critic.hpp) on
// minibatches of the training part with the bound's objective (bound_ops.hpp)
// and Adam (trainer.hpp), and evaluates the bound with the trained critic on the
// held-out part:
//   shuffled pairing: the joint term over every held-out pair; the marginal term
//     over `eval_permutations` fixed cyclic shifts y_{(i+s) mod h} of the
//     held-out samples (h pairs each, no pair of a sample with itself). Several
//     shifts reduce the variance of log E_Q[e^T], the noisiest term;
//   all_pairs: the held-out part in consecutive blocks of K = min(batch, h)
//     samples, each block's K x K score matrix (a partial last block is dropped).
// Js reports DV on the held-out part (bounds.hpp explains why); Smile reports its
// clipped DV. InfoNce's value never exceeds log K (K = the evaluation block).
//
// Defaults (chosen on the Gaussian grid of docs/estimators/neural-accuracy.md,
// then left alone): concat critic 256-256 ReLU with shuffled pairing, batch 512,
// 3000 steps of AdamW (lr 5e-4, weight decay 1, cosine decay to 5 % of lr),
// 20 % held out, evaluation every 250 steps, no early stopping; InfoNce: the
// separable critic (embedding 32) with all-pairs pairing and early stopping
// (patience 4). Mine: moving-average
// rate 0.01 (Belghazi et al. 2018); Smile: tau = 5 (Song & Ermon 2020).
#pragma once

#include <Eigen/Core>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/preprocess.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/neural/bound_ops.hpp"
#include "mmc/neural/bounds.hpp"
#include "mmc/neural/critic.hpp"
#include "mmc/neural/mi_model.hpp"
#include "mmc/neural/resident.hpp"
#include "mmc/neural/split.hpp"
#include "mmc/neural/trainer.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::neural {

/// Options of NeuralMi<kBound>; the defaults depend on the bound.
template <Bound kBound>
struct NeuralMiOptions : TrainingOptions {
  /// The MI defaults differ from TrainingOptions' in the regularisation: AdamW
  /// weight decay 1 (per unit lr) and cosine decay of the learning rate to 5 %
  /// (docs/estimators/mine.md: without them the 256-256 concat critic overfits
  /// 16 000 training pairs at d = 20, and the final steps are noisy). InfoNCE
  /// also stops early (patience 4, the best critic restored): with all pairs of
  /// a fixed sample its separable critic learns to tell the training samples
  /// apart (instance discrimination), and its held-out value then FALLS while
  /// the training value climbs towards log K (docs/estimators/infonce.md).
  NeuralMiOptions() {
    weight_decay = 1.0;
    lr_decay = 0.05;
    if (kBound == Bound::infonce) patience = 4;
  }
  /// MINE's moving-average rate alpha in (0, 1] (Mine only; 1 = plain DV gradient).
  double ema = 0.01;
  /// SMILE's clipping threshold tau > 0 (Smile only).
  double tau = 5.0;
  CriticKind critic = kBound == Bound::infonce ? CriticKind::separable : CriticKind::concat;
  Pairing pairing = kBound == Bound::infonce ? Pairing::all_pairs : Pairing::shuffled;
  /// Output width of f and g of the separable critic.
  Index embedding = 32;
  /// Fixed shifts of the held-out samples for the marginal term (shuffled pairing).
  Index eval_permutations = 8;
  /// Pairs per critic forward pass when evaluating (memory vs. speed only).
  Index eval_chunk = 4096;
  /// The training loop (resident.hpp): automatic = the device-resident loop on
  /// backends that prefer it (CUDA) when the critic is concat with shuffled
  /// pairing, else the host loop. `resident` works on every backend (the CPU
  /// backend runs the same loop, which is how it is tested without a GPU).
  TrainingLoop loop = TrainingLoop::automatic;
};

/// The result of a neural MI estimate (nats).
struct NeuralMiResult {
  double value = 0.0;           ///< the bound on the held-out split
  double train_estimate = 0.0;  ///< mean batch bound over the last eval_interval steps
  std::vector<CurvePoint> curve;
  Index steps = 0;              ///< training steps actually run
  double seconds = 0.0;         ///< wall time of estimate()
  Index n_train = 0, n_heldout = 0;
  Bound bound = Bound::dv;
  Index best_step = 0;          ///< step whose critic gave `value`
  Index recoveries = 0;         ///< divergence recoveries (recover_from_divergence)
  double learning_rate = 0.0;   ///< final learning rate
  StopReason stop = StopReason::completed;
  /// InfoNCE's cap log K of the held-out evaluation (+infinity for other bounds).
  double cap = std::numeric_limits<double>::infinity();
  /// Whether the device-resident loop trained the critic (resident.hpp).
  bool resident = false;
};

namespace detail {

/// The fix of to_working_copy's refusal of data the network's scalar cannot hold.
inline constexpr std::string_view kMiUnrepresentableFix =
    "set options.standardize = true (the default; it standardises in double precision first) or "
    "center and scale the data before estimating";

}  // namespace detail

/// A neural MI estimator with bound kBound, scalar T and nn backend B.
template <Bound kBound, class T = float, class B = nn::CpuBackend<T>>
class NeuralMi {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::neural::NeuralMi<Bound, T, B>");

 public:
  using Options = NeuralMiOptions<kBound>;
  using Result = NeuralMiResult;
  static constexpr Bound bound = kBound;

  NeuralMi() = default;
  explicit NeuralMi(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// I(X;Y) in nats from x (n x d_x) and y (n x d_y), one sample per row.
  template <class DerivedX, class DerivedY>
  Result estimate(const Eigen::DenseBase<DerivedX>& x, const Eigen::DenseBase<DerivedY>& y) const {
    const auto start = std::chrono::steady_clock::now();
    const std::string fn = "mmc::neural::" + class_name() + "::estimate";
    const Options& o = options_;
    check_options(fn);
    mmc::detail::check_data(fn, "x", x);
    mmc::detail::check_data(fn, "y", y);
    mmc::detail::check_same_rows(fn, "y", y.rows(), "x", x.rows());
    const Index n = x.rows();
    check_split_sizes(fn, n, o.holdout, o.batch, 2);
    const auto fix = detail::kMiUnrepresentableFix;
    const RowMatrix<T> xs = to_working_copy<T>(x, o.standardize, fn, "x", fix);
    const RowMatrix<T> ys = to_working_copy<T>(y, o.standardize, fn, "y", fix);
    const B backend = detail::make_backend<B>(o.threads);
    const BoundConfig config{kBound, o.pairing, o.ema, o.tau};
    const CriticSpec spec{o.critic, o.hidden, o.activation, o.embedding};
    Result r = o.critic == CriticKind::concat
                   ? run<ConcatCritic<T, B>>(fn, xs, ys, backend, config, spec)
                   : run<SeparableCritic<T, B>>(fn, xs, ys, backend, config, spec);
    r.n_heldout = heldout_size(n, o.holdout);
    r.n_train = n - r.n_heldout;
    if (kBound == Bound::infonce) {
      r.cap = std::log(static_cast<double>(std::min(o.batch, r.n_heldout)));
    }
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }

 private:
  static std::string class_name() {
    switch (kBound) {
      case Bound::dv: return "Mine";
      case Bound::nwj: return "Nwj";
      case Bound::infonce: return "InfoNce";
      case Bound::js: return "Js";
      case Bound::smile: return "Smile";
    }
    return "NeuralMi";
  }

  void check_options(const std::string& fn) const {
    const Options& o = options_;
    detail::check_training_options(fn, o);
    if (!(o.ema > 0.0 && o.ema <= 1.0)) {
      mmc::detail::throw_invalid(fn, "ema", "is " + detail::number(o.ema) + ", outside (0, 1]",
                                 "use a moving-average rate such as 0.01 (1 = no averaging)");
    }
    if (!(o.tau > 0.0) || !std::isfinite(o.tau)) {
      mmc::detail::throw_invalid(fn, "tau", "is " + detail::number(o.tau) + ", but must be > 0",
                                 "use SMILE's clipping threshold such as 5");
    }
    mmc::detail::check_at_least(fn, "embedding", o.embedding, 1);
    mmc::detail::check_at_least(fn, "eval_permutations", o.eval_permutations, 1);
    mmc::detail::check_at_least(fn, "eval_chunk", o.eval_chunk, 1);
    if (o.pairing == Pairing::shuffled && kBound == Bound::infonce) {
      mmc::detail::throw_invalid(fn, "pairing", "is shuffled, but InfoNCE needs the K x K scores",
                                 "use pairing = Pairing::all_pairs for InfoNCE");
    }
    if (o.loop == TrainingLoop::resident &&
        (o.critic != CriticKind::concat || o.pairing != Pairing::shuffled)) {
      mmc::detail::throw_invalid(fn, "loop",
                                 "is resident, which trains the concat critic with shuffled "
                                 "pairing only",
                                 "use critic = CriticKind::concat and pairing = "
                                 "Pairing::shuffled, or loop = TrainingLoop::host");
    }
    if (o.loop == TrainingLoop::resident && !has_resident_ops_v<B>) {
      mmc::detail::throw_invalid(fn, "loop",
                                 "is resident, but this backend has no resident operations "
                                 "(mmc::neural::ResidentOps<B>, neural/resident_ops.hpp)",
                                 "use loop = TrainingLoop::host or automatic with this backend");
    }
    if (o.pairing == Pairing::shuffled && o.critic == CriticKind::separable) {
      mmc::detail::throw_invalid(fn, "pairing",
                                 "is shuffled, but the separable critic computes all pairs",
                                 "use pairing = Pairing::all_pairs with the separable critic, or "
                                 "critic = CriticKind::concat");
    }
  }

  /// Whether the options select the device-resident loop (check_options has
  /// refused `resident` with another critic or pairing).
  static bool resident(const Options& o) {
    if (o.critic != CriticKind::concat || o.pairing != Pairing::shuffled) return false;
    return o.loop == TrainingLoop::resident ||
           (o.loop == TrainingLoop::automatic && resident_by_default_v<B>);
  }

  template <class Critic>
  Result run(const std::string& fn, const RowMatrix<T>& x, const RowMatrix<T>& y, const B& backend,
             const BoundConfig& config, const CriticSpec& spec) const {
    const Options& o = options_;
    Critic critic(x.cols(), y.cols(), spec, o.seed, backend, o.lr, o.weight_decay);
    const std::string fix =
        "lower the learning rate (lr, " + detail::number(o.lr) + " now; CLI --lr)" +
        (kBound == Bound::dv ? ", use a smaller moving-average rate (ema; --ema)" : "") +
        ", standardise the inputs (standardize = true; --standardize), clip gradients "
        "(clip_norm, e.g. 1.0), or set recover_from_divergence = true";
    Result r;
    TrainingLog log;
    if (resident(o)) {
      if constexpr (std::is_same_v<Critic, ConcatCritic<T, B>> && has_resident_ops_v<B>) {
        detail::ResidentMiModel<T, B> model(critic, backend, config, x, y,
                                            make_split(x.rows(), o.holdout, o.seed), o,
                                            o.eval_permutations, o.eval_chunk, o.seed);
        log = run_resident_training(model, o, fn, true, fix);
        r.resident = true;
      }
    } else {
      detail::MiModel<T, B, Critic> model(critic, backend, config, x, y,
                                          make_split(x.rows(), o.holdout, o.seed), o.batch,
                                          o.eval_permutations, o.eval_chunk, o.seed);
      log = run_training(model, o, fn, true, fix);
    }
    r.value = log.monitor;
    r.train_estimate = log.train_estimate;
    r.curve = std::move(log.curve);
    r.steps = log.steps;
    r.bound = kBound;
    r.best_step = log.best_step;
    r.recoveries = log.recoveries;
    r.learning_rate = log.learning_rate;
    r.stop = log.stop;
    return r;
  }

  Options options_;
};

template <class T = float, class B = nn::CpuBackend<T>>
using Mine = NeuralMi<Bound::dv, T, B>;
template <class T = float, class B = nn::CpuBackend<T>>
using Nwj = NeuralMi<Bound::nwj, T, B>;
template <class T = float, class B = nn::CpuBackend<T>>
using InfoNce = NeuralMi<Bound::infonce, T, B>;
template <class T = float, class B = nn::CpuBackend<T>>
using Js = NeuralMi<Bound::js, T, B>;
template <class T = float, class B = nn::CpuBackend<T>>
using Smile = NeuralMi<Bound::smile, T, B>;

}  // namespace mmc::neural
