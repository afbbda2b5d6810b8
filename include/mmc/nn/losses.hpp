// mmc/nn/losses.hpp — classification and regression losses with their gradient
// with respect to the network output (the `d_output` of Mlp::backward).
//
// Conventions: outputs are (outputs x batch) column-major views in HOST memory
// (nn/view.hpp; with the CPU backend that is the MLP's own output); the value
// is the MEAN over the batch, accumulated in double, in nats; the gradient is
// written only when `grad` is not empty, with the output's shape. A GPU backend
// implements its own loss kernels and keeps these as the reference. The mixture
// density (Gaussian-mixture NLL) loss is in nn/mixture_density.hpp.
//   softmax cross-entropy (CENE's classifier, docs/design.md §3.3; fusion heads §3.6):
//     L = (1/B) sum_i [logsumexp(z_i) - z_i,y_i],   dL/dz_i = (softmax(z_i) - e_y_i) / B,
//     computed as (max - z_y) + log sum exp(z - max): no overflow and no cancellation.
//   mean squared error (UMT's feature distillation, docs/design.md §3.7):
//     L = (1/(B D)) sum_i ||p_i - t_i||^2 (PyTorch's MSELoss 'mean'),  dL/dp = 2 (p - t) / (B D).
#pragma once

#include <cmath>
#include <span>
#include <string>
#include <string_view>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::nn {
namespace detail {

/// Throws unless grad is empty or shaped like the output.
template <class T>
void check_grad_shape(std::string_view fn, ConstMatrixRef<T> output, MatrixRef<T> grad) {
  if (grad.empty()) return;
  if (grad.rows != output.rows || grad.cols != output.cols) {
    mmc::detail::throw_invalid(fn, "grad",
                               "is " + std::to_string(grad.rows) + " x " + std::to_string(grad.cols) +
                                   " but the output is " + std::to_string(output.rows) + " x " +
                                   std::to_string(output.cols),
                               "pass a gradient buffer shaped like the output, or an empty view");
  }
}

/// Throws on an empty batch.
template <class T>
void check_batch(std::string_view fn, std::string_view argument, ConstMatrixRef<T> output) {
  if (output.empty()) {
    mmc::detail::throw_invalid(fn, argument, "is empty", "pass at least one sample (column)");
  }
}

}  // namespace detail

/// Mean softmax cross-entropy of logits (classes x batch) against integer labels
/// in [0, classes); writes dL/dlogits into grad when grad is not empty.
template <class T>
double softmax_cross_entropy(ConstMatrixRef<T> logits, std::span<const int> labels,
                             MatrixRef<T> grad = {}) {
  constexpr const char* fn = "mmc::nn::softmax_cross_entropy";
  detail::check_batch(fn, "logits", logits);
  detail::check_grad_shape(fn, logits, grad);
  if (static_cast<Index>(labels.size()) != logits.cols) {
    mmc::detail::throw_invalid(fn, "labels",
                               "has " + std::to_string(labels.size()) + " labels for a batch of " +
                                   std::to_string(logits.cols),
                               "pass one label per column of logits");
  }
  const auto Z = as_eigen(logits);
  const T inv_batch = T(1) / static_cast<T>(logits.cols);
  double total = 0.0;
  for (Index j = 0; j < logits.cols; ++j) {
    const int y = labels[static_cast<std::size_t>(j)];
    if (y < 0 || y >= logits.rows) {
      mmc::detail::throw_invalid(fn, "labels",
                                 "has label " + std::to_string(y) + " at index " + std::to_string(j) +
                                     " outside [0, " + std::to_string(logits.rows) + ")",
                                 "encode classes as 0, 1, ..., C-1 with C = rows of logits");
    }
    // loss = (max - z_y) + log sum exp(z - max): both terms are O(1) for any
    // logits, unlike logsumexp(z) - z_y, which cancels when |z| is large.
    const T top = Z.col(j).maxCoeff();
    const T sum = (Z.col(j).array() - top).exp().sum();
    total += (static_cast<double>(top) - static_cast<double>(Z(y, j))) + std::log(double(sum));
    if (!grad.empty()) {
      auto g = as_eigen(grad).col(j);
      g = (Z.col(j).array() - top).exp() * (inv_batch / sum);
      g(y) -= inv_batch;
    }
  }
  return total / static_cast<double>(logits.cols);
}

/// Mean squared error between prediction and target (same shape); writes
/// dL/dprediction into grad when grad is not empty.
template <class T>
double mean_squared_error(ConstMatrixRef<T> prediction, ConstMatrixRef<T> target,
                          MatrixRef<T> grad = {}) {
  constexpr const char* fn = "mmc::nn::mean_squared_error";
  detail::check_batch(fn, "prediction", prediction);
  detail::check_grad_shape(fn, prediction, grad);
  if (target.rows != prediction.rows || target.cols != prediction.cols) {
    mmc::detail::throw_invalid(fn, "target",
                               "is " + std::to_string(target.rows) + " x " +
                                   std::to_string(target.cols) + " but the prediction is " +
                                   std::to_string(prediction.rows) + " x " +
                                   std::to_string(prediction.cols),
                               "pass a target shaped like the prediction");
  }
  const auto P = as_eigen(prediction);
  const auto Y = as_eigen(target);
  const double count = static_cast<double>(prediction.size());
  double total = 0.0;
  for (Index j = 0; j < prediction.cols; ++j) {
    total += (P.col(j) - Y.col(j)).template cast<double>().squaredNorm();
    if (!grad.empty()) {
      as_eigen(grad).col(j) = (P.col(j) - Y.col(j)) * static_cast<T>(2.0 / count);
    }
  }
  return total / count;
}

/// Number of columns whose largest logit is at the label's row (ties: first).
template <class T>
Index count_correct(ConstMatrixRef<T> logits, std::span<const int> labels) {
  const auto Z = as_eigen(logits);
  Index correct = 0;
  for (Index j = 0; j < logits.cols && j < static_cast<Index>(labels.size()); ++j) {
    Index best = 0;
    Z.col(j).maxCoeff(&best);
    correct += best == labels[static_cast<std::size_t>(j)] ? 1 : 0;
  }
  return correct;
}

}  // namespace mmc::nn
