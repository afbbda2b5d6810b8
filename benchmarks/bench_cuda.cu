// Google Benchmark: one MLP critic training step (benchmarks/cuda_step.cuh) at
// batch 512 ... 65 536 and hidden 256 / 512, on CpuBackend<float> (2 threads)
// and CudaBackend<float> (FP32, and TF32 tensor cores), plus cuBLAS SGEMM rates
// measured in the same binary: at the step's largest GEMM shape (H x batch x H)
// and at 8192^3 (the GPU's dense rate). docs/design.md §4, §6; the speed targets:
// at batch 16 384, hidden 256 the CUDA step reaches >= 30 % of the SGEMM rate and
// >= 20x the 2-thread CPU step.
//
// BM_CudaResidentStep: the device-resident training step (cuda/resident_ops.cuh,
// contract in neural/resident_ops.hpp) replayed from a CUDA graph: the same
// critic and columns as BM_CudaStep (batch = joint + marginal columns, so
// K = batch / 2 pairs), plus what a real step adds on the device — gathering
// the pairs from the resident data set (16 + 16 features), the bound's
// statistics, MINE's average and dLoss/dT, the gradient norm, Adam from the
// coefficient table — and no host synchronisation inside the burst. Gflop/s
// counts the same GEMM flops as BM_CudaStep, so the two rows compare directly.
//
// Counters: Gflop/s = GEMM flops of the step (or of the GEMM) per second of
// wall time. A GPU iteration queues kGpuBurst steps and then synchronises once
// (a trainer synchronises only when it reads its estimate), so per-step time
// is the iteration time / kGpuBurst. Without a GPU the CUDA benchmarks report
// an error ("no CUDA device: ...") and the CPU ones still run.
//
//   bench_cuda --benchmark_min_time=0.2 [--benchmark_filter=Cuda]
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cuda_step.cuh"
#include "mmc/core/rng.hpp"
#include "mmc/cuda/device.cuh"
#include "mmc/cuda/resident_ops.cuh"
#include "mmc/neural/resident_ops.hpp"
#include "mmc/nn/mlp.hpp"
#include "mmc/nn/optimizers.hpp"

