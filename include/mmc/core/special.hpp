// mmc/core/special.hpp — digamma and log-gamma for the estimators' formulas.
//
// digamma(x) is accurate to ~1e-15 relative for x > 0, including near its only
// positive root x0 = 1.46163..., where the usual recurrence loses all relative
// accuracy: there we use the Taylor series about x0 (coefficients
// psi^(n)(x0)/n! computed with mpmath at 50 digits). lgamma is our own so that it
// is thread safe (std::lgamma writes the global `signgam` on POSIX systems).
#pragma once

#include <cmath>
#include <limits>
#include <numbers>

namespace mmc {

namespace detail {

// Taylor coefficients of psi about its positive root x0, c_n = psi^(n)(x0)/n!, n = 1..25.
inline constexpr double kDigammaRootHi = 1.4616321449683622;
inline constexpr double kDigammaRootLo = 9.549995429965697e-17;
inline constexpr double kDigammaRootTaylor[] = {
    9.67672245447621204e-01,  -4.42763168983592081e-01, 2.58499760955651026e-01,
    -1.63942705442406522e-01, 1.07824050691262371e-01,  -7.21995612564547140e-02,
    4.88042881641431101e-02,  -3.31611264748473619e-02, 2.25976482322181038e-02,
    -1.54247659049489595e-02, 1.05387916166121750e-02,  -7.20453438635686866e-03,
    4.92678139572985327e-03,  -3.36980165543932821e-03, 2.30512632673492797e-03,
    -1.57693677143019720e-03, 1.07882520191629667e-03,  -7.38070938996005150e-04,
    5.04953265834601987e-04,  -3.45468025106307692e-04, 2.36356015640270530e-04,
    -1.61706220919748030e-04, 1.10633727687474103e-04,  -7.56917958219506607e-05,
    5.17857579522208093e-05};

// Asymptotic series psi(x) ~ ln x - 1/(2x) - sum_k B_2k / (2k x^2k), x >= 10.
inline double digamma_asymptotic(double x) noexcept {
  const double inv = 1.0 / x;
  const double inv2 = inv * inv;
  // B2/2, B4/4, B6/6, B8/8, B10/10, B12/12, B14/14 in Horner form.
  const double series =
      inv2 * (1.0 / 12 -
              inv2 * (1.0 / 120 -
                      inv2 * (1.0 / 252 -
                              inv2 * (1.0 / 240 -
                                      inv2 * (1.0 / 132 -
                                              inv2 * (691.0 / 32760 - inv2 * (1.0 / 12)))))));
  return std::log(x) - 0.5 * inv - series;
}

}  // namespace detail

/// Digamma function psi(x) = d/dx ln Gamma(x). Returns NaN at the poles
/// x = 0, -1, -2, ... and for NaN input.
inline double digamma(double x) noexcept {
  if (std::isnan(x)) return x;
  if (x <= 0.0) {
    if (x == std::floor(x)) return std::numeric_limits<double>::quiet_NaN();
    // Reflection: psi(x) = psi(1 - x) - pi / tan(pi x).
    return digamma(1.0 - x) - std::numbers::pi / std::tan(std::numbers::pi * x);
  }
  if (std::isinf(x)) return x;
  const double t = (x - detail::kDigammaRootHi) - detail::kDigammaRootLo;
  if (std::fabs(t) <= 0.25) {
    double sum = 0.0;
    for (int n = 24; n >= 0; --n) sum = sum * t + detail::kDigammaRootTaylor[n];
    return sum * t;
  }
  double shift = 0.0;
  while (x < 10.0) {
    shift += 1.0 / x;
    x += 1.0;
  }
  return detail::digamma_asymptotic(x) - shift;
}

/// Digamma of a positive integer n: psi(n) = H_{n-1} - gamma. Same as
/// digamma(double(n)), named for readability in counting formulas.
inline double digamma(long long n) noexcept { return digamma(static_cast<double>(n)); }
inline double digamma(int n) noexcept { return digamma(static_cast<double>(n)); }
inline double digamma(long n) noexcept { return digamma(static_cast<double>(n)); }

/// Natural log of |Gamma(x)| for x > 0 (NaN otherwise): about 2e-16 relative error
/// away from the roots x = 1, 2, where the error is ~2e-15 absolute (lgamma(1) = 1.8e-15).
/// Stirling's series for x >= 10, downward recurrence below.
inline double lgamma(double x) noexcept {
  if (!(x > 0.0)) return std::numeric_limits<double>::quiet_NaN();
  if (std::isinf(x)) return x;
  double log_product = 0.0;
  if (x < 10.0) {
    double product = 1.0;
    while (x < 10.0) {
      product *= x;
      x += 1.0;
    }
    log_product = std::log(product);
  }
  const double inv = 1.0 / x;
  const double inv2 = inv * inv;
  // Stirling: (x-1/2) ln x - x + ln(2 pi)/2 + sum_k B_2k / (2k(2k-1) x^(2k-1)).
  const double series =
      inv * (1.0 / 12 -
             inv2 * (1.0 / 360 -
                     inv2 * (1.0 / 1260 -
                             inv2 * (1.0 / 1680 - inv2 * (1.0 / 1188 - inv2 * (691.0 / 360360))))));
  constexpr double half_log_two_pi = 0.91893853320467274178032973640562;
  return (x - 0.5) * std::log(x) - x + half_log_two_pi + series - log_product;
}

/// log of the volume of the unit ball in R^d: the max-norm ball is the cube
/// [-1,1]^d (volume 2^d); the Euclidean ball has volume pi^(d/2) / Gamma(1 + d/2).
inline double log_unit_ball_volume(int d, bool euclidean) noexcept {
  if (!euclidean) return d * std::numbers::ln2;
  return 0.5 * d * std::log(std::numbers::pi) - lgamma(1.0 + 0.5 * d);
}

/// Numerically stable log(exp(a) + exp(b)).
template <class T>
inline T logaddexp(T a, T b) noexcept {
  if (a == -std::numeric_limits<T>::infinity()) return b;
  if (b == -std::numeric_limits<T>::infinity()) return a;
  const T m = a > b ? a : b;
  return m + std::log1p(std::exp(-std::fabs(a - b)));
}

}  // namespace mmc
