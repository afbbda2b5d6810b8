// mmc/fusion/model.hpp — the late-fusion classifier of docs/design.md §3.6-3.7:
// one MLP encoder phi_m per modality, the encoder outputs concatenated, a head
// (linear by default) on the concatenation, softmax cross-entropy.
//
//     logits = head([phi_1(x_1); ...; phi_M(x_M)])
//
// Encoders end with a ReLU: their output is the "feature" that UMT distils and
// that linear probes read (fusion/linear_probe.hpp). Inputs live in "model
// space": each modality standardised with training statistics (standardizer.hpp).
//
// The class does the arithmetic: forward, the training loss with its parameter
// gradients (cross-entropy plus, for UMT, lambda * sum_m MSE(phi_m, target_m)),
// and the input gradient that FGSM needs (robustness.hpp). The training loop
// lives in fusion/detail/trainer.hpp; fit_late_fusion (late_fusion.hpp) is the
// "naive" joint training, which suffers modality laziness (Du et al. 2023, "On Uni-Modal
// Feature Learning in Supervised Multi-Modal Learning"). A uni-modal model
// (unimodal.hpp) is the same class with one modality.
//
// Memory: the concatenation and the loss gradients are workspaces that grow to
// the largest batch; inference runs in chunks of kChunk samples, so memory does
// not grow with the data set. All networks share one CPU backend (one thread
// pool); results do not depend on its thread count (nn/cpu_backend.hpp).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/detail/batches.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/fusion/standardizer.hpp"
#include "mmc/nn/activations.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/losses.hpp"
#include "mmc/nn/mlp.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::fusion {

/// UMT's feature-distillation targets for one batch: target[m] is the frozen
/// teacher's phi'_m(x_m), (feature_size(m) x batch), host memory.
template <class T>
struct Distillation {
  double lambda = 1.0;
  std::vector<nn::ConstMatrixRef<T>> target;
};

/// The two parts of the training loss of one batch (nats; batch means).
struct LossParts {
  double cross_entropy = 0.0;
  double distillation = 0.0;  ///< lambda * sum_m MSE_m (0 without distillation)
  double total() const noexcept { return cross_entropy + distillation; }
};

template <class T = float>
class LateFusion {
 public:
  using Backend = nn::CpuBackend<T>;
  using Network = nn::Mlp<T, Backend>;
  using ColMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  /// Samples per forward pass at inference.
  static constexpr Index kChunk = 1024;

  /// Encoders {d_m, encoder_widths...} (ReLU throughout) and the head
  /// {sum_m e_m, head_hidden..., classes}; weights drawn from options.seed.
  /// The standardizer is the identity until set_standardizer.
  LateFusion(const std::vector<Index>& input_sizes, Index classes, const TrainOptions& options)
      : classes_(classes),
        backend_(options.threads),
        head_(head_spec(input_sizes, classes, options),
              detail::derive_seed(options.seed, streams::head_init), backend_),
        standardizer_(Standardizer<T>::identity(input_sizes)) {
    Index offset = 0;
    for (std::size_t m = 0; m < input_sizes.size(); ++m) {
      std::vector<Index> widths{input_sizes[m]};
      widths.insert(widths.end(), options.encoder_widths.begin(), options.encoder_widths.end());
      encoders_.emplace_back(
          nn::MlpSpec{widths, nn::Activation::relu, nn::Activation::relu, nn::Init::automatic},
          detail::derive_seed(options.seed, streams::encoder_init + m), backend_);
      offsets_.push_back(offset);
      offset += widths.back();
    }
    offsets_.push_back(offset);
  }

  Index modalities() const noexcept { return static_cast<Index>(encoders_.size()); }
  Index classes() const noexcept { return classes_; }
  Index input_size(Index m) const { return encoder(m).input_size(); }
  Index feature_size(Index m) const { return encoder(m).output_size(); }
  /// Rows of modality m's features in the concatenation: [offset(m), offset(m+1)).
  Index offset(Index m) const { return offsets_.at(static_cast<std::size_t>(m)); }
  Network& encoder(Index m) { return encoders_.at(static_cast<std::size_t>(m)); }
  const Network& encoder(Index m) const { return encoders_.at(static_cast<std::size_t>(m)); }
  Network& head() { return head_; }
  const Network& head() const { return head_; }
  Backend& backend() noexcept { return backend_; }
  const Standardizer<T>& standardizer() const noexcept { return standardizer_; }
  void set_standardizer(Standardizer<T> s) { standardizer_ = std::move(s); }
  /// Mean training loss of each epoch (filled by the trainers).
  std::vector<double>& history() noexcept { return history_; }
  const std::vector<double>& history() const noexcept { return history_; }

  /// Raw data (any range of Eigen matrices) -> model space, validated; the
  /// raw data stay double until standardised (standardizer.hpp).
  template <ModalityRange R>
  ModalityList<T> to_model_space(const R& raw) const {
    auto list = detail::to_modalities<double>("mmc::fusion::LateFusion", raw, modalities());
    check_model_space(list);
    return standardizer_.apply(list);
  }

