// mmc/nn/optimizers.hpp — Adam (with optional decoupled weight decay) and SGD
// with momentum, running on the backend's element-wise update operations.
//
// Adam: Kingma & Ba 2015, with bias-corrected moments; weight decay is the
// decoupled form of AdamW (Loshchilov & Hutter 2019): p <- p - lr*wd*p, applied
// to every parameter (biases included), exactly as torch.optim.AdamW does with
// one parameter group. SGD follows torch.optim.SGD: coupled L2 weight decay
// (g + wd p), momentum buffer v <- mu v + g (no dampening), optional Nesterov.
// The per-step scalars (bias corrections) are computed on the host in double;
// the element-wise update is one backend call over the flat parameter buffer
// (backend.hpp gives the exact formulas). The moment buffers are allocated on
// the first step and reused, so steps after the first do not allocate.
// One optimizer serves one parameter buffer (one Mlp); use one per model.
#pragma once

#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::nn {

struct AdamOptions {
  double lr = 1e-3;           ///< learning rate
  double beta1 = 0.9;         ///< first-moment decay
  double beta2 = 0.999;       ///< second-moment decay
  double eps = 1e-8;          ///< added to sqrt(v_hat)
  double weight_decay = 0.0;  ///< decoupled (AdamW) decay per unit lr; 0 = plain Adam
};

struct SgdOptions {
  double lr = 1e-2;           ///< learning rate
  double momentum = 0.0;      ///< 0 = plain SGD
  double weight_decay = 0.0;  ///< L2 penalty added to the gradient
  bool nesterov = false;      ///< Nesterov momentum (needs momentum > 0)
};

namespace detail {

inline constexpr double kInf = std::numeric_limits<double>::infinity();

inline void check_rate(const char* fn, const char* argument, double value, double low,
                       bool low_inclusive, double high, const char* fix) {
  const bool ok = std::isfinite(value) && (low_inclusive ? value >= low : value > low) &&
                  value < high;
  if (!ok) {
    mmc::detail::throw_invalid(fn, argument, "is " + std::to_string(value) + ", out of range",
                               fix);
  }
}

/// The per-parameter state buffers of an optimizer (Adam: m and v; SGD: the
/// velocity), allocated and zeroed on the first step, reused afterwards. Also
/// checks that params and grads keep one shape from step to step.
template <class T, class B, int N>
class OptimizerState {
 public:
  /// Validates the pair and, on the first call, allocates the N buffers.
  void prepare(B& backend, const char* fn, ConstMatrixRef<T> params, ConstMatrixRef<T> grads) {
    if (grads.rows != params.rows || grads.cols != params.cols) {
      mmc::detail::throw_invalid(fn, "grads", "has a different shape than params",
                                 "pass the gradients that belong to these parameters");
    }
    if (rows_ >= 0 && (params.rows != rows_ || params.cols != cols_)) {
      mmc::detail::throw_invalid(fn, "params",
                                 "changed shape since the first step (" + std::to_string(rows_) +
                                     " x " + std::to_string(cols_) + " before)",
                                 "use one optimizer per parameter buffer (per model)");
    }
    if (rows_ < 0) {
      rows_ = params.rows;
      cols_ = params.cols;
      for (auto& b : buffers_) backend.resize(b, params.size());
      zero(backend);
    }
  }
  /// Zeroes the buffers (no-op before the first step).
  void zero(B& backend) {
    if (rows_ < 0) return;
    for (int i = 0; i < N; ++i) backend.fill(get(backend, i), T(0));
  }
  MatrixRef<T> get(B& backend, int i) { return {backend.data(buffers_[i]), rows_, cols_}; }

 private:
  typename B::Buffer buffers_[N];
  Index rows_ = -1, cols_ = -1;
};

}  // namespace detail

/// The scalars of Adam's t-th step (t >= 1) with these options, computed in
/// double and rounded to T (backend.hpp, AdamCoefficients). Shared by Adam and
/// the device-resident loop's coefficient table (neural/resident.hpp), so both
/// apply bit-identical updates.
template <class T>
AdamCoefficients<T> adam_coefficients(const AdamOptions& o, long long t) {
  const double steps = static_cast<double>(t);
  AdamCoefficients<T> c;
  c.beta1 = static_cast<T>(o.beta1);
  c.beta2 = static_cast<T>(o.beta2);
  c.step_size = static_cast<T>(o.lr / (1.0 - std::pow(o.beta1, steps)));
  c.inv_sqrt_bias2 = static_cast<T>(1.0 / std::sqrt(1.0 - std::pow(o.beta2, steps)));
  c.eps = static_cast<T>(o.eps);
  c.decay = static_cast<T>(o.lr * o.weight_decay);
  return c;
}

