// mmc/data/transforms.hpp — invertible transforms that keep mutual information:
// the "beyond normal" task family (docs/design.md §3.5, third bullet; Czyż et al. 2023).
//
// MI is invariant under injective (measurable) maps applied to X and to Y
// separately: I(f(X); g(Y)) = I(X;Y). Applying these to a Gaussian or Student-t
// task keeps its closed-form truth while making the distribution non-Gaussian,
// which is exactly what separates estimators that merely fit correlations from
// those that measure information.
//
// Per-variable (per-column), strictly increasing, so ranks are unchanged:
//   half_cube   t ↦ t √|t|          (= sign(t)|t|^{3/2}; inverse sign(u)|u|^{2/3})
//   asinh       t ↦ asinh(t)         (inverse sinh)
//   normal_cdf  t ↦ Φ(t) ∈ (0, 1)    (inverse Φ⁻¹; in double precision Φ(t)
//               rounds to 1 for t > 8.29, so inversion is exact only below that —
//               irrelevant for standardised data, but it creates ties far out)
// Joint on 2-D pairs of columns (0,1), (2,3), ... ("spiral"): rotate the pair
// (a, b) by the angle θ = speed · r², r² = a² + b². A rotation keeps r, so the
// inverse rotates by −θ(r): a smooth bijection of R² (a diffeomorphism) that
// twists the data into a spiral. With an odd number of columns the last one is
// left unchanged; a single column is rejected (a 1-D "spiral" would be identity).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <numbers>
#include <string>
#include <string_view>
#include <utility>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/data/task.hpp"

namespace mmc::data {

enum class TransformKind { identity, half_cube, asinh, normal_cdf, spiral };

/// A transform and its one parameter (only the spiral has one).
struct Transform {
  TransformKind kind = TransformKind::identity;
  /// Spiral angle per unit squared radius (radians); 1.0 twists a standard
  /// normal pair by ~2 rad on average.
  double spiral_speed = 1.0;
};

/// The transform's name as used by the CLI: identity, half_cube, asinh, normal_cdf, spiral.
inline std::string_view transform_name(TransformKind kind) noexcept {
  switch (kind) {
    case TransformKind::half_cube: return "half_cube";
    case TransformKind::asinh: return "asinh";
    case TransformKind::normal_cdf: return "normal_cdf";
    case TransformKind::spiral: return "spiral";
    case TransformKind::identity: break;
  }
  return "identity";
}

/// Inverse of transform_name; throws mmc::invalid_argument listing the names.
inline TransformKind parse_transform(std::string_view name) {
  for (const auto kind : {TransformKind::identity, TransformKind::half_cube, TransformKind::asinh,
                          TransformKind::normal_cdf, TransformKind::spiral}) {
    if (name == transform_name(kind)) return kind;
  }
  mmc::detail::throw_invalid("mmc::data::parse_transform", "name",
                             "is '" + std::string(name) + "', which is not a known transform",
                             "use identity, half_cube, asinh, normal_cdf or spiral");
}

/// Standard normal CDF Φ(t) = erfc(−t/√2)/2 (accurate in the lower tail).
inline double normal_cdf(double t) noexcept { return 0.5 * std::erfc(-t / std::numbers::sqrt2); }

/// Φ⁻¹(p) for p in (0, 1): Acklam's rational approximation (relative error
/// 1.15e-9) refined by one Halley step on Φ, which brings it to ~1e-15
/// (upper half by symmetry, Φ⁻¹(p) = −Φ⁻¹(1 − p)).
inline double normal_quantile(double p) {
  if (!(p > 0.0 && p < 1.0)) {
    mmc::detail::throw_invalid("mmc::data::normal_quantile", "p",
                               "is " + std::to_string(p) + ", outside (0, 1)",
                               "pass a probability strictly between 0 and 1");
  }
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
                                 -2.759285104469687e+02, 1.383577518672690e+02,
                                 -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
                                 -1.556989798598866e+02, 6.680131188771972e+01,
                                 -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01,
                                 -2.400758277161838e+00, -2.549732539343734e+00,
                                 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
                                 2.445134137142996e+00, 3.754408661907416e+00};
  // Work in the lower half: 1 − p is exact for p >= ½ (Sterbenz), and Φ(x) − p
  // is then computed without cancellation against 1.
  if (p > 0.5) return -normal_quantile(1.0 - p);
  constexpr double p_low = 0.02425;
  double x;
  if (p < p_low) {
    const double q = std::sqrt(-2.0 * std::log(p));
    x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
        ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1.0);
  } else {
    const double q = p - 0.5;
    const double r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
        (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1.0);
  }
  // Halley step: e = Φ(x) − p, u = e / φ(x).
  const double e = normal_cdf(x) - p;
  const double u = e * std::sqrt(2.0 * std::numbers::pi) * std::exp(0.5 * x * x);
  return x - u / (1.0 + 0.5 * x * u);
}

