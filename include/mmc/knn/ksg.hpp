// mmc/knn/ksg.hpp — the Kraskov–Stögbauer–Grassberger mutual information
// estimators, algorithms 1 and 2.
//
// docs/design.md §3.1 (Kraskov, Stögbauer & Grassberger, Phys. Rev. E 69, 066138,
// 2004, eqs. 8 and 9). The joint space is [x | y] with the max-norm
// max(|dx|_inf, |dy|_inf); for each sample i take its k nearest other samples.
//   Algorithm 1: eps = distance to the k-th neighbour;
//     n_x(i) = #{j != i : |x_i - x_j|_inf < eps}   (strict), n_y likewise;
//     local(i) = psi(k) + psi(N) - psi(n_x + 1) - psi(n_y + 1).
//   Algorithm 2: eps_x(i) = largest x-distance among the k neighbours;
//     n_x(i) = #{j != i : |x_i - x_j|_inf <= eps_x} (non-strict), n_y likewise;
//     local(i) = psi(k) - 1/k + psi(N) - psi(n_x) - psi(n_y).
// Formulas are evaluated left to right exactly as written (the oracle tests
// compare bits). The estimate is the mean of the local values.
//
// Speed (O(N log N) time, O(N) memory): one max-norm kd-tree over the joint
// space (built in parallel), queried in tree order in fixed parallel blocks
// (detail/joint_knn.hpp); then the marginal counts in a second pass over each
// marginal neighbors::Searcher in its own storage order (a sorted line with
// galloping counts in 1-D, a kd-tree with 64-point leaves otherwise); psi of
// the counts from a table of the exact mmc::digamma values. One column against
// one column takes detail/ksg_plane.hpp instead: both columns sorted once, the
// joint search on the rank-bin grid of neighbors/grid_2d.hpp, no gathers.
//
// Ties and duplicates: counts follow the definitions above literally (eps = 0
// gives n_x = 0 in algorithm 1), but KSG assumes continuous data, and on tied
// data those counts are meaningless (10 symbols repeated: 9.7 nats for
// H(X) = 2.3). Ksg::estimate therefore runs the shared tie check of
// knn/common.hpp (docs/design.md §3.1) on the joint neighbours it finds anyway:
// more than 0.1 % of the samples tied is refused (use options.jitter for rounded
// continuous data, MixedKsg or the plug-in estimator for discrete data), fewer
// is reported in KnnResult::warnings.
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/knn/common.hpp"
#include "mmc/knn/detail/digamma_table.hpp"
#include "mmc/knn/detail/joint_knn.hpp"
#include "mmc/knn/detail/ksg_plane.hpp"
#include "mmc/neighbors/kd_tree.hpp"
#include "mmc/neighbors/searcher.hpp"

