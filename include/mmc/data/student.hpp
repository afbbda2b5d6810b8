// mmc/data/student.hpp — multivariate Student-t MI tasks with closed-form truth
// (docs/design.md §3.5, second bullet).
//
// V = (X, Y) ∈ R^d, d = d_x + d_y, follows the multivariate t with ν degrees of
// freedom and dispersion Σ (identity by default): V = L z / sqrt(w / ν) with
// z ~ N(0, I_d), w ~ χ²(ν) and Σ = L Lᵀ. One w is shared by the whole vector
// (x, y) — that shared scale is what makes X and Y dependent even for Σ = I, and
// is why the task is a useful "beyond normal" test: uncorrelated, yet I > 0.
//
// Truth. With h(k) the entropy of the standard k-variate t (identity dispersion),
//   h(k) = −lnΓ((ν+k)/2) + lnΓ(ν/2) + (k/2) ln(νπ) + ((ν+k)/2)[ψ((ν+k)/2) − ψ(ν/2)],
// identity dispersion gives I(X;Y) = h(d_x) + h(d_y) − h(d_x + d_y) (docs/design.md §3.5).
// For a general Σ, log p(v) = c(d, ν) − ½ log|Σ| − ((ν+d)/2) log(1 + vᵀΣ⁻¹v/ν) and the
// law of vᵀΣ⁻¹v does not depend on Σ, so I(X;Y) = ½ log(|Σ_XX||Σ_YY|/|Σ|)
// + [h(d_x) + h(d_y) − h(d)]: the Gaussian MI of Σ plus the identity-dispersion
// term (Arellano-Valle, Contreras-Reyes & Genton 2013; Czyż et al. 2023, App. D).
// The covariance is ν/(ν−2) Σ for ν > 2 (infinite otherwise).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numbers>
#include <string_view>

#include "mmc/core/rng.hpp"
#include "mmc/core/special.hpp"
#include "mmc/core/types.hpp"
#include "mmc/data/gaussian.hpp"
#include "mmc/data/task.hpp"

namespace mmc::data {

namespace detail {

inline void check_df(std::string_view function, double df) {
  check_range(function, "df", df, 0.0, std::numeric_limits<double>::infinity(), true, true,
              "pass a finite number of degrees of freedom > 0 (a Gaussian is the limit df -> inf)");
}

}  // namespace detail

/// h(k): differential entropy (nats) of the standard k-variate Student-t with ν = df.
inline double student_t_entropy(Index k, double df) {
  constexpr std::string_view fn = "mmc::data::student_t_entropy";
  mmc::detail::check_at_least(fn, "k", k, 1);
  detail::check_df(fn, df);
  const double half_k = 0.5 * static_cast<double>(k);
  const double a = 0.5 * (df + static_cast<double>(k));
  const double b = 0.5 * df;
  return -lgamma(a) + lgamma(b) + half_k * std::log(df * std::numbers::pi) +
         a * (digamma(a) - digamma(b));
}

/// I(X;Y) = h(d_x) + h(d_y) − h(d_x + d_y) for identity dispersion (nats).
inline double student_t_mi(Index dim_x, Index dim_y, double df) {
  constexpr std::string_view fn = "mmc::data::student_t_mi";
  mmc::detail::check_at_least(fn, "dim_x", dim_x, 1);
  mmc::detail::check_at_least(fn, "dim_y", dim_y, 1);
  detail::check_df(fn, df);
  return student_t_entropy(dim_x, df) + student_t_entropy(dim_y, df) -
         student_t_entropy(dim_x + dim_y, df);
}

/// I(X;Y) for dispersion Σ: Gaussian MI of Σ plus the identity-dispersion term.
inline double student_t_mi(const Eigen::MatrixXd& dispersion, Index dim_x, double df) {
  const double gaussian_part = gaussian_mi(dispersion, dim_x);
  return gaussian_part + student_t_mi(dim_x, dispersion.rows() - dim_x, df);
}

/// n samples of the multivariate t with dispersion Σ, X = the first dim_x
/// coordinates. Per row: z (d normals) then w ~ χ²(ν), both from Rng(seed, 0).
inline MiTask student_t_task(const Eigen::MatrixXd& dispersion, Index dim_x, double df, Index n,
                             std::uint64_t seed) {
  constexpr std::string_view fn = "mmc::data::student_t_task";
  detail::check_sample_count(fn, n);
  detail::check_df(fn, df);
  const Eigen::MatrixXd l = detail::cholesky_factor(fn, "dispersion", dispersion);
  const Index d = dispersion.rows();
  detail::check_split(fn, dim_x, d);
  Rng rng(seed, 0);
  RowMatrix<double> z(n, d);
  for (Index i = 0; i < n; ++i) {
    for (Index j = 0; j < d; ++j) z(i, j) = rng.normal();
    double w = rng.chi_square(df);
    // w underflows to 0 only for tiny df (P(w < 1e-300) < 1e-15 for df >= 0.1);
    // redrawing it keeps every sample finite.
    while (!(w > 0.0)) w = rng.chi_square(df);
    z.row(i) /= std::sqrt(w / df);
  }
  const RowMatrix<double> joint = z * l.transpose();
  MiTask task;
  task.x = joint.leftCols(dim_x);
  task.y = joint.rightCols(d - dim_x);
  task.true_mi = student_t_mi(dispersion, dim_x, df);
  task.name = "student";
  task.seed = seed;
  task.parameters = {{"n", static_cast<double>(n)},
                     {"dim_x", static_cast<double>(dim_x)},
                     {"dim_y", static_cast<double>(d - dim_x)},
                     {"df", df}};
  return task;
}

/// Identity dispersion: X ∈ R^dim_x, Y ∈ R^dim_y uncorrelated but dependent.
inline MiTask student_t_task(Index dim_x, Index dim_y, double df, Index n, std::uint64_t seed) {
  constexpr std::string_view fn = "mmc::data::student_t_task";
  mmc::detail::check_at_least(fn, "dim_x", dim_x, 1);
  mmc::detail::check_at_least(fn, "dim_y", dim_y, 1);
  return student_t_task(Eigen::MatrixXd::Identity(dim_x + dim_y, dim_x + dim_y), dim_x, df, n, seed);
}

}  // namespace mmc::data
