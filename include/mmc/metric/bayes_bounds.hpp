// mmc/metric/bayes_bounds.hpp — what the information quantities imply for the
// Bayes error of a classifier: clean, with one modality missing, and with one
// modality observed through Gaussian noise ("Modality Complementariness:
// Towards Understanding Multi-modal Robustness", Theorems 3.1 and 3.2;
// docs/design.md §3.4 and §3.6).
//
// Assumptions shared by every function here:
//  - Y is discrete with |Y| = `classes` >= 2 values; the error is the 0-1 Bayes
//    error P_e = 1 - E[max_y p(y | observation)] of the optimal rule;
//  - every entropy / information argument is in NATS and is the TRUE quantity
//    of the distribution. Estimates can be slightly negative through noise and
//    are clipped at 0; plugging estimates in gives bounds on the Bayes error
//    only up to the estimation error (docs/complementarity.md "Bounds against
//    truth" shows how often they still bracket).
//
// The one inequality pair behind all of them: for any observation O,
//   Fano (Cover & Thomas, Elements of Information Theory, Thm 2.10.1):
//     H(Y|O) <= h(P_e) + P_e log(|Y| - 1)  =>  P_e >= (H(Y|O) - log 2) / log|Y|
//     (the weak form the paper states) and P_e >= F^{-1}(H(Y|O)), the exact
//     inversion of the left inequality ("tight"), never below the weak form;
//   the error-entropy bound (Jensen on -log max_y p(y|o); Feder & Merhav 1994):
//     P_e <= 1 - exp(-H(Y|O)).
// Theorem 3.1 applies it to O = X_all (eq. (2), clean) and to O = X_{-m}
// (eq. (3), modality m missing), where H(Y|X_{-m}) = H(Y|X_all) + Gamma_m
// exactly (chain rule: Gamma_m = I(X_m; Y | X_{-m})).
//
// Noisy modality (Theorem 3.2). The repository does not state the paper's
// exact form (its bound carries a Gaussian-channel term written
// 1/2 log(4 + 4 p_Z / sigma)); mmc implements the following bound, which it can
// prove, and which has the theorem's properties (see noisy_modality_bounds):
// with Z' = Z + sigma N, N ~ N(0, I_d) independent of everything,
//   I(Y; Z' | X) <= min(Gamma_Z, I(Z; Z' | X)) <= min(Gamma_Z, (d/2) log(1 + p_Z / sigma^2)),
// (data processing along Y - (X, Z) - Z', and the Gaussian-channel capacity
// with per-coordinate power p_Z >= E[Var(Z_j | X)] averaged over j; Cover &
// Thomas Thm 9.1.1 and §9.4), hence
//   H(Y | X, Z') >= H(Y|X_all) + max(0, Gamma_Z - (d/2) log(1 + p_Z / sigma^2)),
// and Fano turns it into a lower bound on the noisy Bayes error; the upper
// bound is the missing-modality one (ignoring Z' is one admissible rule).
// sigma -> infinity gives the missing-modality bounds, sigma -> 0 the clean
// lower bound; the lower bound rises monotonically with sigma.
//
// For regression with Y in [-1, 1] the paper bounds the excess risk of a
// missing modality by Gamma_m / 2; it is reported alongside for completeness.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "mmc/core/types.hpp"