namespace mmc::knn {

/// Options of Ksg and KsgConditional.
struct KsgOptions : KnnOptions {
  /// KSG algorithm: 1 (strict counts at the joint k-th distance, the usual
  /// choice) or 2 (non-strict counts at per-space radii; less bias for large
  /// MI, more variance).
  int algorithm = 1;
};

namespace detail {

/// Throws unless the algorithm option is 1 or 2.
inline void check_algorithm(std::string_view function, int algorithm) {
  if (algorithm != 1 && algorithm != 2) {
    mmc::detail::throw_invalid(function, "algorithm",
                               "is " + std::to_string(algorithm) + ", but must be 1 or 2",
                               "use algorithm = 1 (KSG 1, the default) or 2 (KSG 2)");
  }
}

/// What to do instead of KSG on tied data (the fix of check_ties).
inline constexpr std::string_view kKsgTieAlternatives =
    "for discrete or mixed discrete-continuous data use mmc::knn::MixedKsg, for purely discrete "
    "data mmc::knn::PluginMutualInformation";

/// A visitor of k-NN lists that does nothing (the default of ksg_radii's
/// `also`): any arguments, no effect.
struct NoListVisitor {
  template <class... Args>
  void operator()(Args&&...) const noexcept {}
};

/// Pass 1 of KSG: the k joint neighbours in `tree` (over [x | y], dx + dy
/// columns) give each sample its marginal radii: the k-th joint distance
/// (algorithm 1, radius_y left empty: it equals radius_x) or the largest x- and
/// y-distances among the neighbours (algorithm 2). `tied` as in ksg_local_values.
/// `also(i, distances, neighbours)` is called with every sample's list too, so
/// an estimator built on KSG (LNC) needs no second k-NN pass.
template <class Joint, class Also = NoListVisitor>
void ksg_radii(const Joint& tree, Index dx, Index dy, Index k, bool strict, int threads,
               std::vector<double>& radius_x, std::vector<double>& radius_y, std::vector<Index>* tied,
               Also&& also = {}) {
  const Index n = tree.size();
  radius_x.assign(static_cast<std::size_t>(n), 0.0);
  radius_y.assign(strict ? 0 : static_cast<std::size_t>(n), 0.0);
  if (tied != nullptr) tied->assign(static_cast<std::size_t>(n), -1);
  for_each_knn(tree, k, threads, [&](Index i, const double* distances, const Index* neighbours) {
    const auto s = static_cast<std::size_t>(i);
    if (tied != nullptr) {
      (*tied)[s] = tied_column([&](Index j) { return tree.point(j); }, i, neighbours, k, dx + dy);
    }
    if (strict) {
      radius_x[s] = distances[k - 1];
    } else {
      radius_x[s] = max_subspace_distance(tree, 0, dx, i, neighbours, k);
      radius_y[s] = max_subspace_distance(tree, dx, dy, i, neighbours, k);
    }
    also(i, distances, neighbours);
  });
}

/// The joint max-norm kd-tree over [x | y].
inline neighbors::KdTree<double> ksg_joint_tree(const RowMatrix<double>& x, const RowMatrix<double>& y,
                                                int threads) {
  const RowMatrix<double> joint = concat_columns(x, y);
  return neighbors::KdTree<double>(joint.data(), joint.rows(), joint.cols(), Norm::max,
                                   knn_leaf_size(joint.cols()), threads);
}

/// Pass 3 of KSG: the local values from the marginal counts, in the order
/// docs/design.md §3.1 writes them.
inline Eigen::VectorXd ksg_local_from_counts(const std::vector<Index>& n_x, const std::vector<Index>& n_y,
                                             Index k, bool strict, int threads) {
  const auto n = static_cast<Index>(n_x.size());
  const DigammaTable psi(n);
  const double base = strict ? psi(k) + psi(n) : psi(k) - 1.0 / static_cast<double>(k) + psi(n);
  const Index shift = strict ? 1 : 0;  // psi(n_x + 1) for algorithm 1, psi(n_x) for 2
  Eigen::VectorXd local(n);
  parallel_for(n, threads, kPointGrain, [&](Index first, Index last) {
    for (Index i = first; i < last; ++i) {
      const auto s = static_cast<std::size_t>(i);
      local(i) = base - psi(n_x[s] + shift) - psi(n_y[s] + shift);
    }
  });
  return local;
}

/// Pass 1 on [x | y] through the max-norm kd-tree, freed on return, before
/// the marginal counts. `also(tree, i, distances, neighbours)` as in ksg_radii.
template <class Also = NoListVisitor>
void ksg_joint_radii(const RowMatrix<double>& x, const RowMatrix<double>& y, Index k, bool strict,
                     int threads, std::vector<double>& radius_x, std::vector<double>& radius_y,
                     std::vector<Index>* tied, Also&& also = {}) {
  const neighbors::KdTree<double> tree = ksg_joint_tree(x, y, threads);
  ksg_radii(tree, x.cols(), y.cols(), k, strict, threads, radius_x, radius_y, tied,
            [&](Index i, const double* distances, const Index* neighbours) {
              also(tree, i, distances, neighbours);
            });
}

/// KSG local values through the joint kd-tree and the marginal searchers: the
/// path for any dimensions (ksg_local_values takes it unless x and y are one
/// column each). `tied` as in ksg_local_values; `also(tree, i, distances,
/// neighbours)` sees every sample's joint k-NN list (see ksg_radii).
template <class Also = NoListVisitor>
Eigen::VectorXd ksg_tree_local_values(const RowMatrix<double>& x, const RowMatrix<double>& y, Index k,
                                      int algorithm, int threads, std::vector<Index>* tied = nullptr,
                                      Also&& also = {}) {
  const Index n = x.rows();
  const bool strict = algorithm == 1;
  std::vector<double> radius_x, radius_y;
  ksg_joint_radii(x, y, k, strict, threads, radius_x, radius_y, tied, also);  // pass 1
  // Pass 2: marginal counts, one space at a time (O(N) memory at any moment).
  const auto marginal_counts = [&](const RowMatrix<double>& m, const std::vector<double>& radius) {
    const neighbors::Searcher<double> searcher(m.data(), n, m.cols(), Norm::max, kCountLeafSize,
                                               threads);
    return count_others(searcher, radius, strict, threads);
  };
  const std::vector<Index> n_x = marginal_counts(x, radius_x);
  const std::vector<Index> n_y = marginal_counts(y, strict ? radius_x : radius_y);
  return ksg_local_from_counts(n_x, n_y, k, strict, threads);
}

/// KSG local values of prepared inputs (validated, same rows, k < rows): the
/// sorted-axes path of detail/ksg_plane.hpp for one column against one column,
/// ksg_tree_local_values otherwise (the same bits either way). `tied`, when
/// given, receives every sample's tied column of the joint space [x | y] (or
/// -1; knn/common.hpp tied_column) for check_ties — or is left empty when no
/// sample is tied.
inline Eigen::VectorXd ksg_local_values(const RowMatrix<double>& x, const RowMatrix<double>& y,
                                        Index k, int algorithm, int threads,
                                        std::vector<Index>* tied = nullptr) {
  if (x.cols() == 1 && y.cols() == 1) {
    const neighbors::AxisOrder<double> ax = neighbors::sort_axis(x.data(), x.rows(), 1, threads);
    const neighbors::AxisOrder<double> ay = neighbors::sort_axis(y.data(), y.rows(), 1, threads);
    return ksg_plane_local_values(ax.view(), ay.view(), k, algorithm, threads, tied);
  }
  return ksg_tree_local_values(x, y, k, algorithm, threads, tied);
}

/// KSG under permutations of y's rows (estimators/permutation.hpp): the
/// marginal structures of x and y do not change when y's rows are permuted (the
/// same point set, relabelled), so they are built once here — the sorted axes
/// for 1 + 1 dimensions, the marginal searchers otherwise; each
/// local_values(order) redoes only the joint search over [x | y(order)] and
/// counts with the kept structures. The counts are the same integers as a
/// fresh ksg_local_values(x, y(order)) computes (same points, same radii), so
/// the local values are the same bits.
class KsgPermuted {
 public:
  /// x, y prepared as for ksg_local_values (validated, standardised, jittered).
  KsgPermuted(RowMatrix<double> x, RowMatrix<double> y, Index k, int algorithm, int threads)
      : x_(std::move(x)), y_(std::move(y)), k_(k), algorithm_(algorithm) {
    if (x_.cols() == 1 && y_.cols() == 1) {
      axis_x_ = neighbors::sort_axis(x_.data(), x_.rows(), 1, threads);
      axis_y_ = neighbors::sort_axis(y_.data(), y_.rows(), 1, threads);
    } else {
      searcher_x_.emplace(x_.data(), x_.rows(), x_.cols(), Norm::max, kCountLeafSize, threads);
      searcher_y_.emplace(y_.data(), y_.rows(), y_.cols(), Norm::max, kCountLeafSize, threads);
    }
  }

