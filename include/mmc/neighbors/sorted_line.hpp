// mmc/neighbors/sorted_line.hpp — the 1-D fast path: a sorted array with
// binary (and galloping) search for k-NN queries and radius counts.
//
// In one dimension every norm is |a - b|. Counting the points within r of a data
// point searches outwards from that point's rank: a window of sorted values
// around each predicted boundary, counted without branches (one window, or
// two after an interpolation, on smooth data), else galloping, so the cost is
// O(1) to O(log count) rather than O(log n). Comparisons are made on the
// computed distance |q - v| itself (not on q - r < v, which rounds
// differently), and within r is a prefix (suffix) of the values to the right
// (left) because rounding is monotone, so counts equal the brute-force
// oracle's exactly.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/neighbors/axis_order.hpp"
#include "mmc/neighbors/distance.hpp"
#include "mmc/neighbors/knn_list.hpp"

namespace mmc::neighbors {

namespace detail {

/// Positions a window test of count_within_sorted reads at once: 64 doubles,
/// eight cache lines, eight AVX-512 compares (measured at N = 10^5 and 10^6:
/// 64 beats 32, and 128 gains at 10^6 what it loses at 10^4 and 10^5).
inline constexpr Index kCountWindow = 64;

/// Number of the kCountWindow values v[0..w) with |q - v| < r (strict) or
/// <= r: a sum of comparisons without branches, which the compiler vectorises.
/// The same comparison as within(), so the count is the same bit for bit.
template <class T>
Index count_inside_window(const T* v, T q, T r, bool strict) noexcept {
  Index c = 0;
  if (strict) {
    for (Index j = 0; j < kCountWindow; ++j) c += std::fabs(q - v[j]) < r ? 1 : 0;
  } else {
    for (Index j = 0; j < kCountWindow; ++j) c += std::fabs(q - v[j]) <= r ? 1 : 0;
  }
  return c;
}

/// Windows count_within_sorted tries on each side before it gallops.
inline constexpr int kCountWindowTries = 3;

/// Guesses below this (a side expected to hold fewer values) gallop at once:
/// a few steps from such a guess cost less than a window (Ross at N = 10^3,
/// where counts are a handful, was a third slower through windows).
inline constexpr Index kMinWindowGuess = kCountWindow / 4;

/// One side of count_within_sorted by windows. The positions [first, last)
/// lie on one side of q, so the values within r of q form a prefix of them
/// (right side, `right`) or a suffix (left side). Tests windows of
/// kCountWindow positions, the first centred on `guess` (a position), each
/// next one where the line through the previous window's end values reaches
/// q + r (right) or q - r (left): on smooth data the first interpolation lands
/// within a few positions. Returns the boundary — the first position outside
/// (right) or the first inside (left) — when a window shows it (it straddles
/// the boundary, or lies at the end of the side where the boundary is), or -1, with
/// `guess` left at the last estimate for the caller's galloping search.
template <class T>
Index boundary_by_windows(const T* values, Index first, Index last, T q, T r, bool strict, bool right,
                          Index& guess) noexcept {
  constexpr Index w = kCountWindow;
  if (last - first < w) return -1;
  const T target = right ? q + r : q - r;  // only places windows: counts use |q - v|
  for (int attempt = 0; attempt < kCountWindowTries; ++attempt) {
    const Index a = std::clamp(guess - w / 2, first, last - w);
    const Index c = count_inside_window(values + a, q, r, strict);
    // Found when the window straddles the boundary, or holds none (all)
    // inside and starts (ends) where the side does on the inner (outer) end.
    const bool inner_end = right ? a == first : a + w == last, outer_end = right ? a + w == last : a == first;
    if ((c > 0 || inner_end) && (c < w || outer_end)) return right ? a + c : a + w - c;
    const T lo = values[a], hi = values[a + w - 1];
    if (!(hi > lo)) return -1;  // a run of equal values: nothing to interpolate
    const Index anchor = target > hi ? a + w - 1 : a;
    double estimate = double(anchor) + double(target - values[anchor]) * double(w - 1) / double(hi - lo);
    // Clamped as a double first (the cast of an out-of-range double is
    // undefined); a NaN (infinite target and span) becomes `first`.
    estimate = estimate <= double(last - 1) ? estimate : double(last - 1);
    guess = static_cast<Index>(estimate >= double(first) ? estimate : double(first));
  }
  return -1;
}

}  // namespace detail

/// Number of the n sorted values at distance < r (strict) or <= r from
/// values[position], that value included. Each boundary is first looked for
/// in windows of kCountWindow positions, the first centred `guess` positions
/// away from `position` (1: next to it), the next placed by interpolating
/// q + r or q - r in the previous one (detail::boundary_by_windows); on smooth
/// data one or two windows find it. Failing that (runs of equal values, rough
/// data), or when the guess is below kMinWindowGuess, the search gallops from
/// the last estimate, then bisects: O(log |boundary - estimate|). Callers that
/// know the local density pass count / 2.
/// Exact for any guess. Comparisons are made on the computed distance
/// |q - v| itself (not on q - r < v, which rounds differently), so counts
/// equal the brute-force oracle's exactly.
template <class T>
Index count_within_sorted(const T* values, Index n, Index position, T r, bool strict, Index guess = 1) noexcept {
  const T q = values[position];
  const auto inside = [&](Index p) { return within(std::fabs(q - values[p]), r, strict); };
  // Equal values sit on both sides of `position`, all at distance 0.
  if (!within(T(0), r, strict)) return 0;  // r <= 0 (strict) or r < 0: nothing, not even q
  guess = std::max<Index>(guess, 1);
  const bool windows = guess >= detail::kMinWindowGuess;
  Index right_guess = position + guess;
  Index right_end = windows ? detail::boundary_by_windows(values, position + 1, n, q, r, strict, true, right_guess) : -1;
  if (right_end < 0) {
    // Right: lo inside, hi the first outside position (or n), then bisect.
    Index lo = position, hi = n;
    if (position + 1 < n) {
      const Index g = std::clamp(right_guess, position + 1, n - 1);
      if (inside(g)) {
        lo = g;
        Index step = 1;
        hi = g + 1;
        while (hi < n && inside(hi)) {
          lo = hi;
          step *= 2;
          hi = g + step;
        }
        hi = std::min(hi, n);
      } else {
        hi = g;
        Index step = 1;
        lo = g - 1;
        while (lo > position && !inside(lo)) {
          hi = lo;
          step *= 2;
          lo = g - step;
        }
        lo = std::max(lo, position);
      }
    }
    while (hi - lo > 1) {  // invariant: inside(lo), hi outside or == n
      const Index m = lo + (hi - lo) / 2;
      const bool in = inside(m);  // selects, not branches: the outcome is unpredictable
      lo = in ? m : lo;
      hi = in ? hi : m;
    }
    right_end = hi;
  }
  // Left, mirrored: in inside, out the last outside position (or -1).
  Index in = position, out = -1;
  Index left_guess = position - guess;
  const Index left_begin =
      windows ? detail::boundary_by_windows(values, Index{0}, position, q, r, strict, false, left_guess) : -1;
  if (left_begin >= 0) return right_end - left_begin;
  if (position > 0) {
    const Index g = std::clamp(left_guess, Index{0}, position - 1);
    if (inside(g)) {
      in = g;
      Index step = 1;
      out = g - 1;
      while (out >= 0 && inside(out)) {
        in = out;
        step *= 2;
        out = g - step;
      }
      out = std::max<Index>(out, -1);
    } else {
      out = g;
      Index step = 1;
      in = g + 1;
      while (in < position && !inside(in)) {
        out = in;
        step *= 2;
        in = g + step;
      }
      in = std::min(in, position);
    }
  }
  while (in - out > 1) {  // invariant: inside(in), out outside or == -1
    const Index m = out + (in - out) / 2;
    const bool is_in = inside(m);
    in = is_in ? m : in;
    out = is_in ? out : m;
  }
  return right_end - (out + 1);
}

template <class T = double>
class SortedLine {
 public:
  /// Copies n values read with stride `stride` from `data` (the first column of
  /// a row-major matrix with `stride` columns, or a plain array with stride 1).
  /// `threads` (0 = all cores) sorts in parallel; the result never depends on it.
  SortedLine(const T* data, Index n, Index stride = 1, int threads = 1)
      : n_(n), axis_(sort_axis(data, n, stride, threads)) {
    original_values_.resize(static_cast<std::size_t>(n_));
    for (Index i = 0; i < n_; ++i) original_values_[static_cast<std::size_t>(i)] = data[i * stride];
  }

