// mmc/nn/detail/avx512_gemm.hpp — a register-blocked AVX-512 SGEMM for the
// CPU backend's float GEMM blocks (nn/cpu_backend.hpp). Compiled where the
// compiler targets AVX-512F (e.g. -march=native on a CPU that has it) and
// MMC_NN_EIGEN_GEMM is not defined; elsewhere this header is empty and the
// backend uses Eigen's kernel (detail/eigen_gemm.hpp). Double products always
// use Eigen's.
//
// Why: the MLP's training step is ~70 % GEMM (docs/benchmarks.md), and
// Eigen 3.4's float kernel reaches 150-175 GFLOP/s on one core of an AVX-512
// CPU whose two FMA pipes give 256 (AMD Zen 5 at ~4 GHz): its register tile
// is 48 x 4 at most, so it loads more than it multiplies. The micro-kernel
// below keeps a 32 x 12 tile of c in 24 zmm registers; each step of the sum
// loads two 16-float vectors of the packed op(a), broadcasts 12 values of the
// packed op(b) (folded into the FMAs) and runs 24 FMAs, which the two FMA
// pipes can sustain. Measured there on the step's 256 x 128 x 256 blocks:
// ~255 GFLOP/s for the kernel alone.
//
// Layout (the GotoBLAS/BLIS scheme): op(a) (m x k) is packed in panels of kMr
// rows, each panel step p holding kMr consecutive floats (zero-padded past m);
// a transposed op(b) is packed, one chunk of at most kKc steps of the sum at a
// time, in panels of kNr columns (kNr floats per step, zero-padded past n); a
// column-major op(b) is read in place (its last partial panel packed). For
// every chunk, every column panel (in L1) meets every row panel (in L2).
//
// Rounding, and why results do not depend on threads: element c(i, j) is
// accumulated chunk by chunk; within a chunk, acc = fma(a(i, p), b(p, j), acc)
// from acc = 0 for p in order, then c = fma(alpha, acc, c) (or c = alpha acc
// for the first chunk when the caller overwrites). That is a function of
// (m, n, k) through kKc alone, so a block gives the same bits whoever runs it;
// reference_gemm below is the scalar statement of it, and the tests compare
// the kernel with it bit for bit. The bits differ from Eigen's kernel (another
// order of the same sums, the same error bound).
//
// The element-wise pass that follows a layer's product (bias and ReLU, or
// ReLU's derivative) can ride along in the last store of c (Epilogue), and
// the bias gradient's row sums in the packing of op(a) (pack_a_panel): the
// matrices are 1 MB at the MLP's shapes, and a separate pass reads them back
// from beyond L2. Each is the backend's own operation, with its bits.
#pragma once

#include "mmc/core/types.hpp"

#if defined(__AVX512F__) && !defined(MMC_NN_EIGEN_GEMM)
#define MMC_NN_AVX512_GEMM 1
#else
#define MMC_NN_AVX512_GEMM 0
#endif

#include <algorithm>
#include <cmath>

#if MMC_NN_AVX512_GEMM
#include <immintrin.h>
#endif

