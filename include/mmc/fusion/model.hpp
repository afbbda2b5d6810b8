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
// Backends (docs/design.md §4): the networks run on any nn backend B
// (nn/backend.hpp), nn::CpuBackend<T> by default, cuda::CudaBackend<T> in a
// translation unit compiled by nvcc. Activations, logits and gradients then live
// in B's memory, which the host must not read: every pointer from B is passed
// only to B's operations, and what the host computes (the losses of
// nn/losses.hpp, softmax, argmax, FGSM's signs) reaches it through
// B::download and goes back through B::upload. tests/fusion/test_fusion_backends
// runs everything here on a CPU backend whose memory is unreadable outside its
// own operations, so a host read of backend memory crashes there.
//
// Memory: the concatenation and the loss gradients are workspaces that grow to
// the largest batch; inference runs in chunks of kChunk samples, so memory does
// not grow with the data set. All networks of a model share one backend (one
// thread pool, or one CUDA stream); results do not depend on the CPU backend's
// thread count (nn/cpu_backend.hpp).
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
#include "mmc/neural/trainer.hpp"
#include "mmc/nn/activations.hpp"
#include "mmc/nn/backend.hpp"
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

template <class T = float, class B = nn::CpuBackend<T>>
class LateFusion {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::LateFusion<T, B>");

 public:
  using Backend = B;
  using Network = nn::Mlp<T, B>;
  using ColMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  /// Samples per forward pass at inference.
  static constexpr Index kChunk = 1024;

  /// Encoders {d_m, encoder_widths...} (ReLU throughout) and the head
  /// {sum_m e_m, head_hidden..., classes}; weights drawn from options.seed.
  /// The standardizer is the identity until set_standardizer. The backend is
  /// B(options.threads) when B takes a thread count, else B() (e.g. the CUDA
  /// backend's default context, which throws when there is no usable device).
  LateFusion(const std::vector<Index>& input_sizes, Index classes, const TrainOptions& options)
      : classes_(classes),
        backend_(neural::detail::make_backend<B>(options.threads)),
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
  B& backend() noexcept { return backend_; }
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

  /// Logits (classes x batch) of one batch, in the BACKEND's memory (read them
  /// on the host through backend().download); batch[m] is modality m in HOST
  /// memory, e.g. nn::as_batch of model-space rows.
  nn::ConstMatrixRef<T> forward(std::span<const nn::ConstMatrixRef<T>> batch) {
    const nn::MatrixRef<T> concat = workspace(concat_, offsets_.back(), batch.front().cols);
    for (std::size_t m = 0; m < encoders_.size(); ++m) {
      const auto out = encoders_[m].forward_host(batch[m]);
      backend_.copy(out, concat.middle_rows(offsets_[m], out.rows));
    }
    return head().forward(concat);
  }

  /// Loss of one batch and the gradients of every network (encoder(m).gradients(),
  /// head().gradients()): mean cross-entropy, plus lambda * sum_m MSE(phi_m,
  /// target[m]) when `distill` is given (MSE = mean over batch and features;
  /// the targets in host memory). batch as in forward().
  LossParts loss_and_gradients(std::span<const nn::ConstMatrixRef<T>> batch,
                               std::span<const int> labels, const Distillation<T>* distill = nullptr) {
    LossParts loss;
    const auto logits = forward(batch);
    loss.cross_entropy = cross_entropy(logits, labels, T(1));
    head().backward(d_logits_view_, {.parameter_gradients = true, .input_gradient = true});
    const auto d_concat = head().input_gradient();
    for (std::size_t m = 0; m < encoders_.size(); ++m) {
      const auto d_features = d_concat.middle_rows(offsets_[m], offsets_[m + 1] - offsets_[m]);
      if (distill == nullptr) {
        encoders_[m].backward(d_features);
        continue;
      }
      // The distillation term on the host (nn/losses.hpp), like the cross-entropy.
      to_host(d_features, d_feature_);
      to_host(encoders_[m].output(), feature_);
      d_mse_.resize(d_feature_.rows(), d_feature_.cols());
      const double mse = nn::mean_squared_error<T>(nn::view(feature_), distill->target[m], nn::view(d_mse_));
      d_feature_ += static_cast<T>(distill->lambda) * d_mse_;
      loss.distillation += distill->lambda * mse;
      encoders_[m].backward(to_backend(d_feature_, d_distilled_));
    }
    return loss;
  }

  // ---- whole data sets in model space (n x ... row-major, host) ------------

