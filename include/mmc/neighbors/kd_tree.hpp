// mmc/neighbors/kd_tree.hpp — a kd-tree for k-nearest-neighbour queries and
// radius counts under the max-norm (and the Euclidean norm).
//
// Why our own tree: KSG needs L-infinity, and a general-purpose kd-tree that
// accumulates per-axis gaps as a *sum* (nanoflann, for instance) prunes wrongly
// for that norm. Here the lower bound from a query to a node is the norm of the
// per-axis gap vector to the node's tight bounding box: max_j gap_j for L-inf,
// sqrt(sum_j gap_j^2) for L2 (DESIGN.md §3.1).
//
// Exactness: distances to points are computed by neighbors/distance.hpp, exactly
// as the brute-force oracle does; box bounds are monotone in every coordinate
// under IEEE rounding, so pruning and whole-node counting never change a result.
// Ties are broken by the smaller original index (knn_list.hpp).
//
// Points are copied in tree order, so a query touches contiguous memory, and
// callers that loop over the data in tree order (position 0..n-1) get
// cache-friendly neighbouring queries. Memory is O(n d).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/neighbors/distance.hpp"
#include "mmc/neighbors/knn_list.hpp"

namespace mmc::neighbors {

template <class T = double>
class KdTree {
 public:
  /// Builds the tree over n points of dimension d stored row-major at `data`
  /// (copied). `leaf_size` trades tree depth for leaf scans.
  KdTree(const T* data, Index n, Index d, Norm norm = Norm::max, Index leaf_size = 8)
      : n_(n), d_(d), norm_(norm), leaf_size_(std::max<Index>(leaf_size, 1)) {
    order_.resize(static_cast<std::size_t>(n_));
    std::iota(order_.begin(), order_.end(), Index{0});
    if (n_ > 0) {
      nodes_.reserve(static_cast<std::size_t>(2 * (n_ / leaf_size_ + 1)));
      build(data, 0, n_);
    }
    points_.resize(static_cast<std::size_t>(n_ * d_));
    position_.resize(static_cast<std::size_t>(n_));
    for (Index p = 0; p < n_; ++p) {
      std::copy_n(data + order_[p] * d_, d_, points_.data() + p * d_);
      position_[order_[p]] = p;
    }
  }

  Index size() const noexcept { return n_; }
  Index dim() const noexcept { return d_; }
  Norm norm() const noexcept { return norm_; }

  /// Original index of the point stored at tree position p (0 <= p < n).
  Index original_index(Index position) const noexcept { return order_[position]; }
  /// Tree position of the point with original index i.
  Index position_of(Index original) const noexcept { return position_[original]; }
  /// Coordinates of the point stored at tree position p.
  const T* point_at_position(Index position) const noexcept {
    return points_.data() + position * d_;
  }
  /// Coordinates of the point with original index i.
  const T* point(Index original) const noexcept { return point_at_position(position_[original]); }

  /// The k nearest points to `query`, skipping original index `exclude` (-1: none),
  /// in (distance, index) order; returns the number written (min(k, available)).
  Index knn(const T* query, Index k, Index exclude, T* distances, Index* indices) const noexcept {
    KnnList<T> list(k, distances, indices);
    if (n_ > 0 && k > 0) knn_recursive(0, query, exclude, list);
    return list.size();
  }

  /// Number of points at distance < r (strict) or <= r, the query point itself
  /// included when it belongs to the set.
  Index count_within(const T* query, T r, bool strict) const noexcept {
    return n_ > 0 ? count_recursive(0, query, r, strict) : 0;
  }

  /// Calls visit(original_index) for every point within r (in tree order).
  template <class Visit>
  void for_each_within(const T* query, T r, bool strict, Visit&& visit) const {
    if (n_ > 0) visit_recursive(0, query, r, strict, visit);
  }

  /// Original indices of the points within r, sorted increasingly.
  std::vector<Index> indices_within(const T* query, T r, bool strict) const {
    std::vector<Index> result;
    for_each_within(query, r, strict, [&](Index i) { result.push_back(i); });
    std::sort(result.begin(), result.end());
    return result;
  }

 private:
  struct Node {
    Index begin, end;  // tree positions [begin, end)
    Index left = -1;   // child node ids; -1 for a leaf
    Index right = -1;
    Index split_dim = 0;
    T split = 0;
  };

