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
#include <type_traits>

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

/// The left operand of a GEMM that is cut into column blocks, packed once and
/// shared by every block (instead of once per block: for the MLP's 256 x 1024
/// products cut into 8 blocks, Eigen's per-block packing of the same 256 x 256
/// weights was about 7 % of a training step). The panels and the order of the
/// kernel calls are those of Eigen's sequential general_matrix_matrix_product
/// for one block of `block_cols` columns, so each block's result has the same
/// bits as gemm_accumulate on that block.
template <class T>
struct SharedLhsPlan {
  Index m = 0, k = 0, kc = 0, mc = 0, nc = 0;

  SharedLhsPlan() = default;
  /// Eigen's blocking for a block of c of rows x block_cols with inner dimension
  /// depth (> 0: Eigen's heuristic divides by it).
  SharedLhsPlan(Index rows, Index block_cols, Index depth) : m(rows), k(depth), kc(depth), mc(rows), nc(block_cols) {
    Eigen::internal::computeProductBlockingSizes<T, T, 1>(kc, mc, nc, Index(1));
    mc = std::min(m, mc);
    nc = std::min(block_cols, nc);
  }
  bool same_panels(const SharedLhsPlan& other) const noexcept {
    return m == other.m && k == other.k && kc == other.kc && mc == other.mc;
  }
  Index row_panels() const noexcept { return (m + mc - 1) / mc; }
  Index depth_panels() const noexcept { return (k + kc - 1) / kc; }
  Index panels() const noexcept { return row_panels() * depth_panels(); }
  /// Scalars of one panel slot (every slot has the largest panel's padded size).
  Index panel_stride() const noexcept { return AlignedScratch<T>::padded(kc * mc); }
  Index packed_size() const noexcept { return panels() * panel_stride(); }
  /// Scalars of per-block scratch (the packed right operand).
  Index block_scratch_size() const noexcept { return kc * nc; }
};

/// Packs panel `index` (row panel index / depth_panels(), depth panel index %
/// depth_panels()) of op(a) into packed + index * plan.panel_stride().
template <class T>
void pack_shared_lhs_panel(const SharedLhsPlan<T>& plan, Index index, bool trans_a, const T* a, Index lda,
                           T* packed) {
  using Traits = Eigen::internal::gebp_traits<T, T>;
  const Index i2 = (index / plan.depth_panels()) * plan.mc, k2 = (index % plan.depth_panels()) * plan.kc;
  const Index actual_mc = std::min(i2 + plan.mc, plan.m) - i2, actual_kc = std::min(k2 + plan.kc, plan.k) - k2;
  T* panel = packed + index * plan.panel_stride();
  const auto pack = [&](auto order) {
    constexpr int Order = decltype(order)::value;
    using Mapper = Eigen::internal::const_blas_data_mapper<T, Index, Order>;
    Eigen::internal::gemm_pack_lhs<T, Index, Mapper, Traits::mr, Traits::LhsProgress,
                                   typename Traits::LhsPacket4Packing, Order>
        pack_lhs;
    pack_lhs(panel, Mapper(a, lda).getSubMapper(i2, k2), actual_kc, actual_mc);
  };
  // op(a) = a^T of a column-major a is a read as row-major with the same stride.
  if (trans_a) {
    pack(std::integral_constant<int, Eigen::RowMajor>{});
  } else {
    pack(std::integral_constant<int, Eigen::ColMajor>{});
  }
}

/// c += alpha * op(a) * op(b) for one column block (c is m x n, n <= the plan's
/// block width) with op(a) already packed by pack_shared_lhs_panel; `scratch`
/// holds plan.block_scratch_size() scalars, 64-byte aligned. The loops are
/// those of Eigen's sequential product, without its pack_lhs.
template <class T>
void gemm_accumulate_shared_lhs(const SharedLhsPlan<T>& plan, const T* packed, bool trans_b, Index n, T alpha,
                                const T* b, Index ldb, T* c, Index ldc, T* scratch) {
  using Traits = Eigen::internal::gebp_traits<T, T>;
  using ResMapper = Eigen::internal::blas_data_mapper<T, Index, Eigen::ColMajor, Eigen::Unaligned, 1>;
  Eigen::internal::gebp_kernel<T, T, Index, ResMapper, Traits::mr, Traits::nr, false, false> gebp;
  const ResMapper res(c, ldc);
  const Index nc = std::min(n, plan.nc);
  const bool pack_rhs_once = plan.mc != plan.m && plan.kc == plan.k && nc == n;
  const auto run = [&](auto order) {
    constexpr int Order = decltype(order)::value;
    using RhsMapper = Eigen::internal::const_blas_data_mapper<T, Index, Order>;
    Eigen::internal::gemm_pack_rhs<T, Index, RhsMapper, Traits::nr, Order> pack_rhs;
    const RhsMapper rhs(b, ldb);
    for (Index i2 = 0, row_panel = 0; i2 < plan.m; i2 += plan.mc, ++row_panel) {
      const Index actual_mc = std::min(i2 + plan.mc, plan.m) - i2;
      for (Index k2 = 0, depth_panel = 0; k2 < plan.k; k2 += plan.kc, ++depth_panel) {
        const Index actual_kc = std::min(k2 + plan.kc, plan.k) - k2;
        const T* block_a = packed + (row_panel * plan.depth_panels() + depth_panel) * plan.panel_stride();
        for (Index j2 = 0; j2 < n; j2 += nc) {
          const Index actual_nc = std::min(j2 + nc, n) - j2;
          if (!pack_rhs_once || i2 == 0) pack_rhs(scratch, rhs.getSubMapper(k2, j2), actual_kc, actual_nc);
          gebp(res.getSubMapper(i2, j2), block_a, scratch, actual_mc, actual_kc, actual_nc, alpha);
        }
      }
    }
  };
  if (trans_b) {
    run(std::integral_constant<int, Eigen::RowMajor>{});
  } else {
    run(std::integral_constant<int, Eigen::ColMajor>{});
  }
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
