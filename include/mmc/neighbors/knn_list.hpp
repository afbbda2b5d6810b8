// mmc/neighbors/knn_list.hpp — the k best candidates of a nearest-neighbour query.
//
// Neighbours are ordered by (distance, original index): ties in distance are
// broken by the smaller index, so every search path returns the same neighbour
// *set*, not only the same k-th distance. KSG algorithm 2 and LNC depend on the
// set, so this rule is part of the contract tested against brute force.
// KthDistanceList and KthDistanceNetwork keep only the k smallest distances,
// for callers that need the k-th distance alone (it does not depend on the
// tie rule).
#pragma once

#include <algorithm>
#include <limits>

#include "mmc/core/types.hpp"

namespace mmc::neighbors {

/// `kWithPositions`: each entry also carries the candidate's storage position
/// in the searched structure (Grid2D), so a caller can read the neighbours'
/// coordinates from that structure's contiguous storage instead of gathering
/// them by original index. The order never depends on the positions.
template <class T, bool kWithPositions = false>
class KnnList {
 public:
  /// Uses caller-provided storage of length k for distances and indices (and
  /// positions, when kWithPositions).
  KnnList() noexcept = default;  // empty (k = 0); assign a real list before use
  KnnList(Index k, T* distances, Index* indices, Index* positions = nullptr) noexcept
      : k_(k), distances_(distances), indices_(indices), positions_(positions) {}

  Index size() const noexcept { return size_; }
  bool full() const noexcept { return size_ == k_; }

  /// Distance a candidate must not exceed to enter the list (+inf until full).
  /// Kept in a member: searches ask for it at every node.
  T worst() const noexcept { return worst_; }

  /// Inserts (d, index) if it precedes the current k-th entry in (distance, index) order.
  void offer(T d, Index index, [[maybe_unused]] Index position = 0) noexcept {
    if (full()) {
      const T w = distances_[k_ - 1];
      if (d > w || (d == w && index > indices_[k_ - 1])) return;
    } else {
      ++size_;
    }
    Index pos = size_ - 1;
    while (pos > 0 && (distances_[pos - 1] > d ||
                       (distances_[pos - 1] == d && indices_[pos - 1] > index))) {
      distances_[pos] = distances_[pos - 1];
      indices_[pos] = indices_[pos - 1];
      if constexpr (kWithPositions) positions_[pos] = positions_[pos - 1];
      --pos;
    }
    distances_[pos] = d;
    indices_[pos] = index;
    if constexpr (kWithPositions) positions_[pos] = position;
    if (full()) worst_ = distances_[k_ - 1];
  }

 private:
  Index k_ = 0;
  T* distances_ = nullptr;
  Index* indices_ = nullptr;
  Index* positions_ = nullptr;
  Index size_ = 0;
  T worst_ = std::numeric_limits<T>::infinity();
};

/// The k smallest distances of a query, without the neighbours' identities:
/// the same interface as KnnList for the searches (offer, worst, full), for
/// callers that need only the k-th distance (KSG algorithm 1's radius, the
/// mixed estimator's rho). The k smallest values of a multiset do not depend
/// on how equal values are ordered, so kth() equals KnnList's k-th distance
/// bit for bit; a candidate *at* the current k-th distance cannot change it
/// and is not inserted (no index comparison, no index read).
template <class T>
class KthDistanceList {
 public:
  KthDistanceList(Index k, T* distances) noexcept : k_(k), distances_(distances) {}

  Index size() const noexcept { return size_; }
  bool full() const noexcept { return size_ == k_; }
  T worst() const noexcept { return worst_; }
  /// The k-th smallest distance offered (requires full()).
  T kth() const noexcept { return distances_[k_ - 1]; }

  void offer(T d, Index = 0, Index = 0) noexcept {
    if (!(d < worst_)) return;  // worst_ is +inf until full, so finite d always enter then
    if (!full()) ++size_;
    Index pos = size_ - 1;
    while (pos > 0 && distances_[pos - 1] > d) {
      distances_[pos] = distances_[pos - 1];
      --pos;
    }
    distances_[pos] = d;
    if (full()) worst_ = distances_[k_ - 1];
  }

 private:
  Index k_;
  T* distances_;
  Index size_ = 0;
  T worst_ = std::numeric_limits<T>::infinity();
};

/// KthDistanceList for a compile-time k, kept in registers and updated
/// without branches: offering d sets d_i = min(d_i, max(d_{i-1}, d)) from the
/// last entry down and d_0 = min(d_0, d), the insertion of d into a sorted
/// array that drops the largest. Every candidate costs the same 2k - 1
/// min/max operations, and no mispredicted branch, whether it enters or not.
/// Entries are +inf until offered, so worst() is +inf until k finite
/// candidates arrived, and +inf offers (a masked-out candidate) change
/// nothing. Same k-th distance as KthDistanceList, bit for bit.
template <class T, int K>
class KthDistanceNetwork {
  static_assert(K >= 1, "KthDistanceNetwork: K is the neighbour count k, at least 1");

 public:
  /// The scans may offer every candidate unconditionally (no early reject).
  static constexpr bool kBranchFree = true;

  KthDistanceNetwork() noexcept {
    for (T& d : distances_) d = std::numeric_limits<T>::infinity();
  }

  bool full() const noexcept { return distances_[K - 1] < std::numeric_limits<T>::infinity(); }
  T worst() const noexcept { return distances_[K - 1]; }
  T kth() const noexcept { return distances_[K - 1]; }
  Index size() const noexcept {
    Index finite = 0;
    for (const T d : distances_) finite += d < std::numeric_limits<T>::infinity();
    return finite;
  }

  void offer(T d, Index = 0, Index = 0) noexcept {
    for (int i = K - 1; i > 0; --i) distances_[i] = std::min(distances_[i], std::max(distances_[i - 1], d));
    distances_[0] = std::min(distances_[0], d);
  }

 private:
  T distances_[K];
};

}  // namespace mmc::neighbors