  /// Throws unless x (raw or model space) has this model's modalities,
  /// columns and aligned rows.
  template <class S>
  void check_model_space(const ModalityList<S>& x) const {
    if (static_cast<Index>(x.size()) != modalities()) {
      mmc::detail::throw_invalid("mmc::fusion::LateFusion", "modalities",
                                 "has " + std::to_string(x.size()) + " modalities but the model has " +
                                     std::to_string(modalities()),
                                 "pass the modalities the model was trained on, in the same order");
    }
    for (Index m = 0; m < modalities(); ++m) {
      if (x[static_cast<std::size_t>(m)].cols() != input_size(m)) {
        mmc::detail::throw_invalid("mmc::fusion::LateFusion", "modalities[" + std::to_string(m) + "]",
                                   "has " + std::to_string(x[static_cast<std::size_t>(m)].cols()) +
                                       " columns but the model was trained on " +
                                       std::to_string(input_size(m)),
                                   "pass features with the training data's columns");
      }
      mmc::detail::check_same_rows("mmc::fusion::LateFusion", "modalities[" + std::to_string(m) + "]",
                                   x[static_cast<std::size_t>(m)].rows(), "modalities[0]",
                                   x.front().rows());
    }
  }

  // ---- arithmetic on batches in model space ((features x batch) views) ----

  /// Logits (classes x batch) of one batch; batch[m] is modality m.
  nn::ConstMatrixRef<T> forward(std::span<const nn::ConstMatrixRef<T>> batch) {
    const Index b = batch.front().cols;
    concat_.resize(offsets_.back(), b);
    for (std::size_t m = 0; m < encoders_.size(); ++m) {
      const auto out = encoders_[m].forward(batch[m]);
      concat_.middleRows(offsets_[m], out.rows) = nn::as_eigen(out);
    }
    return head().forward(nn::view(concat_));
  }

  /// Loss of one batch and the gradients of every network (encoder(m).gradients(),
  /// head().gradients()): mean cross-entropy, plus lambda * sum_m MSE(phi_m,
  /// target[m]) when `distill` is given (MSE = mean over batch and features).
  LossParts loss_and_gradients(std::span<const nn::ConstMatrixRef<T>> batch,
                               std::span<const int> labels, const Distillation<T>* distill = nullptr) {
    LossParts loss;
    const auto logits = forward(batch);
    d_logits_.resize(logits.rows, logits.cols);
    loss.cross_entropy = nn::softmax_cross_entropy(logits, labels, nn::view(d_logits_));
    head().backward(nn::view(d_logits_), {.parameter_gradients = true, .input_gradient = true});
    const auto d_concat = head().input_gradient();
    for (std::size_t m = 0; m < encoders_.size(); ++m) {
      const auto d_features = d_concat.middle_rows(offsets_[m], offsets_[m + 1] - offsets_[m]);
      if (distill == nullptr) {
        encoders_[m].backward(d_features);
        continue;
      }
      d_feature_ = nn::as_eigen(d_features);
      d_mse_.resize(d_feature_.rows(), d_feature_.cols());
      const double mse =
          nn::mean_squared_error(encoders_[m].output(), distill->target[m], nn::view(d_mse_));
      d_feature_ += static_cast<T>(distill->lambda) * d_mse_;
      loss.distillation += distill->lambda * mse;
      encoders_[m].backward(nn::view(d_feature_));
    }
    return loss;
  }

  // ---- whole data sets in model space (n x ... row-major) -----------------

  /// Logits, n x classes.
  RowMatrix<T> logits(const ModalityList<T>& x) {
    check_model_space(x);
    RowMatrix<T> out(x.front().rows(), classes_);
    for_chunks(x, [&](Index begin, std::span<const nn::ConstMatrixRef<T>> batch) {
      out.middleRows(begin, batch.front().cols) = nn::as_eigen(forward(batch)).transpose();
    });
    return out;
  }

  /// Class probabilities (softmax of the logits), n x classes.
  RowMatrix<T> probabilities(const ModalityList<T>& x) {
    RowMatrix<T> p = logits(x);
    for (Index i = 0; i < p.rows(); ++i) {
      p.row(i).array() = (p.row(i).array() - p.row(i).maxCoeff()).exp();
      p.row(i) /= p.row(i).sum();
    }
    return p;
  }

  /// Encoder m's features phi_m(x_m), n x feature_size(m); x_m in model space.
  RowMatrix<T> features(Index m, const RowMatrix<T>& x_m) {
    RowMatrix<T> out(x_m.rows(), feature_size(m));
    for (Index begin = 0; begin < x_m.rows(); begin += kChunk) {
      const Index count = std::min(kChunk, x_m.rows() - begin);
      const auto f = encoder(m).forward(nn::as_batch(x_m.middleRows(begin, count)));
      out.middleRows(begin, count) = nn::as_eigen(f).transpose();
    }
    return out;
  }

