// mmc/cuda/cuda_backend.cuh — CudaBackend<T>: the nn Backend concept
// (nn/backend.hpp, THE CONTRACT) on an NVIDIA GPU (docs/design.md §4).
//
//     using B = mmc::cuda::CudaBackend<float>;
//     B gpu;                                            // this thread's default context
//     mmc::nn::Mlp<float, B> critic({32, 256, 256, 1}, Activation::relu, seed, gpu);
//     mmc::nn::Adam<float, B> adam({}, gpu);            // SAME backend as the model
//     critic.forward_host(as_batch(x));                 // upload, then all on device
//
// What runs where: buffers (weights, activations, gradients, Adam moments) are
// device memory (DeviceBuffer) for the whole run. GEMMs are cuBLAS
// (cublasSgemm/Dgemm; column-major, nn/'s layout, so no transposition copies);
// bias+activation and the activation derivative are one fused kernel each
// (kernels.cuh); bias gradients (sum_columns) are a cuBLAS GEMV against a
// vector of ones; squared_norm is a fixed-tree reduction (reduce.cuh); Adam and
// SGD are one kernel over the flat parameter buffer. Only download() and
// squared_norm() bring data back (and synchronise); everything else is queued
// asynchronously on the context's stream.
//
// Context: one CUDA stream + one cuBLAS handle + small scratch (the ones vector,
// reduction partials, a pinned host scalar), shared by all copies of a backend.
// A default-constructed CudaBackend uses its thread's default context on the
// current device, so a model and an optimizer built with defaults share a
// stream; a backend built from CudaOptions gets a context of its own. Work on
// two contexts is NOT ordered: give a model and its optimizer the same backend.
//
// Determinism (nn/backend.hpp): the element-wise kernels write each element
// from one thread, the reductions use a fixed tree, and cuBLAS gives the same
// bits at every run on GPUs of the same architecture and SM count with one
// stream per handle (cuBLAS docs, "Results reproducibility"). TF32 tensor-core
// math is off by default (CudaOptions::allow_tf32); note that the environment
// variable NVIDIA_TF32_OVERRIDE=1 would turn it on behind our back.
// Allocation: DeviceBuffer only grows; the scratch vectors grow with the largest
// batch seen; after the first step no operation calls cudaMalloc.
#pragma once

#ifndef __CUDACC__
#error "mmc/cuda/*.cuh must be compiled by nvcc (a .cu translation unit); see docs/cuda.md"
#endif
#ifndef EIGEN_NO_CUDA
#define EIGEN_NO_CUDA  // nn/ headers include Eigen: keep it host-only (docs/design.md §4)
#endif

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cassert>
#include <climits>
#include <memory>
#include <string>
#include <type_traits>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/cuda/check.cuh"
#include "mmc/cuda/device.cuh"
#include "mmc/cuda/device_buffer.cuh"
#include "mmc/cuda/kernels.cuh"
#include "mmc/cuda/reduce.cuh"
#include "mmc/nn/activations.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/view.hpp"

#ifndef MMC_HAS_CUDA
#define MMC_HAS_CUDA 1
#endif

namespace mmc::cuda {

/// How to build a backend context.
struct CudaOptions {
  /// Device index; -1 = the device current on the calling thread.
  int device = -1;
  /// Let cuBLAS use TF32 tensor cores for float GEMMs (faster, ~1e-3 relative
  /// error: the 1e-4 agreement with the CPU backend then no longer holds).
  bool allow_tf32 = false;
};

template <class T = float>
class CudaBackend {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "mmc::cuda::CudaBackend<T>: T must be float or double");

 public:
  using Scalar = T;
  using Buffer = DeviceBuffer<T>;

  /// This thread's default context on the current device (created on first use).
  CudaBackend() : context_(default_context()) {}
  /// A new context (its own stream and cuBLAS handle).
  explicit CudaBackend(const CudaOptions& options)
      : context_(std::make_shared<Context>(options)) {}

  int device() const noexcept { return context_->device; }
  cudaStream_t stream() const noexcept { return context_->stream; }
  cublasHandle_t cublas() const noexcept { return context_->handle; }
  bool tf32() const noexcept { return context_->tf32; }
  /// Waits until all work queued on this context has finished.
  void synchronize() const { MMC_CUDA_CHECK(cudaStreamSynchronize(context_->stream)); }

  // ---- storage and transfers -------------------------------------------------
  void resize(Buffer& buffer, Index n) const {
    if (n <= buffer.capacity()) return;
    detail::DeviceGuard guard(context_->device);
    // The old storage may still be read by queued work: cudaFree waits for the
    // device, so freeing it inside reserve() is safe.
    buffer.reserve(n);
  }
  T* data(Buffer& buffer) const noexcept { return buffer.data(); }
  const T* data(const Buffer& buffer) const noexcept { return buffer.data(); }