namespace mmc::nn::detail::avx512 {

/// Rows of a packed op(a) panel (two zmm vectors of floats).
inline constexpr Index kMr = 32;
/// Columns of a packed op(b) panel.
inline constexpr Index kNr = 12;
/// Steps of the sum per chunk: a kNr x kKc panel of op(b) (12 KiB) stays in L1.
inline constexpr Index kKc = 256;

inline constexpr Index round_up(Index n, Index multiple) noexcept {
  return (n + multiple - 1) / multiple * multiple;
}

/// Whether an m x n product should take this kernel: a 32 x 12 tile wastes
/// most of its FMAs on c of 16 rows or fewer, or of fewer than 8 columns, and
/// Eigen's narrower tiles are faster there (measured on the backend, one
/// thread, k = 256 / 1024: m = 8, 16 and n = 2 slower by 1.2-1.6x; m = 20 and
/// n = 10 faster by 1.3-1.4x). A function of the shape alone, so the bits are.
inline constexpr bool preferred(Index m, Index n) noexcept { return m > 16 && n >= 8; }

/// Floats of a packed op(a) of m x k.
inline constexpr Index packed_a_size(Index m, Index k) noexcept { return round_up(m, kMr) * k; }
/// Floats of one packed chunk of op(b) with n columns.
inline constexpr Index packed_b_size(Index n, Index k) noexcept { return std::min(k, kKc) * round_up(n, kNr); }
/// Row panels of an op(a) with m rows.
inline constexpr Index row_panels(Index m) noexcept { return (m + kMr - 1) / kMr; }

/// The kernel's arithmetic, one element at a time (the tests' bit-exact
/// oracle): c (m x n, column-major, ldc) += alpha op(a) op(b), or = when
/// overwrite, chunk by chunk as the file comment states.
inline void reference_gemm(bool trans_a, bool trans_b, Index m, Index n, Index k, float alpha, const float* a,
                           Index lda, const float* b, Index ldb, float* c, Index ldc, bool overwrite) {
  for (Index j = 0; j < n; ++j)
    for (Index i = 0; i < m; ++i) {
      float& out = c[i + j * ldc];
      for (Index p0 = 0; p0 < k; p0 += kKc) {
        float acc = 0.0f;
        for (Index p = p0; p < std::min(k, p0 + kKc); ++p) {
          const float av = trans_a ? a[p + i * lda] : a[i + p * lda];
          const float bv = trans_b ? b[j + p * ldb] : b[p + j * ldb];
          acc = std::fma(av, bv, acc);
        }
        out = (overwrite && p0 == 0) ? alpha * acc : std::fma(alpha, acc, out);
      }
    }
}

/// An element-wise pass fused into the kernel's last store of c (after the
/// last chunk of the sum), so that c is written once instead of written, read
/// and written again. Each is the operation of the backend's own pass, with
/// the same bits (the tests compare the two):
///   bias  c = c + bias(i)                    (bias_activation's `col += b`)
///   relu  c = (0 > c) ? 0 : c, after bias    (Eigen's max(c, 0))
///   gate  c = gate(i, j) > 0 ? c : 0         (activation_backward for ReLU,
///                                             gate = the layer's output)
/// Pointers are to row 0 / element (0, 0) of the whole c; null: not applied.
struct Epilogue {
  const float* bias = nullptr;
  bool relu = false;
  const float* gate = nullptr;
  Index ld_gate = 0;