namespace detail {

/// Rotates every column pair (0,1), (2,3), ... of m in place by sign·speed·r².
inline void rotate_pairs(RowMatrix<double>& m, double speed, double sign) {
  for (Index i = 0; i < m.rows(); ++i) {
    for (Index j = 0; j + 1 < m.cols(); j += 2) {
      const double a = m(i, j), b = m(i, j + 1);
      const double theta = sign * speed * (a * a + b * b);
      const double cs = std::cos(theta), sn = std::sin(theta);
      m(i, j) = cs * a - sn * b;
      m(i, j + 1) = sn * a + cs * b;
    }
  }
}

inline void check_transform(std::string_view function, const Transform& t, Index cols) {
  if (t.kind != TransformKind::spiral) return;
  check_range(function, "spiral_speed", t.spiral_speed, -1e6, 1e6, false, false,
              "pass a finite angle per squared radius, e.g. 1.0");
  if (cols < 2) {
    mmc::detail::throw_invalid(function, "data",
                               "has " + std::to_string(cols) + " column, but the spiral rotates "
                               "pairs of columns",
                               "use a monotone transform (half_cube, asinh, normal_cdf) for a "
                               "1-D variable, or pass at least 2 columns");
  }
}

/// One value through a per-variable (monotone) transform or its inverse.
inline double monotone_value(TransformKind kind, double v, bool inverse) {
  switch (kind) {
    case TransformKind::half_cube:
      return inverse ? std::copysign(std::cbrt(v * v), v) : v * std::sqrt(std::abs(v));
    case TransformKind::asinh: return inverse ? std::sinh(v) : std::asinh(v);
    case TransformKind::normal_cdf: return inverse ? normal_quantile(v) : normal_cdf(v);
    case TransformKind::spiral:
    case TransformKind::identity: break;
  }
  return v;
}

/// The transform (inverse = false) or its inverse, on a copy of data.
template <class Derived>
RowMatrix<double> transform(std::string_view fn, const Transform& t,
                            const Eigen::MatrixBase<Derived>& data, bool inverse) {
  mmc::detail::check_finite(fn, "data", data);
  check_transform(fn, t, data.cols());
  RowMatrix<double> out = data.template cast<double>();
  if (t.kind == TransformKind::spiral) {
    rotate_pairs(out, t.spiral_speed, inverse ? -1.0 : 1.0);
    return out;
  }
  for (Index i = 0; i < out.rows(); ++i) {
    for (Index j = 0; j < out.cols(); ++j) {
      if (inverse && t.kind == TransformKind::normal_cdf && !(out(i, j) > 0.0 && out(i, j) < 1.0)) {
        mmc::detail::throw_invalid(fn, "data",
                                   "has " + std::to_string(out(i, j)) + " at row " +
                                       std::to_string(i) + ", column " + std::to_string(j) +
                                       ", outside (0, 1)",
                                   "the inverse normal CDF needs probabilities in (0, 1)");
      }
      out(i, j) = monotone_value(t.kind, out(i, j), inverse);
    }
  }
  return out;
}

}  // namespace detail

/// f(data): the forward transform, applied per column (or per column pair).
template <class Derived>
RowMatrix<double> apply_transform(const Transform& t, const Eigen::MatrixBase<Derived>& data) {
  return detail::transform("mmc::data::apply_transform", t, data, false);
}

/// f⁻¹(data): undoes apply_transform. normal_cdf needs every value in (0, 1).
template <class Derived>
RowMatrix<double> invert_transform(const Transform& t, const Eigen::MatrixBase<Derived>& data) {
  return detail::transform("mmc::data::invert_transform", t, data, true);
}

/// The task with x ↦ f_x(x), y ↦ f_y(y); true_mi is unchanged (invariance of MI).
/// The name becomes e.g. "half_cube(gaussian)" or "spiral,asinh(student)".
inline MiTask transform_task(MiTask task, const Transform& tx, const Transform& ty) {
  task.x = apply_transform(tx, task.x);
  task.y = apply_transform(ty, task.y);
  const std::string nx(transform_name(tx.kind)), ny(transform_name(ty.kind));
  task.name = (nx == ny ? nx : nx + "," + ny) + "(" + task.name + ")";
  if (tx.kind == TransformKind::spiral) task.parameters.emplace_back("spiral_speed_x", tx.spiral_speed);
  if (ty.kind == TransformKind::spiral) task.parameters.emplace_back("spiral_speed_y", ty.spiral_speed);
  return task;
}

}  // namespace mmc::data
