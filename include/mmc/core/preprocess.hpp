// mmc/core/preprocess.hpp — the explicit, optional preprocessing of estimators:
// conversion to the internal layout, standardisation and seeded jitter.
//
// Estimators never modify caller data (docs/design.md §2): they call to_row_major
// to make their own contiguous copy and apply these in place on it.
//
// Numerics (docs/design.md §2): moments are computed in double (long double
// sums) on each column scaled by an exact power of two near its largest
// magnitude, so finite data never overflow or underflow however large or small
// they are (1e308, 1e-308), and standardisation is applied in that scaled
// form. Estimators that train in float32 standardise in double first and round
// to float afterwards (to_working_copy), so an offset such as a Unix
// timestamp costs nothing; without standardisation they refuse data that
// float32 cannot hold (check_representable).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

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

namespace detail {

/// Moments of one column in scaled form: the column divided by 2^exponent
/// (exact) has mean `mean` and standard deviation `stddev`. A constant column
/// has stddev exactly 0 and mean exactly its value (scaled).
struct ScaledMoments {
  int exponent = 0;
  double mean = 0.0;
  double stddev = 0.0;
};

/// Moments of column c of m without overflow: divide by the power of two
/// 2^e >= max |x| (frexp: max |x| = f 2^e, f in [0.5, 1)), so every scaled
/// value lies in (-1, 1) and no square or sum can overflow; the sums are long
/// double. Non-finite input (not validated) falls back to e = 0 and propagates.
template <class Derived>
ScaledMoments scaled_column_moments(const Eigen::DenseBase<Derived>& m, Index c) {
  ScaledMoments s;
  const Index n = m.rows();
  if (n == 0) return s;
  double largest = 0.0;
  bool constant = true;
  const double first = static_cast<double>(m(0, c));
  for (Index r = 0; r < n; ++r) {
    const double v = static_cast<double>(m(r, c));
    largest = std::max(largest, std::fabs(v));
    constant = constant && v == first;
  }
  if (std::isfinite(largest) && largest > 0.0) std::frexp(largest, &s.exponent);
  if (constant && std::isfinite(first)) {
    s.mean = std::ldexp(first, -s.exponent);
    return s;
  }
  long double sum = 0;
  for (Index r = 0; r < n; ++r) sum += std::ldexp(static_cast<double>(m(r, c)), -s.exponent);
  const long double mean = sum / static_cast<long double>(n);
  long double ss = 0;
  for (Index r = 0; r < n; ++r) {
    const long double d = std::ldexp(static_cast<double>(m(r, c)), -s.exponent) - mean;
    ss += d * d;
  }
  s.mean = static_cast<double>(mean);
  s.stddev = static_cast<double>(std::sqrt(ss / static_cast<long double>(n)));
  return s;
}

}  // namespace detail

/// Per-column mean and population standard deviation, computed in double on
/// scaled values (see the header): exact for constant columns (stddev 0) and
/// finite for any finite input.
template <class Derived>
ColumnMoments<typename Derived::Scalar> column_moments(const Eigen::DenseBase<Derived>& m) {
  using T = typename Derived::Scalar;
  ColumnMoments<T> result;
  result.mean.resize(m.cols());
  result.stddev.resize(m.cols());
  for (Index c = 0; c < m.cols(); ++c) {
    const detail::ScaledMoments s = detail::scaled_column_moments(m, c);
    result.mean(c) = static_cast<T>(std::ldexp(s.mean, s.exponent));
    result.stddev(c) = static_cast<T>(std::ldexp(s.stddev, s.exponent));
  }
  return result;
}

