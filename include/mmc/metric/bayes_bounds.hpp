// mmc/metric/bayes_bounds.hpp — what the complementarity numbers imply for a
// classifier that loses one modality (Theorem 3.1 of "Modality
// Complementariness: Towards Understanding Multi-modal Robustness", docs/design.md §3.4).
//
// For discrete Y with |Y| classes, with H(Y|X_all) the residual label entropy
// and Gamma_m the information only modality m carries, the Bayes error with
// modality m missing satisfies
//   (H(Y|X_all) + Gamma_m - log 2) / log|Y|  <=  P_e^miss  <=  1 - exp(-H(Y|X_all) - Gamma_m).
// (The lower bound is Fano's inequality; the upper one the standard
// error-entropy bound.) For regression with Y in [-1, 1] the paper bounds the
// excess risk by Gamma_m / 2; it is reported alongside for completeness.
#pragma once

#include <algorithm>
#include <cmath>
#include <numbers>

#include "mmc/core/types.hpp"

namespace mmc::metric {

/// Bounds on the Bayes error when one modality is missing.
struct MissingModalityBounds {
  double error_lower = 0.0;  ///< Fano lower bound on P_e^miss, clipped to [0, 1]
  double error_upper = 0.0;  ///< 1 - exp(-H(Y|X_all) - Gamma_m), in [0, 1]
  double regression_gap = 0.0;  ///< Gamma_m / 2: excess-risk bound for Y in [-1, 1] regression
};

/// Theorem 3.1 for one missing modality. residual_entropy = H(Y|X_all) >= 0 (nats),
/// gamma = Gamma_m (nats), classes = |Y| >= 2.
inline MissingModalityBounds missing_modality_bounds(double residual_entropy, double gamma,
                                                     Index classes) {
  // Estimates can dip slightly below 0 through estimator noise; the theorem is
  // about the true (non-negative) quantities.
  const double h = std::max(residual_entropy, 0.0);
  const double g = std::max(gamma, 0.0);
  MissingModalityBounds b;
  const double log_classes = std::log(static_cast<double>(std::max<Index>(classes, 2)));
  b.error_lower = std::clamp((h + g - std::numbers::ln2) / log_classes, 0.0, 1.0);
  b.error_upper = std::clamp(1.0 - std::exp(-h - g), 0.0, 1.0);
  b.regression_gap = 0.5 * g;
  return b;
}

}  // namespace mmc::metric
