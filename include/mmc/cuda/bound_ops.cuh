// mmc/cuda/bound_ops.cuh — BoundOps<CudaBackend<T>>: the per-step bound math
// of the neural MI estimators (neural/bound_ops.hpp, THE CONTRACT;
// docs/design.md §3.2, §4) on the device, where the critic's scores are.
//
// stats(): the score statistics (bounds.hpp, ScoreStats) in two deterministic
//   sweeps (reduce.cuh), all in double:
//     sweep 1: sum t and sum -softplus(-t) over the joint entries; the maxima of
//              t and of clamp(t, -tau, tau) over the marginal entries;
//     sweep 2: sum e^{t - max}, sum e^{clamp(t) - clamped max} and sum softplus(t)
//              over the marginal entries, reading the maxima from device memory;
//   and for a K x K score matrix a per-row log-sum-exp (one block per row) and
//   the InfoNCE sum over rows. The eight doubles then come back in ONE copy —
//   the only device-to-host traffic of a stats() call.
// gradient(): dLoss/dScores in one element-wise kernel (InfoNCE: after the
//   per-row log-sum-exps), computed in double and stored as T, like the CPU code.
// MINE's moving average itself is host arithmetic on these statistics
// (BoundState in neural/bound_ops.hpp), the same for every backend.
#pragma once

#ifndef __CUDACC__
#error "mmc/cuda/*.cuh must be compiled by nvcc (a .cu translation unit); see docs/cuda.md"
#endif

#include <cuda_runtime.h>

#include <cassert>
#include <cmath>
#include <cub/block/block_reduce.cuh>

#include "mmc/cuda/check.cuh"
#include "mmc/cuda/cuda_backend.cuh"
#include "mmc/cuda/device_buffer.cuh"
#include "mmc/cuda/kernels.cuh"
#include "mmc/cuda/reduce.cuh"
#include "mmc/neural/bound_ops.hpp"
#include "mmc/neural/bounds.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::cuda::detail {

__device__ inline double softplus_d(double x) { return fmax(x, 0.0) + log1p(exp(-fabs(x))); }
__device__ inline double sigmoid_d(double x) {
  return x >= 0 ? 1.0 / (1.0 + exp(-x)) : exp(x) / (1.0 + exp(x));
}
__device__ inline bool is_joint_entry(neural::ScoreBlock kind, index_t i, index_t j) {
  return kind == neural::ScoreBlock::joint || (kind == neural::ScoreBlock::matrix && i == j);
}

/// Sweep 1: {sum t, sum -softplus(-t)} over joint entries, {max t, max clamp(t)} over marginal ones.
template <class T>
struct ScoreSweep1 {
  Strided<const T> s;
  neural::ScoreBlock kind;
  double tau;
  __device__ Values<4> operator()(index_t i, index_t j) const {
    const double t = static_cast<double>(s(i, j));
    const double none = -HUGE_VAL;
    if (is_joint_entry(kind, i, j)) return {{t, -softplus_d(-t), none, none}};
    return {{0.0, 0.0, t, fmin(fmax(t, -tau), tau)}};
  }
};

/// Sweep 2: {sum e^{t - max}, sum e^{clamp(t) - clamped max}, sum softplus(t)} over marginal entries.
template <class T>
struct ScoreSweep2 {
  Strided<const T> s;
  neural::ScoreBlock kind;
  double tau;
  const double* sweep1;  // device: the result of sweep 1
  __device__ Values<3> operator()(index_t i, index_t j) const {
    if (is_joint_entry(kind, i, j)) return {{0.0, 0.0, 0.0}};
    const double t = static_cast<double>(s(i, j));
    return {{exp(t - sweep1[2]), exp(fmin(fmax(t, -tau), tau) - sweep1[3]), softplus_d(t)}};
  }
};

/// InfoNCE rows: log K + S_ii - logsumexp_j S_ij.
template <class T>
struct NceRow {
  Strided<const T> s;
  const double* row_lse;
  double log_k;
  __device__ Values<1> operator()(index_t i, index_t) const {
    return {{log_k + static_cast<double>(s(i, i)) - row_lse[i]}};
  }
};

/// row_lse[i] = logsumexp_j S_ij; one block per row, fixed reduction trees.
template <class T>
__global__ void __launch_bounds__(kReduceThreads)
    row_log_sum_exp_kernel(Strided<const T> s, double* row_lse) {
  using Reduce = cub::BlockReduce<Values<1>, kReduceThreads>;
  __shared__ typename Reduce::TempStorage temp;
  __shared__ double top;
  const index_t i = blockIdx.x;
  double m = -HUGE_VAL;
  for (index_t j = threadIdx.x; j < s.cols; j += kReduceThreads) m = fmax(m, double(s(i, j)));
  const Values<1> row_max = Reduce(temp).Reduce(Values<1>{{m}}, Fold<1>{{true}});
  if (threadIdx.x == 0) top = row_max.v[0];
  __syncthreads();  // `top` is visible, and `temp` may be reused
  double sum = 0.0;
  for (index_t j = threadIdx.x; j < s.cols; j += kReduceThreads) sum += exp(double(s(i, j)) - top);
  const Values<1> total = Reduce(temp).Reduce(Values<1>{{sum}}, Fold<1>{{false}});
  if (threadIdx.x == 0) row_lse[i] = top + log(total.v[0]);
}

