// mmc/neighbors/detail/kd_tree_layout.hpp — the data and the construction of
// neighbors::KdTree (the queries live in kd_tree.hpp).
//
// Every node splits its points at the median (by value along its widest axis,
// then by original index) until at most `leaf_size` remain, so the tree's shape
// depends only on n and every node id is known in advance (preorder; the left
// child is id + 1). Nodes are split level by level while they are large (the
// nodes of one level in parallel), then the remaining subtrees are built in
// parallel: the same tree for any thread count. Partitioning swaps the rows
// themselves (select_rows.hpp), so construction streams through memory.
// Points are kept in tree order twice: row-major (point_at_position) and
// column-major (vectorised leaf scans; zero padding after the last column lets
// the leaf-batched scans read fixed-width blocks). Both are LargeVectors: the
// scans of one query touch a few hundred leaves spread over d columns, and with
// 4 KiB pages the TLB misses cost 10-20 % of a 10-D k-NN pass (N = 1e5).
// Memory is O(n d).
#pragma once

#include <algorithm>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include "mmc/core/large_vector.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/neighbors/detail/select_rows.hpp"

namespace mmc::neighbors::detail {

template <class T>
class KdTreeLayout {
 protected:
  KdTreeLayout(const T* data, Index n, Index d, Index leaf_size, int threads)
      : n_(n), d_(d), leaf_size_(std::max<Index>(leaf_size, 1)) {
    order_.resize(static_cast<std::size_t>(n_));
    std::iota(order_.begin(), order_.end(), Index{0});
    points_.assign(data, data + n_ * d_);
    if (n_ > 0) build(threads);
    for (Index id = 0; id < static_cast<Index>(nodes_.size()); ++id)  // preorder: leaves in storage order
      if (nodes_[static_cast<std::size_t>(id)].right < 0) leaves_.push_back(id);
    columns_.resize(static_cast<std::size_t>(n_ * d_ + kColumnPadding));
    std::fill(columns_.begin() + n_ * d_, columns_.end(), T(0));
    position_.resize(static_cast<std::size_t>(n_));
    parallel_for(n_, threads, Index{1} << 16, [&](Index first, Index last) {
      for (Index p = first; p < last; ++p) {
        for (Index j = 0; j < d_; ++j) columns_[static_cast<std::size_t>(j * n_ + p)] = points_[p * d_ + j];
        position_[static_cast<std::size_t>(order_[p])] = p;
      }
    });
  }

  struct Node {
    Index begin, end;  // tree positions [begin, end)
    Index right;       // right child id, -1 for a leaf; the left child is id + 1
    Index split_dim;   // internal nodes: the axis the children were split on,
    T left_lo, left_hi, right_lo, right_hi;  // and the children's ranges along it
  };

  static constexpr Index kColumnPadding = 64;  // >= the widest block of kd_tree_batch.hpp
  Index n_, d_;
  Index leaf_size_;
  std::vector<Index> order_;     // tree position -> original index
  std::vector<Index> position_;  // original index -> tree position
  LargeVector<T> points_;        // points in tree order, row-major
  LargeVector<T> columns_;       // the same, column-major (axis j at j * n), for leaf scans
  std::vector<Node> nodes_;      // preorder
  std::vector<T> boxes_;         // per node: lo[0..d), hi[0..d) of its points
  std::vector<Index> leaves_;    // leaf node ids in storage order

 private:
  std::vector<std::pair<Index, Index>> subtree_nodes_;  // (points, nodes) of every subtree size

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
    select_rows(points_.data(), order_.data(), d_, begin, mid, end, split_dim);
    node.right = id + 1 + subtree_nodes(mid - begin);
    node.split_dim = split_dim;
    compute_box(id + 1, begin, mid);
    compute_box(node.right, mid, end);
    node.left_lo = boxes_[(id + 1) * 2 * d_ + split_dim];
    node.left_hi = boxes_[(id + 1) * 2 * d_ + d_ + split_dim];
    node.right_lo = boxes_[node.right * 2 * d_ + split_dim];
    node.right_hi = boxes_[node.right * 2 * d_ + d_ + split_dim];
  }
};

}  // namespace mmc::neighbors::detail
