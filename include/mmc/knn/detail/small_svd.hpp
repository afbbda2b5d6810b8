// mmc/knn/detail/small_svd.hpp — the singular values and right singular
// vectors of a small dense matrix (a few dozen rows and columns at most), for
// the per-sample neighbourhoods of geometric kNN.
//
// Why: geometric kNN decomposes one (k+1) x d matrix per sample and space
// (docs/design.md §3.1). On such shapes Eigen's dynamic-size JacobiSVD spends
// much of its time outside the arithmetic (its QR preconditioner, two-sided
// 2 x 2 steps through generic expressions): 25 us for a random 11 x 10 matrix
// and 4.5 us for 11 x 5, against 11 us and 2.3 us here (docs/benchmarks.md).
//
// Method: one-sided (Hestenes) Jacobi on the columns a_1..a_n of A. Each step
// rotates a pair of columns (p, q) in their plane so that they become
// orthogonal, and V's columns alike: with alpha = |a_p|^2, beta = |a_q|^2,
// gamma = a_p.a_q, tau = beta - alpha, h = sqrt(tau^2 + 4 gamma^2), the
// smaller rotation angle (Rutishauser's, as in LAPACK's dgesvj) has
//   tan = sign(tau) 2 gamma / (|tau| + h),
//   (cos, sin) = (|tau| + h, sign(tau) 2 gamma) / sqrt((|tau| + h)^2 + 4 gamma^2),
//   (a_p, a_q) <- (cos a_p - sin a_q, sin a_p + cos a_q)
// (one division and two square roots, the usual zeta form takes three
// divisions: this is the latency every step waits for). A sweep visits every
// pair once in round-robin order: n - 1 rounds (n rounded up to even) of
// disjoint pairs, (r, n-1) and ((r + i) mod (n-1), (r - i) mod (n-1)), whose
// steps are independent, so the processor overlaps them (1 to 25 % faster than
// the row-by-row order at 11 x 10, in 4 % fewer sweeps). Sweeps stop after the
// first one in which every pair passes gamma^2 <= tol^2 alpha beta, tol = rows
// * epsilon (the rounding of a dot product of that length: a smaller tol would
// chase rounding noise); then A V = U Sigma with sigma_j = |a_j|. At most
// kSmallSvdMaxSweeps sweeps (quadratic convergence: 5 to 8 for random 11 x 10
// matrices, up to 11 for rank-deficient ones).
//
// Accuracy: unlike an eigen-decomposition of the Gram matrix A^T A, which
// squares the condition number (a small sigma_j is then known only to
// sqrt(epsilon) sigma_1), every step is an orthogonal transformation of A
// itself, so every sigma_j is accurate to a few epsilon sigma_1 and V is
// orthogonal to a few epsilon, as with JacobiSVD (tests/knn/test_small_svd.cpp):
// geometric kNN's rank test sigma_d <= 1e-12 sigma_1 needs that.
//
// Scaling: A is first multiplied by the power of two that brings its largest
// magnitude into [0.5, 1) (exact: a matrix times 2^e decomposes into the same
// V and 2^e Sigma), so that no square overflows; only a pair of columns whose
// norms multiply to less than about 1e-139 of the largest entry squared meets
// underflow in its test, and singular values that small relative to sigma_1
// are not resolved (the rank test calls them zero anyway). The singular
// values are scaled back at the end.
//
// Determinism: plain loops in a fixed order, fresh dot products for every
// pair (no norms carried over between steps), no reduction left to the
// compiler's vectorisation: the results depend only on the input's bits, not
// on the thread that computes them.
// Storage is allocated by shape() only, so that one decomposition per thread
// serves every sample of a given shape without allocating.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "mmc/core/types.hpp"

namespace mmc::knn::detail {

/// Sweep cap of SmallSvd::compute.
inline constexpr int kSmallSvdMaxSweeps = 30;

/// One-sided Jacobi SVD of a rows x cols matrix, rows >= cols >= 1 (file
/// comment): fill matrix(), call compute(), read singular_values() (descending)
/// and matrix_v() (thin V, its columns in the same order).
class SmallSvd {
 public:
  /// Allocates for a rows x cols input; a no-op when the shape is unchanged.
  void shape(Index rows, Index cols) {
    if (a_.rows() == rows && a_.cols() == cols) return;
    a_.resize(rows, cols);
    v_.resize(cols, cols);
    sigma_.resize(cols);
  }

  /// The input, column-major; compute() overwrites it with U Sigma (the
  /// columns sigma_j u_j, in the order of the singular values).
  Eigen::MatrixXd& matrix() noexcept { return a_; }
  const Eigen::MatrixXd& matrix() const noexcept { return a_; }
  const Eigen::VectorXd& singular_values() const noexcept { return sigma_; }
  const Eigen::MatrixXd& matrix_v() const noexcept { return v_; }
  /// Sweeps of the last compute(), the final one (which rotated nothing) included.
  int sweeps() const noexcept { return sweeps_; }

