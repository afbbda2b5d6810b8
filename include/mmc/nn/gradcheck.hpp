// mmc/nn/gradcheck.hpp — finite-difference gradient checks for hand-written
// backward passes (docs/design.md §6: "finite-difference gradient checks for every
// layer, loss and bound"). Used by the nn/ tests and by later components (the
// bounds of neural/, the fusion models).
//
// The numerical derivative is the fourth-order central difference
//   f'(x) ~ [f(x - 2h) - 8 f(x - h) + 8 f(x + h) - f(x + 2h)] / (12 h),
// whose truncation error is h^4 |f^(5)| / 30 and whose rounding error is about
// 1.5 eps |f| / h (18 evaluations' worth of eps |f| over 12 h). In double
// (eps = 2.2e-16) the step h = 1e-3 * max(1, |x_i|) balances them at ~1e-13
// relative to the function's scale: six orders of magnitude below the 1e-6
// relative error the tests demand, whereas the plain two-point difference
// would leave only ~1e-10 and needs a step tuned per function. The step grows
// with |x_i| so that x_i + h changes x_i in its leading digits.
//
// Relative error per coordinate: |a - n| / max(|a|, |n|, floor). Gradients
// smaller than `floor` (default 1e-6) are thus compared in absolute terms
// (|a - n| < 1e-12 for a 1e-6 threshold): a relative error of a gradient that is
// zero up to rounding carries no information.
//
// Kinks (ReLU at 0, clipping): pass `regime`, a callable returning any
// equality-comparable signature of the piecewise regime at the current point
// (e.g. the sign pattern of all pre-activations). A coordinate whose stencil
// points are not all in the regime of the unperturbed point is skipped and
// counted; tests bound the skipped fraction.
#pragma once

#include <algorithm>
#include <cmath>
#include <span>

#include "mmc/core/types.hpp"

namespace mmc::nn {

struct GradCheckOptions {
  /// Relative step: h_i = step * max(1, |x_i|).
  double step = 1e-3;
  /// Denominator floor of the relative error (see the header comment).
  double floor = 1e-6;
};

struct GradCheckResult {
  double max_relative_error = 0.0;  ///< over the checked coordinates
  Index worst = -1;                 ///< coordinate of the maximum (-1: none checked)
  double analytic = 0.0;            ///< analytic derivative at `worst`
  double numeric = 0.0;             ///< finite-difference derivative at `worst`
  Index checked = 0;                ///< coordinates compared
  Index skipped = 0;                ///< coordinates skipped by the regime guard
};

struct NoRegime {
  int operator()() const noexcept { return 0; }
};

/// Compares analytic[i] with the finite-difference derivative of loss() with
/// respect to x[i], for every i. loss() must read x (perturbed in place and
/// restored exactly afterwards) and return the scalar value (double).
template <class T, class Loss, class Regime = NoRegime>
GradCheckResult check_gradient(std::span<T> x, std::span<const T> analytic, Loss&& loss,
                               const GradCheckOptions& options = {}, Regime&& regime = {}) {
  GradCheckResult result;
  const auto base_regime = regime();
  const Index n = static_cast<Index>(std::min(x.size(), analytic.size()));
  for (Index i = 0; i < n; ++i) {
    const T original = x[static_cast<std::size_t>(i)];
    const double h = options.step * std::max(1.0, std::fabs(static_cast<double>(original)));
    double f[4];
    const double offsets[4] = {-2.0, -1.0, 1.0, 2.0};
    bool same_regime = true;
    for (int s = 0; s < 4; ++s) {
      x[static_cast<std::size_t>(i)] = static_cast<T>(static_cast<double>(original) + offsets[s] * h);
      f[s] = static_cast<double>(loss());
      same_regime = same_regime && regime() == base_regime;
    }
    x[static_cast<std::size_t>(i)] = original;
    if (!same_regime) {
      ++result.skipped;
      continue;
    }
    const double numeric = (f[0] - 8.0 * f[1] + 8.0 * f[2] - f[3]) / (12.0 * h);
    const double a = static_cast<double>(analytic[static_cast<std::size_t>(i)]);
    const double denominator = std::max({std::fabs(a), std::fabs(numeric), options.floor});
    const double error = std::fabs(a - numeric) / denominator;
    ++result.checked;
    if (error > result.max_relative_error || result.worst < 0) {
      result.max_relative_error = std::max(result.max_relative_error, error);
      result.worst = i;
      result.analytic = a;
      result.numeric = numeric;
    }
  }
  return result;
}

}  // namespace mmc::nn
