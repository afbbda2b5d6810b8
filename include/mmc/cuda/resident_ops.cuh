// mmc/cuda/resident_ops.cuh — ResidentOps<CudaBackend<T>>: the operations of
// the device-resident MINE training loop on a GPU (THE CONTRACT at the top of
// neural/resident_ops.hpp; the CPU implementation CpuResidentOps there is the
// reference this one reproduces).
//
// Why: the host loop synchronises three times per step (loss, estimate,
// gradient norm), which at batch 512 costs more than the step. Here the data
// set, the window of epoch orders, the counters (s, o), MINE's moving average,
// the per-step log, the Adam table and moments all live in device memory, and
// every step operation only QUEUES kernels on backend.stream() with arguments
// that are the same at every step (the kernels read what changes from device
// memory: cuda/resident_kernels.cuh). So no step operation synchronises or
// allocates, and run_step() captures one whole step in a CUDA graph and
// replays it. The host reads the log once per evaluation (read_log).
//
// Agreement with CpuResidentOps: gathered columns, epoch orders and counters
// are bit-identical (the same counter_hash draws; the epoch order is a stable
// radix sort of the same keys, which breaks ties by position as epoch_order()
// does). The bound values, gradients and norms are the same formulas reduced
// in a different (fixed) order, so they agree to rounding; they are
// bit-reproducible from run to run, eager or replayed from the graph.
//
// Allocation: all in the constructor — including Thrust's temporary storage
// for fill_epoch (a buffer sized from CUB's own query) and a cuBLAS workspace,
// which cuBLAS then uses instead of allocating while a step is captured.
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
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <thrust/execution_policy.h>
#include <thrust/sort.h>
#include <thrust/tabulate.h>
#include <type_traits>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/cuda/bound_ops.cuh"
#include "mmc/cuda/check.cuh"
#include "mmc/cuda/cuda_backend.cuh"
#include "mmc/cuda/device.cuh"
#include "mmc/cuda/device_buffer.cuh"
#include "mmc/cuda/kernels.cuh"
#include "mmc/cuda/reduce.cuh"
#include "mmc/cuda/resident_kernels.cuh"
#include "mmc/neural/bound_ops.hpp"
#include "mmc/neural/bounds.hpp"
#include "mmc/neural/resident_ops.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::neural {

template <class T>
class CudaResidentOps {
 public:
  /// cuBLAS workspace handed to the backend's handle (NVIDIA's recommendation for Hopper).
  static constexpr std::size_t kCublasWorkspace = std::size_t{32} << 20;

  CudaResidentOps(const cuda::CudaBackend<T>& backend, const ResidentSetup& setup,
                  const RowMatrix<T>& x, const RowMatrix<T>& y, std::span<const Index> train)
      : backend_(backend), setup_(setup), n_(static_cast<Index>(train.size())),
        dx_(x.cols()), dy_(y.cols()) {
    cuda::detail::validate_resident(setup_, x.rows(), y.rows(), train);
    cuda::detail::DeviceGuard guard(backend_.device());
    const cudaStream_t stream = backend_.stream();
    const Index p = setup_.parameters;
    x_.reserve(x.size());
    y_.reserve(y.size());
    train_.reserve(n_);
    window_.reserve(2 * n_);
    keys_.reserve(n_);
    counters_.reserve(2);
    partials_.reserve(cuda::detail::kMaxReduceBlocks * 4);
    results_.reserve(8);  // sweep 1 (4), sweep 2 (3), the squared norm (1)
    state_.reserve(2);    // MINE's average: {started, log m_t}
    weights_.reserve(3);  // GradientWeights: {joint, marginal, log_ema}
    factor_.reserve(1);   // the clipping factor
    log_.reserve(cuda::detail::kRecord * setup_.steps);
    host_log_.reserve(cuda::detail::kRecord * setup_.steps);
    table_.reserve(setup_.steps);
    moments_.reserve(2 * p);  // [m | v]
    cublas_workspace_.reserve(kCublasWorkspace);
    sort_storage_.reserve(cuda::detail::sort_storage_bytes(n_, backend_.stream()));
    copy_in(x_.data(), x.data(), x.size());
    copy_in(y_.data(), y.data(), y.size());
    copy_in(train_.data(), train.data(), n_);
    set_position(1, 0);
    reset_optimizer();
    reset_bound_state();
    if (setup_.steps > 0) {  // an unwritten record reads as zeros, like the CPU log
      MMC_CUDA_CHECK(cudaMemsetAsync(log_.data(), 0, bytes<double>(3 * setup_.steps), stream));
      MMC_CUDA_CHECK(cudaMemsetAsync(table_.data(), 0,
                                     bytes<nn::AdamCoefficients<T>>(setup_.steps), stream));
    }
    // The same workspace for eager and captured steps: cuBLAS picks its
    // algorithms by workspace size, and eager and replayed steps must agree.
    MMC_CUBLAS_CHECK(
        cublasSetWorkspace(backend_.cublas(), cublas_workspace_.data(), kCublasWorkspace));
    const Bound bound = setup_.config.bound;
    const double count = static_cast<double>(setup_.batch), ema = setup_.config.ema;
    constants_ = {training_objective(bound), estimate_bound(bound), count, std::log(count),
                  std::log1p(-ema), std::log(ema), ema >= 1.0, setup_.steps};
    backend_.synchronize();  // the host arrays may go; errors surface here
  }

