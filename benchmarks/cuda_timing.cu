// Standalone timing (no Google Benchmark needed; scripts/gpu-check builds it
// with one nvcc line): the same figures as bench_cuda.cu — the MLP critic
// training step of benchmarks/cuda_step.cuh on CpuBackend<float> (2 threads)
// and CudaBackend<float> (FP32 and TF32), and cuBLAS SGEMM rates from the same
// binary — printed as a table, followed by the speed targets of docs/design.md
// §4 at batch 16 384, hidden 256: CUDA step >= 30 % of the SGEMM rate, >= 20x
// the CPU step.
//
// GPU times: cudaEvent around a burst of steps queued back to back (after 3
// warm-up steps), i.e. throughput as a trainer sees it when it does not read its
// estimate every step. CPU times: steady_clock around whole steps.
//
// Usage: cuda_timing [--quick]   (--quick: hidden 256 only, shorter bursts)
// Exit status: 0 measured (targets met or not: see the report), 77 no device,
// 1 on an error.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "cuda_step.cuh"
#include "mmc/cuda/device.cuh"

namespace {

using mmc::Index;

/// Seconds per run() of `work` on the GPU, from a burst of about `seconds`.
template <class Work>
double gpu_seconds_per_run(Work& work, cudaStream_t stream, double seconds) {
  for (int i = 0; i < 3; ++i) work.run();
  work.synchronize();
  cudaEvent_t start, stop;
  MMC_CUDA_CHECK(cudaEventCreate(&start));
  MMC_CUDA_CHECK(cudaEventCreate(&stop));
  int runs = 4;
  double per_run = 0.0;
  for (;;) {  // grow the burst until it lasts long enough to time
    MMC_CUDA_CHECK(cudaEventRecord(start, stream));
    for (int i = 0; i < runs; ++i) work.run();
    MMC_CUDA_CHECK(cudaEventRecord(stop, stream));
    MMC_CUDA_CHECK(cudaEventSynchronize(stop));
    float ms = 0.0f;
    MMC_CUDA_CHECK(cudaEventElapsedTime(&ms, start, stop));
    per_run = ms * 1e-3 / runs;
    if (ms * 1e-3 >= seconds || runs >= 4096) break;
    runs *= 4;
  }
  (void)cudaEventDestroy(start);
  (void)cudaEventDestroy(stop);
  return per_run;
}

/// Seconds per CPU step: at least one step, more until `seconds` have passed.
template <class Step>
double cpu_seconds_per_step(Step& step, double seconds) {
  using clock = std::chrono::steady_clock;  // (the constructor ran the warm-up step)
  int runs = 0;
  const auto start = clock::now();
  double elapsed = 0.0;
  do {
    step.run();
    ++runs;
    elapsed = std::chrono::duration<double>(clock::now() - start).count();
  } while (elapsed < seconds);
  return elapsed / runs;
}

struct Row {
  Index batch = 0, hidden = 0;
  double cpu = 0, fp32 = 0, tf32 = 0, flops = 0;  // seconds per step
};

double gflops(double flops, double seconds) { return seconds > 0 ? flops / seconds * 1e-9 : 0.0; }

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  const mmc::cuda::DeviceStatus status = mmc::cuda::device_status();
  if (!status.available()) {
    std::printf("no CUDA device: %s\nSKIPPED: the timing needs a GPU.\n", status.reason.c_str());
    return 77;
  }
  try {
    int device = 0;
    MMC_CUDA_CHECK(cudaGetDevice(&device));
    std::printf("device: %s\n", mmc::cuda::device_description(device).c_str());
    const double burst = quick ? 0.05 : 0.2;

    // cuBLAS SGEMM rates: the dense rate (8192^3) and the step's layer shapes.
    std::printf("\ncuBLAS SGEMM (same binary)        FP32 GFLOP/s   TF32 GFLOP/s\n");
    double peak_fp32 = 0, peak_tf32 = 0;
    const Index shapes[][3] = {{8192, 8192, 8192}, {256, 16384, 256}, {512, 16384, 512}};
    for (const auto& s : shapes) {
      double rate[2];
      for (int tf32 = 0; tf32 < 2; ++tf32) {
        mmc::bench::GemmRate gemm(s[0], s[1], s[2], tf32 != 0);
        rate[tf32] = gflops(gemm.flops(), gpu_seconds_per_run(gemm, gemm.stream(), burst));
      }
      if (s[0] == 8192) {
        peak_fp32 = rate[0];
        peak_tf32 = rate[1];
      }
      std::printf("  m=%-5lld n=%-6lld k=%-5lld %17.0f %14.0f\n", static_cast<long long>(s[0]),
                  static_cast<long long>(s[1]), static_cast<long long>(s[2]), rate[0], rate[1]);
    }

    std::printf("\nMLP critic step {32, H, H, 1} ReLU + Adam (CPU: 2 threads)\n");
    std::printf("%7s %5s | %9s %8s | %9s %8s %6s | %9s %8s | %8s\n", "batch", "H", "CPU ms",
                "GFLOP/s", "CUDA ms", "GFLOP/s", "%SGEMM", "TF32 ms", "GFLOP/s", "speedup");
    Row target;
    for (Index h : mmc::bench::step_hiddens()) {
      if (quick && h != 256) continue;
      for (Index n : mmc::bench::step_batches()) {
        Row r{n, h};
        {
          mmc::bench::CriticStep<mmc::nn::CpuBackend<float>> cpu(n, h, mmc::bench::cpu_backend());
          r.flops = cpu.flops();
          r.cpu = cpu_seconds_per_step(cpu, quick ? 0.1 : 0.3);
        }
        for (int tf32 = 0; tf32 < 2; ++tf32) {
          mmc::cuda::CudaBackend<float> backend({.allow_tf32 = tf32 != 0});
          mmc::bench::CriticStep<mmc::cuda::CudaBackend<float>> gpu(n, h, backend);
          (tf32 ? r.tf32 : r.fp32) = gpu_seconds_per_run(gpu, backend.stream(), burst);
        }
        std::printf("%7lld %5lld | %9.3f %8.1f | %9.4f %8.0f %5.1f%% | %9.4f %8.0f | %7.1fx\n",
                    static_cast<long long>(n), static_cast<long long>(h), r.cpu * 1e3,
                    gflops(r.flops, r.cpu), r.fp32 * 1e3, gflops(r.flops, r.fp32),
                    100.0 * gflops(r.flops, r.fp32) / peak_fp32, r.tf32 * 1e3,
                    gflops(r.flops, r.tf32), r.cpu / r.fp32);
        std::fflush(stdout);
        if (n == 16384 && h == 256) target = r;
      }
    }

    const double fraction = gflops(target.flops, target.fp32) / peak_fp32;
    const double fraction_tf32 = gflops(target.flops, target.tf32) / peak_tf32;
    const double speedup = target.cpu / target.fp32;
    std::printf("\nspeed targets (docs/design.md §4) at batch 16384, hidden 256 "
                "(FP32 step vs FP32 SGEMM 8192^3):\n");
    std::printf("  CUDA step = %.1f%% of the SGEMM rate (target >= 30%%): %s\n", 100 * fraction,
                fraction >= 0.30 ? "MET" : "NOT MET");
    std::printf("  CUDA step = %.1fx the 2-thread CPU step (target >= 20x): %s\n", speedup,
                speedup >= 20.0 ? "MET" : "NOT MET");
    std::printf("  (TF32 step = %.1f%% of the TF32 SGEMM rate, %.1fx the CPU step)\n",
                100 * fraction_tf32, target.cpu / target.tf32);
    return 0;
  } catch (const std::exception& e) {
    std::printf("cuda_timing: error: %s\n", e.what());
    return 1;
  }
}