  const RowMatrix<double>& x() const noexcept { return x_; }
  const RowMatrix<double>& y() const noexcept { return y_; }

  /// The local values of ksg_local_values(x, y_r) with y_r(i) = y(order[i]);
  /// `order` is a permutation of 0..N-1.
  Eigen::VectorXd local_values(const std::vector<Index>& order, int threads,
                               std::vector<Index>* tied = nullptr) const {
    return searcher_x_ ? tree_local_values(order, threads, tied) : plane_local_values(order, threads, tied);
  }

 private:
  /// y_r's sorted axis is y's, relabelled: rank_r(i) = rank_y(order[i]).
  Eigen::VectorXd plane_local_values(const std::vector<Index>& order, int threads, std::vector<Index>* tied) const {
    const Index n = x_.rows();
    LargeVector<Index> order_r(static_cast<std::size_t>(n)), rank_r(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i) {
      const Index r = axis_y_.rank[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])];
      rank_r[static_cast<std::size_t>(i)] = r;
      order_r[static_cast<std::size_t>(r)] = i;
    }
    const neighbors::AxisView<double> y_r{axis_y_.values.data(), order_r.data(), rank_r.data(), n};
    return ksg_plane_local_values(axis_x_.view(), y_r, k_, algorithm_, threads, tied);
  }

