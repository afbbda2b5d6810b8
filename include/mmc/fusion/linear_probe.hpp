// mmc/fusion/linear_probe.hpp — multinomial logistic regression on frozen
// features: the "linear probe" that measures what an encoder has learned
// (docs/design.md §3.7; Du et al. 2023 use it to expose modality laziness, and the
// advisor uses one on concatenated uni-modal features).
//
// Why a probe and not the model's own head: a probe trained afresh on frozen
// features asks "is the information linearly available in phi(x)?",
// independently of how the head was trained. Features are standardised with
// the probe's training statistics (ReLU features have very different scales);
// the weights are fitted by Adam on minibatches with a small decoupled weight
// decay (the objective is convex, so the result is close to the unique
// regularised optimum; 100 epochs of lr 1e-2 reach it to well under the
// accuracies' sampling error on the tasks of the tests). The probe runs on any
// nn backend B (docs/design.md §4): features go up with each forward pass, the
// logits come down, and the loss is computed on the host (nn/losses.hpp).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/detail/batches.hpp"
#include "mmc/fusion/model.hpp"
#include "mmc/fusion/options.hpp"
#include "mmc/fusion/standardizer.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/losses.hpp"
#include "mmc/nn/mlp.hpp"
#include "mmc/nn/optimizers.hpp"

namespace mmc::fusion {

struct ProbeOptions {
  int epochs = 100;           ///< passes over the training features
  Index batch = 256;          ///< minibatch size
  double lr = 1e-2;           ///< Adam learning rate
  double weight_decay = 1e-4; ///< decoupled L2 shrinkage per unit lr
  std::uint64_t seed = 0;     ///< initialisation and batch order
};

template <class T = float, class B = nn::CpuBackend<T>>
class LinearProbe {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::LinearProbe<T, B>");

 public:
  using Network = nn::Mlp<T, B>;

  LinearProbe(Network linear, Standardizer<T> standardizer)
      : linear_(std::move(linear)), standardizer_(std::move(standardizer)) {}

  Index classes() const noexcept { return linear_.output_size(); }
  Index input_size() const noexcept { return linear_.input_size(); }
  Network& network() noexcept { return linear_; }

  /// Class scores (logits), n x classes, for features n x input_size().
  template <class D>
  RowMatrix<T> logits(const Eigen::DenseBase<D>& features) {
    constexpr std::string_view fn = "mmc::fusion::LinearProbe";
    mmc::detail::check_data(fn, "features", features);
    if (features.cols() != input_size()) {
      mmc::detail::throw_invalid(fn, "features",
                                 "has " + std::to_string(features.cols()) +
                                     " columns but the probe was fitted on " +
                                     std::to_string(input_size()),
                                 "pass features of the same encoder(s)");
    }
    const RowMatrix<T> z = standardizer_.apply(0, RowMatrix<T>(features.template cast<T>()));
    RowMatrix<T> out(z.rows(), classes());
    const Index chunk = LateFusion<T, B>::kChunk;
    for (Index begin = 0; begin < z.rows(); begin += chunk) {
      const Index count = std::min(chunk, z.rows() - begin);
      // Rows of the row-major output are the logits' column-major layout.
      linear_.backend().download(linear_.forward_host(nn::as_batch(z.middleRows(begin, count))),
                                 out.data() + begin * classes(), classes());
    }
    return out;
  }

  template <class D>
  Labels predict(const Eigen::DenseBase<D>& features) {
    return LateFusion<T, B>::argmax_rows(logits(features));
  }

  template <class D, class L>
  double accuracy(const Eigen::DenseBase<D>& features, const Eigen::DenseBase<L>& labels) {
    const Labels predicted = predict(features);
    Index classes = 0;
    const Labels y = detail::to_labels("mmc::fusion::LinearProbe::accuracy", labels,
                                       predicted.size(), this->classes(), classes, false);
    return static_cast<double>((predicted.array() == y.array()).count()) /
           static_cast<double>(y.size());
  }

 private:
  Network linear_;
  Standardizer<T> standardizer_;
};

/// Fits a linear probe on features (n x F, e.g. frozen encoder outputs) and
/// labels in [0, classes) (classes <= 0: max label + 1), on nn backend B.
template <class T = float, class B = nn::CpuBackend<T>, class D, class L>
LinearProbe<T, B> fit_linear_probe(const Eigen::DenseBase<D>& features, const Eigen::DenseBase<L>& labels,
                                const ProbeOptions& options = {}, Index classes = 0) {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::fit_linear_probe<T, B>");
  constexpr std::string_view fn = "mmc::fusion::fit_linear_probe";
  mmc::detail::check_data(fn, "features", features);
  mmc::detail::check_at_least(fn, "options.epochs", options.epochs, 1);
  mmc::detail::check_at_least(fn, "options.batch", options.batch, 1);
  detail::check_optimizer(fn, options.lr, options.weight_decay);
  Index c = 0;
  const Labels y = detail::to_labels(fn, labels, features.rows(), classes, c);
  const ModalityList<T> list{RowMatrix<T>(features.template cast<T>())};
  auto standardizer = Standardizer<T>::fit(list, true);
  const RowMatrix<T> z = standardizer.apply(0, list.front());
  const B backend;
  typename LinearProbe<T, B>::Network linear(
      nn::MlpSpec{{z.cols(), c}, nn::Activation::relu, nn::Activation::identity, nn::Init::automatic},
      detail::derive_seed(options.seed, streams::probe), backend);
  nn::Adam<T, B> adam(nn::AdamOptions{.lr = options.lr, .weight_decay = options.weight_decay}, backend);
  detail::EpochBatches batches(z.rows(), options.batch, options.seed, streams::probe);
  RowMatrix<T> xb;
  std::vector<int> yb;
  Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic> out, grad;  // host
  typename B::Buffer grad_buffer;                              // backend memory
  Index step = 0;
  for (int epoch = 0; epoch < options.epochs; ++epoch) {
    batches.shuffle();
    for (Index b = 0; b < batches.count(); ++b, ++step) {
      detail::gather_rows(z, batches.batch(b), xb);
      detail::gather_labels(y, batches.batch(b), yb);
      const nn::ConstMatrixRef<T> logits = linear.forward_host(nn::as_batch(xb));
      out.resize(logits.rows, logits.cols);
      linear.backend().download(logits, out.data(), logits.rows);
      grad.resize(out.rows(), out.cols());
      const double loss = nn::softmax_cross_entropy<T>(nn::view(out), yb, nn::view(grad));
      detail::check_finite_loss(fn, loss, epoch, step);
      linear.backend().resize(grad_buffer, grad.size());
      const nn::MatrixRef<T> d_logits(linear.backend().data(grad_buffer), grad.rows(), grad.cols());
      linear.backend().upload(grad.data(), grad.rows(), d_logits);
      linear.backward(d_logits);
      adam.step(linear);
    }
  }
  return LinearProbe<T, B>(std::move(linear), std::move(standardizer));
}

}  // namespace mmc::fusion
