// mmc/nn/cpu_backend.hpp — the CPU implementation of the nn Backend concept
// (nn/backend.hpp), on Eigen and mmc::ThreadPool.
//
// Threading without losing bit-reproducibility (docs/design.md §2): a GEMM
// c = alpha op(a) op(b) + beta c is cut into blocks of kGemmGrain columns of c
// (or rows, when c has more rows than columns). The cut depends only on the
// shapes; every block is an independent, serial Eigen GEMM that writes only its
// own part of c, so no partial sums are ever reduced across blocks and the bits
// of c are the same for any number of threads (1 thread runs the same blocks in
// a loop). For the MLP this means: forward and input-gradient GEMMs are cut
// along the batch; the weight gradient dW = dZ A^T (a sum over the batch) is cut
// along the columns of dW, each block summing over the whole batch in one
// serial kernel. Eigen's own (OpenMP) threading is never used: we call its
// serial kernel directly (detail/eigen_gemm.hpp), with per-worker packing
// buffers that are sized before the blocks run, so steady-state steps do not
// allocate. Column blocks share one packing of op(a), done (in parallel by
// panels) before they run; each block's bits are still those of the serial
// kernel on that block alone. Element-wise operations (activations, optimizer
// updates) are computed column by column (one long column in segments), and
// bias sums (sum_columns) row by row over the columns in order, so their bits
// do not depend on the cut either.
//
// Float products on a target with AVX-512F run mmc's own register-blocked
// kernel (detail/avx512_gemm.hpp; ~1.4x Eigen's on the MLP's products) in the
// same blocks, unless c has 16 rows or fewer or fewer than 8 columns
// (avx512::preferred): column blocks share its packing of op(a); an element's
// bits depend on the shape alone. MMC_NN_EIGEN_GEMM keeps Eigen's kernel.
// There the fused operations (gemm_bias_activation, gemm_activation_backward,
// gemm_sum_columns) do the element-wise pass next to a product inside the
// kernel's packing or last store, with the bits of the separate calls.
//
// Products with m, n or k = 1 (a one-unit output layer) skip the packing
// kernel: detail/thin_gemm.hpp, same blocks, same thread-independence.
//
// Opt-in: with MMC_USE_CBLAS defined, each block is one cblas_sgemm/cblas_dgemm
// call instead of Eigen's kernel (same blocks; detail/cblas_gemm.hpp says when
// that pays, and how to set the BLAS's own threads). Off by default.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <cassert>
#include <functional>
#include <memory>
#include <type_traits>
#include <vector>

#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/nn/activations.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/detail/avx512_gemm.hpp"  // empty unless the target has AVX-512F
#include "mmc/nn/detail/eigen_gemm.hpp"
#include "mmc/nn/detail/cblas_gemm.hpp"  // empty unless MMC_USE_CBLAS (opt-in, see there)
#include "mmc/nn/detail/thin_gemm.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::nn {

template <class T = float>
class CpuBackend {
 public:
  using Scalar = T;
  using Buffer = Eigen::Matrix<T, Eigen::Dynamic, 1>;

  /// Columns (or rows) of c per GEMM block. Fixed: results depend on it, never on threads.
  static constexpr Index kGemmGrain = 128;
  /// Products below this many flops (2 m n k) run as one block, without dispatch.
  static constexpr double kMinParallelFlops = 4.0e6;
  /// Thin products (detail/thin_gemm.hpp) are memory-bound: they are cut from
  /// this many multiply-adds (m n k) on, e.g. a one-unit output layer's three
  /// products at a batch of 512 or more.
  static constexpr double kMinParallelThinProduct = 131072;
  /// Element-wise operations are cut into blocks of about this many elements.
  static constexpr Index kElementGrain = 1 << 15;
  /// Rows per block of sum_columns (when the matrix has kElementGrain elements or more).
  static constexpr Index kRowGrain = 64;

  /// threads: workers for GEMMs and element-wise work (0 = all cores, 1 = serial).
  explicit CpuBackend(int threads = 1) : context_(std::make_shared<Context>(threads)) {}

  int threads() const noexcept { return context_->pool ? context_->pool->size() : 1; }