  /// host (plain host memory, leading dimension ld) -> dst. Returns when the
  /// host memory may be reused.
  void upload(const T* host, Index ld, nn::MatrixRef<T> dst) const {
    if (dst.empty()) return;
    detail::DeviceGuard guard(context_->device);
    MMC_CUDA_CHECK(cudaMemcpy2DAsync(dst.data, pitch(dst.ld, dst.rows, dst.cols), host,
                                     pitch(ld, dst.rows, dst.cols), bytes(dst.rows), dst.cols,
                                     cudaMemcpyHostToDevice, context_->stream));
    synchronize();
  }
  /// src -> host; returns when the data is there (synchronises the stream).
  void download(nn::ConstMatrixRef<T> src, T* host, Index ld) const {
    if (src.empty()) return;
    detail::DeviceGuard guard(context_->device);
    MMC_CUDA_CHECK(cudaMemcpy2DAsync(host, pitch(ld, src.rows, src.cols), src.data,
                                     pitch(src.ld, src.rows, src.cols), bytes(src.rows), src.cols,
                                     cudaMemcpyDeviceToHost, context_->stream));
    synchronize();
  }
  void copy(nn::ConstMatrixRef<T> src, nn::MatrixRef<T> dst) const {
    assert(src.rows == dst.rows && src.cols == dst.cols);
    if (dst.empty()) return;
    detail::DeviceGuard guard(context_->device);
    MMC_CUDA_CHECK(cudaMemcpy2DAsync(dst.data, pitch(dst.ld, dst.rows, dst.cols), src.data,
                                     pitch(src.ld, src.rows, src.cols), bytes(dst.rows), dst.cols,
                                     cudaMemcpyDeviceToDevice, context_->stream));
  }
  void fill(nn::MatrixRef<T> dst, T value) const {
    if (dst.empty()) return;
    detail::DeviceGuard guard(context_->device);
    detail::for_each_element(dst.rows, dst.cols, context_->stream,
                             detail::FillOp<T>{strided(dst), value});
  }

  // ---- dense algebra ---------------------------------------------------------
  void gemm(nn::Trans ta, nn::Trans tb, T alpha, nn::ConstMatrixRef<T> a,
            nn::ConstMatrixRef<T> b, T beta, nn::MatrixRef<T> c) const {
    const bool trans_a = ta == nn::Trans::yes, trans_b = tb == nn::Trans::yes;
    const Index m = c.rows, n = c.cols, k = trans_a ? a.rows : a.cols;
    assert((trans_a ? a.cols : a.rows) == m && (trans_b ? b.rows : b.cols) == n &&
           (trans_b ? b.cols : b.rows) == k);
    if (m == 0 || n == 0) return;
    detail::DeviceGuard guard(context_->device);
    if (k == 0 || alpha == T(0)) {  // c = beta c, NaN-safe for beta == 0
      if (beta == T(0)) {
        fill(c, T(0));
      } else if (beta != T(1)) {
        scale(c, beta);
      }
      return;
    }
    check_int("gemm", m, n, k);
    const cublasOperation_t oa = trans_a ? CUBLAS_OP_T : CUBLAS_OP_N;
    const cublasOperation_t ob = trans_b ? CUBLAS_OP_T : CUBLAS_OP_N;
    const int lda = blas_ld(a), ldb = blas_ld(b), ldc = blas_ld(c);
    // cuBLAS does not read c when beta == 0 (NaN-safe, as the contract asks).
    if constexpr (std::is_same_v<T, float>) {
      MMC_CUBLAS_CHECK(cublasSgemm(context_->handle, oa, ob, int(m), int(n), int(k), &alpha,
                                   a.data, lda, b.data, ldb, &beta, c.data, ldc));
    } else {
      MMC_CUBLAS_CHECK(cublasDgemm(context_->handle, oa, ob, int(m), int(n), int(k), &alpha,
                                   a.data, lda, b.data, ldb, &beta, c.data, ldc));
    }
  }

  void bias_activation(nn::Activation f, nn::ConstMatrixRef<T> bias, nn::MatrixRef<T> z) const {
    assert(bias.rows == z.rows && bias.cols == 1);
    if (z.empty()) return;
    detail::DeviceGuard guard(context_->device);
    detail::launch_bias_activation(f, strided(z), bias.data, context_->stream);
  }

