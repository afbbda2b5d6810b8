// mmc/neighbors/grid_2d.hpp — k-nearest-neighbour queries in the plane under
// the max-norm, on a grid of rank bins: the joint space of a 1 + 1-dimensional
// KSG (one feature against one target, the most common case).
//
// Why a grid: a kd-tree over 10^6 points in 2-D spends as long on its build as
// on all the queries (0.48 s + 0.50 s on one core). Here each axis is cut into
// G bins of equal *count* by rank (bin = rank * G / n, ranks from the sorted
// axes of sort_axis, which the KSG marginal counts need anyway), so a cell
// holds about n / G^2 points whatever the marginal distributions — for
// independent coordinates; dependent ones crowd the diagonal, and G is then
// raised until a point's cell holds a few others again (bin_count). The points
// are stored column by column, each column counting-sorted by row bin (the
// column's points are a contiguous run of x ranks, so this touches one small
// region at a time), and a query scans the rings of cells around its own,
// nearest first, until the next ring cannot hold a closer point.
//
// Exactness: candidates enter a neighbors::KnnList, which orders them by
// (distance, original index), so the result is the brute-force answer, ties
// included. The ring bound B = the distance from the query to the nearest bin
// edge outside the rings scanned, per axis q - max(bin) or min(bin) - q: bins
// are runs of the sorted axis, so every value beyond that edge is at least as
// far (equal values may straddle two bins; the bound is then 0, still a lower
// bound), and because rounding is monotone fl(q - v) >= fl(q - max(bin)): B
// never exceeds a true distance, and stopping when B > the k-th distance
// (strictly: a point *at* that distance with a smaller index still counts)
// misses nothing. Callers that need only the k-th distance
// (kth_distance_at_position) search the same rings with a list of distances
// alone; the k smallest values do not depend on the order of equal ones.
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "mmc/core/large_vector.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/neighbors/knn_list.hpp"
#include "mmc/neighbors/sorted_line.hpp"

namespace mmc::neighbors {

class Grid2D {
 public:
  /// Average points per cell the bin count aims at (measured at N = 10^6,
  /// k = 3: 2 to 8 per cell are within 10 % of each other; 4 is the fastest).
  static constexpr double kPointsPerCell = 4.0;

  /// The points (x_i, y_i) whose two coordinates are sorted in `x` and `y`
  /// (sort_axis over the same n original indices). The coordinates are copied
  /// in cell order; the axes need not outlive the grid. `threads` (0 = all
  /// cores) stores the columns in parallel; the result never depends on it.
  Grid2D(AxisView<double> x, AxisView<double> y, int threads = 1) : n_(x.n) {
    bins_ = bin_count(x, y, n_);
    const auto size = static_cast<std::size_t>(n_);
    points_.resize(2 * size);
    order_.resize(size);
    x_rank_.resize(size);
    y_rank_.resize(size);
    cell_start_.resize(static_cast<std::size_t>(bins_ * bins_ + 1));
    cell_start_.back() = n_;
    parallel_for(bins_, threads, kColumnGrain, [&](Index first, Index last) {
      std::vector<Index> row_of, next(static_cast<std::size_t>(bins_));
      for (Index column = first; column < last; ++column) store_column(x, y, column, row_of, next);
    });
    x_low_.resize(static_cast<std::size_t>(bins_));
    x_high_.resize(static_cast<std::size_t>(bins_));
    y_low_.resize(static_cast<std::size_t>(bins_));
    y_high_.resize(static_cast<std::size_t>(bins_));
    for (Index b = 0; b < bins_; ++b) {  // every bin holds >= 1 point: bins <= n
      const auto s = static_cast<std::size_t>(b);
      x_low_[s] = x.values[first_rank(b)];
      x_high_[s] = x.values[first_rank(b + 1) - 1];
      y_low_[s] = y.values[first_rank(b)];
      y_high_[s] = y.values[first_rank(b + 1) - 1];
    }
  }