  // ---- storage and transfers -------------------------------------------------
  void resize(Buffer& buffer, Index n) const {
    if (buffer.size() < n) buffer.resize(n);
  }
  T* data(Buffer& buffer) const noexcept { return buffer.data(); }
  const T* data(const Buffer& buffer) const noexcept { return buffer.data(); }

  void upload(const T* host, Index ld, MatrixRef<T> dst) const {
    copy(ConstMatrixRef<T>(host, dst.rows, dst.cols, ld), dst);
  }
  void download(ConstMatrixRef<T> src, T* host, Index ld) const {
    copy(src, MatrixRef<T>(host, src.rows, src.cols, ld));
  }
  void copy(ConstMatrixRef<T> src, MatrixRef<T> dst) const {
    assert(src.rows == dst.rows && src.cols == dst.cols);
    if (!dst.empty()) as_eigen(dst) = as_eigen(src);
  }
  void fill(MatrixRef<T> dst, T value) const {
    if (!dst.empty()) as_eigen(dst).setConstant(value);
  }

  // ---- dense algebra ---------------------------------------------------------
  void gemm(Trans ta, Trans tb, T alpha, ConstMatrixRef<T> a, ConstMatrixRef<T> b, T beta,
            MatrixRef<T> c) const {
    gemm_gated(ta, tb, alpha, a, b, beta, c, {});
  }

  // ---- fused operations (optional in the Backend concept; nn/dense.hpp uses
  // them when a backend has them) --------------------------------------------
  /// c = f(alpha op(a) op(b) + bias 1^T): gemm(ta, tb, alpha, a, b, 0, c) then
  /// bias_activation(f, bias, c), with the same bits. Where the AVX-512 kernel
  /// runs the product and f is identity or ReLU, the bias and f are applied
  /// as it stores c (detail::avx512::Epilogue): one pass over c instead of two.
  void gemm_bias_activation(Trans ta, Trans tb, T alpha, ConstMatrixRef<T> a, ConstMatrixRef<T> b,
                            ConstMatrixRef<T> bias, Activation f, MatrixRef<T> c) const {
    assert(bias.rows == c.rows && bias.cols == 1);
    if constexpr (std::is_same_v<T, float>) {
      if ((f == Activation::identity || f == Activation::relu) &&
          try_gemm_avx512(ta == Trans::yes, tb == Trans::yes, alpha, a, b, T(0), c,
                          {bias.data, f == Activation::relu, nullptr, 0}))
        return;
    }
    gemm(ta, tb, alpha, a, b, T(0), c);
    bias_activation(f, bias, c);
  }

  /// c = (alpha op(a) op(b)) (.) f'(z), f' written through out = f(z): gemm(ta,
  /// tb, alpha, a, b, 0, c) then activation_backward(f, out, c), with the same
  /// bits; fused into the AVX-512 kernel's store for ReLU, like
  /// gemm_bias_activation.
  void gemm_activation_backward(Trans ta, Trans tb, T alpha, ConstMatrixRef<T> a, ConstMatrixRef<T> b,
                                Activation f, ConstMatrixRef<T> out, MatrixRef<T> c) const {
    assert(out.rows == c.rows && out.cols == c.cols);
    if constexpr (std::is_same_v<T, float>) {
      if (f == Activation::relu && try_gemm_avx512(ta == Trans::yes, tb == Trans::yes, alpha, a, b, T(0), c,
                                                   {nullptr, false, out.data, out.ld}))
        return;
    }
    // The input gradient of a one-unit output layer (an outer product, k = 1):
    // gated as it is written (gemm_gated).
    const Index k = ta == Trans::yes ? a.rows : a.cols;
    if (f == Activation::relu && k == 1 && alpha != T(0)) {
      gemm_gated(ta, tb, alpha, a, b, T(0), c, out);
      return;
    }
    gemm(ta, tb, alpha, a, b, T(0), c);
    activation_backward(f, out, c);
  }

