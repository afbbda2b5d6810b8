// mmc/neighbors/detail/select_rows.hpp — median selection on the rows of a
// row-major point array, the partition step of the kd-tree build.
//
// Why not std::nth_element on an index array: that reads the coordinates
// through the indices (scattered reads) and then has to permute the rows. Here
// the rows themselves are swapped by a quickselect (median-of-three pivot,
// Sedgewick's two-ended partition), which streams through memory. Rows are
// ordered by (coordinate on `axis`, original index): a strict total order, so
// the result is fully determined by the input, as the exactness and
// thread-count independence of the tree require. If the quickselect degrades
// (adversarial input), it falls back to std::nth_element on keys (introselect).
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <tuple>
#include <vector>

#include "mmc/core/types.hpp"

namespace mmc::neighbors::detail {

/// Reorders rows [begin, end) of `rows` (d values each; FixedD = d when known
/// at compile time, 0 otherwise) and the parallel `index` array so that
/// position `mid` holds the row that would be there if the range were sorted by
/// (rows[.][axis], index[.]), smaller rows before it and larger ones after it.
template <int FixedD, class T>
void select_rows_fixed(T* rows, Index* index, Index dynamic_d, Index begin, Index mid, Index end,
                       Index axis) {
  const Index d = FixedD > 0 ? FixedD : dynamic_d;
  const auto key_less = [&](Index a, T vb, Index ib) {
    const T va = rows[a * d + axis];
    return va < vb || (va == vb && index[a] < ib);
  };
  const auto less = [&](Index a, Index b) { return key_less(a, rows[b * d + axis], index[b]); };
  const auto swap_rows = [&](Index a, Index b) {
    for (Index j = 0; j < d; ++j) std::swap(rows[a * d + j], rows[b * d + j]);
    std::swap(index[a], index[b]);
  };
  Index lo = begin, hi = end;  // mid lies in [lo, hi)
  int budget = 2 * std::bit_width(static_cast<std::uint64_t>(end - begin)) + 8;
  while (hi - lo > 16) {
    if (budget-- == 0) {  // fallback: introselect on (value, index, row) keys
      std::vector<std::tuple<T, Index, Index>> keys;
      keys.reserve(static_cast<std::size_t>(hi - lo));
      for (Index p = lo; p < hi; ++p) keys.emplace_back(rows[p * d + axis], index[p], p);
      std::nth_element(keys.begin(), keys.begin() + (mid - lo), keys.end());
      std::vector<T> moved(static_cast<std::size_t>((hi - lo) * d));
      std::vector<Index> moved_index(static_cast<std::size_t>(hi - lo));
      for (Index p = 0; p < hi - lo; ++p) {
        const Index from = std::get<2>(keys[static_cast<std::size_t>(p)]);
        std::copy_n(rows + from * d, d, moved.data() + p * d);
        moved_index[static_cast<std::size_t>(p)] = index[from];
      }
      std::copy(moved.begin(), moved.end(), rows + lo * d);
      std::copy(moved_index.begin(), moved_index.end(), index + lo);
      return;
    }
    // Median of rows lo, m, hi - 1 moved to lo as the pivot.
    const Index m = lo + (hi - lo) / 2, last = hi - 1;
    if (less(m, lo)) swap_rows(m, lo);
    if (less(last, lo)) swap_rows(last, lo);
    if (less(last, m)) swap_rows(last, m);  // now lo <= m <= last
    swap_rows(lo, m);
    const T pivot = rows[lo * d + axis];
    const Index pivot_index = index[lo];
    Index i = lo, j = hi;
    for (;;) {
      while (key_less(++i, pivot, pivot_index))
        if (i == last) break;
      while (--j > lo) {  // rows[j] > pivot: keep going
        const T v = rows[j * d + axis];
        if (!(pivot < v || (pivot == v && pivot_index < index[j]))) break;
      }
      if (i >= j) break;
      swap_rows(i, j);
    }
    swap_rows(lo, j);  // rows [lo, j) < row j < rows (j, hi)
    if (j == mid) return;
    if (mid < j) hi = j;
    else lo = j + 1;
  }
  for (Index p = lo + 1; p < hi; ++p)  // insertion sort of the short remainder
    for (Index q = p; q > lo && less(q, q - 1); --q) swap_rows(q, q - 1);
}

/// select_rows_fixed with the row length known at compile time for d <= 4.
template <class T>
void select_rows(T* rows, Index* index, Index d, Index begin, Index mid, Index end, Index axis) {
  switch (d) {
    case 1: return select_rows_fixed<1>(rows, index, d, begin, mid, end, axis);
    case 2: return select_rows_fixed<2>(rows, index, d, begin, mid, end, axis);
    case 3: return select_rows_fixed<3>(rows, index, d, begin, mid, end, axis);
    case 4: return select_rows_fixed<4>(rows, index, d, begin, mid, end, axis);
    default: return select_rows_fixed<0>(rows, index, d, begin, mid, end, axis);
  }
}

}  // namespace mmc::neighbors::detail
