// mmc/data/gaussian.hpp — correlated Gaussian MI tasks with closed-form truth
// (docs/design.md §3.5, first bullet).
//
// (X, Y) ~ N(0, Σ) with X the first d_x coordinates. Then
//   I(X;Y) = ½ log(|Σ_XX| |Σ_YY| / |Σ|)                       (any Σ)
//   I(X;Y) = −½ Σ_i log(1 − ρ_i²)                             (pairs (x_i, y_i)
//            with correlation ρ_i and no other dependence: Σ = [[I, R], [R, I]],
//            R = diag(ρ))
// (Cover & Thomas, Elements of Information Theory, §8.5 / Example 8.5.1).
// Interaction patterns, as in the "beyond normal" benchmark (Czyż et al. 2023):
//   dense  — every off-diagonal entry of Σ equals ρ (each variable interacts
//            with all others; positive definite iff −1/(d−1) < ρ < 1);
//   sparse — only the first k pairs (x_i, y_i) are correlated, with ρ each.
// Samples are rows L z with z ~ N(0, I) from mmc::Rng and Σ = L Lᵀ (Eigen LLT,
// which also reports a Σ that is not positive definite), so the same seed gives
// the same bits on every platform.
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "mmc/core/errors.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/data/task.hpp"

namespace mmc::data {

namespace detail {

/// Validates a covariance (square, finite, symmetric, positive definite) and
/// returns its Cholesky factor L (Σ = L Lᵀ).
inline Eigen::MatrixXd cholesky_factor(std::string_view function, std::string_view argument,
                                       const Eigen::MatrixXd& sigma) {
  if (sigma.rows() == 0 || sigma.rows() != sigma.cols()) {
    mmc::detail::throw_invalid(function, argument,
                  "is " + std::to_string(sigma.rows()) + " x " + std::to_string(sigma.cols()),
                  "pass a non-empty square covariance matrix");
  }
  mmc::detail::check_finite(function, argument, sigma);
  const double scale = sigma.cwiseAbs().maxCoeff();
  if ((sigma - sigma.transpose()).cwiseAbs().maxCoeff() > 1e-12 * scale) {
    mmc::detail::throw_invalid(function, argument, "is not symmetric",
                  "pass a symmetric covariance matrix (e.g. (S + S^T) / 2)");
  }
  Eigen::LLT<Eigen::MatrixXd> llt(sigma);
  if (llt.info() != Eigen::Success) {
    mmc::detail::throw_invalid(function, argument, "is not positive definite (Cholesky factorisation failed)",
                  "pass a positive definite covariance; correlations must satisfy |rho| < 1 and "
                  "jointly form a valid correlation matrix");
  }
  return llt.matrixL();
}

/// log |Σ| from a Cholesky factor: 2 Σ_i log L_ii.
inline double log_det_from_cholesky(const Eigen::MatrixXd& l) {
  return 2.0 * l.diagonal().array().log().sum();
}

/// n rows of N(0, L Lᵀ): row i = L z_i, z_i drawn coordinate by coordinate from rng.
inline RowMatrix<double> sample_normal_rows(const Eigen::MatrixXd& l, Index n, Rng& rng) {
  RowMatrix<double> z(n, l.rows());
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < z.cols(); ++j) z(i, j) = rng.normal();
  }
  return z * l.transpose();
}

/// Throws unless 1 <= dx < d (both X and Y need at least one coordinate).
inline void check_split(std::string_view function, Index dx, Index d) {
  if (dx < 1 || dx >= d) {
    mmc::detail::throw_invalid(function, "dim_x",
                  "is " + std::to_string(dx) + " for a " + std::to_string(d) + "-dimensional joint",
                  "pass 1 <= dim_x <= " + std::to_string(d - 1) + " (Y gets the remaining coordinates)");
  }
}

inline void check_correlation(std::string_view function, std::string_view argument, double rho) {
  check_range(function, argument, rho, -1.0, 1.0, true, true,
              "pass a correlation strictly between -1 and 1 (|rho| = 1 means infinite MI)");
}

}  // namespace detail

/// I(X;Y) = −½ Σ log(1 − ρ_i²) for independent pairs with correlations ρ_i (nats).
inline double gaussian_mi_pairs(std::span<const double> rho) {
  double sum = 0.0;
  for (std::size_t i = 0; i < rho.size(); ++i) {
    detail::check_correlation("mmc::data::gaussian_mi_pairs", "rho", rho[i]);
    sum += -0.5 * std::log1p(-rho[i] * rho[i]);
  }
  return sum;
}

/// I(X;Y) = ½ log(|Σ_XX| |Σ_YY| / |Σ|) with X the first dim_x coordinates (nats).
inline double gaussian_mi(const Eigen::MatrixXd& sigma, Index dim_x) {
  constexpr std::string_view fn = "mmc::data::gaussian_mi";
  const Eigen::MatrixXd l = detail::cholesky_factor(fn, "sigma", sigma);
  const Index d = sigma.rows();
  detail::check_split(fn, dim_x, d);
  const Index dy = d - dim_x;
  // Leading blocks of a Cholesky factor are the factors of the leading blocks;
  // the trailing block needs its own factorisation.
  const Eigen::MatrixXd lxx = l.topLeftCorner(dim_x, dim_x);
  const Eigen::MatrixXd lyy = detail::cholesky_factor(fn, "sigma", sigma.bottomRightCorner(dy, dy));
  return 0.5 * (detail::log_det_from_cholesky(lxx) + detail::log_det_from_cholesky(lyy) -
                detail::log_det_from_cholesky(l));
}