  /// c = alpha a op(b) + beta c and sums = a 1 + beta sums: gemm(Trans::no,
  /// tb, alpha, a, b, beta, c) then sum_columns(a, beta, sums), with the same
  /// bits (a layer's weight and bias gradients, dW = dZ X^T and db = dZ 1).
  /// Where the AVX-512 kernel runs the product, the sums are taken while it
  /// packs a, which it reads in full anyway: one pass over dZ fewer.
  void gemm_sum_columns(Trans tb, T alpha, ConstMatrixRef<T> a, ConstMatrixRef<T> b, T beta, MatrixRef<T> c,
                        MatrixRef<T> sums) const {
    assert(sums.rows == a.rows && sums.cols == 1);
    if constexpr (std::is_same_v<T, float>) {
      if (try_gemm_avx512(false, tb == Trans::yes, alpha, a, b, beta, c, {}, RowSums{sums.data, beta})) return;
    }
    gemm(Trans::no, tb, alpha, a, b, beta, c);
    sum_columns(a, beta, sums);
  }

  void bias_activation(Activation f, ConstMatrixRef<T> bias, MatrixRef<T> z) const {
    assert(bias.rows == z.rows && bias.cols == 1);
    const auto b = as_eigen(bias).col(0);
    for_columns(z.rows, z.cols, [&](Index j) {
      auto col = as_eigen(z).col(j);
      col += b;
      auto x = col.array();
      switch (f) {
        case Activation::identity: break;
        case Activation::relu: x = x.max(T(0)); break;
        case Activation::elu: x = (x > T(0)).select(x, x.expm1()); break;
        case Activation::tanh: x = x.tanh(); break;
        case Activation::softplus: x = x.max(T(0)) + (-x.abs()).exp().log1p(); break;
      }
    });
  }

  void activation_backward(Activation f, ConstMatrixRef<T> out, MatrixRef<T> grad) const {
    assert(out.rows == grad.rows && out.cols == grad.cols);
    if (f == Activation::identity) return;
    for_columns(grad.rows, grad.cols, [&](Index j) {
      const auto a = as_eigen(out).col(j).array();
      auto g = as_eigen(grad).col(j).array();
      switch (f) {
        case Activation::identity: break;
        case Activation::relu: g = (a > T(0)).select(g, T(0)); break;
        case Activation::elu: g *= (a > T(0)).select(T(1), a + T(1)); break;
        case Activation::tanh: g *= T(1) - a.square(); break;
        case Activation::softplus: g *= -(-a).expm1(); break;
      }
    });
  }

  void sum_columns(ConstMatrixRef<T> g, T beta, MatrixRef<T> out) const {
    assert(out.rows == g.rows && out.cols == 1);
    // Blocks of rows, each summing its rows over every column in column
    // order: an element's sum is the same whatever the cut.
    const Index grain = g.rows * g.cols >= kElementGrain ? kRowGrain : std::max<Index>(g.rows, 1);
    auto block = [&](Index bi, int) {
      const Index begin = bi * grain, len = std::min(grain, g.rows - begin);
      auto o = as_eigen(out).col(0).segment(begin, len);
      if (beta == T(0)) {
        o.setZero();
      } else if (beta != T(1)) {
        o *= beta;
      }
      const auto G = as_eigen(g).middleRows(begin, len);
      for (Index j = 0; j < g.cols; ++j) o += G.col(j);
    };
    run_blocks(block_count(g.rows, grain), block);
  }

  /// In kNormLanes partial sums per column (squared_sum, below): one running
  /// double sum per column would be a chain of dependent additions, about
  /// 40 us per step for a 70k-parameter critic on the 2-core VM, serial.
  double squared_norm(ConstMatrixRef<T> x) const {
    double sum = 0.0;
    for (Index j = 0; j < x.cols; ++j) sum += squared_sum(x.data + j * x.ld, x.rows);
    return sum;
  }

  void scale(MatrixRef<T> x, T s) const {
    if (!x.empty()) as_eigen(x) *= s;
  }

