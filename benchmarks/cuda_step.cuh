// The workload of benchmarks/bench_cuda.cu (Google Benchmark) and
// benchmarks/cuda_timing.cu (standalone, cudaEvent timing): one training step
// of an MLP critic (docs/design.md §3.2, §4, §6 "MLP critic training step vs its
// FLOP count; CPU vs CUDA"), and a cuBLAS GEMM rate measured in the same binary.
//
// The step: a {32, H, H, 1} ReLU critic (a MINE critic on 16 + 16 input
// features), `batch` columns (the joint and marginal halves together):
//     forward (3 GEMMs + fused bias/ReLU), backward from a fixed dLoss/dT
//     (3 weight-gradient GEMMs + 2 input-gradient GEMMs + activation
//     derivatives + bias sums), one Adam update of all parameters.
// The batch is already in the backend's memory (on the GPU: uploaded once, as a
// trainer keeps its data set on the device) and dLoss/dT is a fixed buffer: the
// bound's own O(batch) work is not part of this figure. FLOPs counted: the
// GEMMs only, 2 m n k each (element-wise work is < 1 % of them at H >= 256).
#pragma once

#include <cuda_runtime.h>

#include <cublas_v2.h>

#include <string>
#include <vector>

#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/cuda/check.cuh"
#include "mmc/cuda/cuda_backend.cuh"
#include "mmc/cuda/device_buffer.cuh"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/mlp.hpp"
#include "mmc/nn/optimizers.hpp"

namespace mmc::bench {

inline constexpr Index kCriticInputs = 32;

/// GEMM flops of one step of the {inputs, h, h, 1} critic at `batch` columns.
inline double critic_step_flops(Index batch, Index hidden, Index inputs = kCriticInputs) {
  const double b = static_cast<double>(batch), h = static_cast<double>(hidden);
  const double in = static_cast<double>(inputs);
  const double forward = 2.0 * b * (in * h + h * h + h);       // Z = W A per layer
  const double weight_grads = forward;                          // dW = dZ A^T per layer
  const double input_grads = 2.0 * b * (h * h + h);             // dA = W^T dZ, layers 2 and 3
  return forward + weight_grads + input_grads;
}

/// One critic with its optimizer and a resident batch, on backend B.
template <class B>
class CriticStep {
 public:
  CriticStep(Index batch, Index hidden, B backend)
      : backend_(backend),
        mlp_(nn::MlpSpec{{kCriticInputs, hidden, hidden, 1}, nn::Activation::relu}, 1, backend),
        adam_(nn::AdamOptions{}, backend),
        batch_(batch) {
    std::vector<float> host(static_cast<std::size_t>(kCriticInputs * batch));
    Rng rng(2, 0);
    for (float& v : host) v = static_cast<float>(rng.normal());
    backend_.resize(x_, kCriticInputs * batch);
    backend_.upload(host.data(), kCriticInputs, x());
    host.assign(static_cast<std::size_t>(batch), 0.0f);
    for (Index j = 0; j < batch; ++j) {  // joint half: -1/K, marginal half: +1/K
      host[static_cast<std::size_t>(j)] = (2 * j < batch ? -1.0f : 1.0f) / static_cast<float>(batch);
    }
    backend_.resize(d_out_, batch);
    backend_.upload(host.data(), 1, d_out());
    mlp_.reserve(batch);
    run();  // the first step sizes every buffer: later steps do not allocate
    synchronize();
  }

  /// One training step (asynchronous on a GPU: call synchronize() to wait).
  void run() {
    mlp_.forward(x());
    mlp_.backward(d_out());
    adam_.step(mlp_);
  }

  void synchronize() {
    if constexpr (requires(B& b) { b.synchronize(); }) backend_.synchronize();
  }

  double flops() const { return critic_step_flops(batch_, mlp_.layers()[0].out); }

 private:
  nn::MatrixRef<float> x() { return {backend_.data(x_), kCriticInputs, batch_}; }
  nn::MatrixRef<float> d_out() { return {backend_.data(d_out_), 1, batch_}; }

  B backend_;
  nn::Mlp<float, B> mlp_;
  nn::Adam<float, B> adam_;
  Index batch_;
  typename B::Buffer x_, d_out_;
};

/// A cuBLAS SGEMM C = A B (m x k times k x n) with its own handle, stream and
/// buffers, to measure the GPU's GEMM rate in the same binary.
class GemmRate {
 public:
  GemmRate(Index m, Index n, Index k, bool tf32) : m_(m), n_(n), k_(k) {
    MMC_CUDA_CHECK(cudaStreamCreate(&stream_));
    MMC_CUBLAS_CHECK(cublasCreate(&handle_));
    MMC_CUBLAS_CHECK(cublasSetStream(handle_, stream_));
    MMC_CUBLAS_CHECK(
        cublasSetMathMode(handle_, tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
    a_.reserve(m * k);
    b_.reserve(k * n);
    c_.reserve(m * n);
    MMC_CUDA_CHECK(cudaMemsetAsync(a_.data(), 0, sizeof(float) * m * k, stream_));
    MMC_CUDA_CHECK(cudaMemsetAsync(b_.data(), 0, sizeof(float) * k * n, stream_));
    run();
    synchronize();
  }
  ~GemmRate() {
    (void)cublasDestroy(handle_);
    (void)cudaStreamDestroy(stream_);
  }
  GemmRate(const GemmRate&) = delete;
  GemmRate& operator=(const GemmRate&) = delete;

  void run() {
    const float one = 1.0f, zero = 0.0f;
    MMC_CUBLAS_CHECK(cublasSgemm(handle_, CUBLAS_OP_N, CUBLAS_OP_N, int(m_), int(n_), int(k_), &one,
                                 a_.data(), int(m_), b_.data(), int(k_), &zero, c_.data(), int(m_)));
  }
  void synchronize() { MMC_CUDA_CHECK(cudaStreamSynchronize(stream_)); }
  cudaStream_t stream() const { return stream_; }
  double flops() const { return 2.0 * double(m_) * double(n_) * double(k_); }

 private:
  Index m_, n_, k_;
  cudaStream_t stream_ = nullptr;
  cublasHandle_t handle_ = nullptr;
  cuda::DeviceBuffer<float> a_, b_, c_;
};

/// The benchmarked shapes (docs/design.md §4, §6; docs/cuda.md).
inline const std::vector<Index>& step_batches() {
  static const std::vector<Index> b{512, 2048, 16384, 65536};
  return b;
}
inline const std::vector<Index>& step_hiddens() {
  static const std::vector<Index> h{256, 512};
  return h;
}

/// CPU backend of the comparison: 2 threads (docs/design.md §6: "2 cores").
inline nn::CpuBackend<float> cpu_backend() { return nn::CpuBackend<float>(2); }

}  // namespace mmc::bench
