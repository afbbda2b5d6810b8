// mmc/knn/detail/digamma_table.hpp — psi(n) for the integer counts of the
// kNN estimators, looked up instead of recomputed.
//
// KSG-type estimators (docs/design.md §3.1) evaluate psi at two or three neighbour
// counts per sample; the counts are small integers in all but degenerate cases.
// The table holds mmc::digamma(n) itself for n <= min(N, cap), so a lookup
// returns exactly the bits of a direct call (the oracle tests compare with
// EXPECT_EQ); larger arguments fall back to the direct call.
#pragma once

#include <algorithm>
#include <limits>
#include <vector>

#include "mmc/core/special.hpp"
#include "mmc/core/types.hpp"

namespace mmc::knn::detail {

class DigammaTable {
 public:
  /// Largest tabulated argument whatever max_n is (512 KiB of doubles).
  static constexpr Index kCap = Index{1} << 16;

  /// Tabulates psi(n) for 1 <= n <= min(max_n, kCap).
  explicit DigammaTable(Index max_n) {
    const Index size = std::clamp<Index>(max_n, 0, kCap) + 1;
    values_.resize(static_cast<std::size_t>(size));
    values_[0] = std::numeric_limits<double>::quiet_NaN();  // the pole psi(0)
    for (Index n = 1; n < size; ++n) values_[static_cast<std::size_t>(n)] = mmc::digamma(n);
  }

  /// psi(n), bit-identical to mmc::digamma(n); NaN for n <= 0.
  double operator()(Index n) const noexcept {
    if (n >= 0 && n < static_cast<Index>(values_.size())) return values_[static_cast<std::size_t>(n)];
    return mmc::digamma(static_cast<double>(n));
  }

 private:
  std::vector<double> values_;
};

}  // namespace mmc::knn::detail