  /// Logits, n x classes.
  RowMatrix<T> logits(const ModalityList<T>& x) {
    check_model_space(x);
    RowMatrix<T> out(x.front().rows(), classes_);
    // Rows [begin, begin + count) of a row-major n x classes matrix are the
    // column-major (classes x count) block that the head writes: one download.
    for_chunks(x, [&](Index begin, std::span<const nn::ConstMatrixRef<T>> batch) {
      backend_.download(forward(batch), out.data() + begin * classes_, classes_);
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
    const Index width = feature_size(m);
    RowMatrix<T> out(x_m.rows(), width);
    for (Index begin = 0; begin < x_m.rows(); begin += kChunk) {
      const Index count = std::min(kChunk, x_m.rows() - begin);
      const auto f = encoder(m).forward_host(nn::as_batch(x_m.middleRows(begin, count)));
      backend_.download(f, out.data() + begin * width, width);
    }
    return out;
  }

  /// Gradient of the SUM over samples of the cross-entropy with respect to
  /// modality m's inputs (n x d_m, model space) into `gradient` (host); returns
  /// that sum. Row i is the gradient of sample i's own loss (FGSM's direction).
  /// Parameter gradients are left untouched.
  double loss_input_gradient(const ModalityList<T>& x, const Labels& labels, Index m,
                             RowMatrix<T>& gradient) {
    check_model_space(x);
    mmc::detail::check_labels("mmc::fusion::LateFusion::loss_input_gradient", "labels", labels,
                              x.front().rows(), classes_);
    const Index width = input_size(m);
    gradient.resize(x.front().rows(), width);
    double total = 0.0;
    const nn::BackwardOptions propagate{.parameter_gradients = false, .input_gradient = true};
    for_chunks(x, [&](Index begin, std::span<const nn::ConstMatrixRef<T>> batch) {
      const Index count = batch.front().cols;
      const auto logits = forward(batch);
      const std::span<const int> y(labels.data() + begin, static_cast<std::size_t>(count));
      // d(mean)/dz -> d(sum)/dz
      total += static_cast<double>(count) * cross_entropy(logits, y, static_cast<T>(count));
      head().backward(d_logits_view_, propagate);
      const auto d_concat = head().input_gradient();
      encoder(m).backward(d_concat.middle_rows(offsets_[m], offsets_[m + 1] - offsets_[m]), propagate);
      backend_.download(encoder(m).input_gradient(), gradient.data() + begin * width, width);
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

  /// Index of the largest entry of each row (ties: the first); host memory.
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

  /// A rows x cols view of `buffer` in the backend's memory (grows only).
  nn::MatrixRef<T> workspace(typename B::Buffer& buffer, Index rows, Index cols) {
    backend_.resize(buffer, rows * cols);
    return {backend_.data(buffer), rows, cols};
  }
  /// Backend memory -> host (resized to the view's shape).
  void to_host(nn::ConstMatrixRef<T> src, ColMatrix& host) {
    host.resize(src.rows, src.cols);
    backend_.download(src, host.data(), src.rows);
  }
  /// Host -> `buffer` in the backend's memory.
  nn::ConstMatrixRef<T> to_backend(const ColMatrix& host, typename B::Buffer& buffer) {
    const nn::MatrixRef<T> dst = workspace(buffer, host.rows(), host.cols());
    backend_.upload(host.data(), host.rows(), dst);
    return dst;
  }

  /// Mean softmax cross-entropy of `logits` (backend memory) against `labels`,
  /// computed on the host (nn/losses.hpp); its gradient times `scale` is
  /// uploaded, and d_logits_view_ points at it.
  double cross_entropy(nn::ConstMatrixRef<T> logits, std::span<const int> labels, T scale) {
    to_host(logits, host_logits_);
    host_d_logits_.resize(logits.rows, logits.cols);
    const double loss = nn::softmax_cross_entropy<T>(nn::view(host_logits_), labels, nn::view(host_d_logits_));
    if (scale != T(1)) host_d_logits_ *= scale;
    d_logits_view_ = to_backend(host_d_logits_, d_logits_);
    return loss;
  }

  Index classes_;
  B backend_;  // a handle shared by every network of the model (nn/backend.hpp)
  Network head_;
  std::vector<Network> encoders_;
  std::vector<Index> offsets_;
  Standardizer<T> standardizer_;
  std::vector<double> history_;
  // Backend memory: the concatenated features, dLoss/dlogits, and an encoder's
  // dLoss/dfeatures with the distillation term added.
  typename B::Buffer concat_, d_logits_, d_distilled_;
  nn::ConstMatrixRef<T> d_logits_view_;
  // Host memory: what the losses read and write.
  ColMatrix host_logits_, host_d_logits_, feature_, d_feature_, d_mse_;
};

}  // namespace mmc::fusion
