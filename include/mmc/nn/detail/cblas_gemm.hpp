// mmc/nn/detail/cblas_gemm.hpp — opt-in route of the CPU backend's GEMM blocks
// (nn/cpu_backend.hpp) to a CBLAS library, e.g. OpenBLAS. Everything below is
// compiled only when MMC_USE_CBLAS is defined; the default build sees an empty
// header and needs no BLAS. (cpu_backend.hpp includes this header
// unconditionally because scripts/amalgamate can only inline unconditional
// mmc includes.)
//
// Build: -DMMC_USE_CBLAS and link a CBLAS, e.g. on Debian 12
//   -DMMC_USE_CBLAS -I/usr/include/x86_64-linux-gnu/openblas-pthread
//   -L/usr/lib/x86_64-linux-gnu/openblas-pthread -lopenblas
//
// Why it exists, and why it is off by default (measured on a 2-core AMD EPYC
// Zen 5 (family 1Ah, AVX-512), g++ 12 -O3 -march=native, Eigen 3.4, Debian 12's
// OpenBLAS 0.3.21 pthread; interleaved runs on a shared machine, best and
// median of 17; probe of the step's 8 GEMM shapes + benchmarks/bench_mlp.cpp):
//   * The MINE critic step (10 -> 256 -> 256 -> 1, batch 1024, float) is ~90%
//     GEMM time (3.27 of ~3.6 ms); its three 256 x 1024 x 256 products run at
//     ~135-140 GFLOP/s in Eigen's kernel, single thread.
//   * OpenBLAS 0.3.21 does not know Zen 5 and picks its Haswell (AVX2)
//     kernels: ~95-100 GFLOP/s, so this route makes the step SLOWER there
//     (bench_mlp step, 1 thread: 3.14 -> 4.56 ms best, 0.69-0.76x).
//   * With OPENBLAS_CORETYPE=SkylakeX (or Cooperlake) in the environment (read
//     when the library loads) its AVX-512 kernels run these shapes at
//     ~160-190 GFLOP/s: the step's GEMM time drops 3.27 -> 2.57 ms (1.27x) in
//     the backend's 128-column blocks, and the step (bench_mlp, OpenBLAS
//     threads 1) gains 1.16-1.25x on 1 thread (3.14 -> 2.70 ms best, 3.74 ->
//     2.95 ms median) and 1.2-1.3x on 2 (2.45 -> 1.88 ms best, 2.98 -> 2.55 ms
//     median): short of the 1.5x that would justify a BLAS dependency.
//   * On an Intel Xeon of the Sapphire Rapids class (2-core VM, AVX-512,
//     2026-12-06; bench_mlp BM_CriticTrainStep, OpenBLAS threads 1, two
//     alternated runs): OpenBLAS 0.3.21 does not know that CPU either and
//     falls back to its "Prescott" (SSE3) kernels: 1 thread 4.0-4.2 ms with
//     Eigen against 15.7-16.2 ms, 4x slower. With OPENBLAS_CORETYPE=SkylakeX
//     4.5 ms, Cooperlake 4.1 ms, Haswell 6.5 ms: parity at best.
//   So: worth it only with a BLAS whose kernels fit the CPU, and then modest.
//   The figures above compare with Eigen's kernel; where the target has
//   AVX-512F the default route is now mmc's own kernel (avx512_gemm.hpp:
//   ~230 GFLOP/s on the step's products on that Zen 5, the step 2.0-2.2 ms
//   on 1 thread, docs/benchmarks.md), ahead of the OpenBLAS figures above.
//
// Threading: the backend still cuts every GEMM into its fixed blocks and runs
// them on its own pool, one BLAS call per block, concurrently from its
// workers. Set OPENBLAS_NUM_THREADS=1 (or call openblas_set_num_threads(1))
// whenever CpuBackend has more than one thread, or each worker's call starts
// the BLAS's own threads on the same cores (oversubscription; the step above
// on 2 backend threads: 1.88 ms best / 2.55 median with OpenBLAS threads 1,
// 2.42 / 3.35 with 2). With BLAS threads = 1, results do
// not depend on the backend's thread count (same blocks, same serial calls),
// as with Eigen; they differ from the Eigen route's bits, and with the BLAS's
// kernel choice (OPENBLAS_CORETYPE), within float rounding. With BLAS threads
// > 1 the bits may change with the BLAS's thread count (seen with OpenBLAS's
// Haswell kernels): not promised.
//
// Allocation: the no-allocation rule of the training step (docs/design.md §6)
// holds only as far as the BLAS keeps it. OpenBLAS 0.3.21 with threads = 1
// and Haswell kernels: no malloc per step; with SkylakeX kernels its small-
// matrix sgemm kernel mallocs 1 KiB per call (1 per critic step); with
// threads > 1, ~20-30 mallocs per step. (tests/nn/test_nn_no_alloc.cpp counts
// operator new and Eigen's allocations, not C-level malloc in the BLAS.)
#pragma once

#include "mmc/core/types.hpp"

#if defined(MMC_USE_CBLAS)

#include <cblas.h>

#include <cassert>
#include <limits>
#include <type_traits>

namespace mmc::nn::detail {

/// c += alpha * op(a) * op(b) on raw column-major storage: c is m x n (leading
/// dimension ldc), op(a) is m x k, op(b) is k x n. Same contract as
/// gemm_accumulate (eigen_gemm.hpp), without scratch: the BLAS owns its
/// packing buffers.
template <class T>
void cblas_gemm_accumulate(bool trans_a, bool trans_b, Index m, Index n, Index k, T alpha,
                           const T* a, Index lda, const T* b, Index ldb, T* c, Index ldc) {
  static_assert(std::is_same_v<T, float> || std::is_same_v<T, double>,
                "MMC_USE_CBLAS: CBLAS has GEMMs for float and double only");
  if (m == 0 || n == 0 || k == 0) return;
  // CBLAS takes int dimensions (32-bit unless the BLAS is built ILP64); an
  // MLP layer's blocks are far below that.
  constexpr Index kMax = std::numeric_limits<int>::max();
  assert(m <= kMax && n <= kMax && k <= kMax && lda <= kMax && ldb <= kMax && ldc <= kMax);
  (void)kMax;
  const CBLAS_TRANSPOSE ta = trans_a ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE tb = trans_b ? CblasTrans : CblasNoTrans;
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasColMajor, ta, tb, int(m), int(n), int(k), alpha, a, int(lda), b, int(ldb),
                1.0f, c, int(ldc));
  } else {
    cblas_dgemm(CblasColMajor, ta, tb, int(m), int(n), int(k), alpha, a, int(lda), b, int(ldb),
                1.0, c, int(ldc));
  }
}

}  // namespace mmc::nn::detail

#endif  // MMC_USE_CBLAS
