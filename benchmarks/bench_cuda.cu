// Google Benchmark: one MLP critic training step (benchmarks/cuda_step.cuh) at
// batch 512 ... 65 536 and hidden 256 / 512, on CpuBackend<float> (2 threads)
// and CudaBackend<float> (FP32, and TF32 tensor cores), plus cuBLAS SGEMM rates
// measured in the same binary: at the step's largest GEMM shape (H x batch x H)
// and at 8192^3 (the GPU's dense rate). docs/design.md §4, §6; the speed targets:
// at batch 16 384, hidden 256 the CUDA step reaches >= 30 % of the SGEMM rate and
// >= 20x the 2-thread CPU step.
//
// Counters: Gflop/s = GEMM flops of the step (or of the GEMM) per second of
// wall time. A GPU iteration queues kGpuBurst steps and then synchronises once
// (a trainer synchronises only when it reads its estimate), so per-step time
// is the iteration time / kGpuBurst. Without a GPU the CUDA benchmarks report
// an error ("no CUDA device: ...") and the CPU ones still run.
//
//   bench_cuda --benchmark_min_time=0.2 [--benchmark_filter=Cuda]
#include <benchmark/benchmark.h>

#include <memory>
#include <string>

#include "cuda_step.cuh"
#include "mmc/cuda/device.cuh"

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
BENCHMARK(BM_CpuStep)->Apply(step_args);

}  // namespace

BENCHMARK_MAIN();
