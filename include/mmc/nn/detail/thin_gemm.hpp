// mmc/nn/detail/thin_gemm.hpp — the CPU backend's products with one side of
// length 1: a row of c (m = 1), a column of c (n = 1) or an outer product
// (k = 1). An MLP with one output unit (every critic and CENE head) computes
// three per training step: T = w3 A2 (1 x batch), dW3 = dT A2^T (1 x width)
// and dA2 = w3^T dT (width x batch).
//
// Why not Eigen's GEMM kernel: it packs op(a) and op(b) into panels built for
// blocks of 48 x 4 and more, and with a dimension of 1 the packing and the
// kernel's edge loops are all the work. Measured on the 2-core VM of
// docs/benchmarks.md (256 x 1024 activations, float): 25, 60 and 23 us for the
// three products through the kernel, a few us each here.
//
// Bits: every element of c is one fixed sequence of operations on its own
// row and column of op(a) and op(b) — a dot product with kDotLanes partial
// sums combined in a fixed order, or a running sum over l = 0..k-1 in order —
// so it does not depend on how the backend cuts c into blocks, or on threads.
// The result differs from Eigen's kernel's in the last bits (another order of
// summation), within the same rounding bound (tested against a long-double
// oracle in tests/nn/test_nn_backend.cpp).
#pragma once

#include "mmc/core/types.hpp"

