// mmc/neighbors/distance.hpp — the two norms, computed the one way every search
// path (kd-tree, sorted line, brute force) computes them.
//
// Fast paths must return *exactly* the brute-force distances and counts, so the
// floating-point operations are fixed here: max-norm = max_j |a_j - b_j|;
// Euclidean = sqrt(sum_j (a_j - b_j)^2) summed in index order j = 0..d-1.
#pragma once

#include <cmath>

#include "mmc/core/types.hpp"

namespace mmc::neighbors {

/// Max-norm (L-infinity) distance between two d-dimensional points.
template <class T>
inline T max_norm_distance(const T* a, const T* b, Index d) noexcept {
  T result = 0;
  for (Index j = 0; j < d; ++j) {
    const T diff = std::fabs(a[j] - b[j]);
    result = diff > result ? diff : result;
  }
  return result;
}

/// Euclidean distance between two d-dimensional points.
template <class T>
inline T euclidean_distance(const T* a, const T* b, Index d) noexcept {
  T sum = 0;
  for (Index j = 0; j < d; ++j) {
    const T diff = a[j] - b[j];
    sum += diff * diff;
  }
  return std::sqrt(sum);
}

/// Distance under the given norm.
template <class T>
inline T distance(Norm norm, const T* a, const T* b, Index d) noexcept {
  return norm == Norm::max ? max_norm_distance(a, b, d) : euclidean_distance(a, b, d);
}

/// True when a distance counts as "within r": d < r (strict) or d <= r.
template <class T>
inline bool within(T d, T r, bool strict) noexcept {
  return strict ? d < r : d <= r;
}

}  // namespace mmc::neighbors