/// dLoss/dScores (neural/bound_ops.hpp, gradient()).
template <class T>
struct BoundGradientOp {
  Strided<const T> s;
  Strided<T> g;
  neural::Bound objective;
  neural::ScoreBlock kind;
  double w_joint, w_marginal, log_ema;
  const double* row_lse;  // infonce only
  __device__ void operator()(index_t i, index_t j) const {
    const double t = static_cast<double>(s(i, j));
    double d;
    if (objective == neural::Bound::infonce) {
      d = w_joint * (exp(t - row_lse[i]) - (i == j ? 1.0 : 0.0));
    } else if (is_joint_entry(kind, i, j)) {
      d = -w_joint * (objective == neural::Bound::js ? sigmoid_d(-t) : 1.0);
    } else {
      const double phi = objective == neural::Bound::dv    ? exp(t - log_ema)
                         : objective == neural::Bound::nwj ? exp(t - 1.0)
                                                           : sigmoid_d(t);
      d = w_marginal * phi;
    }
    g(i, j) = static_cast<T>(d);
  }
};

}  // namespace mmc::cuda::detail

namespace mmc::neural {

/// The CUDA implementation: scores and gradients are device memory.
template <class T>
struct BoundOps<cuda::CudaBackend<T>> {
  explicit BoundOps(const cuda::CudaBackend<T>& backend = cuda::CudaBackend<T>())
      : backend_(backend) {
    cuda::detail::DeviceGuard guard(backend_.device());
    partials_.reserve(cuda::detail::kMaxReduceBlocks * 4);
    results_.reserve(kResults);
    host_.reserve(kResults);
  }

  ScoreStats stats(ScoreBlock kind, nn::ConstMatrixRef<T> scores, double tau) {
    namespace cd = cuda::detail;
    ScoreStats s;
    if (scores.empty()) return s;
    assert(kind != ScoreBlock::matrix || scores.rows == scores.cols);
    cuda::detail::DeviceGuard guard(backend_.device());
    const cudaStream_t stream = backend_.stream();
    const cd::Strided<const T> v{scores.data, scores.rows, scores.cols, scores.ld};
    double* r = results_.data();
    cd::deterministic_reduce<4>(v.rows, v.cols, cd::ScoreSweep1<T>{v, kind, tau},
                                cd::Fold<4>{{false, false, true, true}}, partials_.data(), r,
                                stream);
    cd::deterministic_reduce<3>(v.rows, v.cols, cd::ScoreSweep2<T>{v, kind, tau, r},
                                cd::Fold<3>{{false, false, false}}, partials_.data(), r + 4,
                                stream);
    const Index k = scores.rows;
    if (kind == ScoreBlock::matrix) {
      row_log_sum_exp(v);
      cd::deterministic_reduce<1>(k, 1, cd::NceRow<T>{v, row_lse_.data(), std::log(double(k))},
                                  cd::Fold<1>{{false}}, partials_.data(), r + 7, stream);
    }
    MMC_CUDA_CHECK(cudaMemcpyAsync(host_.data(), r, kResults * sizeof(double),
                                   cudaMemcpyDeviceToHost, stream));
    MMC_CUDA_CHECK(cudaStreamSynchronize(stream));
    const double* h = host_.data();
    const double n = static_cast<double>(scores.size());
    s.joint_count = kind == ScoreBlock::joint ? n : kind == ScoreBlock::matrix ? double(k) : 0.0;
    s.marginal_count = n - s.joint_count;
    s.joint_sum = h[0];
    s.joint_js = h[1];
    if (s.marginal_count > 0) {
      s.marginal_lse = h[2] + std::log(h[4]);
      s.marginal_clipped_lse = h[3] + std::log(h[5]);
    }
    s.marginal_js = h[6];
    if (kind == ScoreBlock::matrix) {
      s.nce_rows = double(k);
      s.nce_sum = h[7];
    }
    return s;
  }

  void gradient(Bound objective, ScoreBlock kind, nn::ConstMatrixRef<T> scores,
                const GradientWeights& w, nn::MatrixRef<T> grad) {
    namespace cd = cuda::detail;
    assert(grad.rows == scores.rows && grad.cols == scores.cols);
    if (scores.empty()) return;
    cuda::detail::DeviceGuard guard(backend_.device());
    const cd::Strided<const T> v{scores.data, scores.rows, scores.cols, scores.ld};
    if (objective == Bound::infonce) row_log_sum_exp(v);
    cd::for_each_element(v.rows, v.cols, backend_.stream(),
                         cd::BoundGradientOp<T>{v, {grad.data, grad.rows, grad.cols, grad.ld},
                                                objective, kind, w.joint, w.marginal, w.log_ema,
                                                row_lse_.data()});
  }

 private:
  static constexpr int kResults = 8;  // sweep 1 (4), sweep 2 (3), InfoNCE sum (1)

  void row_log_sum_exp(cuda::detail::Strided<const T> v) {
    row_lse_.reserve(v.rows);  // grows with the largest K only
    cuda::detail::row_log_sum_exp_kernel<T>
        <<<static_cast<unsigned>(v.rows), cuda::detail::kReduceThreads, 0, backend_.stream()>>>(
            v, row_lse_.data());
    MMC_CUDA_CHECK(cudaGetLastError());
  }

  cuda::CudaBackend<T> backend_;
  cuda::DeviceBuffer<double> partials_, results_, row_lse_;
  cuda::PinnedBuffer<double> host_;
};

}  // namespace mmc::neural

// Every translation unit that can train a neural estimator on the CUDA backend
// (it needs BoundOps<CudaBackend>) also sees its resident operations, so
// NeuralMi's automatic choice of loop is the same everywhere. (Skipped while
// resident_kernels.cuh, which needs this file, is being read: it includes
// resident_ops.cuh itself at its end.)
#ifndef MMC_CUDA_RESIDENT_KERNELS_CUH
#include "mmc/cuda/resident_ops.cuh"
#endif