  void activation_backward(nn::Activation f, nn::ConstMatrixRef<T> out,
                           nn::MatrixRef<T> grad) const {
    assert(out.rows == grad.rows && out.cols == grad.cols);
    if (grad.empty()) return;
    detail::DeviceGuard guard(context_->device);
    detail::launch_activation_backward(f, strided(out), strided(grad), context_->stream);
  }

  /// out = g 1 + beta out, as a GEMV against a ones vector (deterministic, no atomics).
  void sum_columns(nn::ConstMatrixRef<T> g, T beta, nn::MatrixRef<T> out) const {
    assert(out.rows == g.rows && out.cols == 1);
    if (out.empty()) return;
    detail::DeviceGuard guard(context_->device);
    if (g.cols == 0) {
      if (beta == T(0)) {
        fill(out, T(0));
      } else if (beta != T(1)) {
        scale(out, beta);
      }
      return;
    }
    check_int("sum_columns", g.rows, g.cols, 1);
    const T* ones = context_->ones(g.cols);
    const T one(1);
    if constexpr (std::is_same_v<T, float>) {
      MMC_CUBLAS_CHECK(cublasSgemv(context_->handle, CUBLAS_OP_N, int(g.rows), int(g.cols), &one,
                                   g.data, blas_ld(g), ones, 1, &beta, out.data, 1));
    } else {
      MMC_CUBLAS_CHECK(cublasDgemv(context_->handle, CUBLAS_OP_N, int(g.rows), int(g.cols), &one,
                                   g.data, blas_ld(g), ones, 1, &beta, out.data, 1));
    }
  }

  /// Sum of squares in double; synchronises and returns the value to the host.
  double squared_norm(nn::ConstMatrixRef<T> x) const {
    if (x.empty()) return 0.0;
    detail::DeviceGuard guard(context_->device);
    Context& c = *context_;
    detail::squared_norm_async(strided(x), c.partials.data(), c.device_scalar.data(), c.stream);
    return c.scalar_to_host();
  }

  void scale(nn::MatrixRef<T> x, T s) const {
    if (x.empty()) return;
    detail::DeviceGuard guard(context_->device);
    detail::for_each_element(x.rows, x.cols, context_->stream, detail::ScaleOp<T>{strided(x), s});
  }

  // ---- optimizer updates (formulas in nn/backend.hpp) ------------------------
  void adam_update(nn::MatrixRef<T> p, nn::ConstMatrixRef<T> g, nn::MatrixRef<T> m,
                   nn::MatrixRef<T> v, const nn::AdamCoefficients<T>& c) const {
    assert(same_shape(p, g) && same_shape(p, m) && same_shape(p, v));
    if (p.empty()) return;
    detail::DeviceGuard guard(context_->device);
    detail::for_each_element(
        p.rows, p.cols, context_->stream,
        detail::AdamOp<T>{strided(p), strided(g), strided(m), strided(v), c.beta1, c.beta2,
                          c.step_size, c.inv_sqrt_bias2, c.eps, c.decay});
  }

  void sgd_update(nn::MatrixRef<T> p, nn::ConstMatrixRef<T> g, nn::MatrixRef<T> velocity,
                  const nn::SgdCoefficients<T>& c) const {
    assert(same_shape(p, g) && same_shape(p, velocity));
    if (p.empty()) return;
    detail::DeviceGuard guard(context_->device);
    detail::for_each_element(p.rows, p.cols, context_->stream,
                             detail::SgdOp<T>{strided(p), strided(g), strided(velocity), c.lr,
                                              c.momentum, c.weight_decay, c.nesterov});
  }

