// mmc/neural/cene.hpp — CENE, the conditional entropy neural estimator
// (docs/design.md §3.3; McAllester & Stratos 2020 for the cross-entropy upper bound).
//
//   discrete target A given B:   Ĥ(A|B) = held-out mean of -log q(a|b), q a softmax
//                                classifier MLP on b (nn/losses.hpp);
//   continuous target A in R^d:  Ĥ(A|B) = held-out mean NLL of a conditional
//                                mixture of diagonal Gaussians (a mixture density
//                                network, nn/mixture_density.hpp).
// Both are cross-entropies E_p[-log q], i.e. H(A|B) + E_B KL(p(.|B) || q(.|B)) >= H(A|B):
// upper bounds (in expectation over the held-out sample), tight when q = p.
//
// B empty (b has zero columns, or estimate(a) without b): the unconditional
// entropy H(A). The network then gets no information: it is ONE linear layer fed
// the constant input 1, so its output is a free parameter vector (the class
// logits, or the mixture's weights, means and log-scales), trained by the same
// loop without weight decay (a handful of free parameters cannot overfit, and
// decay would pull them towards uniform logits / zero means). Hidden layers are
// not built: on a constant input they compute a constant.
//
// Splits: the samples are split into training and held-out parts (holdout,
// default 20 %), and the first `validation` fraction (default 10 %) of the
// training part is kept aside for early stopping: every eval_interval steps the
// mean validation loss is computed, and after `patience` evaluations without
// improvement the best parameters are restored (trainer.hpp). The reported
// value is the held-out mean with those parameters — never the validation mean
// that chose them, which is biased downward by the choice.
//
// Units: continuous targets are standardised (option `standardize`, default on)
// before training; the differential entropy of the original variable is then
// h(A|B) = h(A_std|B) + sum_j log s_j (s_j the column standard deviations), and
// that is what is reported. Conditions B are standardised without correction
// (conditioning on an invertible transform of B does not change h(A|B)).
// Both are standardised in double and only then rounded to T (docs/design.md
// §2; core/preprocess.hpp to_working_copy): in float32 an offset such as
// 1.7e9 would round the target to multiples of 128 and the NLL of that
// lattice diverges (3e17 nats). Without standardisation, data T cannot hold
// are refused.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/preprocess.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/neural/critic.hpp"
#include "mmc/neural/onehot.hpp"
#include "mmc/neural/split.hpp"
#include "mmc/neural/trainer.hpp"
#include "mmc/nn/losses.hpp"
#include "mmc/nn/mixture_density.hpp"

namespace mmc::neural {

/// Options of Cene and Doe.
struct CeneOptions : TrainingOptions {
  /// CENE's defaults (docs/estimators/cene.md): AdamW with weight decay 1 and
  /// cosine decay of the learning rate to 5 %, as the MI estimators; without
  /// them the conditional mixture density network overfits in 20 dimensions
  /// and cannot reach the precision a sharp conditional (small sigma) needs.
  CeneOptions() {
    steps = 4000;
    batch = 256;
    lr = 1e-3;
    weight_decay = 1.0;
    lr_decay = 0.05;
    eval_interval = 200;
    patience = 5;
  }
  /// Fraction of the training part kept for early stopping, in (0, 1).
  double validation = 0.1;
  /// Mixture components of the mixture density network (continuous targets).
  Index components = 4;
  /// Floor of the mixture scales, in standardised units (nn/mixture_density.hpp).
  double sigma_min = 1e-3;
  /// Classes of a discrete target (0: max label + 1).
  Index classes = 0;
  /// Samples per forward pass when evaluating (memory vs. speed only).
  Index eval_chunk = 4096;
};

/// The result of a CENE estimate (nats).
struct CeneResult {
  double value = 0.0;             ///< held-out mean cross-entropy / NLL: Ĥ(A|B)
  double train_value = 0.0;       ///< mean batch loss over the last eval_interval steps
  double validation_value = 0.0;  ///< validation mean of the returned parameters
  std::vector<CurvePoint> curve;  ///< (step, batch loss, validation loss when evaluated)
  Index steps = 0;
  double seconds = 0.0;
  Index n_train = 0, n_validation = 0, n_heldout = 0;
  bool discrete = false;
  Index classes = 0;              ///< discrete targets: the number of classes
  Index best_step = 0;
  Index recoveries = 0;
  double learning_rate = 0.0;
  StopReason stop = StopReason::completed;
};

namespace detail {

/// The fix of to_working_copy's refusal of data the network's scalar cannot hold.
inline constexpr std::string_view kCeneUnrepresentableFix =
    "set options.standardize = true (the default; it standardises in double precision first and "
    "adds sum log sd back to the entropy) or center the data (an offset leaves entropies "
    "unchanged)";

/// The model run_training trains for CENE: a classifier or an MDN on (b -> a).
template <class T, class B>
class CeneModel : public Models<T, B, 1> {
 public:
  CeneModel(nn::MlpSpec spec, const TrainingOptions& o, const B& backend, const RowMatrix<T>& b,
            const RowMatrix<T>& a, std::span<const int> labels, nn::MixtureLayout layout,
            double sigma_min, std::vector<Index> train, std::vector<Index> validation,
            Index chunk)
      : Models<T, B, 1>({std::move(spec)}, o.seed, backend, o.lr, o.weight_decay), backend_(backend), b_(b),
        a_(a), labels_(labels), layout_(layout), sigma_min_(sigma_min),
        validation_(std::move(validation)), sampler_(std::move(train), o.seed), batch_(o.batch),
        chunk_(chunk) {
    rows_.resize(static_cast<std::size_t>(batch_));
  }

