// mmc/cuda/kernels.cuh — the element-wise kernels of the CUDA backend: fill,
// scale, fused bias + activation (forward), activation derivative (backward),
// and the Adam / SGD updates (docs/design.md §4; formulas in nn/backend.hpp and
// nn/activations.hpp, which these kernels implement term by term).
//
// Why like this:
// - Eigen-free: the kernels see plain strided views (`Strided<T>`: pointer,
//   rows, cols, leading dimension, column-major as in nn/view.hpp). Eigen stays
//   out of device code, and this header compiles without Eigen's headers.
// - One launcher for every element-wise op: a grid-stride loop over the
//   rows * cols elements, mapped to (row, column) with 32-bit index arithmetic
//   whenever the count fits (64-bit division is emulated and slow). Each
//   element is written by exactly one thread, so the results never depend on
//   the launch configuration: bit-reproducible from run to run.
// - The activation is a template parameter: one specialised kernel per
//   activation, no switch in the inner loop. The derivative is written through
//   the layer's output a = f(z), exactly as nn/activations.hpp defines it.
#pragma once

#ifndef __CUDACC__
#error "mmc/cuda/*.cuh must be compiled by nvcc (a .cu translation unit); see docs/cuda.md"
#endif

#include <cuda_runtime.h>

#include <algorithm>
#include <climits>
#include <type_traits>

#include "mmc/cuda/check.cuh"
#include "mmc/nn/activations.hpp"

