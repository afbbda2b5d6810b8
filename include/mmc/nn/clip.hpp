// mmc/nn/clip.hpp — global gradient-norm clipping (Pascanu et al. 2013), as
// torch.nn.utils.clip_grad_norm_: if the Euclidean norm of ALL gradients together
// exceeds max_norm, every gradient is scaled by max_norm / (norm + 1e-6).
//
// Used by the neural trainers to keep MINE-style critics from diverging on
// heavy-tailed batches (docs/design.md §3.2). The norm is accumulated in double by
// the backend (squared_norm), so it does not depend on the thread count.
#pragma once

#include <cmath>
#include <initializer_list>
#include <string>

#include "mmc/core/errors.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::nn {

/// The factor clip_gradient_norm scales the gradients by for a gradient of
/// norm `norm`: max_norm / (norm + 1e-6) when the norm is finite and above
/// max_norm, else 1 (no scaling). The device-resident loop uses the same rule
/// (neural/resident_ops.hpp; its CUDA kernel in cuda/resident_kernels.cuh).
inline double clip_factor(double norm, double max_norm) noexcept {
  return std::isfinite(norm) && norm > max_norm ? max_norm / (norm + 1e-6) : 1.0;
}

/// Clips the gradient buffers together; returns their norm BEFORE clipping. A
/// non-finite norm is returned without touching the gradients, so the caller can
/// report divergence (mmc::training_error) instead of silently training on NaN.
template <class B>
double clip_gradient_norm(B& backend, std::initializer_list<MatrixRef<typename B::Scalar>> grads,
                          double max_norm) {
  using T = typename B::Scalar;
  if (!(max_norm > 0.0)) {
    mmc::detail::throw_invalid("mmc::nn::clip_gradient_norm", "max_norm",
                               "is " + std::to_string(max_norm) + " but must be > 0",
                               "pass a positive norm such as 1.0 or 5.0");
  }
  double squared = 0.0;
  for (const auto& g : grads) squared += backend.squared_norm(g);
  const double norm = std::sqrt(squared);
  if (const double factor = clip_factor(norm, max_norm); factor < 1.0) {
    for (const auto& g : grads) backend.scale(g, static_cast<T>(factor));
  }
  return norm;
}

/// One model's gradients: clip_gradient_norm(model.backend(), {model.gradients()}, max_norm).
template <class Model>
double clip_gradient_norm(Model& model, double max_norm) {
  return clip_gradient_norm(model.backend(), {model.gradients()}, max_norm);
}

}  // namespace mmc::nn