  Eigen::VectorXd tree_local_values(const std::vector<Index>& order, int threads, std::vector<Index>* tied) const {
    const Index n = x_.rows();
    const bool strict = algorithm_ == 1;
    std::vector<double> radius_x, radius_y;
    {
      RowMatrix<double> y_r(n, y_.cols());
      for (Index i = 0; i < n; ++i) y_r.row(i) = y_.row(order[static_cast<std::size_t>(i)]);
      ksg_joint_radii(x_, y_r, k_, strict, threads, radius_x, radius_y, tied);
    }
    const std::vector<Index> n_x = count_others(*searcher_x_, radius_x, strict, threads);
    // y's searcher holds y's rows: sample i of y_r is its point order[i]. Count
    // in y's own indexing (count_others, with its prefetching), then map back.
    const std::vector<double>& radius = strict ? radius_x : radius_y;
    std::vector<double> radius_in_y(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i)
      radius_in_y[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])] = radius[static_cast<std::size_t>(i)];
    const std::vector<Index> counts_in_y = count_others(*searcher_y_, radius_in_y, strict, threads);
    std::vector<Index> n_y(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i)
      n_y[static_cast<std::size_t>(i)] = counts_in_y[static_cast<std::size_t>(order[static_cast<std::size_t>(i)])];
    return ksg_local_from_counts(n_x, n_y, k_, strict, threads);
  }

  RowMatrix<double> x_, y_;
  Index k_ = 0;
  int algorithm_ = 1;
  neighbors::AxisOrder<double> axis_x_, axis_y_;                  // 1 + 1 dimensions
  std::optional<neighbors::Searcher<double>> searcher_x_, searcher_y_;  // otherwise
};

}  // namespace detail

/// KSG mutual information I(X;Y), in nats.
class Ksg {
 public:
  using Options = KsgOptions;

  Ksg() = default;
  explicit Ksg(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// MI between the rows of x and y (any Eigen expressions, one sample per
  /// row, the same number of rows). Jitter uses stream 0 for x and 1 for y.
  template <class DerivedX, class DerivedY>
  KnnResult estimate(const Eigen::DenseBase<DerivedX>& x, const Eigen::DenseBase<DerivedY>& y) const {
    constexpr std::string_view function = "mmc::knn::Ksg::estimate";
    detail::check_algorithm(function, options_.algorithm);
    const RowMatrix<double> xs = detail::prepare(function, "x", x, options_, 0);
    const RowMatrix<double> ys = detail::prepare(function, "y", y, options_, 1);
    mmc::detail::check_same_rows(function, "y", ys.rows(), "x", xs.rows());
    detail::check_options(function, options_, xs.rows());
    std::vector<Index> tied;
    Eigen::VectorXd local =
        detail::ksg_local_values(xs, ys, options_.k, options_.algorithm, options_.threads, &tied);
    std::vector<std::string> warnings;
    detail::check_ties(function, {{"x", xs.cols()}, {"y", ys.cols()}}, tied, options_.k,
                       detail::kKsgTieAlternatives, warnings);
    KnnResult result = detail::finish(std::move(local), options_.k);
    result.warnings = std::move(warnings);
    return result;
  }

 private:
  Options options_;
};

/// Convenience: Ksg(options).estimate(x, y).value.
template <class DerivedX, class DerivedY>
double ksg_mi(const Eigen::DenseBase<DerivedX>& x, const Eigen::DenseBase<DerivedY>& y,
              const KsgOptions& options = {}) {
  return Ksg(options).estimate(x, y).value;
}

}  // namespace mmc::knn