namespace mmc::cuda::detail {

using index_t = long long;

/// Column-major rows x cols matrix in device memory with leading dimension ld.
template <class T>
struct Strided {
  T* data;
  index_t rows, cols, ld;
  __device__ T& operator()(index_t i, index_t j) const { return data[i + j * ld]; }
};

// ---- device math, float and double overloads ---------------------------------
__device__ inline float dev_expm1(float x) { return expm1f(x); }
__device__ inline double dev_expm1(double x) { return expm1(x); }
__device__ inline float dev_exp(float x) { return expf(x); }
__device__ inline double dev_exp(double x) { return exp(x); }
__device__ inline float dev_log1p(float x) { return log1pf(x); }
__device__ inline double dev_log1p(double x) { return log1p(x); }
__device__ inline float dev_tanh(float x) { return tanhf(x); }
__device__ inline double dev_tanh(double x) { return tanh(x); }
__device__ inline float dev_sqrt(float x) { return sqrtf(x); }
__device__ inline double dev_sqrt(double x) { return sqrt(x); }
__device__ inline float dev_abs(float x) { return fabsf(x); }
__device__ inline double dev_abs(double x) { return fabs(x); }

/// f(z), as mmc::nn::activate.
template <nn::Activation A, class T>
__device__ inline T activate(T z) {
  if constexpr (A == nn::Activation::relu) {
    return z > T(0) ? z : T(0);
  } else if constexpr (A == nn::Activation::elu) {
    return z > T(0) ? z : dev_expm1(z);
  } else if constexpr (A == nn::Activation::tanh) {
    return dev_tanh(z);
  } else if constexpr (A == nn::Activation::softplus) {
    return (z > T(0) ? z : T(0)) + dev_log1p(dev_exp(-dev_abs(z)));
  } else {
    return z;
  }
}

/// f'(z) through the output a = f(z), as mmc::nn::derivative_from_output.
template <nn::Activation A, class T>
__device__ inline T derivative_from_output(T a) {
  if constexpr (A == nn::Activation::relu) {
    return a > T(0) ? T(1) : T(0);
  } else if constexpr (A == nn::Activation::elu) {
    return a > T(0) ? T(1) : a + T(1);
  } else if constexpr (A == nn::Activation::tanh) {
    return T(1) - a * a;
  } else if constexpr (A == nn::Activation::softplus) {
    return -dev_expm1(-a);
  } else {
    return T(1);
  }
}

// ---- the element-wise launcher ------------------------------------------------
inline constexpr int kThreads = 256;
/// Upper bound on blocks of a grid-stride launch (enough to fill any current GPU).
inline constexpr index_t kMaxBlocks = 4096;

template <class I, class Op>
__global__ void __launch_bounds__(kThreads) elementwise_kernel(I rows, I count, Op op) {
  const I stride = static_cast<I>(gridDim.x) * static_cast<I>(blockDim.x);
  for (I k = static_cast<I>(blockIdx.x) * blockDim.x + threadIdx.x; k < count; k += stride) {
    op(static_cast<index_t>(k % rows), static_cast<index_t>(k / rows));
  }
}

/// Runs op(i, j) once for every element of a rows x cols matrix, on `stream`.
template <class Op>
void for_each_element(index_t rows, index_t cols, cudaStream_t stream, const Op& op) {
  if (rows <= 0 || cols <= 0) return;
  const index_t count = rows * cols;
  const index_t blocks = std::min<index_t>((count + kThreads - 1) / kThreads, kMaxBlocks);
  // 32-bit indices when k + stride cannot overflow them.
  if (count + blocks * kThreads < static_cast<index_t>(UINT_MAX)) {
    elementwise_kernel<unsigned><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(
        static_cast<unsigned>(rows), static_cast<unsigned>(count), op);
  } else {
    elementwise_kernel<unsigned long long><<<static_cast<unsigned>(blocks), kThreads, 0, stream>>>(
        static_cast<unsigned long long>(rows), static_cast<unsigned long long>(count), op);
  }
  MMC_CUDA_CHECK(cudaGetLastError());
}

// ---- the operations (functors run by for_each_element) ---------------------------
template <class T>
struct FillOp {
  Strided<T> x;
  T value;
  __device__ void operator()(index_t i, index_t j) const { x(i, j) = value; }
};

template <class T>
struct ScaleOp {
  Strided<T> x;
  T s;
  __device__ void operator()(index_t i, index_t j) const { x(i, j) *= s; }
};

/// z = f(z + bias) in place; bias is one value per row.
template <nn::Activation A, class T>
struct BiasActivationOp {
  Strided<T> z;
  const T* bias;
  __device__ void operator()(index_t i, index_t j) const {
    z(i, j) = activate<A>(z(i, j) + bias[i]);
  }
};

/// grad = grad (.) f'(z), with f' written through out = f(z).
template <nn::Activation A, class T>
struct ActivationBackwardOp {
  Strided<const T> out;
  Strided<T> grad;
  __device__ void operator()(index_t i, index_t j) const {
    grad(i, j) *= derivative_from_output<A>(out(i, j));
  }
};

/// Adam / AdamW (nn/backend.hpp AdamCoefficients; same operation order as the CPU backend).
template <class T>
struct AdamOp {
  Strided<T> p;
  Strided<const T> g;
  Strided<T> m, v;
  T beta1, beta2, step_size, inv_sqrt_bias2, eps, decay;
  __device__ void operator()(index_t i, index_t j) const {
    const T gi = g(i, j);
    const T mi = beta1 * m(i, j) + (T(1) - beta1) * gi;
    const T vi = beta2 * v(i, j) + (T(1) - beta2) * (gi * gi);
    m(i, j) = mi;
    v(i, j) = vi;
    const T pi = p(i, j);
    p(i, j) = pi - decay * pi - step_size * mi / (dev_sqrt(vi) * inv_sqrt_bias2 + eps);
  }
};

/// SGD with momentum, PyTorch semantics (nn/backend.hpp SgdCoefficients).
template <class T>
struct SgdOp {
  Strided<T> p;
  Strided<const T> g;
  Strided<T> velocity;
  T lr, momentum, weight_decay;
  bool nesterov;
  __device__ void operator()(index_t i, index_t j) const {
    const T pi = p(i, j);
    const T d = g(i, j) + weight_decay * pi;
    const T u = momentum * velocity(i, j) + d;
    velocity(i, j) = u;
    p(i, j) = pi - lr * (nesterov ? d + momentum * u : u);
  }
};

/// Calls g(std::integral_constant<nn::Activation, f>{}): turns the run-time
/// activation into the template argument of the kernels above.
template <class G>
void with_activation(nn::Activation f, G&& g) {
  using A = nn::Activation;
  switch (f) {
    case A::identity: return g(std::integral_constant<A, A::identity>{});
    case A::relu: return g(std::integral_constant<A, A::relu>{});
    case A::elu: return g(std::integral_constant<A, A::elu>{});
    case A::tanh: return g(std::integral_constant<A, A::tanh>{});
    case A::softplus: return g(std::integral_constant<A, A::softplus>{});
  }
}

/// z = f(z + bias) for a run-time activation f.
template <class T>
void launch_bias_activation(nn::Activation f, Strided<T> z, const T* bias, cudaStream_t stream) {
  with_activation(f, [&](auto a) {
    for_each_element(z.rows, z.cols, stream, BiasActivationOp<decltype(a)::value, T>{z, bias});
  });
}

/// grad = grad (.) f'(out) for a run-time activation f (identity: nothing to do).
template <class T>
void launch_activation_backward(nn::Activation f, Strided<const T> out, Strided<T> grad,
                                cudaStream_t stream) {
  if (f == nn::Activation::identity) return;
  with_activation(f, [&](auto a) {
    for_each_element(grad.rows, grad.cols, stream,
                     ActivationBackwardOp<decltype(a)::value, T>{out, grad});
  });
}

}  // namespace mmc::cuda::detail
