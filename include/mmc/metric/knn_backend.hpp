// mmc/metric/knn_backend.hpp — the `knn` backend of the complementarity metric:
// every quantity from the Ross (2014) discrete-label/continuous-feature
// estimator (docs/design.md §3.1, §3.4).
//
//   I(X_S; Y)  = Ross on the concatenated modalities of S
//   Gamma_i    = I(X_all; Y) - I(X_{-i}; Y)      (chain rule: = I(X_i; Y | X_{-i}))
//
// M + 1 Ross estimates in all; no N x N matrix; deterministic.
#pragma once

#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/knn/ross.hpp"
#include "mmc/metric/quantities.hpp"

namespace mmc::metric::detail {

/// [X_i for i in `keep`] side by side.
inline RowMatrix<double> concat_modalities(const std::vector<RowMatrix<double>>& modalities,
                                           const std::vector<std::size_t>& keep) {
  Index cols = 0;
  for (std::size_t m : keep) cols += modalities[m].cols();
  RowMatrix<double> joint(modalities.front().rows(), cols);
  Index at = 0;
  for (std::size_t m : keep) {
    joint.middleCols(at, modalities[m].cols()) = modalities[m];
    at += modalities[m].cols();
  }
  return joint;
}

/// Indices 0..m-1 without `skip` (skip = m keeps all).
inline std::vector<std::size_t> all_but(std::size_t m, std::size_t skip) {
  std::vector<std::size_t> keep;
  for (std::size_t i = 0; i < m; ++i)
    if (i != skip) keep.push_back(i);
  return keep;
}

/// Gamma_i and I(X_all; Y) by Ross; modalities already prepared (standardised,
/// reduced); labels in [0, classes).
inline Quantities knn_quantities(const std::vector<RowMatrix<double>>& modalities,
                                 const Labels& labels, const knn::KnnOptions& options) {
  const knn::Ross ross(knn::RossOptions{options, Norm::max});
  const std::size_t m = modalities.size();
  Quantities q;
  q.joint_mi = ross.estimate(concat_modalities(modalities, all_but(m, m)), labels).value;
  for (std::size_t i = 0; i < m; ++i) {
    const double without_i = ross.estimate(concat_modalities(modalities, all_but(m, i)), labels).value;
    q.gamma.push_back(q.joint_mi - without_i);
  }
  return q;
}

}  // namespace mmc::metric::detail
