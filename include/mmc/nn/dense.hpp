// mmc/nn/dense.hpp — one fully connected layer y = f(W x + b) on a batch, with
// its hand-written backward pass (no autodiff framework: docs/design.md §1 nn/).
//
// Batches are (features x batch) column-major (nn/view.hpp), so each pass is
// GEMMs on contiguous memory plus one element-wise sweep:
//   forward   Z = W X  (gemm), Y = f(Z + b 1^T)  (bias_activation, in place)
//   backward  dZ = dY (.) f'(Y)                   (activation_backward, in place)
//             dW = dZ X^T,  db = dZ 1             (gemm, sum_columns)
//             dX = W^T dZ                          (gemm; only when asked)
// A backend may offer the sweeps fused with the GEMM next to them
// (gemm_bias_activation, gemm_activation_backward, gemm_sum_columns:
// CpuBackend with its AVX-512 kernel reads or writes the matrix once); the
// layer uses them when present.
// The layer owns no memory: W (out x in, column-major) and b (out) live at fixed
// offsets in the MLP's flat parameter buffer, and their gradients at the same
// offsets in the flat gradient buffer, so optimizers and gradient clipping run
// over one contiguous array (one kernel on a GPU).
#pragma once

#include "mmc/core/types.hpp"
#include "mmc/nn/activations.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::nn {

template <class T>
struct Dense {
  Index in = 0;   ///< input features (fan_in)
  Index out = 0;  ///< output features (fan_out)
  Activation activation = Activation::identity;
  Index offset = 0;  ///< where W starts in the flat parameter buffer; b follows W

  /// Parameters of a layer: out * in weights + out biases.
  static constexpr Index parameter_count(Index in, Index out) noexcept { return out * in + out; }
  Index parameter_count() const noexcept { return parameter_count(in, out); }

  MatrixRef<T> weight(T* flat) const noexcept { return {flat + offset, out, in}; }
  ConstMatrixRef<T> weight(const T* flat) const noexcept { return {flat + offset, out, in}; }
  MatrixRef<T> bias(T* flat) const noexcept { return {flat + offset + out * in, out, 1}; }
  ConstMatrixRef<T> bias(const T* flat) const noexcept { return {flat + offset + out * in, out, 1}; }

  /// output = f(W input + b); output is (out x batch), input (in x batch).
  /// One fused call where the backend offers it (CpuBackend), with the bits
  /// of the two.
  template <class B>
  void forward(B& backend, const T* params, ConstMatrixRef<T> input, MatrixRef<T> output) const {
    if constexpr (requires { backend.gemm_bias_activation(Trans::no, Trans::no, T(1), weight(params), input,
                                                          bias(params), activation, output); }) {
      backend.gemm_bias_activation(Trans::no, Trans::no, T(1), weight(params), input, bias(params), activation,
                                   output);
    } else {
      backend.gemm(Trans::no, Trans::no, T(1), weight(params), input, T(0), output);
      backend.bias_activation(activation, bias(params), output);
    }
  }

  /// dL/dY -> dL/dZ in place, using the layer's output Y (see activations.hpp).
  template <class B>
  void activation_backward(B& backend, ConstMatrixRef<T> output, MatrixRef<T> grad) const {
    backend.activation_backward(activation, output, grad);
  }

  /// From dL/dZ: the parameter gradients (when `parameter_gradients`; written
  /// as grads = new + beta * grads, beta = 0 overwrites, 1 accumulates) and,
  /// when grad_input is not empty, dL/dX = W^T dZ, multiplied by f'
  /// of the layer below (`input_activation`, whose output `input` is) so that
  /// it is that layer's dL/dZ: the two in one fused call where the backend
  /// offers it (CpuBackend), with the bits of the two. Pass
  /// Activation::identity for dL/dX itself.
  template <class B>
  void backward_linear(B& backend, const T* params, T* grads, ConstMatrixRef<T> input,
                       ConstMatrixRef<T> dz, MatrixRef<T> grad_input, bool parameter_gradients,
                       T beta, Activation input_activation = Activation::identity) const {
    if (parameter_gradients) {
      if constexpr (requires { backend.gemm_sum_columns(Trans::yes, T(1), dz, input, beta, weight(grads),
                                                        bias(grads)); }) {
        backend.gemm_sum_columns(Trans::yes, T(1), dz, input, beta, weight(grads), bias(grads));
      } else {
        backend.gemm(Trans::no, Trans::yes, T(1), dz, input, beta, weight(grads));
        backend.sum_columns(dz, beta, bias(grads));
      }
    }
    if (grad_input.empty()) return;
    if (input_activation == Activation::identity) {
      backend.gemm(Trans::yes, Trans::no, T(1), weight(params), dz, T(0), grad_input);
    } else if constexpr (requires { backend.gemm_activation_backward(Trans::yes, Trans::no, T(1), weight(params),
                                                                     dz, input_activation, input, grad_input); }) {
      backend.gemm_activation_backward(Trans::yes, Trans::no, T(1), weight(params), dz, input_activation, input,
                                       grad_input);
    } else {
      backend.gemm(Trans::yes, Trans::no, T(1), weight(params), dz, T(0), grad_input);
      backend.activation_backward(input_activation, input, grad_input);
    }
  }
};

}  // namespace mmc::nn