  Index size() const noexcept { return n_; }
  Index dim() const noexcept { return 1; }
  /// The value of the point with original index i.
  const T* point(Index i) const noexcept { return &original_values_[static_cast<std::size_t>(i)]; }
  /// Sorted position of the point with original index i.
  Index rank(Index i) const noexcept { return axis_.rank[static_cast<std::size_t>(i)]; }
  /// Original index of the point at sorted position p.
  Index original_index(Index position) const noexcept { return axis_.order[static_cast<std::size_t>(position)]; }
  /// The sorted order itself.
  AxisView<T> view() const noexcept { return axis_.view(); }

  /// k nearest values to *query, skipping original index `exclude` (-1: none),
  /// in (distance, index) order; returns the number written.
  Index knn(const T* query, Index k, Index exclude, T* distances, Index* indices) const noexcept {
    KnnList<T> list(k, distances, indices);
    if (k <= 0) return 0;
    const T q = *query;
    const auto& values = axis_.values;
    Index right = std::lower_bound(values.begin(), values.end(), q) - values.begin();
    Index left = right - 1;
    for (;;) {
      const T dl = left >= 0 ? std::fabs(q - values[left]) : std::numeric_limits<T>::infinity();
      const T dr = right < n_ ? std::fabs(q - values[right]) : std::numeric_limits<T>::infinity();
      if (left < 0 && right >= n_) break;
      if (list.full() && dl > list.worst() && dr > list.worst()) break;
      if (dl <= dr) {
        if (original_index(left) != exclude) list.offer(dl, original_index(left));
        --left;
      } else {
        if (original_index(right) != exclude) list.offer(dr, original_index(right));
        ++right;
      }
    }
    return list.size();
  }

