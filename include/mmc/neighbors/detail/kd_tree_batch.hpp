// mmc/neighbors/detail/kd_tree_batch.hpp — k-NN queries (max-norm and
// Euclidean) and max-norm radius counts for all the points of one kd-tree leaf
// at once (KdTree::knn_of_leaf, KdTree::count_within_leaf).
//
// Why: the kNN estimators query every point of the tree, and the points of a
// leaf are close together, so their searches walk nearly the same nodes. One
// walk for the whole leaf (its m points are the "lanes") replaces m branchy
// walks by loops over the lanes, which vectorise: each lane keeps its own
// bound and its own result, and a node is entered while *some* lane may still
// need it. Leaf scans compute a fixed-width block of distances (the width a
// compile-time constant, so the loop over points vectorises without a scalar
// tail) from the column-major copy of the points. One thread, Gaussian data,
// k = 3 (bench_ksg BM_KdTreeKnnPass, docs/benchmarks.md): the k-NN pass over
// every point takes 0.62 of the one-by-one time in 10 dimensions (N = 1e5),
// 0.69 in 6, 0.73 in 4 and 0.54 in 2 (N = 1e6); KSG's radius counts in 5
// dimensions take 0.65-0.70.
//
// Exactness: every lane prunes only by its own lower bound against its own
// current k-th distance or radius, as the one-by-one searches of kd_tree.hpp
// do. Max-norm bounds are Arya & Mount's incremental bound, then the leaf's
// tight box. Euclidean bounds are the squared distance to each child's tight
// box, sum_j gap_j^2 in axis order: every gap is at most the point's own
// |q_j - x_j| and rounding is monotone, so this bound never exceeds the
// point's sum of squares, even where squares underflow or overflow. Bounds
// and leaf sums are compared with prune_limit(worst), which makes every
// decision the one the square roots would make.
// Distances are computed as neighbors/distance.hpp computes them (max_j
// |q_j - x_j|; sqrt of the squares summed in axis order). Exactness is tested
// with -ffp-contract=off: a build that lets the compiler fuse multiply-adds
// may fuse the vectorised sums here and not the scalar ones there, and so move
// a Euclidean distance by an ulp. A k-NN list in (distance, index) order does
// not depend on the order candidates arrive in, and a count does not depend on
// how the points are grouped, so the results equal the one-by-one searches'
// (and the brute-force oracle's) bit for bit. The inputs are finite (the
// estimators check), so `a <= b` and `!(a > b)` agree.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/neighbors/detail/kd_tree_layout.hpp"
#include "mmc/neighbors/knn_list.hpp"

namespace mmc::neighbors::detail {

template <class T>
class KdTreeBatch : protected KdTreeLayout<T> {
 protected:
  using Layout = KdTreeLayout<T>;
  using typename Layout::Node;
  using Layout::boxes_;
  using Layout::columns_;
  using Layout::d_;
  using Layout::n_;
  using Layout::nodes_;
  using Layout::order_;
  using Layout::points_;

  KdTreeBatch(const T* data, Index n, Index d, Index leaf_size, int threads)
      : Layout(data, n, d, leaf_size, threads) {}

  /// Most points of one leaf searched as a batch (larger leaves: one by one).
  static constexpr Index kBatch = 64;
  /// Bound on the tree depth: sizes halve at every level.
  static constexpr int kMaxDepth = 64;

  /// Most axes of a batched search (more: one by one).
  static constexpr Index kBatchMaxDims = 32;