  ~CudaResidentOps() {
    // Errors are ignored: destructors must not throw.
    int previous = 0;
    (void)cudaGetDevice(&previous);
    (void)cudaSetDevice(backend_.device());
    (void)cudaStreamSynchronize(backend_.stream());  // queued work may still use our buffers
    if (exec_ != nullptr) (void)cudaGraphExecDestroy(exec_);
    if (graph_ != nullptr) (void)cudaGraphDestroy(graph_);
    // cublasSetStream puts the handle back on its default workspace pool
    // (cuBLAS docs), so it does not keep a pointer to our freed workspace.
    (void)cublasSetStream(backend_.cublas(), backend_.stream());
    (void)cudaSetDevice(previous);
  }
  CudaResidentOps(const CudaResidentOps&) = delete;  // a captured graph holds our pointers
  CudaResidentOps& operator=(const CudaResidentOps&) = delete;

  // ---- queued step operations (contract: no host reads, no allocation) ------
  void gather_pairs(nn::MatrixRef<T> input) const {
    assert(input.rows == dx_ + dy_ && input.cols == 2 * setup_.batch);
    cuda::detail::DeviceGuard guard(backend_.device());
    cuda::detail::for_each_element(
        input.rows, input.cols, backend_.stream(),
        cuda::detail::GatherPairsOp<T>{strided(input), x_.data(), y_.data(), dx_, dy_,
                                       setup_.batch, window_.data(), counters_.data(),
                                       setup_.seed});
  }

  /// neural::bound_step() for the shuffled pairing: the sweeps of
  /// BoundOps<CudaBackend>::stats() into device memory, one thread for the
  /// host arithmetic (weights, MINE's average, log[s].loss/.estimate), then
  /// the gradient with the weights read from device memory.
  void bound_step(nn::ConstMatrixRef<T> scores, nn::MatrixRef<T> grad) {
    namespace cd = cuda::detail;
    const Index k = scores.cols / 2;
    assert(scores.rows == 1 && k == setup_.batch && grad.rows == 1 && grad.cols == 2 * k);
    cd::DeviceGuard guard(backend_.device());
    const cudaStream_t stream = backend_.stream();
    const double tau = setup_.config.tau;
    const cd::Strided<const T> s{scores.data, scores.rows, scores.cols, scores.ld};
    const cd::Strided<const T> marginal{scores.data + k * scores.ld, scores.rows, k, scores.ld};
    double* r = results_.data();
    cd::deterministic_reduce<4>(
        s.rows, s.cols,
        cd::ShuffledSweep1<T>{{s, ScoreBlock::joint, tau}, {s, ScoreBlock::marginal, tau}, k},
        cd::Fold<4>{{false, false, true, true}}, partials_.data(), r, stream);
    cd::deterministic_reduce<3>(marginal.rows, marginal.cols,
                                cd::ScoreSweep2<T>{marginal, ScoreBlock::marginal, tau, r},
                                cd::Fold<3>{{false, false, false}}, partials_.data(), r + 4,
                                stream);
    cd::resident_bound_kernel<<<1, 1, 0, stream>>>(r, constants_, state_.data(), weights_.data(),
                                                   log_.data(), counters_.data());
    MMC_CUDA_CHECK(cudaGetLastError());
    cd::for_each_element(grad.rows, grad.cols, stream,
                         cd::ShuffledGradientOp<T>{s, strided(grad), constants_.objective, k,
                                                   weights_.data()});
  }

  /// log[s].squared_norm = |grads|^2; nn/clip.hpp's rule with the factor in device memory.
  void gradient_norm(nn::MatrixRef<T> grads) {
    namespace cd = cuda::detail;
    cd::DeviceGuard guard(backend_.device());
    const cudaStream_t stream = backend_.stream();
    double* squared = results_.data() + 7;
    cd::squared_norm_async(cd::Strided<const T>{grads.data, grads.rows, grads.cols, grads.ld},
                           partials_.data(), squared, stream);
    cd::resident_norm_kernel<T><<<1, 1, 0, stream>>>(squared, setup_.clip_norm, counters_.data(),
                                                     setup_.steps, log_.data(), factor_.data());
    MMC_CUDA_CHECK(cudaGetLastError());
    if (setup_.clip_norm > 0.0) {
      cd::for_each_element(grads.rows, grads.cols, stream,
                           cd::ScaleByDeviceOp<T>{strided(grads), factor_.data()});
    }
  }

