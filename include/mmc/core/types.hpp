// mmc/core/types.hpp — matrix aliases and unit helpers shared by every component.
//
// Data convention (docs/design.md §2): one sample per row. Estimators accept any
// Eigen expression (Eigen::MatrixBase<Derived>, row- or column-major); internally
// they work on a contiguous row-major copy, the layout below.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>

namespace mmc {

using Index = Eigen::Index;

/// Row-major dynamic matrix: one sample per row, the library's internal layout.
template <class T>
using RowMatrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Column vector of per-sample values.
template <class T>
using Vector = Eigen::Matrix<T, Eigen::Dynamic, 1>;

/// Integer class labels, one per sample.
using Labels = Eigen::VectorXi;

/// Converts nats (the library's unit) to bits.
template <class T>
constexpr T to_bits(T nats) noexcept {
  return nats / static_cast<T>(0.69314718055994530941723212145817657);
}

/// Converts bits to nats.
template <class T>
constexpr T to_nats(T bits) noexcept {
  return bits * static_cast<T>(0.69314718055994530941723212145817657);
}

/// Distance used by neighbour searches. KSG and its relatives need the max-norm
/// (L-infinity); KL entropy and geometric kNN can use the Euclidean norm.
enum class Norm { max, euclidean };

}  // namespace mmc