  bool empty() const noexcept { return bias == nullptr && !relu && gate == nullptr; }
  /// The epilogue of the sub-matrix of c that starts at (i0, j0).
  Epilogue at(Index i0, Index j0) const noexcept {
    return {bias ? bias + i0 : nullptr, relu, gate ? gate + i0 + j0 * ld_gate : nullptr, ld_gate};
  }
};

#if MMC_NN_AVX512_GEMM

/// Mask of the first `count` lanes (count clamped to [0, 16]).
inline __mmask16 lanes(Index count) noexcept {
  return count >= 16 ? __mmask16(0xFFFF) : count <= 0 ? __mmask16(0) : __mmask16((1u << count) - 1u);
}

/// Packs row panel `panel` of op(a) (m x k) into packed + panel kMr k.
/// With `sums` (op(a) = a only): also sums(i) = sum_p a(i, p) + sums_beta
/// sums(i) for the panel's rows, sums[0] being row 0's — the backend's
/// sum_columns (the same additions, p in order, from sums_beta sums(i), or 0
/// when sums_beta = 0), read from the loads the packing makes anyway.
inline void pack_a_panel(bool trans_a, const float* a, Index lda, Index m, Index k, Index panel, float* packed,
                         float* sums = nullptr, float sums_beta = 0.0f) {
  const Index i0 = panel * kMr, rows = std::min(kMr, m - i0);
  float* out = packed + panel * kMr * k;
  if (!trans_a) {  // rows i0.. of every column p are contiguous
    const __mmask16 lo = lanes(rows), hi = lanes(rows - 16);
    float* s = sums ? sums + i0 : nullptr;
    __m512 sum_lo = _mm512_setzero_ps(), sum_hi = _mm512_setzero_ps();
    if (s != nullptr && sums_beta != 0.0f) {
      sum_lo = _mm512_mul_ps(_mm512_maskz_loadu_ps(lo, s), _mm512_set1_ps(sums_beta));
      sum_hi = _mm512_mul_ps(_mm512_maskz_loadu_ps(hi, s + 16), _mm512_set1_ps(sums_beta));
    }
    for (Index p = 0; p < k; ++p) {
      const float* src = a + i0 + p * lda;
      const __m512 vlo = _mm512_maskz_loadu_ps(lo, src), vhi = _mm512_maskz_loadu_ps(hi, src + 16);
      _mm512_store_ps(out + p * kMr, vlo);
      _mm512_store_ps(out + p * kMr + 16, vhi);
      if (s != nullptr) {
        sum_lo = _mm512_add_ps(sum_lo, vlo);
        sum_hi = _mm512_add_ps(sum_hi, vhi);
      }
    }
    if (s != nullptr) {
      _mm512_mask_storeu_ps(s, lo, sum_lo);
      _mm512_mask_storeu_ps(s + 16, hi, sum_hi);
    }
    return;
  }
  // op(a)(i, p) = a[p + i lda]: row i of the panel is a contiguous column of a.
  for (Index i = 0; i < rows; ++i) {
    const float* src = a + (i0 + i) * lda;
    for (Index p = 0; p < k; ++p) out[p * kMr + i] = src[p];
  }
  for (Index i = rows; i < kMr; ++i)
    for (Index p = 0; p < k; ++p) out[p * kMr + i] = 0.0f;
}

/// Packs steps p0 .. p0 + depth of op(b) (k x n), columns j_begin .. n, in
/// panels of kNr columns: the panel of columns j0.. at packed + (j0 / kNr) kNr
/// depth (j_begin a multiple of kNr).
inline void pack_b_chunk(bool trans_b, const float* b, Index ldb, Index n, Index j_begin, Index p0, Index depth,
                         float* packed) {
  for (Index j0 = j_begin; j0 < n; j0 += kNr) {
    const Index cols = std::min(kNr, n - j0);
    float* out = packed + (j0 / kNr) * kNr * depth;
    if (trans_b) {  // op(b)(p, j) = b[j + p ldb]: a step's columns are contiguous
      const __mmask16 m = lanes(cols);
      for (Index p = 0; p < depth; ++p) {
        const __m512 v = _mm512_maskz_loadu_ps(m, b + j0 + (p0 + p) * ldb);
        _mm512_mask_storeu_ps(out + p * kNr, lanes(kNr), v);
      }
      continue;
    }
    for (Index j = 0; j < cols; ++j) {
      const float* src = b + p0 + (j0 + j) * ldb;
      for (Index p = 0; p < depth; ++p) out[p * kNr + j] = src[p];
    }
    for (Index j = cols; j < kNr; ++j)
      for (Index p = 0; p < depth; ++p) out[p * kNr + j] = 0.0f;
  }
}

/// One kMr x kNr tile: c(0..rows, 0..cols) (+)= alpha * sum_p a_p b_p^T over
/// `depth` steps of a packed row panel and a column panel of op(b): packed
/// (b_p = b + p kNr) or, for a full panel of a column-major op(b), read where
/// it lies (b_p(j) = b[p + j ldb]: twelve sequential streams that stay in L1
/// while the row panels pass, which saves the interleaving copy).
template <bool Direct>
inline void micro_kernel(Index depth, const float* __restrict a, const float* __restrict b, Index ldb, float* c,
                         Index ldc, Index rows, Index cols, float alpha, bool overwrite,
                         const Epilogue* last) noexcept {
  // Every loop over j is unrolled, so that lo and hi live in registers (a
  // loop GCC leaves rolled indexes them, which puts them on the stack).
  __m512 lo[kNr], hi[kNr];
#pragma GCC unroll 12
  for (Index j = 0; j < kNr; ++j) lo[j] = hi[j] = _mm512_setzero_ps();
  for (Index p = 0; p < depth; ++p) {
    const __m512 a0 = _mm512_load_ps(a + p * kMr), a1 = _mm512_load_ps(a + p * kMr + 16);
#pragma GCC unroll 12
    for (Index j = 0; j < kNr; ++j) {
      const __m512 bj = _mm512_set1_ps(Direct ? b[p + j * ldb] : b[p * kNr + j]);
      lo[j] = _mm512_fmadd_ps(a0, bj, lo[j]);
      hi[j] = _mm512_fmadd_ps(a1, bj, hi[j]);
    }
  }
  // The store, with the fused pass after the last chunk (Epilogue, its
  // operations in its order; `last` is null before it).
  const __m512 al = _mm512_set1_ps(alpha), zero = _mm512_setzero_ps();
  const __mmask16 mlo = lanes(rows), mhi = lanes(rows - 16);
  const float* bias = last ? last->bias : nullptr;
  const float* gate = last ? last->gate : nullptr;
  const bool relu = last && last->relu;
  const __m512 bias_lo = bias ? _mm512_maskz_loadu_ps(mlo, bias) : zero;
  const __m512 bias_hi = bias ? _mm512_maskz_loadu_ps(mhi, bias + 16) : zero;
#pragma GCC unroll 12
  for (Index j = 0; j < kNr; ++j) {
    if (j >= cols) continue;
    float* cj = c + j * ldc;
    __m512 vlo, vhi;
    if (overwrite) {
      vlo = _mm512_mul_ps(al, lo[j]);
      vhi = _mm512_mul_ps(al, hi[j]);
    } else {
      vlo = _mm512_fmadd_ps(al, lo[j], _mm512_maskz_loadu_ps(mlo, cj));
      vhi = _mm512_fmadd_ps(al, hi[j], _mm512_maskz_loadu_ps(mhi, cj + 16));
    }
    if (bias) {
      vlo = _mm512_add_ps(vlo, bias_lo);
      vhi = _mm512_add_ps(vhi, bias_hi);
    }
    if (relu) {  // _mm512_max_ps(0, v) = (0 > v) ? 0 : v, NaN kept: Eigen's pmax(v, 0)
      vlo = _mm512_max_ps(zero, vlo);
      vhi = _mm512_max_ps(zero, vhi);
    }
    if (gate) {
      const float* gj = gate + j * last->ld_gate;
      vlo = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(mlo, gj), zero, _CMP_GT_OQ), vlo);
      vhi = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_maskz_loadu_ps(mhi, gj + 16), zero, _CMP_GT_OQ), vhi);
    }
    _mm512_mask_storeu_ps(cj, mlo, vlo);
    _mm512_mask_storeu_ps(cj + 16, mhi, vhi);
  }
}

