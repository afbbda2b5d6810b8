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
// Leaf scans under the max-norm stop a point early once one coordinate is
// already too far; that is exact too (the max of the coordinate gaps can only
// grow). Ties are broken by the smaller original index (knn_list.hpp).
//
// Layout and speed: every node splits its points at the median (by value along
// its widest axis, then by index) until at most `leaf_size` remain, so the
// tree's shape depends only on n and every node id is known in advance
// (preorder; the left child is id + 1). That lets the subtrees below a fixed
// depth be built in parallel with mmc::parallel_for and still give the same
// tree for any thread count. Points are stored in tree order, so a query
// touches contiguous memory and callers looping over positions 0..n-1 issue
// cache-friendly neighbouring queries. Node boxes (lo then hi) are contiguous
// per node. Memory is O(n d).
#pragma once

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/neighbors/detail/select_rows.hpp"
#include "mmc/neighbors/distance.hpp"
#include "mmc/neighbors/knn_list.hpp"

namespace mmc::neighbors {

template <class T = double>
class KdTree {
 public:
  /// Builds the tree over n points of dimension d stored row-major at `data`
  /// (copied). `leaf_size` trades tree depth for leaf scans; `threads` (0 = all
  /// cores) builds subtrees in parallel — the tree is the same for any value.
  KdTree(const T* data, Index n, Index d, Norm norm = Norm::max, Index leaf_size = 8,
         int threads = 1)
      : n_(n), d_(d), norm_(norm), leaf_size_(std::max<Index>(leaf_size, 1)) {
    order_.resize(static_cast<std::size_t>(n_));
    std::iota(order_.begin(), order_.end(), Index{0});
    points_.assign(data, data + n_ * d_);
    if (n_ > 0) build(threads);
    columns_.resize(static_cast<std::size_t>(n_ * d_));
    for (Index p = 0; p < n_; ++p)
      for (Index j = 0; j < d_; ++j) columns_[static_cast<std::size_t>(j * n_ + p)] = points_[p * d_ + j];
    position_.resize(static_cast<std::size_t>(n_));
    for (Index p = 0; p < n_; ++p) position_[static_cast<std::size_t>(order_[p])] = p;
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
    if (n_ > 0 && k > 0) {
      if (norm_ == Norm::max) knn_max_recursive(0, query, T(0), exclude, list);
      else knn_recursive(0, query, exclude, list);
    }
    return list.size();
  }

  /// Number of points at distance < r (strict) or <= r, the query point itself
  /// included when it belongs to the set.
  Index count_within(const T* query, T r, bool strict) const noexcept {
    if (n_ == 0) return 0;
    if (norm_ != Norm::max) return count_recursive(0, query, r, strict);
    return strict ? count_max_recursive<true>(0, query, T(0), r)
                  : count_max_recursive<false>(0, query, T(0), r);
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
    Index right;       // right child id, -1 for a leaf; the left child is id + 1
    Index split_dim;   // internal nodes: the axis the children were split on,
    T left_lo, left_hi, right_lo, right_hi;  // and the children's ranges along it
  };

  // --- construction -------------------------------------------------------

  // Nodes in the subtree over m points (the shape depends only on m). Looked up
  // in subtree_nodes_, filled by count_subtree_nodes for every size that occurs
  // (repeated halving of n gives at most two sizes per depth).
  Index subtree_nodes(Index m) const noexcept {
    for (const auto& [size, nodes] : subtree_nodes_)
      if (size == m) return nodes;
    return 0;  // unreachable: every size was tabulated
  }

  Index count_subtree_nodes(Index m) {
    for (const auto& [size, nodes] : subtree_nodes_)
      if (size == m) return nodes;
    const Index nodes =
        m <= leaf_size_ ? 1 : 1 + count_subtree_nodes(m / 2) + count_subtree_nodes(m - m / 2);
    subtree_nodes_.emplace_back(m, nodes);
    return nodes;
  }

  struct Job {
    Index id, begin, end;
  };