  // ---- optimizer updates (formulas in backend.hpp) ---------------------------
  void adam_update(MatrixRef<T> p, ConstMatrixRef<T> g, MatrixRef<T> m, MatrixRef<T> v,
                   const AdamCoefficients<T>& c) const {
    for_segments(p.rows, p.cols, [&](Index j, Index begin, Index len) {
      auto P = as_eigen(p).col(j).segment(begin, len).array();
      const auto G = as_eigen(g).col(j).segment(begin, len).array();
      auto M = as_eigen(m).col(j).segment(begin, len).array();
      auto V = as_eigen(v).col(j).segment(begin, len).array();
      M = c.beta1 * M + (T(1) - c.beta1) * G;
      V = c.beta2 * V + (T(1) - c.beta2) * G.square();
      P = P - c.decay * P - c.step_size * M / (V.sqrt() * c.inv_sqrt_bias2 + c.eps);
    });
  }

  void sgd_update(MatrixRef<T> p, ConstMatrixRef<T> g, MatrixRef<T> velocity,
                  const SgdCoefficients<T>& c) const {
    for_segments(p.rows, p.cols, [&](Index j, Index begin, Index len) {
      auto P = as_eigen(p).col(j).segment(begin, len).array();
      const auto G = as_eigen(g).col(j).segment(begin, len).array();
      auto U = as_eigen(velocity).col(j).segment(begin, len).array();
      U = c.momentum * U + (G + c.weight_decay * P);
      if (c.nesterov) {
        P -= c.lr * ((G + c.weight_decay * P) + c.momentum * U);
      } else {
        P -= c.lr * U;
      }
    });
  }