/// c (m x n, ldc) (+)= alpha op(a) op(b) with op(a) packed by pack_a_panel
/// (all row_panels(m) panels, depth k); `scratch` holds packed_b_size(n, k)
/// floats, 64-byte aligned. overwrite: c = alpha op(a) op(b) (c need not be
/// initialised). A transposed op(b) is packed chunk by chunk; a column-major
/// one is read in place, all but a last partial panel (packed, zero-padded).
/// `epilogue` (if not empty) is applied to c with the last chunk's store.
inline void gemm_packed_a(const float* packed_a, Index m, Index k, bool trans_b, Index n, float alpha,
                          const float* b, Index ldb, float* c, Index ldc, bool overwrite, float* scratch,
                          const Epilogue& epilogue = {}) {
  const Index direct_end = trans_b ? 0 : n / kNr * kNr;
  for (Index p0 = 0; p0 < k; p0 += kKc) {
    const Index depth = std::min(kKc, k - p0);
    pack_b_chunk(trans_b, b, ldb, n, direct_end, p0, depth, scratch);
    for (Index j0 = 0; j0 < n; j0 += kNr) {
      const bool direct = j0 < direct_end;
      const float* bp = direct ? b + p0 + j0 * ldb : scratch + (j0 / kNr) * kNr * depth;
      for (Index i0 = 0; i0 < m; i0 += kMr) {
        const float* ap = packed_a + (i0 / kMr) * kMr * k + p0 * kMr;
        const Index rows = std::min(kMr, m - i0), cols = std::min(kNr, n - j0);
        float* ct = c + i0 + j0 * ldc;
        const Epilogue tile = epilogue.at(i0, j0);
        const Epilogue* last = p0 + depth == k && !epilogue.empty() ? &tile : nullptr;
        if (direct) {
          micro_kernel<true>(depth, ap, bp, ldb, ct, ldc, rows, cols, alpha, overwrite && p0 == 0, last);
        } else {
          micro_kernel<false>(depth, ap, bp, kNr, ct, ldc, rows, cols, alpha, overwrite && p0 == 0, last);
        }
      }
    }
  }
}

#endif  // MMC_NN_AVX512_GEMM

}  // namespace mmc::nn::detail::avx512
