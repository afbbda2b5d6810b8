// mmc/nn/backend.hpp — the Backend concept: the small set of operations the MLP,
// its optimizers and the neural estimators need from a device (docs/design.md §4).
//
// Why a concept: nn/ is written once, on top of these operations; the CPU backend
// (nn/cpu_backend.hpp, Eigen) and the CUDA backend (include/mmc/cuda/, cuBLAS +
// small kernels) implement them. Keeping the set small keeps the CUDA backend a
// few hundred lines and lets both be tested against each other op by op.
//
// ============================== THE CONTRACT ===============================
// A Backend B is a cheap-to-copy HANDLE to an execution context (a thread pool
// for the CPU, a cuBLAS handle + stream for CUDA). Copies share the context. A
// context runs one call at a time: do not call the same backend from two threads.
//
// Types
//   B::Scalar       float or double.
//   B::Buffer       owning, default-constructible (empty) array of Scalar in the
//                   backend's memory. Movable; copyable if the backend allows it.
// Storage
//   void   resize(Buffer&, Index n)   capacity for n scalars; contents become
//                                     unspecified; may allocate only when n grows.
//   Scalar* data(Buffer&) / const Scalar* data(const Buffer&)
//                                     pointer in the backend's memory space (a
//                                     device pointer for CUDA); valid until resize.
// Transfers (host pointers are plain host memory, column-major with leading dim ld)
//   void upload(const Scalar* host, Index ld, MatrixRef dst)     host -> dst
//   void download(ConstMatrixRef src, Scalar* host, Index ld)    src  -> host
//   void copy(ConstMatrixRef src, MatrixRef dst)                 same shape
//   void fill(MatrixRef dst, Scalar value)
// Dense algebra (all views column-major, in the backend's memory; shapes checked
// by the caller). Below, op(X) = X or X^T and 1 is a column of ones.
//   void gemm(Trans ta, Trans tb, Scalar alpha, ConstMatrixRef a, ConstMatrixRef b,
//             Scalar beta, MatrixRef c)     c = alpha op(a) op(b) + beta c
//                                           (beta == 0: c is not read, NaN-safe)
//   void bias_activation(Activation f, ConstMatrixRef bias, MatrixRef z)
//                                           z = f(z + bias 1^T), in place; bias is
//                                           (rows x 1); f as in nn/activations.hpp
//   void activation_backward(Activation f, ConstMatrixRef out, MatrixRef grad)
//                                           grad = grad (.) f'(z), with f' written
//                                           through out = f(z) (activations.hpp)
//   void sum_columns(ConstMatrixRef g, Scalar beta, MatrixRef out)
//                                           out = g 1 + beta out  (out: rows x 1;
//                                           bias gradients)
//   double squared_norm(ConstMatrixRef x)   sum of squares, accumulated in double,
//                                           returned to the host
//   void scale(MatrixRef x, Scalar s)       x = s x
// Optimizer updates (element-wise over same-shaped views; coefficients below)
//   void adam_update(MatrixRef p, ConstMatrixRef g, MatrixRef m, MatrixRef v,
//                    const AdamCoefficients<Scalar>&)
//   void sgd_update(MatrixRef p, ConstMatrixRef g, MatrixRef velocity,
//                   const SgdCoefficients<Scalar>&)
// Optional fused operations (nn/dense.hpp uses them when present, and the
// two-call form otherwise; CpuBackend has them):
//   void gemm_bias_activation(Trans ta, Trans tb, Scalar alpha, ConstMatrixRef a,
//        ConstMatrixRef b, ConstMatrixRef bias, Activation f, MatrixRef c)
//                                           gemm(.., beta = 0, c) then
//                                           bias_activation(f, bias, c)
//   void gemm_activation_backward(Trans ta, Trans tb, Scalar alpha, ConstMatrixRef a,
//        ConstMatrixRef b, Activation f, ConstMatrixRef out, MatrixRef c)
//                                           gemm(.., beta = 0, c) then
//                                           activation_backward(f, out, c)
//   void gemm_sum_columns(Trans tb, Scalar alpha, ConstMatrixRef a, ConstMatrixRef b,
//        Scalar beta, MatrixRef c, MatrixRef sums)
//                                           gemm(no, tb, alpha, a, b, beta, c) then
//                                           sum_columns(a, beta, sums)
//   with the bits of the two calls.
// Determinism: the result of every operation may depend on the shapes and the
// machine, but never on the number of threads or on timing (docs/design.md §2). The
// CPU backend gets this by cutting work into blocks of fixed size.
// Allocation: after the first call with given shapes an operation must not
// allocate (the training loop is allocation-free after its first step).
// ===========================================================================
#pragma once