 private:
  /// gemm; for an outer product (k = 1, alpha != 0, beta = 0) optionally
  /// gated by a ReLU's output (`relu_gate`, the shape of c) as it is written
  /// (thin_gemm_accumulate): gemm_activation_backward's one pass.
  void gemm_gated(Trans ta, Trans tb, T alpha, ConstMatrixRef<T> a, ConstMatrixRef<T> b, T beta, MatrixRef<T> c,
                  ConstMatrixRef<T> relu_gate) const {
    const bool trans_a = ta == Trans::yes, trans_b = tb == Trans::yes;
    const Index m = c.rows, n = c.cols, k = trans_a ? a.rows : a.cols;
    assert(relu_gate.empty() || (k == 1 && alpha != T(0) && beta == T(0)));
    assert((trans_a ? a.cols : a.rows) == m && (trans_b ? b.rows : b.cols) == n &&
           (trans_b ? b.cols : b.rows) == k);
    if (m == 0 || n == 0) return;
    // Cut along the longer side of c; never for small products.
    const Blocking cut = blocking(m, n, k);
    const bool by_cols = cut.by_cols;
    const Index grain = cut.grain, blocks = cut.blocks;
    const Index extent = by_cols ? n : m;
    // m, n or k = 1 (a one-unit output layer): dot products, axpys or an outer
    // product (detail/thin_gemm.hpp), in the same blocks, with no packing.
    const bool thin = detail::is_thin_product(m, n, k);
    if (try_gemm_avx512(trans_a, trans_b, alpha, a, b, beta, c, {})) return;
#if !defined(MMC_USE_CBLAS)  // (a CBLAS owns its packing buffers)
    // Size every worker's packing buffers for the largest block before running.
    const Index full = std::min(grain, extent), tail = extent - (blocks - 1) * grain;
    // (Thin products pack nothing.)
    Index need = thin      ? 0
                 : by_cols ? std::max(detail::gemm_scratch_size<T>(m, full, k),
                                      detail::gemm_scratch_size<T>(m, tail, k))
                           : std::max(detail::gemm_scratch_size<T>(full, n, k),
                                      detail::gemm_scratch_size<T>(tail, n, k));
#if MMC_NN_EIGEN_GEMM_NO_ALLOC
    // Column blocks share one packing of op(a) (detail::SharedLhsPlan); a
    // last, narrower block whose panels would differ packs its own.
    const bool share_lhs = !thin && by_cols && blocks > 1 && k > 0 && alpha != T(0);
    const detail::SharedLhsPlan<T> plan = share_lhs ? detail::SharedLhsPlan<T>(m, full, k) : detail::SharedLhsPlan<T>();
    const detail::SharedLhsPlan<T> tail_plan = share_lhs ? detail::SharedLhsPlan<T>(m, tail, k) : plan;
    const bool tail_shares = tail_plan.same_panels(plan);
    T* packed_lhs = nullptr;
    if (share_lhs) {
      context_->shared_lhs.reserve(plan.packed_size());
      packed_lhs = context_->shared_lhs.data();
      need = std::max({need, plan.block_scratch_size(), tail_plan.block_scratch_size()});
    }
#endif
    for (auto& s : context_->scratch) s.reserve(need);
#if MMC_NN_EIGEN_GEMM_NO_ALLOC
    if (share_lhs) {
      auto pack = [&](Index panel, int) {
        detail::pack_shared_lhs_panel<T>(plan, panel, trans_a, a.data, a.ld, packed_lhs);
      };
      run_blocks(plan.panels(), pack);
    }
#endif
#endif

    auto block = [&](Index bi, int slot) {
      const Index begin = bi * grain, len = std::min(grain, extent - begin);
      MatrixRef<T> cb = by_cols ? c.middle_cols(begin, len) : c.middle_rows(begin, len);
      // Offsets of the block in op(a) (rows) or op(b) (columns).
      const T* ab = a.data;
      const T* bb = b.data;
      if (by_cols) {
        bb += trans_b ? begin : begin * b.ld;
      } else {
        ab += trans_a ? begin * a.ld : begin;
      }
      const bool product = k > 0 && alpha != T(0);
      if (thin && product) {  // beta = 0: the thin product zeroes c itself (no extra pass)
        if (beta != T(0) && beta != T(1)) as_eigen(cb) *= beta;
        const ConstMatrixRef<T> gate = relu_gate.empty()  ? relu_gate
                                       : by_cols           ? relu_gate.middle_cols(begin, len)
                                                           : relu_gate.middle_rows(begin, len);
        detail::thin_gemm_accumulate<T>(trans_a, trans_b, cb.rows, cb.cols, k, alpha, ab, a.ld, bb, b.ld, cb.data,
                                        cb.ld, /*zero_c=*/beta == T(0), gate.data, gate.ld);
        return;
      }
      if (beta == T(0)) {
        as_eigen(cb).setZero();
      } else if (beta != T(1)) {
        as_eigen(cb) *= beta;
      }
      if (!product) return;
#if defined(MMC_USE_CBLAS)
      (void)slot;
      detail::cblas_gemm_accumulate<T>(trans_a, trans_b, cb.rows, cb.cols, k, alpha, ab, a.ld, bb,
                                       b.ld, cb.data, cb.ld);
#else
#if MMC_NN_EIGEN_GEMM_NO_ALLOC
      if (share_lhs && (len == full || tail_shares)) {
        detail::gemm_accumulate_shared_lhs<T>(len == full ? plan : tail_plan, packed_lhs, trans_b, len, alpha,
                                              bb, b.ld, cb.data, cb.ld, context_->scratch[slot].data());
        return;
      }
#endif
      detail::gemm_accumulate<T>(trans_a, trans_b, cb.rows, cb.cols, k, alpha, ab, a.ld, bb, b.ld,
                                 cb.data, cb.ld, context_->scratch[slot].data());
#endif
    };
    run_blocks(blocks, block);
  }

  /// The blocks of a product (see gemm): cut along the longer side of c, never
  /// for products below kMinParallelFlops (kMinParallelThinProduct for thin
  /// ones).
  struct Blocking {
    bool by_cols;
    Index grain, blocks;
  };
  static Blocking blocking(Index m, Index n, Index k) noexcept {
    const bool by_cols = n >= m;
    const Index extent = by_cols ? n : m;
    const double work = double(m) * double(n) * double(k);
    const bool split = detail::is_thin_product(m, n, k) ? work >= kMinParallelThinProduct
                                                         : 2.0 * work >= kMinParallelFlops;
    const Index grain = split ? kGemmGrain : extent;
    return {by_cols, grain, block_count(extent, grain)};
  }

  /// Row sums of op(a) taken while it is packed (gemm_sum_columns): out =
  /// op(a) 1 + beta out; out == nullptr: none.
  struct RowSums {
    T* out = nullptr;
    T beta = T(0);
  };

