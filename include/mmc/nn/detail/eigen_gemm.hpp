// mmc/nn/detail/eigen_gemm.hpp — Eigen's GEMM kernel with caller-owned packing
// buffers, for the CPU backend (nn/cpu_backend.hpp).
//
// Why not `c.noalias() += a * b`? Eigen's product evaluator allocates its packing
// buffers (kc x mc and kc x nc scalars) on the stack below 128 KiB and on the heap
// above; for the MLP's layers (e.g. 256 x 256 x 1024) that is a malloc per GEMM,
// and the training step must not allocate (docs/design.md §1 nn/). The blocked
// kernel itself, Eigen::internal::general_matrix_matrix_product::run, takes the
// buffers from its `blocking` argument, so we hand it ours: same kernel, same
// speed, no allocation. That is Eigen 3.4's internal interface; on another
// Eigen version we fall back to the public product (correct, but it allocates).
//
// Results depend on (m, n, k) through Eigen's cache blocking (kc splits the sum),
// never on threads: the CPU backend always calls this with the same block shapes.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <memory>
#include <new>

#include "mmc/core/types.hpp"

#if EIGEN_VERSION_AT_LEAST(3, 4, 0) && !EIGEN_VERSION_AT_LEAST(3, 4, 90)
#define MMC_NN_EIGEN_GEMM_NO_ALLOC 1
#else
#define MMC_NN_EIGEN_GEMM_NO_ALLOC 0
#endif

namespace mmc::nn::detail {

/// A growable, 64-byte aligned scratch array (packing buffers of one worker).
template <class T>
class AlignedScratch {
 public:
  T* data() noexcept { return data_.get(); }
  Index size() const noexcept { return size_; }
  /// Grows to at least n scalars (allocates only when n exceeds the capacity).
  void reserve(Index n) {
    if (n <= size_) return;
    data_.reset(new (std::align_val_t{kAlign}) T[static_cast<std::size_t>(n)]);
    size_ = n;
  }

  static constexpr std::size_t kAlign = 64;
  /// n rounded up so that the next array starts 64-byte aligned.
  static constexpr Index padded(Index n) noexcept {
    constexpr Index per_line = static_cast<Index>(kAlign / sizeof(T));
    return (n + per_line - 1) / per_line * per_line;
  }

 private:
  struct Free {
    void operator()(T* p) const noexcept { ::operator delete[](p, std::align_val_t{kAlign}); }
  };
  std::unique_ptr<T[], Free> data_;
  Index size_ = 0;
};

/// Scratch scalars the kernel needs for an (m x k) * (k x n) product.
template <class T>
Index gemm_scratch_size(Index m, Index n, Index k) {
  if (m <= 0 || n <= 0 || k <= 0) return 0;  // nothing to pack (and Eigen divides by k)
#if MMC_NN_EIGEN_GEMM_NO_ALLOC
  Index kc = k, mc = m, nc = n;
  Eigen::internal::computeProductBlockingSizes<T, T, 1>(kc, mc, nc, Index(1));
  return AlignedScratch<T>::padded(kc * mc) + kc * nc;
#else
  (void)m, (void)n, (void)k;
  return 0;
#endif
}

#if MMC_NN_EIGEN_GEMM_NO_ALLOC
/// Eigen's blocking descriptor pointing at caller-owned packing buffers.
template <class T>
class ScratchBlocking : public Eigen::internal::level3_blocking<T, T> {
 public:
  ScratchBlocking(Index m, Index n, Index k, T* scratch) {
    this->m_kc = k;
    this->m_mc = m;
    this->m_nc = n;
    Eigen::internal::computeProductBlockingSizes<T, T, 1>(this->m_kc, this->m_mc, this->m_nc,
                                                          Index(1));
    this->m_blockA = scratch;
    this->m_blockB = scratch + AlignedScratch<T>::padded(this->m_kc * this->m_mc);
  }
};

template <class T, int LhsOrder, int RhsOrder>
void run_kernel(Index m, Index n, Index k, const T* a, Index lda, const T* b, Index ldb, T* c,
                Index ldc, T alpha, T* scratch) {
  ScratchBlocking<T> blocking(m, n, k, scratch);
  Eigen::internal::general_matrix_matrix_product<Index, T, LhsOrder, false, T, RhsOrder, false,
                                                 Eigen::ColMajor, 1>::run(m, n, k, a, lda, b, ldb,
                                                                          c, 1, ldc, alpha,
                                                                          blocking, nullptr);
}
#endif

/// c += alpha * op(a) * op(b) on raw column-major storage: c is m x n (leading
/// dimension ldc), op(a) is m x k, op(b) is k x n. `scratch` must hold
/// gemm_scratch_size<T>(m, n, k) scalars, 64-byte aligned.
template <class T>
void gemm_accumulate(bool trans_a, bool trans_b, Index m, Index n, Index k, T alpha, const T* a,
                     Index lda, const T* b, Index ldb, T* c, Index ldc, T* scratch) {
  if (m == 0 || n == 0 || k == 0) return;
#if MMC_NN_EIGEN_GEMM_NO_ALLOC
  constexpr int C = Eigen::ColMajor, R = Eigen::RowMajor;
  // op(X) = X^T of a column-major X is X read as row-major with the same stride.
  if (!trans_a && !trans_b) run_kernel<T, C, C>(m, n, k, a, lda, b, ldb, c, ldc, alpha, scratch);
  if (!trans_a && trans_b) run_kernel<T, C, R>(m, n, k, a, lda, b, ldb, c, ldc, alpha, scratch);
  if (trans_a && !trans_b) run_kernel<T, R, C>(m, n, k, a, lda, b, ldb, c, ldc, alpha, scratch);
  if (trans_a && trans_b) run_kernel<T, R, R>(m, n, k, a, lda, b, ldb, c, ldc, alpha, scratch);
#else
  (void)scratch;
  using Mat = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>;
  using CMap = Eigen::Map<const Mat, Eigen::Unaligned, Eigen::OuterStride<>>;
  const CMap A(a, trans_a ? k : m, trans_a ? m : k, Eigen::OuterStride<>(lda));
  const CMap B(b, trans_b ? n : k, trans_b ? k : n, Eigen::OuterStride<>(ldb));
  Eigen::Map<Mat, Eigen::Unaligned, Eigen::OuterStride<>> Cm(c, m, n, Eigen::OuterStride<>(ldc));
  if (!trans_a && !trans_b) Cm.noalias() += alpha * A * B;
  if (!trans_a && trans_b) Cm.noalias() += alpha * A * B.transpose();
  if (trans_a && !trans_b) Cm.noalias() += alpha * A.transpose() * B;
  if (trans_a && trans_b) Cm.noalias() += alpha * A.transpose() * B.transpose();
#endif
}

}  // namespace mmc::nn::detail
