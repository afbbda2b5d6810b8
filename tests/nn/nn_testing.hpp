// Helpers shared by the tests of include/mmc/nn/: seeded random matrices and a
// smooth test loss on a network output, and the bad-input expectation.
#pragma once

#include <Eigen/Core>
#include <gtest/gtest.h>
#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/nn/detail/eigen_gemm.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::nn::testing {

/// rows x cols matrix of N(0, scale^2) draws from Rng(seed, stream).
template <class Matrix>
Matrix random_matrix(Index rows, Index cols, std::uint64_t seed, double scale = 1.0,
                     std::uint64_t stream = 0) {
  Matrix m(rows, cols);
  Rng rng(seed, stream);
  for (Index i = 0; i < m.size(); ++i) {
    m.data()[i] = static_cast<typename Matrix::Scalar>(scale * rng.normal());
  }
  return m;
}

/// L(o) = sum_ij c_ij o_ij + 0.5 sum_ij o_ij^2, a smooth loss with a non-trivial
/// gradient dL/do = c + o (written into grad when it is not null).
inline double quadratic_loss(ConstMatrixRef<double> out, const Eigen::MatrixXd& c,
                             Eigen::MatrixXd* grad = nullptr) {
  const auto o = as_eigen(out);
  if (grad != nullptr) *grad = c + o;
  return (c.array() * o.array()).sum() + 0.5 * o.squaredNorm();
}

/// Sign pattern (> 0) of a view: the piecewise regime of ReLU/ELU outputs.
template <class T>
std::vector<bool> positive_pattern(ConstMatrixRef<T> m) {
  std::vector<bool> pattern;
  const auto e = as_eigen(m);
  for (Index j = 0; j < m.cols; ++j) {
    for (Index i = 0; i < m.rows; ++i) pattern.push_back(e(i, j) > T(0));
  }
  return pattern;
}

/// Expects f() to throw mmc::invalid_argument whose message names `argument`
/// (quoted, as core/errors.hpp formats it) and contains `function`.
template <class F>
void expect_invalid(F&& f, const std::string& argument, const std::string& function = "") {
  try {
    f();
    ADD_FAILURE() << "no exception for " << argument;
  } catch (const mmc::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("'" + argument + "'"), std::string::npos) << what;
    EXPECT_NE(what.find(function), std::string::npos) << what;
  }
}

/// c (m x n, column-major, leading dimension m) += alpha op(a) op(b) computed
/// as the CPU backend's Eigen route does: Eigen's serial kernel
/// (detail::gemm_accumulate) on each block of `grain` columns. The oracle of
/// the tests that hold a cut GEMM to the serial kernel's bits.
template <class T>
void serial_kernel_by_column_blocks(bool trans_a, bool trans_b, Index m, Index n, Index k, T alpha,
                                    const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& a,
                                    const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>& b, Index grain, T* c) {
  for (Index begin = 0; begin < n; begin += grain) {
    const Index len = std::min(grain, n - begin);
    std::vector<T, Eigen::aligned_allocator<T>> scratch(
        static_cast<std::size_t>(mmc::nn::detail::gemm_scratch_size<T>(m, len, k)));
    mmc::nn::detail::gemm_accumulate<T>(trans_a, trans_b, m, len, k, alpha, a.data(), a.rows(),
                                        b.data() + (trans_b ? begin : begin * b.rows()), b.rows(), c + begin * m, m,
                                        scratch.data());
  }
}

}  // namespace mmc::nn::testing