/// Σ = [[I, diag(ρ)], [diag(ρ), I]]: pair (x_i, y_i) has correlation ρ_i.
inline Eigen::MatrixXd pairwise_covariance(std::span<const double> rho) {
  constexpr std::string_view fn = "mmc::data::pairwise_covariance";
  const auto d = static_cast<Index>(rho.size());
  if (d == 0) mmc::detail::throw_invalid(fn, "rho", "is empty", "pass one correlation per (x_i, y_i) pair");
  Eigen::MatrixXd sigma = Eigen::MatrixXd::Identity(2 * d, 2 * d);
  for (Index i = 0; i < d; ++i) {
    detail::check_correlation(fn, "rho", rho[static_cast<std::size_t>(i)]);
    sigma(i, d + i) = sigma(d + i, i) = rho[static_cast<std::size_t>(i)];
  }
  return sigma;
}

/// Dense pattern: unit variances, every off-diagonal entry ρ (d = dim_x + dim_y).
inline Eigen::MatrixXd dense_covariance(Index dim_x, Index dim_y, double rho) {
  constexpr std::string_view fn = "mmc::data::dense_covariance";
  mmc::detail::check_at_least(fn, "dim_x", dim_x, 1);
  mmc::detail::check_at_least(fn, "dim_y", dim_y, 1);
  const Index d = dim_x + dim_y;
  detail::check_range(fn, "rho", rho, -1.0 / static_cast<double>(d - 1), 1.0, true, true,
                      "an equicorrelation matrix of size d is positive definite only for "
                      "-1/(d-1) < rho < 1");
  Eigen::MatrixXd sigma = Eigen::MatrixXd::Constant(d, d, rho);
  sigma.diagonal().setOnes();
  return sigma;
}

/// Sparse pattern: only pairs (x_i, y_i), i < interacting, correlated with ρ.
inline Eigen::MatrixXd sparse_covariance(Index dim_x, Index dim_y, Index interacting, double rho) {
  constexpr std::string_view fn = "mmc::data::sparse_covariance";
  mmc::detail::check_at_least(fn, "dim_x", dim_x, 1);
  mmc::detail::check_at_least(fn, "dim_y", dim_y, 1);
  mmc::detail::check_at_least(fn, "interacting", interacting, 0);
  if (interacting > std::min(dim_x, dim_y)) {
    mmc::detail::throw_invalid(fn, "interacting",
                  "is " + std::to_string(interacting) + " but only " +
                      std::to_string(std::min(dim_x, dim_y)) + " (x_i, y_i) pairs exist",
                  "pass interacting <= min(dim_x, dim_y)");
  }
  detail::check_correlation(fn, "rho", rho);
  Eigen::MatrixXd sigma = Eigen::MatrixXd::Identity(dim_x + dim_y, dim_x + dim_y);
  for (Index i = 0; i < interacting; ++i) sigma(i, dim_x + i) = sigma(dim_x + i, i) = rho;
  return sigma;
}

/// n samples of (X, Y) ~ N(0, Σ), X = the first dim_x coordinates; truth by the
/// determinant formula.
inline MiTask gaussian_task(const Eigen::MatrixXd& sigma, Index dim_x, Index n,
                            std::uint64_t seed) {
  constexpr std::string_view fn = "mmc::data::gaussian_task";
  detail::check_sample_count(fn, n);
  const Eigen::MatrixXd l = detail::cholesky_factor(fn, "sigma", sigma);
  detail::check_split(fn, dim_x, sigma.rows());
  Rng rng(seed, 0);
  const RowMatrix<double> joint = detail::sample_normal_rows(l, n, rng);
  MiTask task;
  task.x = joint.leftCols(dim_x);
  task.y = joint.rightCols(sigma.rows() - dim_x);
  task.true_mi = gaussian_mi(sigma, dim_x);
  task.name = "gaussian";
  task.seed = seed;
  task.parameters = {{"n", static_cast<double>(n)},
                     {"dim_x", static_cast<double>(dim_x)},
                     {"dim_y", static_cast<double>(sigma.rows() - dim_x)}};
  return task;
}

/// Pairs (x_i, y_i) with correlations ρ_i (d_x = d_y = rho.size()); truth by the
/// per-pair formula.
inline MiTask correlated_gaussian_task(std::span<const double> rho, Index n, std::uint64_t seed) {
  detail::check_sample_count("mmc::data::correlated_gaussian_task", n);
  MiTask task = gaussian_task(pairwise_covariance(rho), static_cast<Index>(rho.size()), n, seed);
  task.true_mi = gaussian_mi_pairs(rho);
  for (std::size_t i = 0; i < rho.size(); ++i) {
    task.parameters.emplace_back("rho_" + std::to_string(i), rho[i]);
  }
  return task;
}

/// Dense interaction pattern (see dense_covariance).
inline MiTask dense_gaussian_task(Index dim_x, Index dim_y, double rho, Index n,
                                  std::uint64_t seed) {
  detail::check_sample_count("mmc::data::dense_gaussian_task", n);
  MiTask task = gaussian_task(dense_covariance(dim_x, dim_y, rho), dim_x, n, seed);
  task.name = "gaussian_dense";
  task.parameters.emplace_back("rho", rho);
  return task;
}

/// Sparse interaction pattern (see sparse_covariance).
inline MiTask sparse_gaussian_task(Index dim_x, Index dim_y, Index interacting, double rho,
                                   Index n, std::uint64_t seed) {
  detail::check_sample_count("mmc::data::sparse_gaussian_task", n);
  MiTask task = gaussian_task(sparse_covariance(dim_x, dim_y, interacting, rho), dim_x, n, seed);
  task.true_mi = -0.5 * static_cast<double>(interacting) * std::log1p(-rho * rho);
  task.name = "gaussian_sparse";
  task.parameters.emplace_back("interacting", static_cast<double>(interacting));
  task.parameters.emplace_back("rho", rho);
  return task;
}

}  // namespace mmc::data