  /// Runs c = alpha op(a) op(b) + beta c, then `epilogue`, on the AVX-512
  /// kernel when it takes this product (float, not thin, avx512::preferred;
  /// with `sums`, only for op(a) = a); false (nothing done) otherwise.
  bool try_gemm_avx512(bool trans_a, bool trans_b, T alpha, ConstMatrixRef<T> a, ConstMatrixRef<T> b, T beta,
                       MatrixRef<T> c, const detail::avx512::Epilogue& epilogue, RowSums sums = {}) const {
#if MMC_NN_AVX512_GEMM && !defined(MMC_USE_CBLAS)
    if constexpr (std::is_same_v<T, float>) {
      const Index m = c.rows, n = c.cols, k = trans_a ? a.rows : a.cols;
      if (m == 0 || n == 0 || detail::is_thin_product(m, n, k) || k == 0 || alpha == T(0) ||
          !detail::avx512::preferred(m, n) || (sums.out != nullptr && trans_a))
        return false;
      const Blocking cut = blocking(m, n, k);
      gemm_avx512(trans_a, trans_b, k, alpha, a, b, beta, c, cut.by_cols, cut.grain, cut.blocks, epilogue, sums);
      return true;
    }
#endif
    (void)trans_a, (void)trans_b, (void)alpha, (void)a, (void)b, (void)beta, (void)c, (void)epilogue, (void)sums;
    return false;
  }

#if MMC_NN_AVX512_GEMM && !defined(MMC_USE_CBLAS)
  // gemm() for float products on AVX-512 (detail/avx512_gemm.hpp), in the same
  // blocks. Column blocks share one packing of op(a), made by row panels (in
  // parallel when there are several blocks); a row block packs its own rows of
  // op(a). Every block packs its op(b) chunk by chunk into its worker's scratch.
  // beta = 0 overwrites c in the kernel instead of zeroing it first.
  void gemm_avx512(bool trans_a, bool trans_b, Index k, T alpha, ConstMatrixRef<T> a, ConstMatrixRef<T> b,
                   T beta, MatrixRef<T> c, bool by_cols, Index grain, Index blocks,
                   const detail::avx512::Epilogue& epilogue, RowSums sums) const {
    namespace kernel = detail::avx512;
    const Index m = c.rows, n = c.cols, extent = by_cols ? n : m, widest = std::min(grain, extent);
    const Index a_stride = detail::AlignedScratch<T>::padded(kernel::packed_a_size(widest, k));
    const Index need = by_cols ? kernel::packed_b_size(widest, k) : a_stride + kernel::packed_b_size(n, k);
    for (auto& s : context_->scratch) s.reserve(need);
    T* packed_a = nullptr;
    if (by_cols) {
      context_->shared_lhs.reserve(kernel::packed_a_size(m, k));
      packed_a = context_->shared_lhs.data();
      auto pack = [&](Index panel, int) {
        kernel::pack_a_panel(trans_a, a.data, a.ld, m, k, panel, packed_a, sums.out, sums.beta);
      };
      if (blocks > 1) {
        run_blocks(kernel::row_panels(m), pack);
      } else {
        for (Index panel = 0; panel < kernel::row_panels(m); ++panel) pack(panel, 0);
      }
    }
    auto block = [&](Index bi, int slot) {
      const Index begin = bi * grain, len = std::min(grain, extent - begin);
      MatrixRef<T> cb = by_cols ? c.middle_cols(begin, len) : c.middle_rows(begin, len);
      const bool overwrite = beta == T(0);
      if (!overwrite && beta != T(1)) as_eigen(cb) *= beta;
      T* scratch = context_->scratch[static_cast<std::size_t>(slot)].data();
      if (by_cols) {
        const T* bb = b.data + (trans_b ? begin : begin * b.ld);
        kernel::gemm_packed_a(packed_a, m, k, trans_b, len, alpha, bb, b.ld, cb.data, cb.ld, overwrite, scratch,
                              epilogue.at(0, begin));
        return;
      }
      const T* ab = a.data + (trans_a ? begin * a.ld : begin);
      for (Index panel = 0; panel < kernel::row_panels(len); ++panel)
        kernel::pack_a_panel(trans_a, ab, a.ld, len, k, panel, scratch, sums.out ? sums.out + begin : nullptr,
                             sums.beta);
      kernel::gemm_packed_a(scratch, len, k, trans_b, n, alpha, b.data, b.ld, cb.data, cb.ld, overwrite,
                            scratch + a_stride, epilogue.at(begin, 0));
    };
    run_blocks(blocks, block);
  }
#endif