  // Splits level by level while nodes hold more than `parallel_size` points
  // (the nodes of a level in parallel), then builds the remaining subtrees in
  // parallel. Which thread does what never changes the tree: node ids and
  // point ranges are fixed by n alone.
  void build(int threads) {
    const Index total = count_subtree_nodes(n_);
    nodes_.resize(static_cast<std::size_t>(total));
    boxes_.resize(static_cast<std::size_t>(total * 2 * d_));
    const Index parallel_size = std::max<Index>(n_ / 64, 4096);
    compute_box(0, 0, n_);
    std::vector<Job> level{{0, 0, n_}}, subtrees, large;
    while (!level.empty()) {
      large.clear();
      for (const Job& job : level) (job.end - job.begin > parallel_size ? large : subtrees).push_back(job);
      parallel_for(static_cast<Index>(large.size()), threads, 1, [&](Index first, Index last) {
        for (Index t = first; t < last; ++t) split_node(large[static_cast<std::size_t>(t)]);
      });
      level.clear();
      for (const Job& job : large) {
        const Index mid = job.begin + (job.end - job.begin) / 2;
        level.push_back({job.id + 1, job.begin, mid});
        level.push_back({nodes_[static_cast<std::size_t>(job.id)].right, mid, job.end});
      }
    }
    parallel_for(static_cast<Index>(subtrees.size()), threads, 1, [&](Index first, Index last) {
      for (Index t = first; t < last; ++t) build_subtree(subtrees[static_cast<std::size_t>(t)]);
    });
  }

  void build_subtree(const Job& job) {
    split_node(job);
    const Node& node = nodes_[static_cast<std::size_t>(job.id)];
    if (node.right < 0) return;
    const Index mid = job.begin + (job.end - job.begin) / 2;
    build_subtree({job.id + 1, job.begin, mid});
    build_subtree({node.right, mid, job.end});
  }

  // Tight box of the points at positions [begin, end), written to box slot id.
  // The axis count is a compile-time constant for d <= 4 (the common KSG
  // marginals and joints), which lets the compiler unroll the inner loop.
  void compute_box(Index id, Index begin, Index end) {
    switch (d_) {
      case 1: return compute_box_fixed<1>(id, begin, end);
      case 2: return compute_box_fixed<2>(id, begin, end);
      case 3: return compute_box_fixed<3>(id, begin, end);
      case 4: return compute_box_fixed<4>(id, begin, end);
      default: return compute_box_fixed<0>(id, begin, end);
    }
  }

  template <int FixedD>
  void compute_box_fixed(Index id, Index begin, Index end) {
    const Index d = FixedD > 0 ? FixedD : d_;
    T* lo = boxes_.data() + id * 2 * d;
    T* hi = lo + d;
    std::fill_n(lo, d, std::numeric_limits<T>::infinity());
    std::fill_n(hi, d, -std::numeric_limits<T>::infinity());
    for (Index p = begin; p < end; ++p) {
      const T* x = points_.data() + p * d;
      for (Index j = 0; j < d; ++j) {
        lo[j] = x[j] < lo[j] ? x[j] : lo[j];
        hi[j] = x[j] > hi[j] ? x[j] : hi[j];
      }
    }
  }

  // The node's box is already computed. Unless it is a leaf, splits its points
  // at the median along the widest axis (rows ordered by value, then index)
  // and computes both children's boxes.
  void split_node(const Job& job) {
    const auto [id, begin, end] = job;
    Node& node = nodes_[static_cast<std::size_t>(id)];
    node = Node{begin, end, -1, 0, 0, 0, 0, 0};
    if (end - begin <= leaf_size_) return;
    const T* lo = boxes_.data() + id * 2 * d_;
    const T* hi = lo + d_;
    Index split_dim = 0;
    for (Index j = 1; j < d_; ++j)
      if (hi[j] - lo[j] > hi[split_dim] - lo[split_dim]) split_dim = j;
    const Index mid = begin + (end - begin) / 2;
    detail::select_rows(points_.data(), order_.data(), d_, begin, mid, end, split_dim);
    node.right = id + 1 + subtree_nodes(mid - begin);
    node.split_dim = split_dim;
    compute_box(id + 1, begin, mid);
    compute_box(node.right, mid, end);
    node.left_lo = boxes_[(id + 1) * 2 * d_ + split_dim];
    node.left_hi = boxes_[(id + 1) * 2 * d_ + d_ + split_dim];
    node.right_lo = boxes_[node.right * 2 * d_ + split_dim];
    node.right_hi = boxes_[node.right * 2 * d_ + d_ + split_dim];
  }

  // --- queries ------------------------------------------------------------

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

  // True when every point of the node's tight box is farther than `bound` from
  // q under the max-norm (stops at the first axis that shows it).
  bool box_farther_than(Index id, const T* q, T bound) const noexcept {
    const T* lo = boxes_.data() + id * 2 * d_;
    const T* hi = lo + d_;
    for (Index j = 0; j < d_; ++j)
      if (lo[j] - q[j] > bound || q[j] - hi[j] > bound) return true;
    return false;
  }

