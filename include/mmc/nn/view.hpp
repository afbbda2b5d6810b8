// mmc/nn/view.hpp — non-owning views of column-major matrices in a backend's memory.
//
// Layout of every batch in nn/ (docs/design.md §1 nn/, §4): a matrix of activations is
// (features x batch), column-major, one sample per column. That is byte for byte
// the library's row-major "one sample per row" data layout (docs/design.md §2), so a
// block of rows of an mmc::RowMatrix is a batch without a copy (as_batch), and
// every layer step is a GEMM on contiguous memory.
//
// A view is a pointer, a shape and a leading dimension (the distance between the
// starts of two columns, as in BLAS). The pointer lives in the memory of the
// backend that owns the buffer: host memory for the CPU backend, device memory
// for a CUDA backend. Views never own and never allocate, so the same struct
// describes host and device matrices and crosses the backend interface
// (nn/backend.hpp) unchanged.
#pragma once

#include <Eigen/Core>
#include <cassert>
#include <type_traits>

#include "mmc/core/types.hpp"

namespace mmc::nn {

/// Mutable view of a column-major rows x cols matrix with leading dimension ld >= rows.
template <class T>
struct MatrixRef {
  T* data = nullptr;
  Index rows = 0;
  Index cols = 0;
  Index ld = 0;

  MatrixRef() = default;
  MatrixRef(T* data_, Index rows_, Index cols_, Index ld_) noexcept
      : data(data_), rows(rows_), cols(cols_), ld(ld_) {}
  /// A contiguous matrix (ld = rows).
  MatrixRef(T* data_, Index rows_, Index cols_) noexcept : MatrixRef(data_, rows_, cols_, rows_) {}

  bool empty() const noexcept { return data == nullptr || rows == 0 || cols == 0; }
  Index size() const noexcept { return rows * cols; }
  /// True when the columns follow each other without gaps.
  bool contiguous() const noexcept { return ld == rows || cols <= 1; }
  /// Columns [begin, begin + count): a sub-batch.
  MatrixRef middle_cols(Index begin, Index count) const noexcept {
    assert(begin >= 0 && count >= 0 && begin + count <= cols);
    return {data + begin * ld, rows, count, ld};
  }
  /// Rows [begin, begin + count): a slice of the features.
  MatrixRef middle_rows(Index begin, Index count) const noexcept {
    assert(begin >= 0 && count >= 0 && begin + count <= rows);
    return {data + begin, count, cols, ld};
  }
};

/// Read-only view; converts implicitly from MatrixRef.
template <class T>
struct ConstMatrixRef {
  const T* data = nullptr;
  Index rows = 0;
  Index cols = 0;
  Index ld = 0;

  ConstMatrixRef() = default;
  ConstMatrixRef(const T* data_, Index rows_, Index cols_, Index ld_) noexcept
      : data(data_), rows(rows_), cols(cols_), ld(ld_) {}
  ConstMatrixRef(const T* data_, Index rows_, Index cols_) noexcept
      : ConstMatrixRef(data_, rows_, cols_, rows_) {}
  ConstMatrixRef(const MatrixRef<T>& m) noexcept  // NOLINT: implicit by design
      : data(m.data), rows(m.rows), cols(m.cols), ld(m.ld) {}

  bool empty() const noexcept { return data == nullptr || rows == 0 || cols == 0; }
  Index size() const noexcept { return rows * cols; }
  bool contiguous() const noexcept { return ld == rows || cols <= 1; }
  ConstMatrixRef middle_cols(Index begin, Index count) const noexcept {
    assert(begin >= 0 && count >= 0 && begin + count <= cols);
    return {data + begin * ld, rows, count, ld};
  }
  ConstMatrixRef middle_rows(Index begin, Index count) const noexcept {
    assert(begin >= 0 && count >= 0 && begin + count <= rows);
    return {data + begin, count, cols, ld};
  }
};

/// Eigen map of a host view (CPU backend, tests, losses).
template <class T>
using EigenMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>, Eigen::Unaligned,
                            Eigen::OuterStride<>>;
template <class T>
using ConstEigenMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>,
                                 Eigen::Unaligned, Eigen::OuterStride<>>;

/// Eigen map of a host view. Only valid for views into host memory.
template <class T>
EigenMap<T> as_eigen(MatrixRef<T> m) noexcept {
  return EigenMap<T>(m.data, m.rows, m.cols, Eigen::OuterStride<>(m.ld > 0 ? m.ld : 1));
}
template <class T>
ConstEigenMap<T> as_eigen(ConstMatrixRef<T> m) noexcept {
  return ConstEigenMap<T>(m.data, m.rows, m.cols, Eigen::OuterStride<>(m.ld > 0 ? m.ld : 1));
}

/// A batch view of host data stored one sample per row (a row-major matrix, or
/// a block of its rows): (features x samples), no copy. The expression must be
/// row-major with unit inner stride, e.g. `x` or `x.middleRows(begin, n)` for an
/// mmc::RowMatrix x. The view is valid while the matrix lives and is not resized.
template <class Derived>
ConstMatrixRef<typename Derived::Scalar> as_batch(const Eigen::DenseBase<Derived>& rows) {
  static_assert(static_cast<bool>(Derived::Flags & Eigen::DirectAccessBit),
                "mmc::nn::as_batch: pass a matrix (or a block of rows of one), not an expression");
  static_assert(static_cast<bool>(Derived::IsRowMajor) || Derived::ColsAtCompileTime == 1,
                "mmc::nn::as_batch: the data must be row-major (one sample per row, "
                "mmc::RowMatrix); for a column-major (features x batch) matrix use mmc::nn::view");
  const auto& d = rows.derived();
  assert(d.innerStride() == 1);
  if constexpr (Derived::IsRowMajor) {
    return {d.data(), d.cols(), d.rows(), d.outerStride()};
  } else {  // a column vector: n samples of one feature
    return {d.data(), 1, d.rows(), 1};
  }
}

/// View of a column-major Eigen matrix (or block of one) with unit inner stride.
template <class Derived>
auto view(Eigen::PlainObjectBase<Derived>& m) noexcept {
  static_assert(!Derived::IsRowMajor || Derived::ColsAtCompileTime == 1,
                "mmc::nn::view: pass a column-major matrix (or use as_batch for row-major data)");
  return MatrixRef<typename Derived::Scalar>(m.data(), m.rows(), m.cols(), m.rows());
}
template <class Derived>
auto view(const Eigen::PlainObjectBase<Derived>& m) noexcept {
  static_assert(!Derived::IsRowMajor || Derived::ColsAtCompileTime == 1,
                "mmc::nn::view: pass a column-major matrix (or use as_batch for row-major data)");
  return ConstMatrixRef<typename Derived::Scalar>(m.data(), m.rows(), m.cols(), m.rows());
}

}  // namespace mmc::nn