  /// Number of values at distance < r (strict) or <= r from *query.
  Index count_within(const T* query, T r, bool strict) const noexcept {
    const T q = *query;
    const auto& values = axis_.values;
    const auto mid = std::lower_bound(values.begin(), values.end(), q);
    // Right of mid, v >= q and the distance v - q grows with the position.
    const auto right_end = std::partition_point(
        mid, values.end(), [&](T v) { return within(std::fabs(q - v), r, strict); });
    // Left of mid, v < q and the distance shrinks with the position.
    const auto left_begin = std::partition_point(
        values.begin(), mid, [&](T v) { return !within(std::fabs(q - v), r, strict); });
    return static_cast<Index>(right_end - left_begin);
  }

  /// Same as count_within(point(i), r, strict), galloping from i's rank.
  Index count_within_point(Index i, T r, bool strict) const noexcept {
    return count_within_position(rank(i), r, strict);
  }

  /// Same as count_within_point(original_index(position), r, strict). Callers
  /// that loop over positions in order read the sorted values sequentially.
  Index count_within_position(Index position, T r, bool strict) const noexcept {
    return count_within_sorted(axis_.values.data(), n_, position, r, strict);
  }

 private:
  Index n_;
  AxisOrder<T> axis_;
  std::vector<T> original_values_;  // values in original order
};

}  // namespace mmc::neighbors