  /// backend.adam_update with the moments and table[s - 1].
  void adam(nn::MatrixRef<T> params, nn::ConstMatrixRef<T> grads) {
    assert(params.size() == setup_.parameters && grads.rows == params.rows &&
           grads.cols == params.cols);
    cuda::detail::DeviceGuard guard(backend_.device());
    T* m = moments_.data();
    T* v = m + setup_.parameters;
    const Index rows = params.rows, cols = params.cols;
    cuda::detail::for_each_element(
        rows, cols, backend_.stream(),
        cuda::detail::TableAdamOp<T>{strided(params), {grads.data, rows, cols, grads.ld},
                                     {m, rows, cols, rows}, {v, rows, cols, rows},
                                     table_.data(), counters_.data(), setup_.steps});
  }

  void advance() {
    cuda::detail::DeviceGuard guard(backend_.device());
    cuda::detail::resident_advance_kernel<<<1, 1, 0, backend_.stream()>>>(counters_.data(),
                                                                        setup_.batch, n_);
    MMC_CUDA_CHECK(cudaGetLastError());
  }

  // ---- host-driven operations, between steps ---------------------------------
  /// Window half `half` = epoch_order(seed, epoch, train): a stable radix sort
  /// (Thrust, no synchronisation, temporary storage from our arena) of the
  /// training indices by their keys.
  void fill_epoch(int half, std::uint64_t epoch) {
    if (half != 0 && half != 1) {
      mmc::detail::throw_invalid("mmc::neural::ResidentOps::fill_epoch", "half",
                                 "is " + std::to_string(half), "use 0 or 1");
    }
    if (n_ == 0) return;
    cuda::detail::DeviceGuard guard(backend_.device());
    const cudaStream_t stream = backend_.stream();
    Index* out = window_.data() + half * n_;
    MMC_CUDA_CHECK(cudaMemcpyAsync(out, train_.data(), bytes<Index>(n_),
                                   cudaMemcpyDeviceToDevice, stream));
    cuda::detail::ArenaAllocator arena(sort_storage_.data(),
                                       static_cast<std::size_t>(sort_storage_.capacity()));
    const auto policy = thrust::cuda::par_nosync(arena).on(stream);
    std::uint64_t* keys = keys_.data();
    thrust::tabulate(policy, keys, keys + n_, cuda::detail::EpochKey{setup_.seed, epoch});
    thrust::stable_sort_by_key(policy, keys, keys + n_, out);
  }
  void rotate_window() {
    if (n_ == 0) return;
    cuda::detail::DeviceGuard guard(backend_.device());
    MMC_CUDA_CHECK(cudaMemcpyAsync(window_.data(), window_.data() + n_, bytes<Index>(n_),
                                   cudaMemcpyDeviceToDevice, backend_.stream()));
  }
  void set_position(Index step, Index offset) {
    cuda::detail::DeviceGuard guard(backend_.device());
    cuda::detail::resident_set_position_kernel<<<1, 1, 0, backend_.stream()>>>(counters_.data(),
                                                                              step, offset);
    MMC_CUDA_CHECK(cudaGetLastError());
  }
  /// table[first - 1 ...] = c. Synchronises (evaluation points only), so `c`
  /// may be pageable memory that goes away after the call.
  void set_schedule(Index first, std::span<const nn::AdamCoefficients<T>> c) {
    if (c.empty()) return;
    const auto count = static_cast<Index>(c.size());
    cuda::detail::check_log_range("set_schedule", first, count, setup_.steps);
    cuda::detail::DeviceGuard guard(backend_.device());
    MMC_CUDA_CHECK(cudaMemcpyAsync(table_.data() + (first - 1), c.data(),
                                   bytes<nn::AdamCoefficients<T>>(count),
                                   cudaMemcpyHostToDevice, backend_.stream()));
    backend_.synchronize();
  }
  void reset_optimizer() {
    if (setup_.parameters == 0) return;
    cuda::detail::DeviceGuard guard(backend_.device());
    MMC_CUDA_CHECK(cudaMemsetAsync(moments_.data(), 0, bytes<T>(2 * setup_.parameters),
                                   backend_.stream()));  // all-zero bits = +0.0
  }
  void reset_bound_state() {
    cuda::detail::DeviceGuard guard(backend_.device());
    MMC_CUDA_CHECK(cudaMemsetAsync(state_.data(), 0, bytes<double>(2), backend_.stream()));
  }
  /// Records first .. first + count - 1: one copy to pinned memory, one synchronisation.
  void read_log(Index first, Index count, StepRecord* out) const {
    if (count <= 0) return;
    cuda::detail::check_log_range("read_log", first, count, setup_.steps);
    cuda::detail::DeviceGuard guard(backend_.device());
    const std::size_t n = bytes<double>(cuda::detail::kRecord * count);
    const double* records = log_.data() + cuda::detail::kRecord * (first - 1);
    MMC_CUDA_CHECK(cudaMemcpyAsync(host_log_.data(), records, n, cudaMemcpyDeviceToHost,
                                   backend_.stream()));
    backend_.synchronize();
    static_assert(sizeof(StepRecord) == cuda::detail::kRecord * sizeof(double));
    std::memcpy(static_cast<void*>(out), host_log_.data(), n);
  }