  StepValues step() {
    sampler_.next(batch_, rows_.data());
    const double loss = forward_loss(rows_, true);
    this->mlp(0).backward(grad_view());
    return {loss, loss};
  }
  double evaluate() { return mean_loss(validation_); }
  void reset_state() {}

  /// Mean loss over the samples `rows` (chunks of eval_chunk), no gradients.
  double mean_loss(std::span<const Index> rows) {
    double total = 0.0;
    for (std::size_t begin = 0; begin < rows.size(); begin += static_cast<std::size_t>(chunk_)) {
      const std::size_t m = std::min(rows.size() - begin, static_cast<std::size_t>(chunk_));
      total += forward_loss(rows.subspan(begin, m), false) * static_cast<double>(m);
    }
    return total / static_cast<double>(rows.size());
  }

 private:
  bool discrete() const noexcept { return !labels_.empty(); }

  /// Forward pass on the given samples; returns the mean loss and, when asked,
  /// leaves dLoss/dOutput in grad_ (uploaded to the backend).
  double forward_loss(std::span<const Index> rows, bool with_grad) {
    const auto m = static_cast<Index>(rows.size());
    reserve_rows(input_, m, b_.cols());
    gather_rows(b_, rows, 0, input_);
    const nn::ConstMatrixRef<T> out = this->mlp(0).forward_host(nn::as_batch(input_.topRows(m)));
    host_out_.resize(out.rows, m);
    backend_.download(out, host_out_.data(), out.rows);
    if (with_grad) host_grad_.resize(out.rows, m);
    const nn::MatrixRef<T> g = with_grad ? nn::view(host_grad_) : nn::MatrixRef<T>();
    double loss;
    if (discrete()) {
      batch_labels_.resize(rows.size());
      for (std::size_t i = 0; i < rows.size(); ++i) batch_labels_[i] = labels_[static_cast<std::size_t>(rows[i])];
      loss = nn::softmax_cross_entropy<T>(nn::view(host_out_), batch_labels_, g);
    } else {
      reserve_rows(target_, m, a_.cols());
      gather_rows(a_, rows, 0, target_);
      loss = nn::gaussian_mixture_nll<T>(nn::view(host_out_), nn::as_batch(target_.topRows(m)),
                                         layout_, g, sigma_min_);
    }
    if (with_grad) {
      backend_.resize(grad_, host_grad_.size());
      backend_.upload(host_grad_.data(), host_grad_.rows(), grad_view());
    }
    return loss;
  }
  nn::MatrixRef<T> grad_view() {
    return {backend_.data(grad_), host_grad_.rows(), host_grad_.cols()};
  }

  B backend_;
  const RowMatrix<T>& b_;
  const RowMatrix<T>& a_;
  std::span<const int> labels_;
  nn::MixtureLayout layout_;
  double sigma_min_;
  std::vector<Index> validation_;
  BatchSampler sampler_;
  Index batch_, chunk_;
  std::vector<Index> rows_;
  std::vector<int> batch_labels_;
  RowMatrix<T> input_, target_;
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> host_out_, host_grad_;
  typename B::Buffer grad_;
};

}  // namespace detail

/// CENE: Ĥ(A|B) (or Ĥ(A) without B), in nats.
template <class T = float, class B = nn::CpuBackend<T>>
class Cene {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::neural::Cene<T, B>");

 public:
  using Options = CeneOptions;
  using Result = CeneResult;