namespace mmc::metric {

/// Bounds on a Bayes error, each in [0, 1].
struct ErrorBounds {
  double error_lower = 0.0;        ///< weak Fano (H - log 2) / log|Y| (the paper's form)
  double error_lower_tight = 0.0;  ///< exact Fano inversion (>= error_lower; informative for |Y| = 2)
  double error_upper = 0.0;        ///< 1 - exp(-H)
};

/// Theorem 3.1 eq. (2): bounds on the clean Bayes error (every modality observed).
struct CleanErrorBounds : ErrorBounds {};

/// Theorem 3.1 eq. (3): bounds on the Bayes error when one modality is missing.
struct MissingModalityBounds : ErrorBounds {
  double regression_gap = 0.0;  ///< Gamma_m / 2: excess-risk bound for Y in [-1, 1] regression
};

/// Bounds on the Bayes error when one modality is observed through N(0, sigma^2 I) noise.
struct NoisyModalityBounds : ErrorBounds {
  double channel_capacity = 0.0;  ///< (d/2) log(1 + p / sigma^2): information the noisy copy can pass (nats)
};

namespace detail {

inline double bound_log_classes(Index classes) {
  return std::log(static_cast<double>(std::max<Index>(classes, 2)));
}

/// h(p) + p log(K - 1): Fano's right-hand side, increasing on [0, 1 - 1/K].
inline double fano_rhs(double p, Index classes) {
  const double h = p <= 0.0 || p >= 1.0 ? 0.0 : -p * std::log(p) - (1.0 - p) * std::log1p(-p);
  return h + p * std::log(static_cast<double>(std::max<Index>(classes, 2) - 1));
}

}  // namespace detail

/// Weak Fano: P_e >= (H(Y|O) - log 2) / log|Y|, clipped to [0, 1].
/// conditional_entropy = H(Y|O) in nats (true value), classes = |Y| >= 2.
inline double fano_lower_bound(double conditional_entropy, Index classes) {
  const double h = std::max(conditional_entropy, 0.0);
  return std::clamp((h - std::numbers::ln2) / detail::bound_log_classes(classes), 0.0, 1.0);
}

/// Exact Fano: the smallest p in [0, 1 - 1/|Y|] with h(p) + p log(|Y| - 1) >= H(Y|O)
/// (bisection to 1e-12). For |Y| = 2 this is h^{-1}(H(Y|O)), which the weak
/// form (always <= 0 for two classes) cannot give.
inline double fano_lower_bound_tight(double conditional_entropy, Index classes) {
  const double h = std::max(conditional_entropy, 0.0);
  const auto k = std::max<Index>(classes, 2);
  double lo = 0.0, hi = 1.0 - 1.0 / static_cast<double>(k);
  if (h >= detail::fano_rhs(hi, k)) return hi;  // H(Y|O) >= log|Y|: chance level
  for (int it = 0; it < 60 && hi - lo > 1e-12; ++it) {
    const double mid = 0.5 * (lo + hi);
    (detail::fano_rhs(mid, k) < h ? lo : hi) = mid;
  }
  return std::max(hi, fano_lower_bound(h, k));
}

/// Error-entropy bound: P_e <= 1 - exp(-H(Y|O)) (H in nats), in [0, 1].
inline double entropy_upper_bound(double conditional_entropy) {
  return std::clamp(1.0 - std::exp(-std::max(conditional_entropy, 0.0)), 0.0, 1.0);
}

/// All three bounds from one conditional entropy H(Y|O) (nats).
inline ErrorBounds error_bounds(double conditional_entropy, Index classes) {
  ErrorBounds b;
  b.error_lower = fano_lower_bound(conditional_entropy, classes);
  b.error_lower_tight = fano_lower_bound_tight(conditional_entropy, classes);
  b.error_upper = entropy_upper_bound(conditional_entropy);
  return b;
}

/// Theorem 3.1 eq. (2): residual_entropy = H(Y|X_all) = H(Y) - I(X_all; Y) (nats).
inline CleanErrorBounds clean_error_bounds(double residual_entropy, Index classes) {
  CleanErrorBounds b;
  static_cast<ErrorBounds&>(b) = error_bounds(residual_entropy, classes);
  return b;
}

/// Theorem 3.1 eq. (3) for one missing modality. residual_entropy = H(Y|X_all) >= 0 (nats),
/// gamma = Gamma_m (nats), classes = |Y| >= 2. Uses H(Y|X_{-m}) = H(Y|X_all) + Gamma_m.
inline MissingModalityBounds missing_modality_bounds(double residual_entropy, double gamma,
                                                     Index classes) {
  // Estimates can dip slightly below 0 through estimator noise; the theorem is
  // about the true (non-negative) quantities.
  const double h = std::max(residual_entropy, 0.0);
  const double g = std::max(gamma, 0.0);
  MissingModalityBounds b;
  static_cast<ErrorBounds&>(b) = error_bounds(h + g, classes);
  b.regression_gap = 0.5 * g;
  return b;
}

/// Noisy modality (Theorem 3.2 in the form proved in the header comment): modality m
/// (dimension `dims`, per-coordinate power `power` >= E[Var(Z_j | X_{-m})], e.g. its
/// per-coordinate variance) observed as Z + noise_sd * N(0, I). noise_sd = 0 gives the
/// clean bounds' lower end; noise_sd = +inf the missing-modality bounds.
inline NoisyModalityBounds noisy_modality_bounds(double residual_entropy, double gamma,
                                                 Index classes, double noise_sd, double power,
                                                 Index dims = 1) {
  const double h = std::max(residual_entropy, 0.0);
  const double g = std::max(gamma, 0.0);
  const double p = std::max(power, 0.0);
  double capacity = std::numeric_limits<double>::infinity();
  if (noise_sd > 0.0) {
    capacity = 0.5 * static_cast<double>(std::max<Index>(dims, 1)) *
               std::log1p(p / (noise_sd * noise_sd));
  }
  NoisyModalityBounds b;
  const ErrorBounds low = error_bounds(h + std::max(0.0, g - capacity), classes);
  b.error_lower = low.error_lower;
  b.error_lower_tight = low.error_lower_tight;
  b.error_upper = entropy_upper_bound(h + g);
  b.channel_capacity = capacity;
  return b;
}

}  // namespace mmc::metric
