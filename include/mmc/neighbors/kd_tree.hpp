// mmc/neighbors/kd_tree.hpp — a kd-tree for k-nearest-neighbour queries and
// radius counts under the max-norm (and the Euclidean norm).
//
// Why our own tree: KSG needs L-infinity, and a general-purpose kd-tree that
// accumulates per-axis gaps as a *sum* (nanoflann, for instance) prunes wrongly
// for that norm. Here the lower bound from a query to a node is the norm of the
// per-axis gap vector to the node's tight bounding box: max_j gap_j for L-inf,
// sqrt(sum_j gap_j^2) for L2 (docs/design.md §3.1).
//
// Exactness: distances to points are computed by neighbors/distance.hpp, exactly
// as the brute-force oracle does; box bounds are monotone in every coordinate
// under IEEE rounding, so pruning and whole-node counting never change a result.
// Leaf scans under the max-norm stop a point early once one coordinate is
// already too far; that is exact too (the max of the coordinate gaps can only
// grow). Ties are broken by the smaller original index (knn_list.hpp).
//
// Speed: max-norm searches walk the tree depth first with an explicit stack,
// carrying an O(1) incremental lower bound per node (Arya & Mount 1993) and
// testing a node's tight box only where that bound does not prune; leaves are
// scanned axis by axis from a column-major copy (vectorised). Construction and
// layout: detail/kd_tree_layout.hpp. Points are stored in tree order, so
// callers looping over positions 0..n-1 issue cache-friendly queries; callers
// that query every point do better still leaf by leaf (knn_of_leaf,
// count_within_leaf: one walk per leaf, detail/kd_tree_batch.hpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/neighbors/detail/kd_tree_batch.hpp"
#include "mmc/neighbors/detail/kd_tree_layout.hpp"
#include "mmc/neighbors/distance.hpp"
#include "mmc/neighbors/knn_list.hpp"

namespace mmc::neighbors {

template <class T = double>
class KdTree : private detail::KdTreeBatch<T> {
 public:
  /// Builds the tree over n points of dimension d stored row-major at `data`
  /// (copied). `leaf_size` trades tree depth for leaf scans; `threads` (0 = all
  /// cores) builds subtrees in parallel — the tree is the same for any value.
  KdTree(const T* data, Index n, Index d, Norm norm = Norm::max, Index leaf_size = 8,
         int threads = 1)
      : Batch(data, n, d, leaf_size, threads), norm_(norm) {}

  /// A Euclidean batch bounds both children of every node it walks by their
  /// tight boxes (d operations per query), which pays only in more dimensions
  /// than this: bench_ksg BM_EuclideanKnnPass, k = max(3, d), N = 1e5, one
  /// thread, best leaf size each way: 10-D 3.0 s batched (leaves of 32)
  /// against 5.4 s one by one (leaves of 8); 4-D 0.21 s against 0.22 s; 2-D
  /// 0.051 s against 0.065 s.
  static constexpr Index kEuclideanBatchMinDims = 4;

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
    if (n_ > 0 && k > 0) {
      if (norm_ == Norm::max) knn_max(query, exclude, list);
      else knn_recursive(0, query, exclude, list);
    }
    return list.size();
  }

  /// Leaves in storage order: leaf l holds the tree positions
  /// [leaf_begin(l), leaf_end(l)); the leaves tile 0..n-1 in order.
  Index leaf_count() const noexcept { return static_cast<Index>(leaves_.size()); }
  Index leaf_begin(Index l) const noexcept { return leaf_node(l).begin; }
  Index leaf_end(Index l) const noexcept { return leaf_node(l).end; }