  /// The occupancy a point sees (the mean, over points, of the number of
  /// points in their cell) above which the grid is refined. Rank bins make
  /// every row and column hold n / G points, but dependent data crowd the
  /// diagonal: at rho = 0.9 a grid of n / 4 cells shows each point 16.7
  /// cell-mates (5.0 for independent data, 6.3 at rho = 0.5), and queries
  /// scan accordingly more candidates.
  static constexpr double kMaxOccupancy = 8.0;

  /// Bins per axis: sqrt(n / kPointsPerCell), refined where the measured
  /// occupancy exceeds kMaxOccupancy. Occupancy - 1 falls as 1 / G^2 (cells
  /// split), so one step lands near the aim; at most 2n cells (memory stays
  /// O(n)). Measured on every fourth column (x bin): a deterministic function
  /// of the ranks, so the grid never depends on the thread count.
  static Index bin_count(const AxisView<double>& x, const AxisView<double>& y, Index n) {
    const Index base = std::max<Index>(1, static_cast<Index>(std::sqrt(static_cast<double>(n) / kPointsPerCell)));
    if (base < 16) return base;
    const auto first = [&](Index b) { return (b * n + base - 1) / base; };  // as first_rank
    std::vector<Index> row_counts(static_cast<std::size_t>(base));
    double squares = 0, points = 0;
    for (Index column = 0; column < base; column += 4) {
      std::fill(row_counts.begin(), row_counts.end(), 0);
      for (Index r = first(column); r < first(column + 1); ++r) {
        Index& count = row_counts[static_cast<std::size_t>(y.rank[x.order[r]] * base / n)];
        squares += static_cast<double>(2 * count + 1);  // (c + 1)^2 - c^2
        ++count;
        ++points;
      }
    }
    const double occupancy = squares / points;
    if (!(occupancy > kMaxOccupancy)) return base;
    const double aim = 0.5 * (kPointsPerCell + 1.0 + kMaxOccupancy);  // between independent and the limit
    const double refined = static_cast<double>(base) * std::sqrt((occupancy - 1.0) / (aim - 1.0));
    return static_cast<Index>(std::min(refined, std::sqrt(2.0 * static_cast<double>(n))));
  }

  /// The grid of the n points (data[2 i], data[2 i + 1]) of a row-major n x 2
  /// matrix (sorts both columns first).
  static Grid2D of_points(const double* data, Index n, int threads = 1) {
    const AxisOrder<double> x = sort_axis(data, n, 2, threads), y = sort_axis(data + 1, n, 2, threads);
    return Grid2D(x.view(), y.view(), threads);
  }

  Index size() const noexcept { return n_; }
  /// Bins per axis (bin_count).
  Index bins() const noexcept { return bins_; }
  /// Original index of the point stored at `position` (cell order).
  Index original_index(Index position) const noexcept { return order_[static_cast<std::size_t>(position)]; }
  /// The coordinates {x, y} of the point stored at `position`.
  const double* point_at_position(Index position) const noexcept {
    return points_.data() + 2 * position;
  }
  /// Sorted positions (ranks) along x and along y of the point stored at `position`.
  Index x_rank(Index position) const noexcept { return x_rank_[static_cast<std::size_t>(position)]; }
  Index y_rank(Index position) const noexcept { return y_rank_[static_cast<std::size_t>(position)]; }

  /// The k nearest other points of the point stored at `position` (itself
  /// excluded), in (distance, original index) order; returns the number
  /// written. `positions` (optional, length k) receives their stored positions.
  Index knn_at_position(Index position, Index k, double* distances, Index* indices,
                        Index* positions = nullptr) const noexcept {
    if (k <= 0) return 0;
    if (positions != nullptr) return search(position, KnnList<double, true>(k, distances, indices, positions));
    return search(position, KnnList<double>(k, distances, indices));
  }