  /// Runs step() (queuing step operations on backend.stream()). With the graph
  /// on: call 1 runs it eagerly (first forward passes may still allocate),
  /// call 2 captures it into a CUDA graph and launches that, later calls only
  /// launch it. The graph holds the pointers and shapes of the capture: the
  /// step must queue the same operations on the same buffers every time.
  template <class F>
  void run_step(F&& step) {
    if (!use_graph_ || !warmed_up_) {
      step();
      warmed_up_ = use_graph_;
      return;
    }
    cuda::detail::DeviceGuard guard(backend_.device());
    if (exec_ == nullptr) capture(step);
    MMC_CUDA_CHECK(cudaGraphLaunch(exec_, backend_.stream()));
  }
  /// Graph on (default) or every step eager (to compare the two).
  void use_graph(bool on) noexcept { use_graph_ = on; }

 private:
  template <class F>
  void capture(F& step) {
    const cudaStream_t stream = backend_.stream();
    if (graph_ != nullptr) {  // left by a capture whose instantiation failed
      (void)cudaGraphDestroy(graph_);
      graph_ = nullptr;
    }
    MMC_CUBLAS_CHECK(
        cublasSetWorkspace(backend_.cublas(), cublas_workspace_.data(), kCublasWorkspace));
    MMC_CUDA_CHECK(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
    try {
      step();
    } catch (...) {  // end the capture so the stream is usable again
      cudaGraph_t partial = nullptr;
      (void)cudaStreamEndCapture(stream, &partial);
      if (partial != nullptr) (void)cudaGraphDestroy(partial);
      (void)cudaGetLastError();
      throw;
    }
    MMC_CUDA_CHECK(cudaStreamEndCapture(stream, &graph_));
    MMC_CUDA_CHECK(cudaGraphInstantiate(&exec_, graph_, 0));
  }

  template <class E>
  void copy_in(E* device, const E* host, Index n) const {
    if (n > 0) {
      MMC_CUDA_CHECK(cudaMemcpyAsync(device, host, bytes<E>(n), cudaMemcpyHostToDevice,
                                     backend_.stream()));
    }
  }
  template <class E>
  static std::size_t bytes(Index n) noexcept {
    return static_cast<std::size_t>(n) * sizeof(E);
  }
  template <class V>
  static auto strided(V v) noexcept {
    using E = std::remove_pointer_t<decltype(v.data)>;
    return cuda::detail::Strided<E>{v.data, v.rows, v.cols, v.ld};
  }

  cuda::CudaBackend<T> backend_;
  ResidentSetup setup_;
  Index n_, dx_, dy_;
  cuda::DeviceBuffer<T> x_, y_, factor_, moments_;
  cuda::DeviceBuffer<Index> train_, window_, counters_;
  cuda::DeviceBuffer<std::uint64_t> keys_;
  cuda::DeviceBuffer<char> sort_storage_, cublas_workspace_;
  cuda::DeviceBuffer<double> partials_, results_, state_, weights_, log_;
  cuda::DeviceBuffer<nn::AdamCoefficients<T>> table_;
  mutable cuda::PinnedBuffer<double> host_log_;
  cuda::detail::BoundConstants constants_{};
  cudaGraph_t graph_ = nullptr;
  cudaGraphExec_t exec_ = nullptr;
  bool use_graph_ = true, warmed_up_ = false;
};

/// The CUDA backend trains the concat-critic bounds resident by default
/// (NeuralMiOptions::loop = automatic; neural/resident.hpp).
template <class T>
struct ResidentOps<cuda::CudaBackend<T>> : CudaResidentOps<T> {
  static constexpr bool kPreferred = true;
  using CudaResidentOps<T>::CudaResidentOps;
};

}  // namespace mmc::neural