  /// The k nearest other points of every point stored in leaf l: row a (the
  /// point at position leaf_begin(l) + a) at distances + a k and indices + a k,
  /// the same lists as knn(point_at_position(p), k, original_index(p), ...).
  /// Requires k < size(). Leaves of at most 64 points in at most 32 dimensions
  /// are searched as one batch: always under the max-norm, in more than
  /// kEuclideanBatchMinDims dimensions under the Euclidean norm.
  void knn_of_leaf(Index l, Index k, T* distances, Index* indices) const noexcept {
    const Node& leaf = leaf_node(l);
    if (this->batch_fits(leaf)) {
      const Index id = leaves_[static_cast<std::size_t>(l)];
      if (norm_ == Norm::max) {
        this->template knn_batch<Norm::max>(id, k, distances, indices);
        return;
      }
      if (d_ > kEuclideanBatchMinDims) {
        this->template knn_batch<Norm::euclidean>(id, k, distances, indices);
        return;
      }
    }
    for (Index p = leaf.begin; p < leaf.end; ++p)
      knn(point_at_position(p), k, order_[p], distances + (p - leaf.begin) * k, indices + (p - leaf.begin) * k);
  }

  /// counts[a] = count_within(point_at_position(leaf_begin(l) + a), radii[a],
  /// strict) for every point of leaf l. Max-norm leaves are counted as one batch.
  void count_within_leaf(Index l, const T* radii, bool strict, Index* counts) const noexcept {
    const Node& leaf = leaf_node(l);
    if (norm_ == Norm::max && this->batch_fits(leaf)) {
      if (strict) this->template count_batch<true>(leaf, radii, counts);
      else this->template count_batch<false>(leaf, radii, counts);
      return;
    }
    for (Index p = leaf.begin; p < leaf.end; ++p)
      counts[p - leaf.begin] = count_within(point_at_position(p), radii[p - leaf.begin], strict);
  }