  /// Decomposes matrix(). Returns false when A holds a non-finite value (then
  /// every singular value is NaN and V = I), and when the sweep cap was reached
  /// before every pair of columns passed the orthogonality test (the result is
  /// then still A V with V orthogonal, its columns not quite orthogonal).
  bool compute() {
    const Index rows = a_.rows(), cols = a_.cols();
    double* a = a_.data();
    double* v = v_.data();
    for (Index c = 0; c < cols; ++c)
      for (Index r = 0; r < cols; ++r) v[c * cols + r] = r == c ? 1.0 : 0.0;
    sweeps_ = 0;
    double largest = 0.0;
    bool finite = true;
    for (Index i = 0; i < rows * cols; ++i) {
      finite = finite && std::isfinite(a[i]);
      largest = std::max(largest, std::abs(a[i]));
    }
    if (!finite) {
      sigma_.setConstant(std::numeric_limits<double>::quiet_NaN());
      return false;
    }
    if (largest == 0.0) {
      sigma_.setZero();
      return true;
    }
    int exponent = 0;
    std::frexp(largest, &exponent);  // largest = f 2^exponent, f in [0.5, 1)
    const double down = std::ldexp(1.0, -exponent);
    for (Index i = 0; i < rows * cols; ++i) a[i] *= down;

    const double tol = static_cast<double>(rows) * std::numeric_limits<double>::epsilon();
    const double tol2 = tol * tol;
    const Index players = cols + cols % 2;  // round-robin over an even count (one may be absent)
    bool converged = false;
    while (!converged && sweeps_ < kSmallSvdMaxSweeps) {
      ++sweeps_;
      converged = true;
      for (Index round = 0; round + 1 < players; ++round) {
        for (Index i = 0; 2 * i < players; ++i) {
          Index p = round, q = players - 1;
          if (i > 0) {
            p = (round + i) % (players - 1);
            q = (round + players - 1 - i) % (players - 1);
          }
          if (p > q) std::swap(p, q);
          if (q >= cols) continue;  // the absent column of an odd count
          converged = rotate(a + p * rows, a + q * rows, v + p * cols, v + q * cols, rows, cols, tol2) && converged;
        }
      }
    }

    const double up = std::ldexp(1.0, exponent);
    for (Index c = 0; c < cols; ++c) {
      double* ac = a + c * rows;
      double norm2 = 0.0;
      for (Index r = 0; r < rows; ++r) norm2 += ac[r] * ac[r];
      sigma_(c) = std::sqrt(norm2) * up;
      for (Index r = 0; r < rows; ++r) ac[r] *= up;
    }
    // Descending order, V's and U Sigma's columns alike: selection sort, the
    // first of equal values first (cols is small; the order is deterministic).
    for (Index j = 0; j + 1 < cols; ++j) {
      Index largest_at = j;
      for (Index c = j + 1; c < cols; ++c)
        if (sigma_(c) > sigma_(largest_at)) largest_at = c;
      if (largest_at == j) continue;
      std::swap(sigma_(j), sigma_(largest_at));
      a_.col(j).swap(a_.col(largest_at));
      v_.col(j).swap(v_.col(largest_at));
    }
    return converged;
  }

 private:
  /// One Jacobi step on columns ap, aq (length rows) and vp, vq (length cols):
  /// returns true, rotating nothing, when they already pass the test.
  static bool rotate(double* ap, double* aq, double* vp, double* vq, Index rows, Index cols,
                     double tol2) {
    double alpha = 0.0, beta = 0.0, gamma = 0.0;
    for (Index r = 0; r < rows; ++r) {
      alpha += ap[r] * ap[r];
      beta += aq[r] * aq[r];
      gamma += ap[r] * aq[r];
    }
    // Also true for a zero column (orthogonal to every other).
    if (!(gamma * gamma > tol2 * alpha * beta)) return true;
    // gamma^2 > 0 here, so the square roots are of positive numbers.
    const double tau = beta - alpha, two_gamma = 2.0 * gamma;
    const double cos_scaled = std::abs(tau) + std::sqrt(tau * tau + two_gamma * two_gamma);
    const double inverse = 1.0 / std::sqrt(cos_scaled * cos_scaled + two_gamma * two_gamma);
    const double cosine = cos_scaled * inverse;
    const double sine = (tau >= 0.0 ? two_gamma : -two_gamma) * inverse;
    for (Index r = 0; r < rows; ++r) {
      const double x = ap[r], y = aq[r];
      ap[r] = cosine * x - sine * y;
      aq[r] = sine * x + cosine * y;
    }
    for (Index r = 0; r < cols; ++r) {
      const double x = vp[r], y = vq[r];
      vp[r] = cosine * x - sine * y;
      vq[r] = sine * x + cosine * y;
    }
    return false;
  }

  Eigen::MatrixXd a_, v_;
  Eigen::VectorXd sigma_;
  int sweeps_ = 0;
};

}  // namespace mmc::knn::detail