  /// The distance from the point stored at `position` to its k-th nearest
  /// other point: distances[k - 1] of knn_at_position, bit for bit, found
  /// without tracking which points are the neighbours (KthDistanceNetwork
  /// for k <= 6, KthDistanceList above). Requires 0 < k < size(); `scratch`
  /// holds k values.
  double kth_distance_at_position(Index position, Index k, double* scratch) const noexcept {
    switch (k) {  // the common k in registers, branch-free (KthDistanceNetwork)
      case 1: return kth_by_network<1>(position);
      case 2: return kth_by_network<2>(position);
      case 3: return kth_by_network<3>(position);
      case 4: return kth_by_network<4>(position);
      case 5: return kth_by_network<5>(position);
      case 6: return kth_by_network<6>(position);
      default: break;
    }
    KthDistanceList<double> list(k, scratch);
    search(position, list);
    return list.kth();
  }

 private:
  /// First rank of bin b: the smallest r with r * bins / n >= b.
  Index first_rank(Index b) const noexcept { return (b * n_ + bins_ - 1) / bins_; }
  Index bin_of_rank(Index rank) const noexcept { return rank * bins_ / n_; }

  /// Stores column `column` (the x ranks first_rank(column) .. first_rank(column + 1) - 1)
  /// counting-sorted by row bin; writes only that column's cells and positions.
  void store_column(const AxisView<double>& x, const AxisView<double>& y, Index column,
                    std::vector<Index>& row_of, std::vector<Index>& next) {
    const Index begin = first_rank(column), end = first_rank(column + 1);
    row_of.resize(static_cast<std::size_t>(end - begin));
    std::fill(next.begin(), next.end(), 0);
    for (Index r = begin; r < end; ++r) {
      const Index row = bin_of_rank(y.rank[x.order[r]]);
      row_of[static_cast<std::size_t>(r - begin)] = row;
      ++next[static_cast<std::size_t>(row)];
    }
    Index start = begin;  // exclusive prefix sum: next[row] = first position of the cell
    for (Index row = 0; row < bins_; ++row) {
      const Index count = next[static_cast<std::size_t>(row)];
      cell_start_[static_cast<std::size_t>(column * bins_ + row)] = start;
      next[static_cast<std::size_t>(row)] = start;
      start += count;
    }
    for (Index r = begin; r < end; ++r) {
      const Index original = x.order[r], rank_y = y.rank[original];
      const auto p = static_cast<std::size_t>(next[static_cast<std::size_t>(row_of[static_cast<std::size_t>(r - begin)])]++);
      points_[2 * p] = x.values[r];
      points_[2 * p + 1] = y.values[rank_y];
      order_[p] = original;
      x_rank_[p] = r;
      y_rank_[p] = rank_y;
    }
  }

  template <int K>
  double kth_by_network(Index position) const noexcept {
    KthDistanceNetwork<double, K> list;
    search(position, list);
    return list.kth();
  }

  template <class List>
  Index search(Index position, List&& list) const noexcept {
    const auto s = static_cast<std::size_t>(position);
    const double qx = points_[2 * s], qy = points_[2 * s + 1];
    const Index cx = bin_of_rank(x_rank_[s]), cy = bin_of_rank(y_rank_[s]);
    for (Index r = 0;; ++r) {
      scan_ring(cx, cy, r, qx, qy, position, list);
      const double bound = std::min(axis_bound(x_low_, x_high_, cx, r, qx), axis_bound(y_low_, y_high_, cy, r, qy));
      if (bound == std::numeric_limits<double>::infinity()) break;  // every cell scanned
      if (list.full() && bound > list.worst()) break;
    }
    return list.size();
  }

  /// Lower bound on the distance along one axis from q (in bin c) to any point
  /// in a bin more than r away from c; +inf when there is no such bin.
  double axis_bound(const std::vector<double>& low, const std::vector<double>& high, Index c, Index r,
                    double q) const noexcept {
    double bound = std::numeric_limits<double>::infinity();
    if (c - r - 1 >= 0) bound = gap_to_bin(low, high, c, c - r - 1, q);
    if (c + r + 1 < bins_) bound = std::min(bound, gap_to_bin(low, high, c, c + r + 1, q));
    return bound;
  }