#include <concepts>
#include <type_traits>

#include "mmc/core/types.hpp"
#include "mmc/nn/activations.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::nn {

/// op(X) in gemm: X itself or its transpose.
enum class Trans { no, yes };

/// One Adam step (optimizers.hpp computes these on the host each step):
///   m = beta1 m + (1 - beta1) g
///   v = beta2 v + (1 - beta2) g^2
///   p = p - decay p - step_size m / (sqrt(v) * inv_sqrt_bias2 + eps)
/// with step_size = lr / (1 - beta1^t), inv_sqrt_bias2 = 1 / sqrt(1 - beta2^t),
/// decay = lr * weight_decay (decoupled, AdamW; Loshchilov & Hutter 2019).
template <class T>
struct AdamCoefficients {
  T beta1, beta2, step_size, inv_sqrt_bias2, eps, decay;
};

/// One SGD step (PyTorch semantics): d = g + weight_decay p;
/// velocity = momentum velocity + d; p -= lr (nesterov ? d + momentum velocity : velocity).
/// With momentum = 0 the velocity is d itself (still written).
template <class T>
struct SgdCoefficients {
  T lr, momentum, weight_decay;
  bool nesterov;
};

/// The Backend concept (see the contract above).
template <class B>
concept Backend =
    std::copy_constructible<B> && (std::same_as<typename B::Scalar, float> ||
                                   std::same_as<typename B::Scalar, double>) &&
    std::default_initializable<typename B::Buffer> && std::movable<typename B::Buffer> &&
    requires(B& b, typename B::Buffer& buf, const typename B::Buffer& cbuf,
             typename B::Scalar s, typename B::Scalar* host, const typename B::Scalar* chost,
             MatrixRef<typename B::Scalar> m, ConstMatrixRef<typename B::Scalar> c, Index n,
             Activation f, Trans t, const AdamCoefficients<typename B::Scalar>& adam,
             const SgdCoefficients<typename B::Scalar>& sgd) {
      b.resize(buf, n);
      { b.data(buf) } -> std::same_as<typename B::Scalar*>;
      { b.data(cbuf) } -> std::same_as<const typename B::Scalar*>;
      b.upload(chost, n, m);
      b.download(c, host, n);
      b.copy(c, m);
      b.fill(m, s);
      b.gemm(t, t, s, c, c, s, m);
      b.bias_activation(f, c, m);
      b.activation_backward(f, c, m);
      b.sum_columns(c, s, m);
      { b.squared_norm(c) } -> std::convertible_to<double>;
      b.scale(m, s);
      b.adam_update(m, c, m, m, adam);
      b.sgd_update(m, c, m, sgd);
    };

/// For static_asserts with a readable message (ensmallen style).
template <class B>
inline constexpr bool is_backend_v = Backend<B>;

#define MMC_NN_CHECK_BACKEND(B, T, WHERE)                                                   \
  static_assert(::mmc::nn::is_backend_v<B>,                                                 \
                WHERE ": the backend template argument does not model mmc::nn::Backend. "   \
                      "Use mmc::nn::CpuBackend<T> (nn/cpu_backend.hpp) or the CUDA backend; " \
                      "a custom backend must provide every operation listed in "            \
                      "mmc/nn/backend.hpp with these exact signatures.");                   \
  static_assert(std::is_same_v<typename B::Scalar, T>,                                      \
                WHERE ": the backend's Scalar differs from the scalar template argument; "  \
                      "use e.g. Mlp<float, CpuBackend<float>> or Mlp<double, CpuBackend<double>>.")

}  // namespace mmc::nn
