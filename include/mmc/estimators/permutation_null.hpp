// mmc/estimators/permutation_null.hpp — what every permutation test of mmc
// shares: the bound on R, and the summary of a null distribution (p-value with
// the +1 correction, null mean and spread, bias-corrected estimate). Kept apart
// from permutation.hpp (which pulls in every kNN estimator) so that the neural
// tests (neural_permutation.hpp) stay light (docs/significance.md).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <string_view>

#include "mmc/core/errors.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"

namespace mmc::estimators {

/// Most permutations one test accepts (streams first + r stay disjoint, and the
/// null vector stays small).
inline constexpr Index kMaxPermutations = 10'000'000;

/// The summary of a permutation null for one estimate.
struct NullSummary {
  double p_value = 1.0;    ///< (1 + #{null >= estimate}) / (permutations + 1)
  double null_mean = 0.0;  ///< mean of the null values
  double null_sd = 0.0;    ///< sample standard deviation of the null values (0 when R = 1)
  double corrected = 0.0;  ///< estimate − null_mean (bias-corrected estimate)
  Index permutations = 0;  ///< R
};

/// p-value with the +1 correction (Phipson & Smyth 2010): never 0, and a valid
/// (slightly conservative) p-value; the smallest is 1/(R+1). The mean is a
/// Neumaier sum in permutation order, so the summary is thread-count free.
inline NullSummary summarise_null(double value, const Eigen::VectorXd& null) {
  NullSummary s;
  const Index r = null.size();
  Index at_least = 0;
  for (Index i = 0; i < r; ++i)
    if (null(i) >= value) ++at_least;
  s.permutations = r;
  s.p_value = static_cast<double>(1 + at_least) / static_cast<double>(r + 1);
  s.null_mean = r > 0 ? accurate_sum(null.data(), null.data() + r) / static_cast<double>(r) : 0.0;
  double squares = 0.0;
  for (Index i = 0; i < r; ++i) squares += (null(i) - s.null_mean) * (null(i) - s.null_mean);
  s.null_sd = r > 1 ? std::sqrt(squares / static_cast<double>(r - 1)) : 0.0;
  s.corrected = value - s.null_mean;
  return s;
}

namespace detail {

inline void check_permutations(std::string_view fn, Index permutations) {
  if (permutations < 1 || permutations > kMaxPermutations) {
    mmc::detail::throw_invalid(fn, "permutations", "is " + std::to_string(permutations),
                               "use between 1 and " + std::to_string(kMaxPermutations) +
                                   " permutations (99 or 999 are customary)");
  }
}

}  // namespace detail
}  // namespace mmc::estimators