  /// Gradient of the SUM over samples of the cross-entropy with respect to
  /// modality m's inputs (n x d_m, model space) into `gradient`; returns that
  /// sum. Row i is the gradient of sample i's own loss (FGSM's direction).
  /// Parameter gradients are left untouched.
  double loss_input_gradient(const ModalityList<T>& x, const Labels& labels, Index m,
                             RowMatrix<T>& gradient) {
    check_model_space(x);
    mmc::detail::check_labels("mmc::fusion::LateFusion::loss_input_gradient", "labels", labels,
                              x.front().rows(), classes_);
    gradient.resize(x.front().rows(), input_size(m));
    double total = 0.0;
    const nn::BackwardOptions propagate{.parameter_gradients = false, .input_gradient = true};
    for_chunks(x, [&](Index begin, std::span<const nn::ConstMatrixRef<T>> batch) {
      const Index count = batch.front().cols;
      const auto logits = forward(batch);
      d_logits_.resize(logits.rows, count);
      const std::span<const int> y(labels.data() + begin, static_cast<std::size_t>(count));
      total += static_cast<double>(count) * nn::softmax_cross_entropy(logits, y, nn::view(d_logits_));
      d_logits_ *= static_cast<T>(count);  // d(mean)/dz -> d(sum)/dz
      head().backward(nn::view(d_logits_), propagate);
      const auto d_concat = head().input_gradient();
      encoder(m).backward(d_concat.middle_rows(offsets_[m], offsets_[m + 1] - offsets_[m]), propagate);
      gradient.middleRows(begin, count) = nn::as_eigen(encoder(m).input_gradient()).transpose();
    });
    return total;
  }

  // ---- raw data (any range of Eigen matrices, standardised here) ----------

  template <ModalityRange R>
  RowMatrix<T> predict_proba(const R& raw) {
    return probabilities(to_model_space(raw));
  }
  template <ModalityRange R>
  Labels predict(const R& raw) {
    return argmax_rows(logits(to_model_space(raw)));
  }
  template <ModalityRange R, class L>
  double accuracy(const R& raw, const Eigen::DenseBase<L>& labels) {
    const auto x = to_model_space(raw);
    Index classes = 0;
    const Labels y = detail::to_labels("mmc::fusion::LateFusion::accuracy", labels,
                                       x.front().rows(), classes_, classes, false);
    return accuracy_in_model_space(x, y);
  }

  /// Fraction of samples whose largest logit is at the label (model space).
  double accuracy_in_model_space(const ModalityList<T>& x, const Labels& labels) {
    check_model_space(x);
    mmc::detail::check_not_empty("mmc::fusion::LateFusion::accuracy", "modalities[0]", x.front());
    mmc::detail::check_labels("mmc::fusion::LateFusion::accuracy", "labels", labels,
                              x.front().rows(), classes_);
    const Labels predicted = argmax_rows(logits(x));
    return static_cast<double>((predicted.array() == labels.array()).count()) /
           static_cast<double>(labels.size());
  }

  /// Index of the largest entry of each row (ties: the first).
  static Labels argmax_rows(const RowMatrix<T>& scores) {
    Labels out(scores.rows());
    for (Index i = 0; i < scores.rows(); ++i) {
      Index best = 0;
      scores.row(i).maxCoeff(&best);
      out(i) = static_cast<int>(best);
    }
    return out;
  }

 private:
  static nn::MlpSpec head_spec(const std::vector<Index>& input_sizes, Index classes,
                               const TrainOptions& options) {
    const Index features = static_cast<Index>(input_sizes.size()) * options.encoder_widths.back();
    std::vector<Index> widths{features};
    widths.insert(widths.end(), options.head_hidden.begin(), options.head_hidden.end());
    widths.push_back(classes);
    return {widths, nn::Activation::relu, nn::Activation::identity, nn::Init::automatic};
  }

  /// body(begin, batch views) over chunks of kChunk samples.
  template <class Body>
  void for_chunks(const ModalityList<T>& x, Body&& body) {
    std::vector<nn::ConstMatrixRef<T>> batch(x.size());
    for (Index begin = 0; begin < x.front().rows(); begin += kChunk) {
      const Index count = std::min(kChunk, x.front().rows() - begin);
      for (std::size_t m = 0; m < x.size(); ++m) batch[m] = nn::as_batch(x[m].middleRows(begin, count));
      body(begin, std::span<const nn::ConstMatrixRef<T>>(batch));
    }
  }

  Index classes_;
  Backend backend_;
  Network head_;
  std::vector<Network> encoders_;
  std::vector<Index> offsets_;
  Standardizer<T> standardizer_;
  std::vector<double> history_;
  ColMatrix concat_, d_logits_, d_feature_, d_mse_;
};

}  // namespace mmc::fusion
