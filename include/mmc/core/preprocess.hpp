// mmc/core/preprocess.hpp — the explicit, optional preprocessing of estimators:
// conversion to the internal layout, standardisation and seeded jitter.
//
// Estimators never modify caller data (docs/design.md §2): they call to_row_major
// to make their own contiguous copy and apply these in place on it.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <string_view>

#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"

namespace mmc {

/// Copies any Eigen expression into a contiguous row-major matrix of scalar T.
template <class T, class Derived>
RowMatrix<T> to_row_major(const Eigen::DenseBase<Derived>& m) {
  return m.template cast<T>();
}

/// Per-column mean and (population) standard deviation.
template <class T>
struct ColumnMoments {
  Vector<T> mean;
  Vector<T> stddev;
};

template <class Derived>
ColumnMoments<typename Derived::Scalar> column_moments(const Eigen::DenseBase<Derived>& m) {
  using T = typename Derived::Scalar;
  ColumnMoments<T> result;
  const Index n = m.rows();
  result.mean = m.derived().colwise().mean().transpose();
  result.stddev.resize(m.cols());
  for (Index c = 0; c < m.cols(); ++c) {
    long double ss = 0;
    for (Index r = 0; r < n; ++r) {
      const long double d = static_cast<long double>(m(r, c)) - result.mean(c);
      ss += d * d;
    }
    result.stddev(c) = static_cast<T>(std::sqrt(ss / static_cast<long double>(n > 0 ? n : 1)));
  }
  return result;
}

/// Standardises every column in place to zero mean and unit variance.
/// Throws mmc::invalid_argument on a constant column (it has no scale).
template <class T>
void standardize_columns(RowMatrix<T>& m, std::string_view function, std::string_view argument) {
  detail::check_no_constant_columns(
      function, argument, m,
      "drop constant columns or disable standardisation (they carry no information)");
  const auto moments = column_moments(m);
  for (Index c = 0; c < m.cols(); ++c) {
    m.col(c).array() = (m.col(c).array() - moments.mean(c)) / moments.stddev(c);
  }
}

/// Adds jitter in place: x += scale * s_c * N(0,1), where s_c is the column's
/// standard deviation (1 for a constant column). Jitter breaks ties between
/// duplicated points, which kNN estimators assume do not exist (KSG's counts are
/// derived for continuous densities). `stream` separates jitter of different
/// inputs drawn from the same seed.
template <class T>
void add_jitter(RowMatrix<T>& m, double scale, std::uint64_t seed, std::uint64_t stream) {
  if (scale == 0.0) return;
  const auto moments = column_moments(m);
  Rng rng(seed, stream);
  for (Index r = 0; r < m.rows(); ++r) {
    for (Index c = 0; c < m.cols(); ++c) {
      const double s = moments.stddev(c) > 0 ? static_cast<double>(moments.stddev(c)) : 1.0;
      m(r, c) += static_cast<T>(scale * s * rng.normal());
    }
  }
}

}  // namespace mmc
