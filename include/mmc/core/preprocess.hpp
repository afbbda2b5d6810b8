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
// form. The passes run over fixed blocks of rows in parallel (the `threads`
// arguments), with results independent of the thread count. Estimators that
// train in float32 standardise in double first and round to float afterwards
// (to_working_copy), so an offset such as a Unix timestamp costs nothing;
// without standardisation they refuse data that float32 cannot hold
// (check_representable).
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
#include <vector>

#include "mmc/core/parallel.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"

namespace mmc {

namespace detail {

/// Rows per block of the parallel passes over a matrix (copy, moments,
/// standardisation). The blocks are fixed by the data alone, so the blocked
/// sums, and every result, are the same bits whatever the thread count; data
/// of at most this many rows form a single block, whose sums are the plain
/// serial sums.
inline constexpr Index kRowBlock = Index{1} << 15;

/// Calls pass(b, first, last) for every block b of kRowBlock rows [first,
/// last) of [0, rows), on up to `threads` threads (0 = all cores).
template <class Pass>
void for_row_blocks(Index rows, int threads, Pass&& pass) {
  parallel_for(block_count(rows, kRowBlock), threads, 1, [&](Index b_first, Index b_last) {
    for (Index b = b_first; b < b_last; ++b) pass(b, b * kRowBlock, std::min(rows, (b + 1) * kRowBlock));
  });
}

}  // namespace detail

/// Copies any Eigen expression into a contiguous row-major matrix of scalar T.
/// With threads != 1 (0 = all cores), an input with direct storage access (a
/// matrix, map or block of one) is copied in blocks of rows in parallel: the
/// copy of 10^7 doubles took 31 ms on one core, mostly faulting in the new
/// matrix's pages, a serial pass in front of every estimate. The copy is the
/// same whatever the thread count; lazy expressions (a product, say) are
/// evaluated once, serially.
template <class T, class Derived>
RowMatrix<T> to_row_major(const Eigen::DenseBase<Derived>& m, int threads = 1) {
  if constexpr (bool(Derived::Flags & Eigen::DirectAccessBit)) {
    if (threads != 1 && m.rows() > detail::kRowBlock) {
      RowMatrix<T> copy(m.rows(), m.cols());
      detail::for_row_blocks(m.rows(), threads, [&](Index, Index first, Index last) {
        copy.middleRows(first, last - first) = m.derived().middleRows(first, last - first).template cast<T>();
      });
      return copy;
    }
  }
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

/// Multiplication by 2^-exponent in at most two exact steps: the same double
/// as std::ldexp(v, -exponent) (both are the correctly rounded v 2^-exponent),
/// without a library call per element (ldexp made standardising 10^7 values
/// cost 0.17 s). exponent comes from frexp of a finite double, so it lies in
/// [-1073, 1024]; 2^-exponent is itself a double unless exponent < -1023
/// (a column of subnormal numbers), and then 2^1023 scales up exactly first.
class PowerOfTwoScale {
 public:
  explicit PowerOfTwoScale(int exponent) noexcept {
    const int up = -exponent;
    const int first = up < 1023 ? up : 1023;
    first_ = std::ldexp(1.0, first);
    second_ = std::ldexp(1.0, up - first);
  }
  double operator()(double v) const noexcept { return v * first_ * second_; }

 private:
  double first_ = 1.0, second_ = 1.0;
};

/// Moments of every column of m without overflow: each column is divided by
/// the power of two 2^e >= max |x| (frexp: max |x| = f 2^e, f in [0.5, 1)), so
/// every scaled value lies in (-1, 1) and no square or sum can overflow; the
/// sums are long double, per block of kRowBlock rows, added in block
/// order (blocks run on up to `threads` threads, 0 = all cores). Non-finite
/// input (not validated) falls back to e = 0 and propagates.
template <class Derived>
std::vector<ScaledMoments> scaled_moments(const Eigen::DenseBase<Derived>& m, int threads = 1) {
  const Index n = m.rows(), d = m.cols();
  std::vector<ScaledMoments> result(static_cast<std::size_t>(d));
  if (n == 0 || d == 0) return result;
  const Index blocks = block_count(n, kRowBlock);
  const auto at = [d](Index b, Index c) { return static_cast<std::size_t>(b * d + c); };

  // Pass 1: the largest magnitude, and whether every value equals row 0's.
  // Each block keeps its running values in locals and stores them once: its
  // neighbours' results share cache lines, which the threads must not write
  // element by element.
  std::vector<double> largest(static_cast<std::size_t>(blocks * d), 0.0);
  std::vector<char> constant(static_cast<std::size_t>(blocks * d), 1);
  for_row_blocks(n, threads, [&](Index b, Index first, Index last) {
    for (Index c = 0; c < d; ++c) {
      const double row0 = static_cast<double>(m(0, c));
      double top = 0.0;
      bool same = true;
      for (Index r = first; r < last; ++r) {
        const double v = static_cast<double>(m(r, c));
        top = std::max(top, std::fabs(v));
        same &= v == row0;
      }
      largest[at(b, c)] = top;
      constant[at(b, c)] = static_cast<char>(same);
    }
  });
  std::vector<PowerOfTwoScale> scale;
  std::vector<char> spread(static_cast<std::size_t>(d), 0);  // columns that need sums
  for (Index c = 0; c < d; ++c) {
    double top = 0.0;
    bool same = true;
    for (Index b = 0; b < blocks; ++b) {
      top = std::max(top, largest[at(b, c)]);
      same = same && constant[at(b, c)] != 0;
    }
    ScaledMoments& s = result[static_cast<std::size_t>(c)];
    if (std::isfinite(top) && top > 0.0) std::frexp(top, &s.exponent);
    scale.emplace_back(s.exponent);
    const double first = static_cast<double>(m(0, c));
    if (same && std::isfinite(first)) {
      s.mean = scale.back()(first);
    } else {
      spread[static_cast<std::size_t>(c)] = 1;
    }
  }

  // Passes 2 and 3: per column that needs them, the sum of term(scaled value,
  // column) over each block in row order (one block is the serial sum), then
  // the block sums added in block order.
  std::vector<long double> partial(static_cast<std::size_t>(blocks * d));
  const auto column_sums = [&](auto&& term) {
    for_row_blocks(n, threads, [&](Index b, Index first, Index last) {
      for (Index c = 0; c < d; ++c) {
        const auto i = static_cast<std::size_t>(c);
        if (spread[i] == 0) continue;
        const PowerOfTwoScale to_scaled = scale[i];
        long double sum = 0;
        for (Index r = first; r < last; ++r) sum += term(to_scaled(static_cast<double>(m(r, c))), i);
        partial[at(b, c)] = sum;
      }
    });
    std::vector<long double> sums(static_cast<std::size_t>(d), 0.0L);
    for (Index c = 0; c < d; ++c)
      for (Index b = 0; b < blocks; ++b) sums[static_cast<std::size_t>(c)] += partial[at(b, c)];
    return sums;
  };
  std::vector<long double> mean = column_sums([](long double v, std::size_t) { return v; });
  for (long double& sum : mean) sum /= static_cast<long double>(n);
  const std::vector<long double> squares = column_sums([&](long double v, std::size_t i) {
    const long double deviation = v - mean[i];
    return deviation * deviation;
  });
  for (std::size_t i = 0; i < result.size(); ++i) {
    if (spread[i] == 0) continue;
    result[i].mean = static_cast<double>(mean[i]);
    result[i].stddev = static_cast<double>(std::sqrt(squares[i] / static_cast<long double>(n)));
  }
  return result;
}

/// Moments of column c of m alone (scaled_moments of that column).
template <class Derived>
ScaledMoments scaled_column_moments(const Eigen::DenseBase<Derived>& m, Index c) {
  return scaled_moments(m.col(c), 1).front();
}

}  // namespace detail

/// Per-column mean and population standard deviation, computed in double on
/// scaled values (see the header): exact for constant columns (stddev 0) and
/// finite for any finite input. Blocks of rows run on up to `threads` threads
/// (0 = all cores); the result does not depend on the thread count.
template <class Derived>
ColumnMoments<typename Derived::Scalar> column_moments(const Eigen::DenseBase<Derived>& m, int threads = 1) {
  using T = typename Derived::Scalar;
  ColumnMoments<T> result;
  result.mean.resize(m.cols());
  result.stddev.resize(m.cols());
  const std::vector<detail::ScaledMoments> moments = detail::scaled_moments(m, threads);
  for (Index c = 0; c < m.cols(); ++c) {
    const detail::ScaledMoments& s = moments[static_cast<std::size_t>(c)];
    result.mean(c) = static_cast<T>(std::ldexp(s.mean, s.exponent));
    result.stddev(c) = static_cast<T>(std::ldexp(s.stddev, s.exponent));
  }
  return result;
}

/// Standardises every column in place to zero mean and unit variance; the
/// arithmetic is double on scaled values whatever T is, so it neither
/// overflows (data near 1.8e308) nor loses an offset to T's rounding.
/// Blocks of rows run on up to `threads` threads (0 = all cores); the result
/// does not depend on the thread count.
/// Throws mmc::invalid_argument on a constant column (it has no scale).
/// Returns the moments that were removed (in double), e.g. for a Jacobian.
template <class T>
ColumnMoments<double> standardize_columns(RowMatrix<T>& m, std::string_view function,
                                          std::string_view argument, int threads = 1) {
  detail::check_no_constant_columns(
      function, argument, m,
      "drop constant columns or disable standardisation (they carry no information)");
  const std::vector<detail::ScaledMoments> scaled = detail::scaled_moments(m, threads);
  const Index d = m.cols();
  std::vector<detail::PowerOfTwoScale> scale;
  ColumnMoments<double> moments{Vector<double>(d), Vector<double>(d)};
  for (Index c = 0; c < d; ++c) {
    const detail::ScaledMoments& s = scaled[static_cast<std::size_t>(c)];
    scale.emplace_back(s.exponent);
    moments.mean(c) = std::ldexp(s.mean, s.exponent);
    moments.stddev(c) = std::ldexp(s.stddev, s.exponent);
  }
  detail::for_row_blocks(m.rows(), threads, [&](Index, Index first, Index last) {
    for (Index r = first; r < last; ++r) {
      for (Index c = 0; c < d; ++c) {
        const detail::ScaledMoments& s = scaled[static_cast<std::size_t>(c)];
        m(r, c) = static_cast<T>((scale[static_cast<std::size_t>(c)](static_cast<double>(m(r, c))) - s.mean) /
                                 s.stddev);
      }
    }
  });
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