 private:
  struct Context {
    explicit Context(const CudaOptions& options) {
      const DeviceStatus status = require_device();
      if (options.device < -1 || options.device >= status.count) {
        mmc::detail::throw_invalid("mmc::cuda::CudaBackend", "options.device",
                                   "is " + std::to_string(options.device) + " but there are " +
                                       std::to_string(status.count) + " devices",
                                   "use -1 (current device) or an index below the device count");
      }
      if (options.device >= 0) {
        device = options.device;
      } else {
        MMC_CUDA_CHECK(cudaGetDevice(&device));
      }
      detail::DeviceGuard guard(device);
      MMC_CUDA_CHECK(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));
      if (const cublasStatus_t s = cublasCreate(&handle); s != CUBLAS_STATUS_SUCCESS) {
        (void)cudaStreamDestroy(stream);
        detail::throw_cublas(s, "cublasCreate(&handle)", __FILE__, __LINE__);
      }
      tf32 = options.allow_tf32 && std::is_same_v<T, float>;
      try {
        MMC_CUBLAS_CHECK(cublasSetStream(handle, stream));
        MMC_CUBLAS_CHECK(cublasSetPointerMode(handle, CUBLAS_POINTER_MODE_HOST));
        MMC_CUBLAS_CHECK(
            cublasSetMathMode(handle, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
        partials.reserve(detail::kMaxReduceBlocks);
        device_scalar.reserve(1);
        host_scalar.reserve(1);
      } catch (...) {
        release();
        throw;
      }
    }
    ~Context() { release(); }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;

    void release() noexcept {
      if (handle != nullptr) (void)cublasDestroy(handle);
      if (stream != nullptr) (void)cudaStreamDestroy(stream);
      handle = nullptr;
      stream = nullptr;
    }

    /// A device vector of at least n ones (grows, and is refilled, only when n grows).
    const T* ones(Index n) {
      if (n > ones_filled) {
        ones_buffer.reserve(n);
        detail::for_each_element(n, 1, stream,
                                 detail::FillOp<T>{{ones_buffer.data(), n, 1, n}, T(1)});
        ones_filled = n;
      }
      return ones_buffer.data();
    }

    /// Copies device_scalar to the host and waits for it.
    double scalar_to_host() {
      MMC_CUDA_CHECK(cudaMemcpyAsync(host_scalar.data(), device_scalar.data(), sizeof(double),
                                     cudaMemcpyDeviceToHost, stream));
      MMC_CUDA_CHECK(cudaStreamSynchronize(stream));
      return host_scalar.data()[0];
    }

    int device = 0;
    bool tf32 = false;
    cudaStream_t stream = nullptr;
    cublasHandle_t handle = nullptr;
    DeviceBuffer<T> ones_buffer;
    Index ones_filled = 0;
    DeviceBuffer<double> partials;       // reduce.cuh pass-1 sums
    DeviceBuffer<double> device_scalar;  // a reduction's result
    PinnedBuffer<double> host_scalar;    // ... and its host copy
  };

  /// The calling thread's default context on its current device. Destroyed at
  /// thread exit (for the main thread: before the CUDA runtime unloads).
  static std::shared_ptr<Context> default_context() {
    require_device();
    thread_local std::shared_ptr<Context> contexts[kMaxDefaultDevices];
    int current = 0;
    MMC_CUDA_CHECK(cudaGetDevice(&current));
    if (current < 0 || current >= kMaxDefaultDevices) {
      return std::make_shared<Context>(CudaOptions{current, false});
    }
    auto& slot = contexts[current];
    if (!slot) slot = std::make_shared<Context>(CudaOptions{current, false});
    return slot;
  }
  static constexpr int kMaxDefaultDevices = 16;

  /// The device status, or device_error saying why there is no usable device.
  static DeviceStatus require_device() {
    DeviceStatus status = device_status();
    if (!status.available()) {
      throw device_error("mmc::cuda::CudaBackend: no usable CUDA device (" + status.reason +
                         "); run on a machine with an NVIDIA GPU and driver, or use the CPU "
                         "backend (mmc::nn::CpuBackend, --device cpu)");
    }
    return status;
  }

  template <class V>
  static auto strided(V v) noexcept {
    using E = std::remove_pointer_t<decltype(v.data)>;
    return detail::Strided<E>{v.data, v.rows, v.cols, v.ld};
  }
  template <class V, class W>
  static bool same_shape(const V& a, const W& b) noexcept {
    return a.rows == b.rows && a.cols == b.cols;
  }
  static std::size_t bytes(Index n) noexcept { return static_cast<std::size_t>(n) * sizeof(T); }
  /// Row pitch in bytes for cudaMemcpy2D: a single column may have any ld.
  static std::size_t pitch(Index ld, Index rows, Index cols) noexcept {
    return bytes(cols <= 1 ? std::max(ld, rows) : ld);
  }
  /// Leading dimension for cuBLAS (>= max(1, rows); a single column may have any ld).
  template <class V>
  static int blas_ld(const V& v) noexcept {
    const Index ld = v.cols <= 1 ? std::max<Index>({v.ld, v.rows, 1}) : v.ld;
    return static_cast<int>(ld);
  }
  static void check_int(const char* op, Index m, Index n, Index k) {
    if (m > INT_MAX || n > INT_MAX || k > INT_MAX) {
      mmc::detail::throw_invalid(std::string("mmc::cuda::CudaBackend::") + op, "shape",
                                 "has a dimension above 2^31 - 1, which cuBLAS's int API cannot take",
                                 "split the batch into smaller ones");
    }
  }

  std::shared_ptr<Context> context_;
};

static_assert(nn::Backend<CudaBackend<float>> && nn::Backend<CudaBackend<double>>);

}  // namespace mmc::cuda
