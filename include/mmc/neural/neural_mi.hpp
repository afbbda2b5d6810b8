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
};

namespace detail {

/// The fix of to_working_copy's refusal of data the network's scalar cannot hold.
inline constexpr std::string_view kMiUnrepresentableFix =
    "set options.standardize = true (the default; it standardises in double precision first) or "
    "center and scale the data before estimating";

/// The model run_training trains: a critic on the data with one bound.
template <class T, class B, class Critic>
class MiModel {
 public:
  MiModel(Critic& critic, const B& backend, const BoundConfig& config, const RowMatrix<T>& x,
          const RowMatrix<T>& y, Split split, Index batch, Index permutations, Index chunk,
          std::uint64_t seed)
      : critic_(critic), backend_(backend), ops_(backend), config_(config), x_(x), y_(y),
        heldout_(std::move(split.heldout)), sampler_(std::move(split.train), seed),
        rng_(seed, streams::permutations), k_(batch), chunk_(chunk) {
    rows_.resize(static_cast<std::size_t>(k_));
    perm_.resize(static_cast<std::size_t>(k_));
    xr_.resize(static_cast<std::size_t>(2 * k_));
    yr_.resize(static_cast<std::size_t>(2 * k_));
    const auto h = static_cast<std::uint64_t>(heldout_.size());
    Rng shift_rng(seed, streams::evaluation);
    for (Index p = 0; p < permutations; ++p) {
      shifts_.push_back(static_cast<Index>(1 + shift_rng.uniform_int(h - 1)));
    }
  }

  StepValues step() {
    sampler_.next(k_, rows_.data());
    nn::ConstMatrixRef<T> scores;
    if (config_.pairing == Pairing::shuffled) {
      random_permutation(rng_, k_, perm_.data());
      const auto k = static_cast<std::size_t>(k_);
      for (std::size_t i = 0; i < k; ++i) {
        xr_[i] = xr_[i + k] = yr_[i] = rows_[i];
        yr_[i + k] = rows_[static_cast<std::size_t>(perm_[i])];
      }
      scores = pair_scores(xr_, yr_);
    } else {
      scores = critic_.matrix_scores(x_, y_, rows_);
    }
    backend_.resize(grad_, scores.size());
    nn::MatrixRef<T> grad(backend_.data(grad_), scores.rows, scores.cols);
    const BatchValues v = bound_step(ops_, config_, scores, grad, state_);
    critic_.backward(grad);
    return {v.loss, v.estimate};
  }

  /// The bound with the current critic on the held-out part (see the header).
  double evaluate() { return estimate_value(config_.bound, heldout_stats()); }

  ScoreStats heldout_stats() {
    ScoreStats s;
    const auto h = static_cast<Index>(heldout_.size());
    if (config_.pairing == Pairing::all_pairs) {
      const Index kb = std::min(k_, h);
      for (Index b = 0; b + kb <= h; b += kb) {
        const std::span<const Index> block(heldout_.data() + b, static_cast<std::size_t>(kb));
        s.merge(ops_.stats(ScoreBlock::matrix, critic_.matrix_scores(x_, y_, block), config_.tau));
      }
      return s;
    }
    eval_x_.resize(static_cast<std::size_t>(chunk_));
    eval_y_.resize(static_cast<std::size_t>(chunk_));
    for (std::size_t p = 0; p <= shifts_.size(); ++p) {  // p = 0: the joint pairs
      const Index shift = p == 0 ? 0 : shifts_[p - 1];
      for (Index begin = 0; begin < h; begin += chunk_) {
        const Index m = std::min(chunk_, h - begin);
        for (Index i = 0; i < m; ++i) {
          eval_x_[static_cast<std::size_t>(i)] = heldout_[static_cast<std::size_t>(begin + i)];
          eval_y_[static_cast<std::size_t>(i)] =
              heldout_[static_cast<std::size_t>((begin + i + shift) % h)];
        }
        const auto sc = pair_scores(std::span<const Index>(eval_x_.data(), static_cast<std::size_t>(m)),
                                    std::span<const Index>(eval_y_.data(), static_cast<std::size_t>(m)));
        s.merge(ops_.stats(p == 0 ? ScoreBlock::joint : ScoreBlock::marginal, sc, config_.tau));
      }
    }
    return s;
  }

  double clip(double max_norm) { return critic_.clip(max_norm); }
  void update() { critic_.update(); }
  auto snapshot() const { return critic_.snapshot(); }
  template <class S>
  void restore(const S& s) { critic_.restore(s); }
  void set_learning_rate(double lr) { critic_.set_learning_rate(lr); }
  void reset_optimizer() { critic_.reset_optimizer(); }
  void reset_state() { state_ = BoundState{}; }

 private:
  nn::ConstMatrixRef<T> pair_scores(std::span<const Index> xr, std::span<const Index> yr) {
    if constexpr (requires { critic_.pair_scores(x_, y_, xr, yr); }) {
      return critic_.pair_scores(x_, y_, xr, yr);
    } else {  // unreachable: the estimator rejects shuffled pairing for this critic
      throw std::logic_error("mmc::neural: this critic has no shuffled-pair scores");
    }
  }

  Critic& critic_;
  B backend_;
  BoundOps<B> ops_;
  BoundConfig config_;
  BoundState state_;
  const RowMatrix<T>& x_;
  const RowMatrix<T>& y_;
  std::vector<Index> heldout_;
  BatchSampler sampler_;
  Rng rng_;
  Index k_, chunk_;
  std::vector<Index> rows_, perm_, xr_, yr_, eval_x_, eval_y_, shifts_;
  typename B::Buffer grad_;
};

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
    if (o.pairing == Pairing::shuffled && o.critic == CriticKind::separable) {
      mmc::detail::throw_invalid(fn, "pairing",
                                 "is shuffled, but the separable critic computes all pairs",
                                 "use pairing = Pairing::all_pairs with the separable critic, or "
                                 "critic = CriticKind::concat");
    }
  }

  template <class Critic>
  Result run(const std::string& fn, const RowMatrix<T>& x, const RowMatrix<T>& y, const B& backend,
             const BoundConfig& config, const CriticSpec& spec) const {
    const Options& o = options_;
    Critic critic(x.cols(), y.cols(), spec, o.seed, backend, o.lr, o.weight_decay);
    detail::MiModel<T, B, Critic> model(critic, backend, config, x, y,
                                        make_split(x.rows(), o.holdout, o.seed), o.batch,
                                        o.eval_permutations, o.eval_chunk, o.seed);
    const std::string fix =
        "lower the learning rate (lr, " + detail::number(o.lr) + " now; CLI --lr)" +
        (kBound == Bound::dv ? ", use a smaller moving-average rate (ema; --ema)" : "") +
        ", standardise the inputs (standardize = true; --standardize), clip gradients "
        "(clip_norm, e.g. 1.0), or set recover_from_divergence = true";
    TrainingLog log = run_training(model, o, fn, true, fix);
    Result r;
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
