// mmc/metric/pca.hpp — the optional feature-reduction step of the paper's
// pipeline (docs/design.md §3.4 step 1): project a modality on its leading
// principal components.
//
// The components are whitened (unit variance each): kNN estimators use the
// max-norm, which is only meaningful when coordinates share a scale, and MI is
// invariant to this invertible rescaling of the kept components.
#pragma once

#include <Eigen/Eigenvalues>
#include <algorithm>
#include <string>
#include <string_view>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"

namespace mmc::metric {

/// The first `components` whitened principal components of the rows of x
/// (centred). components >= x.cols() returns the whitened full rotation.
/// Throws mmc::invalid_argument if components < 1 or the data has no variance.
inline RowMatrix<double> pca_reduce(const RowMatrix<double>& x, Index components,
                                    std::string_view function = "mmc::metric::pca_reduce",
                                    std::string_view argument = "pca") {
  if (components < 1) {
    mmc::detail::throw_invalid(function, argument,
                               "is " + std::to_string(components) + ", but must be at least 1",
                               "pass the number of principal components to keep, or 0 for none");
  }
  const Index n = x.rows(), d = x.cols();
  const Eigen::RowVectorXd mean = x.colwise().mean();
  const Eigen::MatrixXd centred = x.rowwise() - mean;
  const Eigen::MatrixXd covariance =
      (centred.transpose() * centred) / static_cast<double>(std::max<Index>(n - 1, 1));
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> solver(covariance);
  const Index keep = std::min(components, d);
  // Eigen sorts eigenvalues increasingly: the leading components are last.
  RowMatrix<double> reduced(n, keep);
  const double largest = solver.eigenvalues()(d - 1);
  if (!(largest > 0.0)) {
    mmc::detail::throw_invalid(function, "modality", "has no variance (every row is the same)",
                               "drop constant modalities before estimating");
  }
  for (Index c = 0; c < keep; ++c) {
    const Index source = d - 1 - c;
    // Components with (numerically) zero variance carry no information: keep
    // them unscaled rather than dividing by ~0.
    const double variance = solver.eigenvalues()(source);
    const double scale = variance > 1e-12 * largest ? 1.0 / std::sqrt(variance) : 1.0;
    reduced.col(c) = centred * solver.eigenvectors().col(source) * scale;
  }
  return reduced;
}

}  // namespace mmc::metric