  /// Number of points at distance < r (strict) or <= r, the query point itself
  /// included when it belongs to the set.
  Index count_within(const T* query, T r, bool strict) const noexcept {
    if (n_ == 0) return 0;
    if (norm_ != Norm::max) return count_recursive(0, query, r, strict);
    return strict ? count_max<true>(query, r) : count_max<false>(query, r);
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
  using Batch = detail::KdTreeBatch<T>;
  using Layout = detail::KdTreeLayout<T>;
  using typename Layout::Node;
  using Batch::box_farther_than;
  using Batch::kMaxDepth;
  using Layout::boxes_;
  using Layout::leaves_;
  using Layout::columns_;
  using Layout::d_;
  using Layout::n_;
  using Layout::nodes_;
  using Layout::order_;
  using Layout::points_;
  using Layout::position_;

  Norm norm_;

  const Node& leaf_node(Index l) const noexcept {
    return nodes_[static_cast<std::size_t>(leaves_[static_cast<std::size_t>(l)])];
  }

  // Lower bound on the distance from q to any point of the node's box.
  T box_min_distance(Index id, const T* q) const noexcept {
    return box_bounds(id, q).first;
  }

  // Lower and upper bounds on the distance from q to the node's points.
  std::pair<T, T> box_bounds(Index id, const T* q) const noexcept {
    const T* lo = boxes_.data() + id * 2 * d_;
    const T* hi = lo + d_;
    T near = 0, far = 0;
    for (Index j = 0; j < d_; ++j) {
      const T gap = std::max({lo[j] - q[j], q[j] - hi[j], T(0)});
      const T extent = std::max(hi[j] - q[j], q[j] - lo[j]);
      if (norm_ == Norm::max) {
        near = gap > near ? gap : near;
        far = extent > far ? extent : far;
      } else {
        near += gap * gap;
        far += extent * extent;
      }
    }
    if (norm_ == Norm::max) return {near, far};
    return {std::sqrt(near), std::sqrt(far)};
  }

  bool point_within(const T* q, Index p, T r, bool strict) const noexcept {
    return within(distance(norm_, q, points_.data() + p * d_, d_), r, strict);
  }

  // Max-norm distances from q to the points at positions [begin, end), at most
  // kChunk of them, read axis by axis from the column copy so that the loop
  // over points vectorises. Same operations as max_norm_distance, same bits.
  static constexpr Index kChunk = 64;
  static constexpr Index kScalarDims = 3;  // below this, early exit beats vectorising
  void chunk_max_distances(const T* q, Index begin, Index end, T* out) const noexcept {
    const Index m = end - begin;
    const T q0 = q[0];
    const T* first = columns_.data() + begin;
    for (Index p = 0; p < m; ++p) out[p] = std::fabs(q0 - first[p]);  // max(0, |.|) = |.|
    for (Index j = 1; j < d_; ++j) {
      const T qj = q[j];
      const T* column = columns_.data() + j * n_ + begin;
      for (Index p = 0; p < m; ++p) {
        const T diff = std::fabs(qj - column[p]);
        out[p] = diff > out[p] ? diff : out[p];
      }
    }
  }

  // Max-norm search, depth first with an explicit stack (no call per node).
  // Each node carries a cheap lower bound on the distance from q to its points
  // (after Arya & Mount 1993): the max of per-axis gaps to ranges that contain
  // them, one axis added per level, O(1) per node. A leaf that survives it pays
  // for the tight-box test (O(d), early exit) before its points are scanned.
  // A node at exactly the current worst distance may still hold a tie with a
  // smaller index, so only strictly farther nodes are pruned.
  void knn_max(const T* q, Index exclude, KnnList<T>& list) const noexcept {
    struct Frame {
      Index id;
      T bound;
    };
    Frame stack[kMaxDepth];
    int top = 0;
    Index id = 0;
    T bound = 0;
    for (;;) {
      const Node& node = nodes_[static_cast<std::size_t>(id)];
      if (node.right >= 0) {  // internal: go to the nearer child, stack the other
        const T v = q[node.split_dim];
        const T bound_left = std::max({bound, node.left_lo - v, v - node.left_hi});
        const T bound_right = std::max({bound, node.right_lo - v, v - node.right_hi});
        const bool left_first = bound_left <= bound_right;
        const Index far = left_first ? node.right : id + 1;
        const T far_bound = left_first ? bound_right : bound_left;
        const T near_bound = left_first ? bound_left : bound_right;
        if (!(far_bound > list.worst())) stack[top++] = {far, far_bound};
        if (!(near_bound > list.worst())) {
          id = left_first ? id + 1 : node.right;
          bound = near_bound;
          continue;
        }
      } else if (!box_farther_than(id, q, list.worst())) {
        scan_leaf_max(node, q, exclude, list);
      }
      do {  // next stacked node that may still hold a neighbour
        if (top == 0) return;
        --top;
      } while (stack[top].bound > list.worst());
      id = stack[top].id;
      bound = stack[top].bound;
    }
  }

  void scan_leaf_max(const Node& node, const T* q, Index exclude, KnnList<T>& list) const noexcept {
    if (d_ <= kScalarDims) {  // few axes: row by row, stopping once too far
      for (Index p = node.begin; p < node.end; ++p) {
        const Index original = order_[p];
        if (original == exclude) continue;
        const T worst = list.worst();
        const T* x = points_.data() + p * d_;
        T dist = 0;
        for (Index j = 0; j < d_ && !(dist > worst); ++j) {
          const T diff = std::fabs(q[j] - x[j]);
          dist = diff > dist ? diff : dist;
        }
        if (!(dist > worst)) list.offer(dist, original);
      }
      return;
    }
    T dist[kChunk];
    for (Index begin = node.begin; begin < node.end; begin += kChunk) {
      const Index end = std::min(node.end, begin + kChunk);
      chunk_max_distances(q, begin, end, dist);
      for (Index p = begin; p < end; ++p) {
        const Index original = order_[p];
        if (original != exclude && !(dist[p - begin] > list.worst())) list.offer(dist[p - begin], original);
      }
    }
  }

  // Euclidean search: tight box bounds of both children at every node.
  void knn_recursive(Index id, const T* q, Index exclude, KnnList<T>& list) const noexcept {
    const Node& node = nodes_[static_cast<std::size_t>(id)];
    if (node.right < 0) {
      for (Index p = node.begin; p < node.end; ++p) {
        const Index original = order_[p];
        if (original != exclude) list.offer(distance(norm_, q, points_.data() + p * d_, d_), original);
      }
      return;
    }
    const Index left = id + 1, right = node.right;
    const T dl = box_min_distance(left, q), dr = box_min_distance(right, q);
    const bool left_first = dl <= dr;
    const Index first = left_first ? left : right, second = left_first ? right : left;
    const T d_first = left_first ? dl : dr, d_second = left_first ? dr : dl;
    if (!(d_first > list.worst())) knn_recursive(first, q, exclude, list);
    if (!(d_second > list.worst())) knn_recursive(second, q, exclude, list);
  }

  template <bool Strict>
  static bool within_r(T d, T r) noexcept {
    return Strict ? d < r : d <= r;
  }

  // Max-norm radius count, depth first with an explicit stack and the same
  // cheap bounds as knn_max. A node that survives its bound is classified by
  // its tight box (outside: some axis gap is not within r; inside: every axis
  // extent is); a partial leaf is scanned chunk by chunk.
  template <bool Strict>
  Index count_max(const T* q, T r) const noexcept {
    struct Frame {
      Index id;
      T bound;
    };
    Frame stack[kMaxDepth];
    int top = 0;
    Index id = 0, count = 0;
    T bound = 0;
    for (;;) {
      const T* lo = boxes_.data() + id * 2 * d_;
      const T* hi = lo + d_;
      bool outside = false, inside = true;
      for (Index j = 0; j < d_ && !outside; ++j) {
        outside = !within_r<Strict>(std::max(lo[j] - q[j], q[j] - hi[j]), r);
        inside &= within_r<Strict>(std::max(hi[j] - q[j], q[j] - lo[j]), r);
      }
      if (!outside) {
        const Node& node = nodes_[static_cast<std::size_t>(id)];
        if (inside) {
          count += node.end - node.begin;
        } else if (node.right < 0) {
          T dist[kChunk];
          for (Index begin = node.begin; begin < node.end; begin += kChunk) {
            const Index end = std::min(node.end, begin + kChunk);
            chunk_max_distances(q, begin, end, dist);
            for (Index p = 0; p < end - begin; ++p) count += within_r<Strict>(dist[p], r);
          }
        } else {
          const T v = q[node.split_dim];
          const T bound_left = std::max({bound, node.left_lo - v, v - node.left_hi});
          const T bound_right = std::max({bound, node.right_lo - v, v - node.right_hi});
          const bool left = within_r<Strict>(bound_left, r), right = within_r<Strict>(bound_right, r);
          if (left && right) stack[top++] = {node.right, bound_right};
          if (left || right) {
            id = left ? id + 1 : node.right;
            bound = left ? bound_left : bound_right;
            continue;
          }
        }
      }
      if (top == 0) return count;
      --top;
      id = stack[top].id;
      bound = stack[top].bound;
    }
  }

  Index count_recursive(Index id, const T* q, T r, bool strict) const noexcept {
    const Node& node = nodes_[static_cast<std::size_t>(id)];
    const auto [lower, upper] = box_bounds(id, q);
    if (!within(lower, r, strict)) return 0;
    if (within(upper, r, strict)) return node.end - node.begin;
    if (node.right < 0) {
      Index count = 0;
      for (Index p = node.begin; p < node.end; ++p) count += point_within(q, p, r, strict);
      return count;
    }
    return count_recursive(id + 1, q, r, strict) + count_recursive(node.right, q, r, strict);
  }

  template <class Visit>
  void visit_recursive(Index id, const T* q, T r, bool strict, Visit& visit) const {
    const Node& node = nodes_[static_cast<std::size_t>(id)];
    const auto [lower, upper] = box_bounds(id, q);
    if (!within(lower, r, strict)) return;
    const bool all_inside = within(upper, r, strict);
    if (node.right < 0 || all_inside) {
      for (Index p = node.begin; p < node.end; ++p)
        if (all_inside || point_within(q, p, r, strict)) visit(order_[p]);
      return;
    }
    visit_recursive(id + 1, q, r, strict, visit);
    visit_recursive(node.right, q, r, strict, visit);
  }
};

}  // namespace mmc::neighbors