  // Max-norm distances from q to the points at positions [begin, end), at most
  // kChunk of them, read axis by axis from the column copy so that the loop
  // over points vectorises. Same operations as max_norm_distance, same bits.
  static constexpr Index kChunk = 64;
  static constexpr Index kScalarDims = 3;  // below this, early exit beats vectorising
  void chunk_max_distances(const T* q, Index begin, Index end, T* out) const noexcept {
    const Index m = end - begin;
    std::fill_n(out, m, T(0));
    for (Index j = 0; j < d_; ++j) {
      const T qj = q[j];
      const T* column = columns_.data() + j * n_ + begin;
      for (Index p = 0; p < m; ++p) {
        const T diff = std::fabs(qj - column[p]);
        out[p] = diff > out[p] ? diff : out[p];
      }
    }
  }

  // Max-norm search. `bound` is a cheap lower bound on the distance from q to
  // the node's points (after Arya & Mount 1993): the max of per-axis gaps to
  // ranges that contain them, one axis added per level, O(1) per node. Only a
  // node that survives it pays for the tight-box test (O(d), early exit).
  void knn_max_recursive(Index id, const T* q, T bound, Index exclude,
                         KnnList<T>& list) const noexcept {
    const Node& node = nodes_[static_cast<std::size_t>(id)];
    if (node.right < 0) {
      if (box_farther_than(id, q, list.worst())) return;
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
          if (original != exclude && !(dist[p - begin] > list.worst()))
            list.offer(dist[p - begin], original);
        }
      }
      return;
    }
    const T v = q[node.split_dim];
    const T bound_left = std::max({bound, node.left_lo - v, v - node.left_hi});
    const T bound_right = std::max({bound, node.right_lo - v, v - node.right_hi});
    // A node at exactly the current worst distance may still hold a tie with a
    // smaller index, so only strictly farther nodes are pruned. Nearer first.
    if (bound_left <= bound_right) {
      if (!(bound_left > list.worst())) knn_max_recursive(id + 1, q, bound_left, exclude, list);
      if (!(bound_right > list.worst())) knn_max_recursive(node.right, q, bound_right, exclude, list);
    } else {
      if (!(bound_right > list.worst())) knn_max_recursive(node.right, q, bound_right, exclude, list);
      if (!(bound_left > list.worst())) knn_max_recursive(id + 1, q, bound_left, exclude, list);
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

  // Max-norm radius count, same bounds as knn_max_recursive; a surviving node
  // is classified by its tight box (outside: some axis gap is not within r;
  // inside: every axis extent is), a partial leaf scanned chunk by chunk.
  template <bool Strict>
  Index count_max_recursive(Index id, const T* q, T bound, T r) const noexcept {
    const T* lo = boxes_.data() + id * 2 * d_;
    const T* hi = lo + d_;
    bool inside = true;
    for (Index j = 0; j < d_; ++j) {
      if (!within_r<Strict>(std::max(lo[j] - q[j], q[j] - hi[j]), r)) return 0;
      inside &= within_r<Strict>(std::max(hi[j] - q[j], q[j] - lo[j]), r);
    }
    const Node& node = nodes_[static_cast<std::size_t>(id)];
    if (inside) return node.end - node.begin;
    if (node.right < 0) {
      Index count = 0;
      T dist[kChunk];
      for (Index begin = node.begin; begin < node.end; begin += kChunk) {
        const Index end = std::min(node.end, begin + kChunk);
        chunk_max_distances(q, begin, end, dist);
        for (Index p = 0; p < end - begin; ++p) count += within_r<Strict>(dist[p], r);
      }
      return count;
    }
    const T v = q[node.split_dim];
    const T bound_left = std::max({bound, node.left_lo - v, v - node.left_hi});
    const T bound_right = std::max({bound, node.right_lo - v, v - node.right_hi});
    Index count = 0;
    if (within_r<Strict>(bound_left, r)) count += count_max_recursive<Strict>(id + 1, q, bound_left, r);
    if (within_r<Strict>(bound_right, r))
      count += count_max_recursive<Strict>(node.right, q, bound_right, r);
    return count;
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

  Index n_, d_;
  Norm norm_;
  Index leaf_size_;
  std::vector<Index> order_;     // tree position -> original index
  std::vector<Index> position_;  // original index -> tree position
  std::vector<T> points_;        // points in tree order, row-major
  std::vector<T> columns_;       // the same, column-major (axis j at j * n), for leaf scans
  std::vector<Node> nodes_;      // preorder
  std::vector<T> boxes_;         // per node: lo[0..d), hi[0..d) of its points
  std::vector<std::pair<Index, Index>> subtree_nodes_;  // (points, nodes) of every subtree size
};

}  // namespace mmc::neighbors