namespace mmc::nn::detail {

/// Partial sums of thin_dot: a multiple of the widest SIMD register's lanes
/// (16 floats in AVX-512), so the compiler vectorises the lane loop.
inline constexpr Index kDotLanes = 16;

/// sum_l x[l * incx] * y[l] for l < k, in kDotLanes partial sums (lane t sums
/// l = t, t + kDotLanes, ...) added lane by lane in index order at the end.
template <class T>
T thin_dot(const T* x, Index incx, const T* y, Index k) noexcept {
  T lanes[kDotLanes] = {};
  Index l = 0;
  // The same operations either way; the unit-stride copy lets the compiler
  // use plain vector loads instead of gathers.
  if (incx == 1) {
    for (; l + kDotLanes <= k; l += kDotLanes) {
      for (Index t = 0; t < kDotLanes; ++t) lanes[t] += x[l + t] * y[l + t];
    }
  } else {
    for (; l + kDotLanes <= k; l += kDotLanes) {
      for (Index t = 0; t < kDotLanes; ++t) lanes[t] += x[(l + t) * incx] * y[l + t];
    }
  }
  for (Index t = 0; l < k; ++l, ++t) lanes[t] += x[l * incx] * y[l];
  T sum = T(0);
  for (Index t = 0; t < kDotLanes; ++t) sum += lanes[t];
  return sum;
}

/// thin_dot of one x against kDotColumns columns y_c = y + c * ldy at once:
/// each column's sum is the same sequence of operations as thin_dot(x, incx,
/// y_c, k) (so the same bits), but the columns' independent chains keep the
/// FMA units busy where one chain waits on its own latency.
inline constexpr Index kDotColumns = 4;

template <class T>
void thin_dots(const T* x, Index incx, const T* y, Index ldy, Index k, T* out) noexcept {
  T lanes[kDotColumns][kDotLanes] = {};
  Index l = 0;
  for (; l + kDotLanes <= k; l += kDotLanes) {
    T xs[kDotLanes];
    for (Index t = 0; t < kDotLanes; ++t) xs[t] = x[(l + t) * incx];
    for (Index c = 0; c < kDotColumns; ++c) {
      const T* yc = y + c * ldy + l;
      for (Index t = 0; t < kDotLanes; ++t) lanes[c][t] += xs[t] * yc[t];
    }
  }
  for (Index c = 0; c < kDotColumns; ++c) {
    for (Index i = l, t = 0; i < k; ++i, ++t) lanes[c][t] += x[i * incx] * y[c * ldy + i];
    T sum = T(0);
    for (Index t = 0; t < kDotLanes; ++t) sum += lanes[c][t];
    out[c] = sum;
  }
}

/// True when c = op(a) op(b) (m x n, inner dimension k) is a product
/// thin_gemm_accumulate takes: m, n or k equal to 1.
inline bool is_thin_product(Index m, Index n, Index k) noexcept { return m == 1 || n == 1 || k == 1; }

/// c += alpha * op(a) * op(b) for a thin product (is_thin_product), on raw
/// column-major storage with the contract of gemm_accumulate (eigen_gemm.hpp):
/// c is m x n (leading dimension ldc), op(a) is m x k, op(b) is k x n.
/// `zero_c`: c holds no value yet (beta = 0) and is computed as 0 + product,
/// the same bits as zeroing it first, without the extra pass over c.
/// `relu_gate` (outer products with zero_c only; m x n, leading dimension
/// ldg): c(i, j) = relu_gate(i, j) > 0 ? 0 + a_i (alpha b_j) : 0, the bits of
/// the product followed by the backend's activation_backward for ReLU (whose
/// output relu_gate is), in the same single pass over c.
template <class T>
void thin_gemm_accumulate(bool trans_a, bool trans_b, Index m, Index n, Index k, T alpha, const T* a, Index lda,
                          const T* b, Index ldb, T* c, Index ldc, bool zero_c = false,
                          const T* relu_gate = nullptr, Index ldg = 0) noexcept {
  // op(a)(i, l) = a[i * ai + l * al], op(b)(l, j) = b[l * bl + j * bj].
  const Index ai = trans_a ? lda : 1, al = trans_a ? 1 : lda;
  const Index bl = trans_b ? ldb : 1, bj = trans_b ? 1 : ldb;
  if (zero_c && k != 1) {  // (the outer product below writes c in one pass)
    for (Index j = 0; j < n; ++j) {
      for (Index i = 0; i < m; ++i) c[i + j * ldc] = T(0);
    }
  }
  if (k == 1) {  // outer product: c(i, j) += a_i * (alpha b_j)
    // 0 + x, not x, when c is new: a product of -0 must come out as +0, as
    // after zeroing. The gate's select computes both sides, so it compiles
    // to a vector blend (a branch on the gate's random signs mispredicts
    // half the time); a unit-stride a gets its own loop, vectorised.
    const auto columns = [&](auto a_at) {
      for (Index j = 0; j < n; ++j) {
        const T s = alpha * b[j * bj];
        T* cj = c + j * ldc;
        if (relu_gate != nullptr) {
          const T* gj = relu_gate + j * ldg;
          for (Index i = 0; i < m; ++i) {
            const T product = T(0) + a_at(i) * s;
            cj[i] = gj[i] > T(0) ? product : T(0);
          }
        } else if (zero_c) {
          for (Index i = 0; i < m; ++i) cj[i] = T(0) + a_at(i) * s;
        } else {
          for (Index i = 0; i < m; ++i) cj[i] += a_at(i) * s;
        }
      }
    };
    if (ai == 1) {
      columns([a](Index i) { return a[i]; });
    } else {
      columns([a, ai](Index i) { return a[i * ai]; });
    }
  } else if (m == 1) {  // one row of c
    if (bl == 1) {  // column j of op(b) contiguous: c(0, j) += alpha dot(op(a) row, column j)
      Index j = 0;
      for (T dots[kDotColumns]; j + kDotColumns <= n; j += kDotColumns) {
        thin_dots(a, al, b + j * bj, bj, k, dots);
        for (Index t = 0; t < kDotColumns; ++t) c[(j + t) * ldc] += alpha * dots[t];
      }
      for (; j < n; ++j) c[j * ldc] += alpha * thin_dot(a, al, b + j * bj, k);
    } else {  // row l of op(b) contiguous in j (bj == 1): c row += (alpha a_l) op(b) row l, l in order
      for (Index l = 0; l < k; ++l) {
        const T s = alpha * a[l * al];
        const T* bl_row = b + l * bl;
        for (Index j = 0; j < n; ++j) c[j * ldc] += s * bl_row[j];
      }
    }
  } else {  // n == 1: one column of c
    if (ai == 1) {  // column l of op(a) contiguous: c += (alpha b_l) op(a) column l, l in order
      for (Index l = 0; l < k; ++l) {
        const T s = alpha * b[l * bl];
        const T* al_column = a + l * al;
        for (Index i = 0; i < m; ++i) c[i] += s * al_column[i];
      }
    } else {  // row i of op(a) contiguous (al == 1): c(i, 0) += alpha dot(row i, op(b) column)
      for (Index i = 0; i < m; ++i) c[i] += alpha * thin_dot(b, bl, a + i * ai, k);
    }
  }
}

}  // namespace mmc::nn::detail
