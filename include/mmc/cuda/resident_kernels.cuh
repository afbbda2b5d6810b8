// mmc/cuda/resident_kernels.cuh — the kernels of ResidentOps<CudaBackend<T>>
// (cuda/resident_ops.cuh; THE CONTRACT in neural/resident_ops.hpp).
//
// Why separate kernels and not the backend's: every step operation of the
// resident loop must take the same arguments at every step, so that a CUDA
// graph captured once replays it. What changes from step to step — the step
// number s, the window offset o, MINE's moving average, the gradient weights,
// the clipping factor, the Adam coefficients table[s - 1] — is READ FROM DEVICE
// MEMORY by these kernels instead of being passed by value. Wherever the
// backend has a functor for the arithmetic (AdamOp, ScaleOp, BoundGradientOp,
// ScoreSweep1/2) the functor here builds it from the device values and calls
// it, so the numbers are those of CudaBackend / BoundOps<CudaBackend> exactly.
#pragma once
#define MMC_CUDA_RESIDENT_KERNELS_CUH  // see the end of cuda/bound_ops.cuh

#ifndef __CUDACC__
#error "mmc/cuda/*.cuh must be compiled by nvcc (a .cu translation unit); see docs/cuda.md"
#endif
#ifndef EIGEN_NO_CUDA
#define EIGEN_NO_CUDA  // nn/ headers include Eigen: keep it host-only (docs/design.md §4)
#endif

#include <cuda_runtime.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cub/device/device_radix_sort.cuh>
#include <span>
#include <string>

#include "mmc/core/counter_hash.hpp"
#include "mmc/core/errors.hpp"
#include "mmc/core/streams.hpp"
#include "mmc/core/types.hpp"
#include "mmc/cuda/bound_ops.cuh"
#include "mmc/cuda/check.cuh"
#include "mmc/cuda/kernels.cuh"
#include "mmc/cuda/reduce.cuh"
#include "mmc/neural/bounds.hpp"
#include "mmc/neural/resident_ops.hpp"
#include "mmc/nn/backend.hpp"

