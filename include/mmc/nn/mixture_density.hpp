// mmc/nn/mixture_density.hpp — the negative log-likelihood of a diagonal Gaussian
// mixture whose parameters are a network's outputs (a mixture density network,
// Bishop 1994): CENE's estimator of a continuous conditional entropy h(A|B)
// (docs/design.md §3.3), with its gradient with respect to the outputs.
//
// Parametrisation of one sample's output column (K components, d dimensions,
// K (1 + 2d) rows; MixtureLayout gives the rows):
//   rows [0, K)              a_k    mixture logits:   pi = softmax(a)
//   rows [K, K + Kd)         mu_kj  means, component-major (k * d + j)
//   rows [K + Kd, K + 2Kd)   s_kj   log-scales:       sigma_kj = sigma_min + exp(s_kj)
// The floor sigma_min (> 0 by default) keeps the density bounded: without it a
// component can collapse on one sample and drive the NLL to -infinity (a
// degenerate but common failure on discrete or duplicated targets). It is in
// the target's units; targets are usually standardised, so the default 1e-3 is
// far below any scale the data can resolve. Pass 0 for the plain exp(s).
// Per sample, with u_kj = (y_j - mu_kj) / sigma_kj:
//   l_k = log pi_k + sum_j (-u_kj^2 / 2 - log sigma_kj - log(2 pi) / 2)
//   NLL = -logsumexp_k l_k                     (log-sum-exp: no underflow)
//   r_k = exp(l_k + NLL)                       (posterior responsibility)
//   dNLL/da_k = pi_k - r_k,  dNLL/dmu_kj = -r_k u_kj / sigma_kj,
//   dNLL/ds_kj = r_k (1 - u_kj^2) exp(s_kj) / sigma_kj.
// The loss is the batch mean (nats); gradients are divided by the batch size.
// Internally everything is computed in double, also for float outputs.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <string>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/nn/losses.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::nn {

/// Where the parameters of a K-component, d-dimensional mixture sit in an output column.
struct MixtureLayout {
  Index components = 1;  ///< K
  Index dims = 1;        ///< d, the dimension of the target
  Index outputs() const noexcept { return components * (1 + 2 * dims); }
  Index logit_row(Index k) const noexcept { return k; }
  Index mean_row(Index k, Index j) const noexcept { return components + k * dims + j; }
  Index log_scale_row(Index k, Index j) const noexcept {
    return components + components * dims + k * dims + j;
  }
};

/// Mean NLL (nats) of targets (d x batch) under the mixtures in output
/// (K (1 + 2d) x batch); writes dNLL/doutput into grad when grad is not empty.
template <class T>
double gaussian_mixture_nll(ConstMatrixRef<T> output, ConstMatrixRef<T> target,
                            const MixtureLayout& layout, MatrixRef<T> grad = {},
                            double sigma_min = 1e-3) {
  constexpr const char* fn = "mmc::nn::gaussian_mixture_nll";
  if (layout.components < 1 || layout.dims < 1) {
    mmc::detail::throw_invalid(fn, "layout",
                               "has " + std::to_string(layout.components) + " components and " +
                                   std::to_string(layout.dims) + " dimensions",
                               "use at least one component and one dimension");
  }
  detail::check_batch(fn, "output", output);
  detail::check_grad_shape(fn, output, grad);
  if (output.rows != layout.outputs()) {
    mmc::detail::throw_invalid(fn, "output",
                               "has " + std::to_string(output.rows) + " rows but the layout needs " +
                                   std::to_string(layout.outputs()) + " = K (1 + 2 d)",
                               "make the network's last width MixtureLayout::outputs()");
  }
  if (target.rows != layout.dims || target.cols != output.cols) {
    mmc::detail::throw_invalid(fn, "target",
                               "is " + std::to_string(target.rows) + " x " +
                                   std::to_string(target.cols) + " but should be " +
                                   std::to_string(layout.dims) + " x " + std::to_string(output.cols),
                               "pass one target column (d values) per output column");
  }
  if (!(sigma_min >= 0.0) || !std::isfinite(sigma_min)) {
    mmc::detail::throw_invalid(fn, "sigma_min", "must be a finite number >= 0",
                               "use the default 1e-3, or 0 for no floor");
  }
  const Index K = layout.components, d = layout.dims;
  const auto O = as_eigen(output);
  const auto Y = as_eigen(target);
  const double half_log_2pi = 0.5 * std::log(2.0 * std::numbers::pi);
  const double inv_batch = 1.0 / static_cast<double>(output.cols);

  auto sigma_of = [&](double s) { return sigma_min + std::exp(s); };
  auto log_sigma_of = [&](double s) { return sigma_min > 0.0 ? std::log(sigma_of(s)) : s; };
  // l_k without log pi_k.
  auto log_normal = [&](Index k, Index col) {
    double sum = -static_cast<double>(d) * half_log_2pi;
    for (Index j = 0; j < d; ++j) {
      const double s = static_cast<double>(O(layout.log_scale_row(k, j), col));
      const double u = (static_cast<double>(Y(j, col)) -
                        static_cast<double>(O(layout.mean_row(k, j), col))) / sigma_of(s);
      sum -= 0.5 * u * u + log_sigma_of(s);
    }
    return sum;
  };

  double total = 0.0;
  for (Index col = 0; col < output.cols; ++col) {
    // log-sum-exp of the logits (log pi_k = a_k - lse_a).
    double a_max = -std::numeric_limits<double>::infinity();
    for (Index k = 0; k < K; ++k) a_max = std::max(a_max, static_cast<double>(O(k, col)));
    double a_sum = 0.0;
    for (Index k = 0; k < K; ++k) a_sum += std::exp(static_cast<double>(O(k, col)) - a_max);
    const double lse_a = a_max + std::log(a_sum);
    // Streaming log-sum-exp of l_k.
    double l_max = -std::numeric_limits<double>::infinity(), l_sum = 0.0;
    for (Index k = 0; k < K; ++k) {
      const double l = static_cast<double>(O(k, col)) - lse_a + log_normal(k, col);
      if (l > l_max) {
        l_sum = l_sum * std::exp(l_max - l) + 1.0;
        l_max = l;
      } else {
        l_sum += std::exp(l - l_max);
      }
    }
    const double log_p = l_max + std::log(l_sum);
    total -= log_p;
    if (grad.empty()) continue;
    auto G = as_eigen(grad);
    for (Index k = 0; k < K; ++k) {
      const double log_pi = static_cast<double>(O(k, col)) - lse_a;
      const double r = std::exp(log_pi + log_normal(k, col) - log_p);
      G(layout.logit_row(k), col) = static_cast<T>((std::exp(log_pi) - r) * inv_batch);
      for (Index j = 0; j < d; ++j) {
        const double s = static_cast<double>(O(layout.log_scale_row(k, j), col));
        const double sigma = sigma_of(s);
        const double u = (static_cast<double>(Y(j, col)) -
                          static_cast<double>(O(layout.mean_row(k, j), col))) / sigma;
        G(layout.mean_row(k, j), col) = static_cast<T>(-r * u / sigma * inv_batch);
        G(layout.log_scale_row(k, j), col) =
            static_cast<T>(r * (1.0 - u * u) * std::exp(s) / sigma * inv_batch);
      }
    }
  }
  return total * inv_batch;
}

}  // namespace mmc::nn