/// Standardises every column in place to zero mean and unit variance; the
/// arithmetic is double on scaled values whatever T is, so it neither
/// overflows (data near 1.8e308) nor loses an offset to T's rounding.
/// Throws mmc::invalid_argument on a constant column (it has no scale).
/// Returns the moments that were removed (in double), e.g. for a Jacobian.
template <class T>
ColumnMoments<double> standardize_columns(RowMatrix<T>& m, std::string_view function,
                                          std::string_view argument) {
  detail::check_no_constant_columns(
      function, argument, m,
      "drop constant columns or disable standardisation (they carry no information)");
  ColumnMoments<double> moments{Vector<double>(m.cols()), Vector<double>(m.cols())};
  for (Index c = 0; c < m.cols(); ++c) {
    const detail::ScaledMoments s = detail::scaled_column_moments(m, c);
    for (Index r = 0; r < m.rows(); ++r) {
      m(r, c) = static_cast<T>((std::ldexp(static_cast<double>(m(r, c)), -s.exponent) - s.mean) /
                               s.stddev);
    }
    moments.mean(c) = std::ldexp(s.mean, s.exponent);
    moments.stddev(c) = std::ldexp(s.stddev, s.exponent);
  }
  return moments;
}

namespace detail {

/// Rounding to T may move a value by at most this fraction of its column's
/// standard deviation (check_representable). For float32 (relative rounding
/// 2^-24 = 6e-8) that allows |values| up to about 1.7e4 standard deviations: a
/// relative spread sd / |x| above ~6e-5. Beyond it the variation that carries
/// the information is being rounded away (x * 100 + 1.7e9 in float32 keeps
/// only multiples of 128).
inline constexpr double kMaxRoundingToSpread = 1e-3;

/// Throws mmc::invalid_argument, naming `argument` and `fix`, when a column of
/// m (double data) cannot be represented in T: a value beyond T's range, or a
/// non-constant column that rounding to T changes by more than
/// kMaxRoundingToSpread of its standard deviation. A no-op when T is double.
template <class T, class Derived>
void check_representable(std::string_view function, std::string_view argument,
                         const Eigen::DenseBase<Derived>& m, std::string_view fix) {
  if constexpr (std::numeric_limits<T>::digits < std::numeric_limits<double>::digits) {
    for (Index c = 0; c < m.cols(); ++c) {
      double worst = 0.0;
      for (Index r = 0; r < m.rows(); ++r) {
        const double v = static_cast<double>(m(r, c));
        if (!(std::fabs(v) <= static_cast<double>(std::numeric_limits<T>::max()))) {
          throw_invalid(function, argument,
                        "has the value " + std::to_string(v) + " at row " + std::to_string(r) +
                            ", column " + std::to_string(c) + ", beyond the range of the " +
                            std::to_string(8 * sizeof(T)) + "-bit floating point the networks use",
                        fix);
        }
        worst = std::max(worst, std::fabs(static_cast<double>(static_cast<T>(v)) - v));
      }
      const ScaledMoments s = scaled_column_moments(m, c);
      const double stddev = std::ldexp(s.stddev, s.exponent);
      if (stddev > 0.0 && worst > kMaxRoundingToSpread * stddev) {
        throw_invalid(function, argument,
                      "has column " + std::to_string(c) + " with mean " +
                          std::to_string(std::ldexp(s.mean, s.exponent)) +
                          " and standard deviation " + std::to_string(stddev) +
                          ": rounding to the " + std::to_string(8 * sizeof(T)) +
                          "-bit floating point the networks use moves values by up to " +
                          std::to_string(worst / stddev) +
                          " standard deviations, destroying the variation",
                      fix);
      }
    }
  }
}

}  // namespace detail

/// The working copy of an estimator that computes in T (float32 networks):
/// validated data copied to double, standardised there when `standardize`
/// (then rounded to T, which unit-scale data survive), else checked with
/// detail::check_representable (`fix` says how to avoid the error). `moments`,
/// when given, receives the removed moments (standardize only).
template <class T, class Derived>
RowMatrix<T> to_working_copy(const Eigen::DenseBase<Derived>& m, bool standardize,
                             std::string_view function, std::string_view argument,
                             std::string_view fix, ColumnMoments<double>* moments = nullptr) {
  RowMatrix<double> data = to_row_major<double>(m);
  if (standardize) {
    ColumnMoments<double> removed = standardize_columns(data, function, argument);
    if (moments != nullptr) *moments = std::move(removed);
  } else {
    detail::check_representable<T>(function, argument, data, fix);
  }
  if constexpr (std::is_same_v<T, double>) {
    return data;
  } else {
    return data.template cast<T>();
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