  /// Lower bound on the distance along one axis from q (in bin c) to any point
  /// of another bin b: q - max(b) below c, min(b) - q above.
  static double gap_to_bin(const std::vector<double>& low, const std::vector<double>& high, Index c, Index b,
                           double q) noexcept {
    return b < c ? q - high[static_cast<std::size_t>(b)] : low[static_cast<std::size_t>(b)] - q;
  }

  /// Offers every point of the cells in rows row_first..row_last of one
  /// grid column: one contiguous run of stored points. A candidate farther
  /// than the current k-th distance is dropped before its index is read
  /// (KnnList::offer would reject it too: same result, less memory traffic).
  template <class List>
  void scan_rows(Index column, Index row_first, Index row_last, double qx, double qy, Index self_position,
                 List& list) const noexcept {
    if (column < 0 || column >= bins_) return;
    row_first = std::max<Index>(row_first, 0);
    row_last = std::min(row_last, bins_ - 1);
    if (row_first > row_last) return;
    const Index end = cell_start_[static_cast<std::size_t>(column * bins_ + row_last + 1)];
    const Index begin = cell_start_[static_cast<std::size_t>(column * bins_ + row_first)];
    for (Index p = begin; p < end; ++p) {
      const auto s = static_cast<std::size_t>(p);
      const double d = std::max(std::fabs(qx - points_[2 * s]), std::fabs(qy - points_[2 * s + 1]));
      if constexpr (requires { List::kBranchFree; }) {  // KthDistanceNetwork: self masked by +inf
        list.offer(p == self_position ? std::numeric_limits<double>::infinity() : d);
      } else {
        if (d > list.worst()) continue;
        if (p != self_position) list.offer(d, order_[s], p);
      }
    }
  }

  /// Offers every point of the cells at Chebyshev ring r around (cx, cy).
  /// The cells of one grid column are stored one after another, so the
  /// ring's left and right sides are one contiguous run of points each.
  /// A side (or a cell of the bottom and top rows) whose bins lie farther
  /// from q along one axis than the current k-th distance is skipped: every
  /// point there is farther (the bound argument of the file comment), and
  /// KnnList::offer rejects d > worst, so the list ends the same.
  template <class List>
  void scan_ring(Index cx, Index cy, Index r, double qx, double qy, Index self_position, List& list) const noexcept {
    const auto rows = [&](Index column, Index row_first, Index row_last) {
      scan_rows(column, row_first, row_last, qx, qy, self_position, list);
    };
    if (r == 0) {
      rows(cx, cy, cy);
      return;
    }
    // worst() is +inf until the list is full: nothing is skipped before.
    const auto beyond = [&](double bound) { return bound > list.worst(); };
    const auto column_bound = [&](Index x) { return gap_to_bin(x_low_, x_high_, cx, x, qx); };
    if (cx - r >= 0 && !beyond(column_bound(cx - r))) rows(cx - r, cy - r, cy + r);  // left, corners included
    if (cx + r < bins_ && !beyond(column_bound(cx + r))) rows(cx + r, cy - r, cy + r);  // right
    const bool bottom = cy - r >= 0 && !beyond(gap_to_bin(y_low_, y_high_, cy, cy - r, qy));
    const bool top = cy + r < bins_ && !beyond(gap_to_bin(y_low_, y_high_, cy, cy + r, qy));
    if (!bottom && !top) return;
    for (Index x = std::max<Index>(cx - r + 1, 0); x <= std::min(cx + r - 1, bins_ - 1); ++x) {
      if (x != cx && beyond(column_bound(x))) continue;
      if (bottom) rows(x, cy - r, cy - r);
      if (top) rows(x, cy + r, cy + r);
    }
  }

  static constexpr Index kColumnGrain = 16;  // fixed: results never depend on threads

  Index n_, bins_ = 1;
  LargeVector<Index> cell_start_;        // cell (column * bins + row) -> first stored position
  LargeVector<double> points_;           // {x, y} pairs in cell order
  LargeVector<Index> order_;             // stored position -> original index
  LargeVector<Index> x_rank_, y_rank_;   // stored position -> sorted position along x, y
  std::vector<double> x_low_, x_high_, y_low_, y_high_;  // per-bin value range
};

}  // namespace mmc::neighbors
