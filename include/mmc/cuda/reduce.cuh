// mmc/cuda/reduce.cuh — deterministic reductions over a device matrix, in
// double: squared_norm (gradient clipping) and the means, maxima and
// log-sum-exps of the neural bounds (docs/design.md §3.2, §4; cuda/bound_ops.cuh).
//
// Why not atomics or a plain library call: docs/design.md §2 asks for the same bits
// from run to run. A float atomicAdd reduction depends on the order in which
// blocks finish. Here the reduction tree is fixed by the SHAPE alone:
//   pass 1: a fixed number of blocks G(n) (not the device's SM count), each
//           thread folding a fixed grid-stride subset, then cub::BlockReduce
//           (a fixed tree) → G partial results;
//   pass 2: one block folds the G partials the same way.
// So the result is bit-identical between runs and between GPUs running the
// same binary. Each reduction folds N doubles at once, each component with
// its own operation (sum or max), so one sweep over the scores gives all the
// sums a bound needs.
#pragma once

#ifndef __CUDACC__
#error "mmc/cuda/*.cuh must be compiled by nvcc (a .cu translation unit); see docs/cuda.md"
#endif

#include <cuda_runtime.h>

#include <algorithm>
#include <cub/block/block_reduce.cuh>

#include "mmc/cuda/check.cuh"
#include "mmc/cuda/kernels.cuh"

namespace mmc::cuda::detail {

/// Threads per block of the reductions.
inline constexpr int kReduceThreads = 256;
/// Most partial results pass 1 writes (the workspace the caller provides holds
/// kMaxReduceBlocks * N doubles).
inline constexpr index_t kMaxReduceBlocks = 1024;
/// Elements per thread before pass 1 uses another block.
inline constexpr index_t kReducePerThread = 8;

/// Blocks of pass 1 for n elements: a function of n only.
inline index_t reduce_blocks(index_t n) {
  const index_t per_block = kReduceThreads * kReducePerThread;
  return std::clamp<index_t>((n + per_block - 1) / per_block, 1, kMaxReduceBlocks);
}

/// N doubles reduced together.
template <int N>
struct Values {
  double v[N];
};

/// How each component combines: a sum, or a maximum (identity -infinity).
template <int N>
struct Fold {
  bool is_max[N];
  __host__ __device__ Values<N> identity() const {
    Values<N> r;
    for (int c = 0; c < N; ++c) r.v[c] = is_max[c] ? -__builtin_huge_val() : 0.0;
    return r;
  }
  __device__ Values<N> operator()(const Values<N>& a, const Values<N>& b) const {
    Values<N> r;
    for (int c = 0; c < N; ++c) r.v[c] = is_max[c] ? fmax(a.v[c], b.v[c]) : a.v[c] + b.v[c];
    return r;
  }
};

/// Pass 1: partial[block] = fold of f(i, j) over the block's fixed subset of a
/// rows x cols index space.
template <int N, class F>
__global__ void __launch_bounds__(kReduceThreads)
    reduce_partials_kernel(index_t rows, index_t cols, F f, Fold<N> fold, Values<N>* partial) {
  using Reduce = cub::BlockReduce<Values<N>, kReduceThreads>;
  __shared__ typename Reduce::TempStorage temp;
  const index_t n = rows * cols;
  const index_t stride = static_cast<index_t>(gridDim.x) * kReduceThreads;
  Values<N> acc = fold.identity();
  for (index_t k = static_cast<index_t>(blockIdx.x) * kReduceThreads + threadIdx.x; k < n;
       k += stride) {
    acc = fold(acc, f(k % rows, k / rows));
  }
  const Values<N> block = Reduce(temp).Reduce(acc, fold);
  if (threadIdx.x == 0) partial[blockIdx.x] = block;
}

/// Pass 2: *result = fold of the `count` partials.
template <int N>
__global__ void __launch_bounds__(kReduceThreads)
    reduce_final_kernel(const Values<N>* partial, index_t count, Fold<N> fold, Values<N>* result) {
  using Reduce = cub::BlockReduce<Values<N>, kReduceThreads>;
  __shared__ typename Reduce::TempStorage temp;
  Values<N> acc = fold.identity();
  for (index_t k = threadIdx.x; k < count; k += kReduceThreads) acc = fold(acc, partial[k]);
  const Values<N> total = Reduce(temp).Reduce(acc, fold);
  if (threadIdx.x == 0) *result = total;
}

/// *result (device) = fold over (i, j) in [0, rows) x [0, cols) of f(i, j), a
/// Values<N>. `partials` holds kMaxReduceBlocks * N doubles. Asynchronous on
/// `stream`; an empty index space gives the identity.
template <int N, class F>
void deterministic_reduce(index_t rows, index_t cols, const F& f, Fold<N> fold, double* partials,
                          double* result, cudaStream_t stream) {
  auto* part = reinterpret_cast<Values<N>*>(partials);
  const index_t n = rows > 0 && cols > 0 ? rows * cols : 0;
  const index_t blocks = n > 0 ? reduce_blocks(n) : 0;
  if (blocks > 0) {
    reduce_partials_kernel<N><<<static_cast<unsigned>(blocks), kReduceThreads, 0, stream>>>(
        rows, cols, f, fold, part);
    MMC_CUDA_CHECK(cudaGetLastError());
  }
  reduce_final_kernel<N><<<1, kReduceThreads, 0, stream>>>(part, blocks, fold,
                                                           reinterpret_cast<Values<N>*>(result));
  MMC_CUDA_CHECK(cudaGetLastError());
}

/// x(i, j)^2 in double, for squared_norm.
template <class T>
struct SquareOf {
  Strided<const T> x;
  __device__ Values<1> operator()(index_t i, index_t j) const {
    const double d = static_cast<double>(x(i, j));
    return {{d * d}};
  }
};

/// *result (device) = sum of squares of x, in double.
template <class T>
void squared_norm_async(Strided<const T> x, double* partials, double* result,
                        cudaStream_t stream) {
  deterministic_reduce<1>(x.rows, x.cols, SquareOf<T>{x}, Fold<1>{{false}}, partials, result,
                          stream);
}

}  // namespace mmc::cuda::detail