namespace {

using mmc::Index;
using mmc::bench::CriticStep;
using mmc::bench::GemmRate;

constexpr int kGpuBurst = 10;

bool skip_without_device(benchmark::State& state) {
  static const mmc::cuda::DeviceStatus status = mmc::cuda::device_status();
  if (status.available()) return false;
  state.SkipWithError(("no CUDA device: " + status.reason).c_str());
  for (auto _ : state) {
  }
  return true;
}

void set_rate(benchmark::State& state, double flops_per_iteration, int steps) {
  state.counters["Gflop"] =
      benchmark::Counter(flops_per_iteration * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["steps/iter"] = steps;
}

void BM_CpuStep(benchmark::State& state) {
  CriticStep<mmc::nn::CpuBackend<float>> step(state.range(0), state.range(1),
                                              mmc::bench::cpu_backend());
  for (auto _ : state) step.run();
  set_rate(state, step.flops(), 1);
}

void cuda_step(benchmark::State& state, bool tf32) {
  if (skip_without_device(state)) return;
  CriticStep<mmc::cuda::CudaBackend<float>> step(
      state.range(0), state.range(1), mmc::cuda::CudaBackend<float>({.allow_tf32 = tf32}));
  for (auto _ : state) {
    for (int i = 0; i < kGpuBurst; ++i) step.run();
    step.synchronize();
  }
  set_rate(state, kGpuBurst * step.flops(), kGpuBurst);
}
void BM_CudaStep(benchmark::State& state) { cuda_step(state, false); }
void BM_CudaStepTf32(benchmark::State& state) { cuda_step(state, true); }

/// The resident loop's step on a {32, H, H, 1} critic, with the host-side
/// bookkeeping of neural/resident.hpp between steps (window rotation and the
/// next epoch's order when the offset wraps; the step counter rewound when the
/// coefficient table runs out), all queued without synchronising.
class ResidentStep {
 public:
  using B = mmc::cuda::CudaBackend<float>;
  static constexpr Index kHalf = 16, kTableSteps = 1000;

  ResidentStep(Index columns, Index hidden)
      : k_(columns / 2), n_(std::max<Index>(8 * k_, 4096)),
        mlp_({mmc::bench::kCriticInputs, hidden, hidden, 1}, mmc::nn::Activation::relu, 1, gpu_),
        ops_(gpu_, setup(k_, mlp_.parameter_count()), features(n_, 1), features(n_, 2),
             indices(n_)) {
    gpu_.resize(input_, mmc::bench::kCriticInputs * 2 * k_);
    gpu_.resize(d_scores_, 2 * k_);
    mlp_.reserve(2 * k_);
    std::vector<mmc::nn::AdamCoefficients<float>> table;
    for (Index t = 1; t <= kTableSteps; ++t) {
      table.push_back(mmc::nn::adam_coefficients<float>(mmc::nn::AdamOptions{}, t));
    }
    ops_.set_schedule(1, table);
    ops_.fill_epoch(0, 0);
    ops_.fill_epoch(1, 1);
    run();  // eager: sizes every buffer
    run();  // captures the CUDA graph; later calls replay it
    synchronize();
  }

  void run() {
    ops_.run_step([this] { queue_step(); });
    ++step_;
    offset_ += k_;
    if (offset_ >= n_) {
      offset_ -= n_;
      ops_.rotate_window();
      ops_.fill_epoch(1, epoch_++);
    }
    if (step_ > kTableSteps) {
      step_ = 1;
      ops_.set_position(1, offset_);
    }
  }
  void synchronize() { gpu_.synchronize(); }
  double flops() const { return mmc::bench::critic_step_flops(2 * k_, mlp_.layers()[0].out); }

 private:
  void queue_step() {
    const mmc::nn::MatrixRef<float> input{gpu_.data(input_), mmc::bench::kCriticInputs, 2 * k_};
    const mmc::nn::MatrixRef<float> d_scores{gpu_.data(d_scores_), 1, 2 * k_};
    ops_.gather_pairs(input);
    const mmc::nn::ConstMatrixRef<float> scores = mlp_.forward(input);
    ops_.bound_step(scores, d_scores);
    mlp_.backward(d_scores);
    ops_.gradient_norm(mlp_.gradients());
    ops_.adam(mlp_.parameters(), mlp_.gradients());
    ops_.advance();
  }

  static mmc::neural::ResidentSetup setup(Index k, Index parameters) {
    mmc::neural::ResidentSetup s;
    s.batch = k;
    s.steps = kTableSteps;
    s.parameters = parameters;
    s.seed = 3;
    return s;
  }
  static mmc::RowMatrix<float> features(Index n, std::uint64_t seed) {
    mmc::RowMatrix<float> m(n, kHalf);
    mmc::Rng rng(seed, 0);
    for (Index i = 0; i < m.size(); ++i) m.data()[i] = static_cast<float>(rng.normal());
    return m;
  }
  static std::vector<Index> indices(Index n) {
    std::vector<Index> v(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) v[static_cast<std::size_t>(i)] = i;
    return v;
  }

  B gpu_{mmc::cuda::CudaOptions{}};  // its own stream and cuBLAS handle
  Index k_, n_;
  mmc::nn::Mlp<float, B> mlp_;
  mmc::neural::ResidentOps<B> ops_;
  B::Buffer input_, d_scores_;
  Index step_ = 1, offset_ = 0;
  std::uint64_t epoch_ = 2;
};

void BM_CudaResidentStep(benchmark::State& state) {
  if (skip_without_device(state)) return;
  ResidentStep step(state.range(0), state.range(1));
  for (auto _ : state) {
    for (int i = 0; i < kGpuBurst; ++i) step.run();
    step.synchronize();
  }
  set_rate(state, kGpuBurst * step.flops(), kGpuBurst);
}

/// cuBLAS SGEMM m x n x k (args: m, n, k, tf32).
void BM_CublasSgemm(benchmark::State& state) {
  if (skip_without_device(state)) return;
  GemmRate gemm(state.range(0), state.range(1), state.range(2), state.range(3) != 0);
  for (auto _ : state) {
    for (int i = 0; i < kGpuBurst; ++i) gemm.run();
    gemm.synchronize();
  }
  set_rate(state, kGpuBurst * gemm.flops(), kGpuBurst);
}

void step_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"batch", "hidden"});
  for (Index h : mmc::bench::step_hiddens()) {
    for (Index n : mmc::bench::step_batches()) b->Args({n, h});
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

void gemm_args(benchmark::internal::Benchmark* b) {
  b->ArgNames({"m", "n", "k", "tf32"});
  for (int tf32 : {0, 1}) {
    b->Args({8192, 8192, 8192, tf32});
    for (Index h : mmc::bench::step_hiddens()) b->Args({h, 16384, h, tf32});
  }
  b->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_CublasSgemm)->Apply(gemm_args);
BENCHMARK(BM_CudaStep)->Apply(step_args);
BENCHMARK(BM_CudaStepTf32)->Apply(step_args);
BENCHMARK(BM_CudaResidentStep)
    ->ArgNames({"batch", "hidden"})
    ->Args({512, 256})
    ->Args({16384, 256})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(BM_CpuStep)->Apply(step_args);

}  // namespace

BENCHMARK_MAIN();
