// mmc/metric/quantities.hpp — the information quantities every backend
// estimates, and how they combine into the complementarity metric
// (docs/design.md §3.4).
//
// For modalities X_1..X_M and label Y:
//   Gamma_i = I(X_i; Y | X_{-i})            information only modality i has
//   I(X_all; Y)                              all modalities together
//   C   = sum_i Gamma_i / I(X_all; Y)        the complementarity metric (> 1: synergy)
//   C_H = sum_i Gamma_i / H(Y)               the paper's approximation (H(Y|X_all) ~ 0)
//   interaction = I(X_all; Y) - sum_i Gamma_i
// For M = 2 the interaction is the interaction information I(X;Y;Z) (positive:
// redundancy, negative: synergy); for M > 2 it is the same balance
// "shared minus synergistic" information, not a classical co-information.
#pragma once

#include <string>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/metric/bayes_bounds.hpp"

namespace mmc::metric {

/// What a backend estimates (nats).
struct Quantities {
  std::vector<double> gamma;  ///< Gamma_i, one per modality
  double joint_mi = 0.0;      ///< I(X_all; Y)
  double h_y = 0.0;           ///< H(Y), plug-in
};

/// The metric and its derived numbers.
struct Summary {
  double metric = 0.0;       ///< C = sum Gamma / I(X_all; Y)
  double metric_h = 0.0;     ///< C_H = sum Gamma / H(Y)
  double interaction = 0.0;  ///< I(X_all; Y) - sum Gamma
  std::vector<MissingModalityBounds> bounds;  ///< per missing modality (Theorem 3.1)
};

/// Combines backend quantities; `classes` is |Y|.
inline Summary summarize(const Quantities& q, Index classes) {
  Summary s;
  double total = 0.0;
  for (double g : q.gamma) total += g;
  // A non-positive denominator means the modalities carry no detectable label
  // information; the ratio is then meaningless and reported as NaN-free 0.
  s.metric = q.joint_mi > 0.0 ? total / q.joint_mi : 0.0;
  s.metric_h = q.h_y > 0.0 ? total / q.h_y : 0.0;
  s.interaction = q.joint_mi - total;
  const double residual = q.h_y - q.joint_mi;  // H(Y | X_all)
  for (double g : q.gamma) s.bounds.push_back(missing_modality_bounds(residual, g, classes));
  return s;
}

}  // namespace mmc::metric