template <class T = float, class B = CpuBackend<T>>
class Adam {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::nn::Adam<T, B>");

 public:
  explicit Adam(AdamOptions options = {}, B backend = B())
      : options_(options), backend_(std::move(backend)) {
    constexpr const char* fn = "mmc::nn::Adam";
    detail::check_rate(fn, "lr", options.lr, 0.0, false, detail::kInf, "use a learning rate > 0, e.g. 1e-3");
    detail::check_rate(fn, "beta1", options.beta1, 0.0, true, 1.0, "use 0 <= beta1 < 1, e.g. 0.9");
    detail::check_rate(fn, "beta2", options.beta2, 0.0, true, 1.0, "use 0 <= beta2 < 1, e.g. 0.999");
    detail::check_rate(fn, "eps", options.eps, 0.0, false, detail::kInf, "use eps > 0, e.g. 1e-8");
    detail::check_rate(fn, "weight_decay", options.weight_decay, 0.0, true, detail::kInf,
                       "use weight_decay >= 0 (0 disables it)");
  }

  /// One update of params from grads (same shape, in the backend's memory).
  void step(MatrixRef<T> params, ConstMatrixRef<T> grads) {
    state_.prepare(backend_, "mmc::nn::Adam::step", params, grads);
    ++t_;
    backend_.adam_update(params, grads, state_.get(backend_, 0), state_.get(backend_, 1),
                         adam_coefficients<T>(options_, t_));
  }

  /// step(model.parameters(), model.gradients()).
  template <class Model>
  void step(Model& model) {
    step(model.parameters(), model.gradients());
  }

  /// Steps taken so far (t in the bias corrections).
  long long steps() const noexcept { return t_; }
  /// Options, e.g. to change the learning rate between steps.
  AdamOptions& options() noexcept { return options_; }
  /// Forgets the moments and the step count (keeps the buffers).
  void reset() {
    t_ = 0;
    state_.zero(backend_);
  }

 private:
  AdamOptions options_;
  B backend_;
  detail::OptimizerState<T, B, 2> state_;  // first and second moments
  long long t_ = 0;
};

template <class T = float, class B = CpuBackend<T>>
class Sgd {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::nn::Sgd<T, B>");

 public:
  explicit Sgd(SgdOptions options = {}, B backend = B())
      : options_(options), backend_(std::move(backend)) {
    constexpr const char* fn = "mmc::nn::Sgd";
    detail::check_rate(fn, "lr", options.lr, 0.0, false, detail::kInf, "use a learning rate > 0, e.g. 1e-2");
    detail::check_rate(fn, "momentum", options.momentum, 0.0, true, 1.0, "use 0 <= momentum < 1, e.g. 0.9");
    detail::check_rate(fn, "weight_decay", options.weight_decay, 0.0, true, detail::kInf,
                       "use weight_decay >= 0 (0 disables it)");
    if (options.nesterov && options.momentum <= 0.0) {
      mmc::detail::throw_invalid(fn, "nesterov", "needs momentum > 0",
                                 "set momentum (e.g. 0.9) or disable nesterov");
    }
  }

  void step(MatrixRef<T> params, ConstMatrixRef<T> grads) {
    state_.prepare(backend_, "mmc::nn::Sgd::step", params, grads);
    ++t_;
    const SgdCoefficients<T> c{static_cast<T>(options_.lr), static_cast<T>(options_.momentum),
                               static_cast<T>(options_.weight_decay), options_.nesterov};
    backend_.sgd_update(params, grads, state_.get(backend_, 0), c);
  }

  template <class Model>
  void step(Model& model) {
    step(model.parameters(), model.gradients());
  }

  long long steps() const noexcept { return t_; }
  SgdOptions& options() noexcept { return options_; }

 private:
  SgdOptions options_;
  B backend_;
  detail::OptimizerState<T, B, 1> state_;  // momentum buffer
  long long t_ = 0;
};

}  // namespace mmc::nn