  Index build(const T* data, Index begin, Index end) {
    const Index id = static_cast<Index>(nodes_.size());
    nodes_.push_back(Node{begin, end});
    const std::size_t box_offset = static_cast<std::size_t>(id * d_);
    box_lo_.resize(box_offset + static_cast<std::size_t>(d_));
    box_hi_.resize(box_offset + static_cast<std::size_t>(d_));
    T* lo = box_lo_.data() + box_offset;
    T* hi = box_hi_.data() + box_offset;
    std::fill_n(lo, d_, std::numeric_limits<T>::infinity());
    std::fill_n(hi, d_, -std::numeric_limits<T>::infinity());
    for (Index p = begin; p < end; ++p) {
      const T* x = data + order_[p] * d_;
      for (Index j = 0; j < d_; ++j) {
        lo[j] = std::min(lo[j], x[j]);
        hi[j] = std::max(hi[j], x[j]);
      }
    }
    if (end - begin <= leaf_size_) return id;
    Index split_dim = 0;
    T spread = hi[0] - lo[0];
    for (Index j = 1; j < d_; ++j) {
      if (hi[j] - lo[j] > spread) {
        spread = hi[j] - lo[j];
        split_dim = j;
      }
    }
    if (!(spread > 0)) return id;  // all points identical: one (large) leaf
    const Index mid = begin + (end - begin) / 2;
    std::nth_element(order_.begin() + begin, order_.begin() + mid, order_.begin() + end,
                     [&](Index a, Index b) {
                       const T va = data[a * d_ + split_dim], vb = data[b * d_ + split_dim];
                       return va < vb || (va == vb && a < b);
                     });
    const T split = data[order_[mid] * d_ + split_dim];
    const Index left = build(data, begin, mid);
    const Index right = build(data, mid, end);
    Node& node = nodes_[static_cast<std::size_t>(id)];
    node.left = left;
    node.right = right;
    node.split_dim = split_dim;
    node.split = split;
    return id;
  }

  // Lower bound on the distance from q to any point of the node's box.
  T box_min_distance(Index id, const T* q) const noexcept {
    const T* lo = box_lo_.data() + id * d_;
    const T* hi = box_hi_.data() + id * d_;
    if (norm_ == Norm::max) {
      T m = 0;
      for (Index j = 0; j < d_; ++j) {
        const T gap = std::max(lo[j] - q[j], q[j] - hi[j]);
        m = gap > m ? gap : m;
      }
      return m;
    }
    T sum = 0;
    for (Index j = 0; j < d_; ++j) {
      const T gap = std::max({lo[j] - q[j], q[j] - hi[j], T(0)});
      sum += gap * gap;
    }
    return std::sqrt(sum);
  }

  // Upper bound on the distance from q to any point of the node's box.
  T box_max_distance(Index id, const T* q) const noexcept {
    const T* lo = box_lo_.data() + id * d_;
    const T* hi = box_hi_.data() + id * d_;
    if (norm_ == Norm::max) {
      T m = 0;
      for (Index j = 0; j < d_; ++j) {
        const T far = std::max(hi[j] - q[j], q[j] - lo[j]);
        m = far > m ? far : m;
      }
      return m;
    }
    T sum = 0;
    for (Index j = 0; j < d_; ++j) {
      const T far = std::max(hi[j] - q[j], q[j] - lo[j]);
      sum += far * far;
    }
    return std::sqrt(sum);
  }

  void knn_recursive(Index id, const T* q, Index exclude, KnnList<T>& list) const noexcept {
    const Node& node = nodes_[static_cast<std::size_t>(id)];
    if (node.left < 0) {
      for (Index p = node.begin; p < node.end; ++p) {
        const Index original = order_[p];
        if (original == exclude) continue;
        list.offer(distance(norm_, q, points_.data() + p * d_, d_), original);
      }
      return;
    }
    const bool left_first = q[node.split_dim] < node.split;
    const Index first = left_first ? node.left : node.right;
    const Index second = left_first ? node.right : node.left;
    // A node at exactly the current worst distance may still hold a tie with a
    // smaller index, so only strictly farther nodes are pruned.
    if (!(box_min_distance(first, q) > list.worst())) knn_recursive(first, q, exclude, list);
    if (!(box_min_distance(second, q) > list.worst())) knn_recursive(second, q, exclude, list);
  }

  Index count_recursive(Index id, const T* q, T r, bool strict) const noexcept {
    const Node& node = nodes_[static_cast<std::size_t>(id)];
    const T lower = box_min_distance(id, q);
    if (!within(lower, r, strict)) return 0;
    if (within(box_max_distance(id, q), r, strict)) return node.end - node.begin;
    if (node.left < 0) {
      Index count = 0;
      for (Index p = node.begin; p < node.end; ++p)
        count += within(distance(norm_, q, points_.data() + p * d_, d_), r, strict);
      return count;
    }
    return count_recursive(node.left, q, r, strict) + count_recursive(node.right, q, r, strict);
  }

  template <class Visit>
  void visit_recursive(Index id, const T* q, T r, bool strict, Visit& visit) const {
    const Node& node = nodes_[static_cast<std::size_t>(id)];
    if (!within(box_min_distance(id, q), r, strict)) return;
    if (node.left < 0 || within(box_max_distance(id, q), r, strict)) {
      const bool all_inside = within(box_max_distance(id, q), r, strict);
      for (Index p = node.begin; p < node.end; ++p) {
        if (all_inside || within(distance(norm_, q, points_.data() + p * d_, d_), r, strict))
          visit(order_[p]);
      }
      return;
    }
    visit_recursive(node.left, q, r, strict, visit);
    visit_recursive(node.right, q, r, strict, visit);
  }

  Index n_, d_;
  Norm norm_;
  Index leaf_size_;
  std::vector<Index> order_;     // tree position -> original index
  std::vector<Index> position_;  // original index -> tree position
  std::vector<T> points_;        // points in tree order, row-major
  std::vector<Node> nodes_;
  std::vector<T> box_lo_, box_hi_;  // tight bounding box per node, node-major
};

}  // namespace mmc::neighbors