namespace mmc::cuda::detail {

/// counters[0] = s (1-based number of the next step), counters[1] = o (its
/// offset in the window); the layout of the device copy of the contract's state.
inline constexpr int kStep = 0, kOffset = 1;
/// doubles of one StepRecord (loss, estimate, squared_norm) in the device log.
inline constexpr int kRecord = 3;

/// gather_pairs: column c < K is [x_{r_c}; y_{r_c}], column K + c is
/// [x_{r_c}; y_{r_{(c+d) mod K}}], r = window + o, d = pairing_shift(seed, s, K).
/// x, y are the row-major data sets (one sample per dx / dy consecutive values).
template <class T>
struct GatherPairsOp {
  Strided<T> input;
  const T* x;
  const T* y;
  index_t dx, dy, k;
  const Index* window;
  const Index* counters;
  std::uint64_t seed;
  __device__ void operator()(index_t i, index_t c) const {
    const Index* r = window + counters[kOffset];
    const index_t joint = c < k ? c : c - k;
    if (i < dx) {
      input(i, c) = x[r[joint] * dx + i];
      return;
    }
    const index_t partner =
        c < k ? joint : (joint + neural::pairing_shift(seed, counters[kStep], k)) % k;
    input(i, c) = y[r[partner] * dy + (i - dx)];
  }
};

/// Sweep 1 of BoundOps<CudaBackend> over a shuffled batch in one launch:
/// columns [0, K) are the joint block, [K, 2K) the marginal one.
template <class T>
struct ShuffledSweep1 {
  ScoreSweep1<T> joint, marginal;  // the same view, kinds joint and marginal
  index_t k;
  __device__ Values<4> operator()(index_t i, index_t j) const {
    return j < k ? joint(i, j) : marginal(i, j);
  }
};

/// What the bound kernel needs besides the sweeps; fixed for a run (the
/// logarithms are taken on the host, with the same libm calls as the CPU code).
struct BoundConstants {
  neural::Bound objective;  ///< training_objective(bound)
  neural::Bound estimate;   ///< estimate_bound(bound)
  double count;             ///< joint scores = marginal scores = K
  double log_count;         ///< std::log(count)
  double log1m_alpha;       ///< std::log1p(-ema)
  double log_alpha;         ///< std::log(ema)
  bool plain_average;       ///< ema >= 1: log m_t = the batch value
  Index steps;              ///< length of the log
};

__device__ inline double logaddexp_d(double a, double b) {  // core/special.hpp's logaddexp
  if (a == -HUGE_VAL) return b;
  if (b == -HUGE_VAL) return a;
  return fmax(a, b) + log1p(exp(-fabs(a - b)));
}

/// bounds.hpp's bound_value() on the sweep results r (sweep 1 at r[0..3],
/// sweep 2 at r[4..6]; the ScoreStats of BoundOps<CudaBackend>::stats()).
__device__ inline double bound_value_d(neural::Bound b, const double* r, const BoundConstants& c) {
  const double joint_mean = r[0] / c.count;
  const double marginal_lme = (r[2] + log(r[4])) - c.log_count;
  switch (b) {
    case neural::Bound::dv: return joint_mean - marginal_lme;
    case neural::Bound::nwj: return joint_mean - exp(marginal_lme - 1.0);
    case neural::Bound::js: return r[1] / c.count - r[6] / c.count;
    case neural::Bound::smile: return joint_mean - ((r[3] + log(r[5])) - c.log_count);
    default: return nan("");  // infonce: the constructor rejects it
  }
}

/// neural::bound_step()'s host arithmetic in one thread: gradient_weights()
/// (with BoundState::update for dv; state = {started, log m_t}), then
/// log[s].loss = -bound_value(objective), log[s].estimate = estimate_value().
template <class Unused = void>  // a template: defined in a header, linked once
__global__ void resident_bound_kernel(const double* r, BoundConstants c, double* state,
                                      double* weights, double* records, const Index* counters) {
  double log_ema = 0.0;
  if (c.objective == neural::Bound::dv) {
    const double batch = (r[2] + log(r[4])) - c.log_count;  // marginal_log_mean_exp
    state[1] = state[0] == 0.0 || c.plain_average
                   ? batch
                   : logaddexp_d(c.log1m_alpha + state[1], c.log_alpha + batch);
    state[0] = 1.0;
    log_ema = state[1];
  }
  weights[0] = 1.0 / c.count;
  weights[1] = 1.0 / c.count;
  weights[2] = log_ema;
  const Index s = counters[kStep];
  if (s < 1 || s > c.steps) return;  // past the log: nothing to record
  double* record = records + kRecord * (s - 1);
  record[0] = -bound_value_d(c.objective, r, c);
  record[1] = bound_value_d(c.estimate, r, c);
}

/// BoundGradientOp with the weights {joint, marginal, log_ema} read from device memory.
template <class T>
struct ShuffledGradientOp {
  Strided<const T> s;
  Strided<T> g;
  neural::Bound objective;
  index_t k;
  const double* w;
  __device__ void operator()(index_t i, index_t j) const {
    const auto kind = j < k ? neural::ScoreBlock::joint : neural::ScoreBlock::marginal;
    BoundGradientOp<T>{s, g, objective, kind, w[0], w[1], w[2], nullptr}(i, j);
  }
};

/// log[s].squared_norm = *squared; *factor = nn::clip_factor() (nn/clip.hpp), on the device.
template <class T>
__global__ void resident_norm_kernel(const double* squared, double clip, const Index* counters,
                                     Index steps, double* records, T* factor) {
  const double sq = *squared;
  const Index s = counters[kStep];
  if (s >= 1 && s <= steps) records[kRecord * (s - 1) + 2] = sq;
  const double norm = sqrt(sq);
  *factor = clip > 0.0 && isfinite(norm) && norm > clip ? static_cast<T>(clip / (norm + 1e-6))
                                                        : T(1);
}

/// x *= *factor (ScaleOp with the factor read from device memory).
template <class T>
struct ScaleByDeviceOp {
  Strided<T> x;
  const T* factor;
  __device__ void operator()(index_t i, index_t j) const { ScaleOp<T>{x, *factor}(i, j); }
};

/// AdamOp with the coefficients table[s - 1] (no update when s is past the table).
template <class T>
struct TableAdamOp {
  Strided<T> p;
  Strided<const T> g;
  Strided<T> m, v;
  const nn::AdamCoefficients<T>* table;
  const Index* counters;
  Index steps;
  __device__ void operator()(index_t i, index_t j) const {
    const Index s = counters[kStep];
    if (s < 1 || s > steps) return;
    const nn::AdamCoefficients<T> c = table[s - 1];
    AdamOp<T>{p, g, m, v, c.beta1, c.beta2, c.step_size, c.inv_sqrt_bias2, c.eps, c.decay}(i, j);
  }
};

/// advance(): s += 1; o = (o + K) mod n_train (o < n_train, K <= n_train).
template <class Unused = void>  // a template: defined in a header, linked once
__global__ void resident_advance_kernel(Index* counters, Index k, Index n) {
  counters[kStep] += 1;
  const Index o = counters[kOffset] + k;
  counters[kOffset] = o >= n ? o - n : o;
}

/// set_position(): the values travel as kernel arguments, so the host needs no
/// staging buffer that must outlive the call.
template <class Unused = void>  // a template: defined in a header, linked once
__global__ void resident_set_position_kernel(Index* counters, Index step, Index offset) {
  counters[kStep] = step;
  counters[kOffset] = offset;
}

/// The sort keys of epoch_order(): key i = counter_hash(seed, resident_epochs, epoch, i).
struct EpochKey {
  std::uint64_t seed, epoch;
  __host__ __device__ std::uint64_t operator()(std::ptrdiff_t i) const {
    return counter_hash(seed, streams::neural::resident_epochs, epoch,
                        static_cast<std::uint64_t>(i));
  }
};

/// A Thrust temporary allocator over a buffer reserved once: a bump pointer that
/// rewinds when every block has been returned. Thrust's radix sort asks for one
/// block per call (keys' and values' double buffers + CUB's storage), and the
/// work using it is ordered on the one stream, so reuse across calls is safe.
/// A request that does not fit throws instead of falling back to cudaMalloc.
class ArenaAllocator {
 public:
  using value_type = char;
  ArenaAllocator(char* base, std::size_t bytes) noexcept : base_(base), bytes_(bytes) {}
  char* allocate(std::ptrdiff_t n) {
    const std::size_t offset = (used_ + kAlign - 1) / kAlign * kAlign;
    if (offset + static_cast<std::size_t>(n) > bytes_) {
      throw device_error("mmc::cuda::ResidentOps::fill_epoch: Thrust asked for " +
                         std::to_string(offset + static_cast<std::size_t>(n)) +
                         " bytes of temporary storage, but " + std::to_string(bytes_) +
                         " were reserved (a bug in mmc: please report)");
    }
    used_ = offset + static_cast<std::size_t>(n);
    ++live_;
    return base_ + offset;
  }
  void deallocate(char*, std::size_t) noexcept {
    if (--live_ == 0) used_ = 0;
  }