  Cene() = default;
  explicit Cene(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// Ĥ(A|B): a is an integer vector of class labels (discrete target) or a real
  /// n x d matrix (continuous target); b is n x d_b, one sample per row, and may
  /// have zero columns (then Ĥ(A)).
  template <class DerivedA, class DerivedB>
  Result estimate(const Eigen::DenseBase<DerivedA>& a, const Eigen::DenseBase<DerivedB>& b) const {
    return run("mmc::neural::Cene::estimate", a, b);
  }

  /// Ĥ(A), the unconditional entropy.
  template <class DerivedA>
  Result estimate(const Eigen::DenseBase<DerivedA>& a) const {
    return run("mmc::neural::Cene::estimate", a, RowMatrix<T>(a.rows(), 0));
  }

 private:
  template <class DerivedA, class DerivedB>
  Result run(std::string_view fn, const Eigen::DenseBase<DerivedA>& a,
             const Eigen::DenseBase<DerivedB>& b) const {
    const auto start = std::chrono::steady_clock::now();
    const Options& o = options_;
    constexpr bool discrete = std::is_integral_v<typename DerivedA::Scalar>;
    check_options(fn);
    const Index n = a.rows();
    if constexpr (discrete) {
      if (a.cols() != 1) {
        mmc::detail::throw_invalid(fn, "a", "has " + std::to_string(a.cols()) + " columns",
                                   "pass discrete labels as one integer column (Eigen::VectorXi)");
      }
      if (n == 0) mmc::detail::throw_invalid(fn, "a", "is empty", "pass one label per sample");
    } else {
      mmc::detail::check_data(fn, "a", a);
    }
    mmc::detail::check_same_rows(fn, "b", b.rows(), "a", n);
    mmc::detail::check_finite(fn, "b", b);
    const Index heldout = heldout_size(n, o.holdout);
    const Index validation = heldout_size(n - heldout, o.validation);
    if (validation < 1) {
      mmc::detail::throw_invalid(fn, "validation",
                                 "is " + detail::number(o.validation) + ", which leaves no validation sample",
                                 "pass more samples or a larger validation fraction");
    }
    check_split_sizes(fn, n, o.holdout, o.batch, 1, validation);

    Result r;
    r.discrete = discrete;
    std::vector<int> labels;
    RowMatrix<T> as;
    double log_scale = 0.0;  // sum_j log s_j of a standardised continuous target
    if constexpr (discrete) {
      r.classes = o.classes > 0 ? o.classes : class_count(a.col(0), fn, "a");
      mmc::detail::check_labels(fn, "a", a.col(0), n, r.classes);
      labels.assign(static_cast<std::size_t>(n), 0);
      for (Index i = 0; i < n; ++i) labels[static_cast<std::size_t>(i)] = static_cast<int>(a(i, 0));
    } else {
      ColumnMoments<double> moments;
      as = to_working_copy<T>(a, o.standardize, fn, "a", detail::kCeneUnrepresentableFix, &moments);
      if (o.standardize) {
        for (Index j = 0; j < as.cols(); ++j) log_scale += std::log(moments.stddev(j));
      }
    }
    const bool conditional = b.cols() > 0;
    const RowMatrix<T> bs =
        conditional ? to_working_copy<T>(b, o.standardize, fn, "b", detail::kCeneUnrepresentableFix)
                    : RowMatrix<T>(RowMatrix<T>::Ones(n, 1));

    const nn::MixtureLayout layout{o.components, discrete ? 1 : as.cols()};
    const Index outputs = discrete ? r.classes : layout.outputs();
    const std::vector<Index> no_hidden;
    nn::MlpSpec spec{detail::mlp_widths(bs.cols(), conditional ? o.hidden : no_hidden, outputs),
                     o.activation};
    Split split = make_split(n, o.holdout, o.seed);
    std::vector<Index> valid(split.train.begin(), split.train.begin() + validation);
    std::vector<Index> train(split.train.begin() + validation, split.train.end());
    r.n_heldout = heldout;
    r.n_validation = validation;
    r.n_train = static_cast<Index>(train.size());

    const B backend = detail::make_backend<B>(o.threads);
    TrainingOptions training = o;
    if (!conditional) training.weight_decay = 0.0;  // free parameters: decay would only bias them
    detail::CeneModel<T, B> model(std::move(spec), training, backend, bs, as, labels, layout,
                                  o.sigma_min, std::move(train), std::move(valid), o.eval_chunk);
    const std::string fix = "lower the learning rate (lr, " + detail::number(o.lr) +
                            " now; CLI --lr), standardise the inputs (standardize = true), clip "
                            "gradients (clip_norm, e.g. 1.0), or set recover_from_divergence = true";
    TrainingLog log = run_training(model, training, fn, false, fix);
    r.value = model.mean_loss(split.heldout) + log_scale;
    r.train_value = log.train_estimate + log_scale;
    r.validation_value = log.monitor + log_scale;
    for (auto& p : log.curve) {
      p.train += log_scale;
      p.heldout += log_scale;
    }
    r.curve = std::move(log.curve);
    r.steps = log.steps;
    r.best_step = log.best_step;
    r.recoveries = log.recoveries;
    r.learning_rate = log.learning_rate;
    r.stop = log.stop;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return r;
  }

  void check_options(std::string_view fn) const {
    const Options& o = options_;
    detail::check_training_options(fn, o);
    check_fraction(fn, "validation", o.validation);
    mmc::detail::check_at_least(fn, "components", o.components, 1);
    mmc::detail::check_at_least(fn, "classes", o.classes, 0);
    mmc::detail::check_at_least(fn, "eval_chunk", o.eval_chunk, 1);
    if (!(o.sigma_min >= 0.0) || !std::isfinite(o.sigma_min)) {
      mmc::detail::throw_invalid(fn, "sigma_min", "is " + detail::number(o.sigma_min),
                                 "use a finite floor >= 0 such as 1e-3");
    }
  }

  Options options_;
};

}  // namespace mmc::neural