  struct Context {
    explicit Context(int threads) {
      const int t = resolve_threads(threads);
      if (t > 1) pool = std::make_unique<ThreadPool>(t);
      scratch.resize(static_cast<std::size_t>(t));
    }
    std::unique_ptr<ThreadPool> pool;
    std::vector<detail::AlignedScratch<T>> scratch;  // one per worker slot
    detail::AlignedScratch<T> shared_lhs;            // op(a) packed once for all column blocks
  };

  /// Runs f(block, slot) for every block; slot in [0, workers) is owned by one
  /// thread for the whole call (it indexes the packing buffers). Constructing the
  /// std::function from a one-pointer lambda does not allocate (small-buffer).
  template <class F>
  void run_blocks(Index blocks, F& f) const {
    ThreadPool* pool = context_->pool.get();
    const Index workers = pool ? std::min<Index>(pool->size(), blocks) : 1;
    if (workers <= 1) {
      for (Index b = 0; b < blocks; ++b) f(b, 0);
      return;
    }
    struct Shared {
      F* f;
      std::atomic<Index> next;
      Index blocks;
    } shared{&f, {0}, blocks};
    const std::function<void(Index)> task = [s = &shared](Index slot) {
      for (Index b = s->next.fetch_add(1); b < s->blocks; b = s->next.fetch_add(1)) {
        (*s->f)(b, static_cast<int>(slot));
      }
    };
    pool->run(workers, task);
  }

  /// f(column) for every column, in blocks of about kElementGrain elements.
  template <class F>
  void for_columns(Index rows, Index cols, F&& f) const {
    const Index grain = std::max<Index>(1, kElementGrain / std::max<Index>(rows, 1));
    auto block = [&](Index bi, int) {
      const Index end = std::min(cols, (bi + 1) * grain);
      for (Index j = bi * grain; j < end; ++j) f(j);
    };
    run_blocks(block_count(cols, grain), block);
  }

  /// f(column, begin, length) over the element-wise work: column by column as
  /// for_columns, except that a single column (an MLP's flat parameter vector,
  /// for the optimizers) is cut into segments of kElementGrain rows. Every
  /// element is computed alone, so the cut does not change a bit.
  template <class F>
  void for_segments(Index rows, Index cols, F&& f) const {
    if (cols != 1) {
      for_columns(rows, cols, [&](Index j) { f(j, Index(0), rows); });
      return;
    }
    auto block = [&](Index bi, int) {
      const Index begin = bi * kElementGrain;
      f(Index(0), begin, std::min(kElementGrain, rows - begin));
    };
    run_blocks(block_count(rows, kElementGrain), block);
  }

  /// Partial sums of squared_sum: a multiple of the doubles in an AVX-512
  /// register, enough independent chains to hide the addition's latency.
  static constexpr Index kNormLanes = 32;

  /// sum of x[i]^2 in double over i < n: lane t sums i = t, t + kNormLanes, ...
  /// in order; the lanes are added in index order at the end.
  static double squared_sum(const T* x, Index n) noexcept {
    double lanes[kNormLanes] = {};
    Index i = 0;
    for (; i + kNormLanes <= n; i += kNormLanes) {
      for (Index t = 0; t < kNormLanes; ++t) {
        const double v = static_cast<double>(x[i + t]);
        lanes[t] += v * v;
      }
    }
    for (Index t = 0; i < n; ++i, ++t) {
      const double v = static_cast<double>(x[i]);
      lanes[t] += v * v;
    }
    double sum = 0.0;
    for (Index t = 0; t < kNormLanes; ++t) sum += lanes[t];
    return sum;
  }

  std::shared_ptr<Context> context_;
};

static_assert(Backend<CpuBackend<float>> && Backend<CpuBackend<double>>);

}  // namespace mmc::nn
