// bench_mlp.cpp — one MINE-style critic training step on the CPU backend versus
// the FLOP count of its GEMMs (docs/design.md §6, the MLP speed target).
//
// Step: forward 512 joint + 512 marginal rows (1024 columns) through
// 10 -> 256 -> 256 -> 1 (ReLU, float), the MINE gradient dLoss/dT = -1/512 on
// joint rows and +1/512 on marginal rows, backward, Adam update. FLOPs counted:
// 2 m n k for every GEMM of the step (forward, weight gradients, and the input
// gradients of layers 2..L; element-wise work is not counted). The reference
// rate is a single-thread Eigen float GEMM (1024x256 * 256x256) measured in the
// same binary, through Eigen's public API and through the backend's kernel.
//
// Build by hand (release, as the targets assume), from the repository root:
//   g++ -std=c++20 -O3 -DNDEBUG -march=native -I include -isystem /usr/include/eigen3
//       benchmarks/bench_mlp.cpp -lbenchmark -lpthread -o /tmp/bench_mlp

// GCC 12 reports false -Wmaybe-uninitialized warnings inside its own AVX-512
// intrinsics (_mm512_undefined_ps, GCC bug 105593, fixed in GCC 13) when
// Eigen's kernels are inlined here with -march=native; they would fail a
// -Werror build. Nothing of ours is involved.
#if defined(__GNUC__) && !defined(__clang__) && __GNUC__ < 13
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <benchmark/benchmark.h>

#include <Eigen/Core>
#include <vector>

#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/mlp.hpp"
#include "mmc/nn/optimizers.hpp"

namespace {

using mmc::Index;

double step_flops(const std::vector<Index>& widths, Index batch) {
  double flops = 0.0;
  for (std::size_t l = 0; l + 1 < widths.size(); ++l) {
    const double layer = 2.0 * double(widths[l]) * double(widths[l + 1]) * double(batch);
    flops += 2.0 * layer;            // forward Z = W X and dW = dZ X^T
    if (l > 0) flops += layer;       // dX = W^T dZ (not needed for the input layer)
  }
  return flops;
}

void BM_CriticTrainStep(benchmark::State& state) {
  const int threads = static_cast<int>(state.range(0));
  const Index half = 512, batch = 2 * half;
  const std::vector<Index> widths{10, 256, 256, 1};
  mmc::nn::CpuBackend<float> backend(threads);
  mmc::nn::Mlp<float> critic(widths, mmc::nn::Activation::relu, 1, backend);
  mmc::nn::Adam<float> adam(mmc::nn::AdamOptions{.lr = 1e-4}, backend);
  mmc::Rng rng(7);
  mmc::RowMatrix<float> rows(batch, widths.front());
  for (Index i = 0; i < rows.size(); ++i) rows.data()[i] = static_cast<float>(rng.normal());
  Eigen::MatrixXf d_out(1, batch);
  d_out.leftCols(half).setConstant(-1.0f / half);
  d_out.rightCols(half).setConstant(1.0f / half);
  for (auto _ : state) {
    critic.forward(mmc::nn::as_batch(rows));
    critic.backward(mmc::nn::view(d_out));
    adam.step(critic);
    benchmark::DoNotOptimize(critic.parameters().data);
    benchmark::ClobberMemory();
  }
  const double flops = step_flops(widths, batch);
  state.counters["FLOPS"] =
      benchmark::Counter(flops, benchmark::Counter::kIsIterationInvariantRate);
  state.counters["MFLOP/step"] = flops * 1e-6;
}
BENCHMARK(BM_CriticTrainStep)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime()->MinTime(2.0);

constexpr Index kM = 1024, kK = 256, kN = 256;

void BM_EigenGemmSingleThread(benchmark::State& state) {
  const Eigen::MatrixXf a = Eigen::MatrixXf::Random(kM, kK), b = Eigen::MatrixXf::Random(kK, kN);
  Eigen::MatrixXf c(kM, kN);
  for (auto _ : state) {
    c.noalias() = a * b;
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.counters["FLOPS"] = benchmark::Counter(2.0 * kM * kN * kK,
                                               benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_EigenGemmSingleThread)->UseRealTime()->MinTime(1.0);

void BM_BackendGemm(benchmark::State& state) {
  mmc::nn::CpuBackend<float> backend(static_cast<int>(state.range(0)));
  Eigen::MatrixXf a = Eigen::MatrixXf::Random(kM, kK), b = Eigen::MatrixXf::Random(kK, kN);
  Eigen::MatrixXf c(kM, kN);
  for (auto _ : state) {
    backend.gemm(mmc::nn::Trans::no, mmc::nn::Trans::no, 1.0f, mmc::nn::view(a),
                 mmc::nn::view(b), 0.0f, mmc::nn::view(c));
    benchmark::DoNotOptimize(c.data());
    benchmark::ClobberMemory();
  }
  state.counters["FLOPS"] = benchmark::Counter(2.0 * kM * kN * kK,
                                               benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_BackendGemm)->Arg(1)->Arg(2)->ArgName("threads")->UseRealTime()->MinTime(1.0);

// The step's three products of its 256-wide hidden layer, one thread, through
// the backend (the AVX-512 kernel where compiled in, else Eigen's):
// 0 forward Z = W X (256 x 1024 x 256), 1 input gradient W^T dZ (the same,
// op(a) transposed), 2 weight gradient dZ X^T (256 x 256 x 1024, op(b)
// transposed).
void BM_BackendStepGemm(benchmark::State& state) {
  const int shape = static_cast<int>(state.range(0));
  mmc::nn::CpuBackend<float> backend(1);
  const Eigen::MatrixXf w = Eigen::MatrixXf::Random(256, 256), x = Eigen::MatrixXf::Random(256, 1024);
  Eigen::MatrixXf out(256, shape == 2 ? 256 : 1024);
  const auto ta = shape == 1 ? mmc::nn::Trans::yes : mmc::nn::Trans::no;
  const auto tb = shape == 2 ? mmc::nn::Trans::yes : mmc::nn::Trans::no;
  for (auto _ : state) {
    if (shape == 2) {
      backend.gemm(ta, tb, 1.0f, mmc::nn::view(x), mmc::nn::view(x), 0.0f, mmc::nn::view(out));
    } else {
      backend.gemm(ta, tb, 1.0f, mmc::nn::view(w), mmc::nn::view(x), 0.0f, mmc::nn::view(out));
    }
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.counters["FLOPS"] = benchmark::Counter(2.0 * 256 * 256 * 1024,
                                               benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_BackendStepGemm)->DenseRange(0, 2)->ArgName("shape")->UseRealTime()->MinTime(0.5);

}  // namespace

BENCHMARK_MAIN();