  bool batch_fits(const Node& leaf) const noexcept {
    return leaf.end - leaf.begin <= kBatch && d_ <= kBatchMaxDims;
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

  // The k nearest other points of every point of leaf `leaf` (node id) under
  // the norm N: lane a is the point at position own.begin + a; its list goes
  // to distances + a k, indices + a k.
  template <Norm N>
  void knn_batch(Index leaf, Index k, T* distances, Index* indices) const noexcept {
    const Node& own = nodes_[static_cast<std::size_t>(leaf)];
    const Index m = own.end - own.begin;
    const T* qcol = columns_.data() + own.begin;  // lane a's axis j at qcol[j * n_ + a]
    KnnList<T> lists[kBatch];
    // Lane a's k-th distance worst[a] and its pruning limit limit[a] (the
    // max-norm: the same; Euclidean: the largest sum of squares whose square
    // root is within worst[a], see prune_limit), against which the lower
    // bounds (Euclidean: sums of squared gaps, no square roots) are compared.
    alignas(64) T worst[kBatch], bound[kBatch], left[kBatch], right[kBatch];
    alignas(64) T limits[N == Norm::max ? 1 : kBatch];  // (unused by the max-norm)
    const auto limit = [&](Index a) -> T {  // the max-norm compares with worst itself
      if constexpr (N == Norm::max) {
        return worst[a];
      } else {
        return limits[a];
      }
    };
    for (Index a = 0; a < m; ++a) {
      lists[a] = KnnList<T>(k, distances + a * k, indices + a * k);
      bound[a] = 0;
    }
    // The lanes' own leaf first: every list is full after it (k < leaf size)
    // or at least holds the nearest candidates, so pruning starts early.
    for (Index a = 0; a < m; ++a) {
      offer_leaf<N>(own, own.begin + a, own.begin + a, prune_limit<N>(lists[a].worst()), lists[a]);
      worst[a] = lists[a].worst();
      if constexpr (N == Norm::euclidean) limits[a] = prune_limit<N>(worst[a]);
    }
    alignas(64) T stack_bounds[kMaxDepth][kBatch];
    Index stack_ids[kMaxDepth];
    int top = 0;
    Index id = 0;
    for (;;) {
      const Node& node = nodes_[static_cast<std::size_t>(id)];
      if (node.right >= 0) {
        // Both children's lower bounds, lane by lane (max-norm: knn_max's
        // incremental rule; Euclidean: the children's tight boxes), how many
        // lanes each child may serve, and how many prefer the left.
        if constexpr (N == Norm::max) {
          const T* split = qcol + node.split_dim * n_;
          for (Index a = 0; a < m; ++a) {
            const T v = split[a];
            left[a] = std::max(std::max(bound[a], node.left_lo - v), v - node.left_hi);
            right[a] = std::max(std::max(bound[a], node.right_lo - v), v - node.right_hi);
          }
        } else {
          box_distances(id + 1, qcol, m, left);
          box_distances(node.right, qcol, m, right);
        }
        int alive_left = 0, alive_right = 0, nearer_left = 0;
        for (Index a = 0; a < m; ++a) {
          alive_left += left[a] <= limit(a);
          alive_right += right[a] <= limit(a);
          nearer_left += left[a] <= right[a];
        }
        const bool left_first = 2 * nearer_left >= m;
        if ((left_first ? alive_right : alive_left) > 0) {
          std::copy_n(left_first ? right : left, m, stack_bounds[top]);
          stack_ids[top++] = left_first ? node.right : id + 1;
        }
        if ((left_first ? alive_left : alive_right) > 0) {
          std::copy_n(left_first ? left : right, m, bound);
          id = left_first ? id + 1 : node.right;
          continue;
        }
      } else if (id != leaf) {
        for (Index a = 0; a < m; ++a) {
          if (bound[a] > limit(a)) continue;
          // A Euclidean bound already is the leaf's tight-box distance.
          if constexpr (N == Norm::max) {
            if (box_farther_than(id, points_.data() + (own.begin + a) * d_, worst[a])) continue;
          }
          offer_leaf<N>(node, own.begin + a, -1, limit(a), lists[a]);
          if constexpr (N == Norm::max) {
            worst[a] = lists[a].worst();
          } else if (lists[a].worst() != worst[a]) {  // (prune_limit takes a few square roots)
            worst[a] = lists[a].worst();
            limits[a] = prune_limit<N>(worst[a]);
          }
        }
      }
      for (;;) {  // the next stacked node that may still serve some lane
        if (top == 0) return;
        --top;
        int alive = 0;
        for (Index a = 0; a < m; ++a) alive += stack_bounds[top][a] <= limit(a);
        if (alive > 0) break;
      }
      id = stack_ids[top];
      std::copy_n(stack_bounds[top], m, bound);
    }
  }

  // Radius counts of every point of leaf `own`: counts[a] = number of points
  // within radii[a] of the point at position own.begin + a, itself included.
  // At every node each undecided lane classifies the node's tight box as
  // count_max does (outside: some axis gap is not within r; inside: every axis
  // extent is), without branches. The lanes still undecided at a node are
  // packed into the next frame (coordinates, radius, lane id), which both
  // children then test: deep in the tree only a few lanes remain, and the
  // loops run over those alone. A leaf is scanned for the lanes that reach it.
  template <bool Strict>
  void count_batch(const Node& own, const T* radii, Index* counts) const noexcept {
    const Index m = own.end - own.begin;
    const Index stride = kBatch;  // a frame's axis j at q + j * stride
    LaneFrameStore& store = frame_store();
    store.reserve(d_);
    {
      LaneFrame root = store.frame(0);
      const T* qcol = columns_.data() + own.begin;
      for (Index j = 0; j < d_; ++j) std::copy_n(qcol + j * n_, m, root.q + j * stride);
      std::copy_n(radii, m, root.r);
      for (Index a = 0; a < m; ++a) root.lane[a] = a;
      store.size[0] = m;
    }
    alignas(64) std::int64_t total[kBatch] = {};
    alignas(64) std::int64_t outside[kBatch], inside[kBatch];
    struct Entry {
      Index id;
      int level;
    };
    Entry stack[kMaxDepth];
    int top = 0;
    Index id = 0;
    int level = 0;
    for (;;) {
      const Node& node = nodes_[static_cast<std::size_t>(id)];
      const LaneFrame in = store.frame(level);
      const Index c = store.size[level];
      const T* lo = boxes_.data() + id * 2 * d_;
      const T* hi = lo + d_;
      for (Index a = 0; a < c; ++a) {
        outside[a] = 0;
        inside[a] = 1;
      }
      for (Index j = 0; j < d_; ++j) {
        const T* qj = in.q + j * stride;
        const T l = lo[j], h = hi[j];
        for (Index a = 0; a < c; ++a) {
          outside[a] |= !within_r<Strict>(std::max(l - qj[a], qj[a] - h), in.r[a]);
          inside[a] &= within_r<Strict>(std::max(h - qj[a], qj[a] - l), in.r[a]);
        }
      }
      const std::int64_t size = node.end - node.begin;
      const LaneFrame out = store.frame(level + 1);
      Index kept = 0;
      for (Index a = 0; a < c; ++a) {  // branch-free packing of the undecided lanes
        total[in.lane[a]] += inside[a] * size;
        out.lane[kept] = in.lane[a];
        out.r[kept] = in.r[a];
        kept += 1 - (inside[a] | outside[a]);
      }
      if (kept > 0 && node.right >= 0) {
        Index packed = 0;
        for (Index a = 0; a < c; ++a) {
          for (Index j = 0; j < d_; ++j) out.q[j * stride + packed] = in.q[j * stride + a];
          packed += 1 - (inside[a] | outside[a]);
        }
        store.size[level + 1] = kept;
        stack[top++] = {node.right, level + 1};
        ++id;
        ++level;
        continue;
      }
      if (kept > 0) {
        Index packed = 0;
        for (Index a = 0; a < c; ++a) {
          if ((inside[a] | outside[a]) == 0) {
            T q[kBatchMaxDims];
            for (Index j = 0; j < d_; ++j) q[j] = in.q[j * stride + a];
            total[out.lane[packed++]] += count_leaf<Strict>(node, q, in.r[a]);
          }
        }
      }
      if (top == 0) break;
      --top;
      id = stack[top].id;
      level = stack[top].level;
    }
    for (Index a = 0; a < m; ++a) counts[a] = total[a];
  }

 private:
  // One level of count_batch's walk: the lanes undecided there (axis j of
  // lane c at q[j * kBatch + c], its radius r[c], its index in the batch lane[c]).
  struct LaneFrame {
    T* q;
    T* r;
    Index* lane;
  };

  // Storage of count_batch's frames, one per tree level, kept per thread (a
  // frame holds (d + 1) 64 values: too large for every call's stack, and
  // allocated once per thread rather than once per leaf).
  struct LaneFrameStore {
    static constexpr Index kLevels = kMaxDepth + 1;
    std::vector<T> values;
    std::vector<Index> lanes;
    Index size[kLevels];
    Index dims = -1;

    void reserve(Index d) {
      if (d == dims) return;
      dims = d;
      values.assign(static_cast<std::size_t>(kLevels * (d + 1) * kBatch), T(0));
      lanes.assign(static_cast<std::size_t>(kLevels * kBatch), 0);
    }
    LaneFrame frame(int level) noexcept {
      T* base = values.data() + static_cast<std::ptrdiff_t>(level) * (dims + 1) * kBatch;
      return {base, base + dims * kBatch, lanes.data() + static_cast<std::ptrdiff_t>(level) * kBatch};
    }
  };

  static LaneFrameStore& frame_store() {
    thread_local LaneFrameStore store;
    return store;
  }

  template <bool Strict>
  static bool within_r(T d, T r) noexcept {
    return Strict ? d < r : d <= r;
  }

  // Calls f(std::integral_constant<Index, W>) with the smallest block width W
  // (a multiple of 8, at most 64) that holds `count` points.
  template <class F>
  static decltype(auto) with_block_width(Index count, F&& f) {
    if (count <= 8) return f(std::integral_constant<Index, 8>{});
    if (count <= 16) return f(std::integral_constant<Index, 16>{});
    if (count <= 24) return f(std::integral_constant<Index, 24>{});
    if (count <= 32) return f(std::integral_constant<Index, 32>{});
    if (count <= 40) return f(std::integral_constant<Index, 40>{});
    if (count <= 48) return f(std::integral_constant<Index, 48>{});
    if (count <= 56) return f(std::integral_constant<Index, 56>{});
    return f(std::integral_constant<Index, 64>{});
  }

  // Distances under the norm N from q to the W points at positions begin..,
  // axis by axis from the column copy, with neighbors/distance.hpp's
  // operations in its order (Euclidean: the squares summed from axis 0; the
  // one square root of distance.hpp is left to the caller, see offer_leaf).
  // Lanes past the leaf read the next points or the layout's zero padding
  // (KdTreeLayout::kColumnPadding >= 64); callers ignore them.
  template <Norm N, Index W>
  void block_distances(const T* q, Index begin, T* __restrict out) const noexcept {
    // One axis's term: |diff| (max-norm) or diff^2 (Euclidean).
    const auto term = [](T diff) {
      if constexpr (N == Norm::max) return std::fabs(diff);
      else return diff * diff;
    };
    const T* __restrict first = columns_.data() + begin;
    const T q0 = q[0];
    for (Index p = 0; p < W; ++p) out[p] = term(q0 - first[p]);
    for (Index j = 1; j < d_; ++j) {
      const T qj = q[j];
      const T* __restrict column = first + j * n_;
      for (Index p = 0; p < W; ++p) {
        const T t = term(qj - column[p]);
        if constexpr (N == Norm::max) out[p] = t > out[p] ? t : out[p];
        else out[p] += t;
      }
    }
  }

  // Squared Euclidean distance from each of the m lanes (lane a's axis j at
  // qcol[j * n_ + a]) to the tight box of node `id`: sum_j gap_j^2 in axis
  // order (see the file comment for why it bounds a point's sum of squares).
  void box_distances(Index id, const T* qcol, Index m, T* __restrict out) const noexcept {
    const T* lo = boxes_.data() + id * 2 * d_;
    const T* hi = lo + d_;
    for (Index a = 0; a < m; ++a) out[a] = 0;
    for (Index j = 0; j < d_; ++j) {
      const T* __restrict qj = qcol + j * n_;
      const T l = lo[j], h = hi[j];
      for (Index a = 0; a < m; ++a) {
        const T gap = std::max(std::max(l - qj[a], qj[a] - h), T(0));
        out[a] += gap * gap;
      }
    }
  }

  // The value that a lower bound or a leaf distance under the norm N is
  // compared with, for a lane whose k-th distance is `worst`. Max-norm:
  // worst itself. Euclidean (bounds and leaf distances are sums of squares
  // s, whose distance is sqrt(s)): the largest t with sqrt(t) <= worst, so
  // that s <= t exactly when sqrt(s) <= worst (sqrt is correctly rounded,
  // hence monotone: s <= t gives sqrt(s) <= sqrt(t) <= worst, and s > t
  // gives sqrt(s) > worst by the maximality of t). The pruning decisions are
  // thus those of the square roots, without taking one per bound and per
  // point (they were a third of geometric kNN's leaf scans).
  template <Norm N>
  static T prune_limit(T worst) noexcept {
    if constexpr (N == Norm::max) {
      return worst;
    } else {
      if (!(worst < std::numeric_limits<T>::infinity())) return worst;
      T t = worst * worst;
      const T up = std::numeric_limits<T>::infinity();
      while (t > T(0) && std::sqrt(t) > worst) t = std::nextafter(t, T(0));
      for (T next = std::nextafter(t, up); std::sqrt(next) <= worst; next = std::nextafter(t, up)) t = next;
      return t;
    }
  }

  // Offers the points of a leaf (at most 64) to the list of the query at
  // position `query`, skipping position `self` (-1: none); `limit` is
  // prune_limit<N>(list.worst()). A vectorised count of the candidates within
  // the limit skips the scalar offer loop when, as usual, there are none. A
  // Euclidean candidate's distance is the square root of its sum of squares,
  // taken here (std::sqrt, correctly rounded: distance.hpp's value); the list
  // only shrinks its worst, so a point beyond the first limit never enters.
  template <Norm N>
  void offer_leaf(const Node& leaf, Index query, Index self, T limit, KnnList<T>& list) const noexcept {
    const T* q = points_.data() + query * d_;
    const Index count = leaf.end - leaf.begin;
    with_block_width(count, [&](auto width) {
      constexpr Index W = decltype(width)::value;
      alignas(64) T dist[W];
      block_distances<N, W>(q, leaf.begin, dist);
      int candidates = 0;
      for (Index p = 0; p < W; ++p) candidates += dist[p] <= limit;
      if (candidates == 0) return;
      if constexpr (N == Norm::max) {
        for (Index p = 0; p < count; ++p)
          if (leaf.begin + p != self && dist[p] <= list.worst()) list.offer(dist[p], order_[leaf.begin + p]);
      } else {
        for (Index p = 0; p < count; ++p) {
          if (leaf.begin + p == self || !(dist[p] <= limit)) continue;
          const T d = std::sqrt(dist[p]);
          if (d <= list.worst()) list.offer(d, order_[leaf.begin + p]);
        }
      }
    });
  }

  // Points of a leaf (at most 64) within r of q.
  template <bool Strict>
  Index count_leaf(const Node& leaf, const T* q, T r) const noexcept {
    const Index count = leaf.end - leaf.begin;
    return with_block_width(count, [&](auto width) -> Index {
      constexpr Index W = decltype(width)::value;
      alignas(64) T dist[W];
      block_distances<Norm::max, W>(q, leaf.begin, dist);
      std::int64_t within = 0;
      for (Index p = 0; p < W; ++p) within += (p < count) & within_r<Strict>(dist[p], r);
      return within;
    });
  }
};

}  // namespace mmc::neighbors::detail