 private:
  static constexpr std::size_t kAlign = 256;  // cudaMalloc's alignment
  char* base_;
  std::size_t bytes_, used_ = 0;
  int live_ = 0;
};

/// Bytes of Thrust's temporary storage for fill_epoch's sort of n (key, index)
/// pairs. Thrust's radix sort takes ONE block: the keys' and values' alternate
/// buffers (each rounded up to 128 bytes) and CUB's own storage, which CUB
/// reports for the same types and count (thrust/system/cuda/detail/sort.h);
/// rounded up generously here.
inline std::ptrdiff_t sort_storage_bytes(Index n, cudaStream_t stream) {
  std::size_t cub_bytes = 0;
  cub::DoubleBuffer<std::uint64_t> keys(nullptr, nullptr);
  cub::DoubleBuffer<Index> values(nullptr, nullptr);
  MMC_CUDA_CHECK(cub::DeviceRadixSort::SortPairs(nullptr, cub_bytes, keys, values,
                                                 static_cast<std::ptrdiff_t>(n), 0, 64, stream));
  const auto round = [](std::size_t b) { return (b + 255) / 256 * 256; };
  const auto count = static_cast<std::size_t>(n);
  return static_cast<std::ptrdiff_t>(round(count * sizeof(std::uint64_t)) +
                                     round(count * sizeof(Index)) + round(cub_bytes) + 4096);
}

/// The constructor's checks: what would make a kernel read out of bounds, and
/// the configurations the resident loop does not serve.
inline void validate_resident(const neural::ResidentSetup& setup, Index x_rows, Index y_rows,
                              std::span<const Index> train) {
  const char* where = "mmc::neural::ResidentOps<CudaBackend>";
  const auto n = static_cast<Index>(train.size());
  if (setup.config.pairing != neural::Pairing::shuffled ||
      setup.config.bound == neural::Bound::infonce) {
    mmc::detail::throw_invalid(where, "setup.config",
                               "asks for all_pairs or infonce, but the resident loop serves the "
                               "concat critic with shuffled pairing",
                               "use the host loop for infonce / all_pairs");
  }
  if (x_rows != y_rows) {
    mmc::detail::throw_invalid(where, "y", "has a different number of rows than x",
                               "pass paired samples");
  }
  if (setup.batch < 2 || setup.batch > n) {
    mmc::detail::throw_invalid(where, "setup.batch",
                               "is " + std::to_string(setup.batch) + " with " +
                                   std::to_string(n) + " training samples",
                               "use 2 <= batch <= the number of training samples");
  }
  if (setup.steps < 0 || setup.parameters < 0) {
    mmc::detail::throw_invalid(where, "setup", "has a negative steps or parameters",
                               "pass the run's sizes");
  }
  for (const Index i : train) {
    if (i < 0 || i >= x_rows) {
      mmc::detail::throw_invalid(where, "train", "holds the index " + std::to_string(i),
                                 "use row indices of x in [0, x.rows())");
    }
  }
}

/// Steps first .. first + count - 1 must lie in the log / table (1 .. steps).
inline void check_log_range(const char* op, Index first, Index count, Index steps) {
  if (first < 1 || count < 0 || first - 1 + count > steps) {
    mmc::detail::throw_invalid(std::string("mmc::neural::ResidentOps::") + op, "first, count",
                               "cover steps " + std::to_string(first) + ".." +
                                   std::to_string(first + count - 1) + " of a " +
                                   std::to_string(steps) + "-step run",
                               "stay within 1..setup.steps");
  }
}

}  // namespace mmc::cuda::detail

#include "mmc/cuda/resident_ops.cuh"  // the operations these kernels serve
