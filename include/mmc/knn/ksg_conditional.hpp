// mmc/knn/ksg_conditional.hpp — conditional mutual information I(X;Y|Z) by the
// Frenzel–Pompe extension of KSG, algorithms 1 and 2.
//
// Algorithm 1 (docs/design.md §3.1; Frenzel & Pompe, Phys. Rev. Lett. 99, 204101,
// 2007): eps(i) = max-norm distance from sample i to its k-th nearest other
// sample in the joint space [x | y | z]; strict counts excluding i,
//     n_xz(i) = #{j != i : max(|dx|, |dz|) < eps}, n_yz, n_z likewise;
//     local(i) = psi(k) - psi(n_xz + 1) - psi(n_yz + 1) + psi(n_z + 1).
// Algorithm 2 (the KSG-2 analogue of Vejmelka & Paluš, Phys. Rev. E 77, 026214,
// 2008, in the form derived by Wibral, Vicente & Lindner 2014 and implemented in
// JIDT's ConditionalMutualInfoCalculatorMultiVariateKraskov2): eps_x, eps_y,
// eps_z = the largest x-, y-, z-distances among the k joint neighbours;
// non-strict counts in hyper-rectangles, excluding i,
//     n_z(i)  = #{j != i : |dz| <= eps_z},
//     n_xz(i) = #{j != i : |dx| <= eps_x and |dz| <= eps_z}, n_yz likewise;
//     local(i) = psi(k) - 2/k + psi(n_z) - psi(n_xz) + 1/n_xz - psi(n_yz) + 1/n_yz.
// (The k neighbours themselves satisfy every condition, so all counts are >= k.)
// Formulas are evaluated left to right exactly as written (the oracle tests
// compare bits); the estimate is the mean of the local values.
//
// Ties (docs/design.md §3.1): like KSG, the estimator assumes continuous data;
// estimate() runs the shared tie check of knn/common.hpp on the joint [x | y | z]
// neighbours (more than 0.1 % of the samples tied: refused; fewer: a warning).
//
// Speed: one joint kd-tree queried in tree order in fixed parallel blocks; then,
// for algorithm 1, counts from neighbors::Searcher over [x|z], [y|z] and z, each
// in its own storage order (see ksg.hpp); for algorithm 2 the points of each
// z-ball are visited once (kd-tree over z) and tested against eps_x and eps_y,
// O(n_z) per sample.
#pragma once

#include <Eigen/Core>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/knn/common.hpp"
#include "mmc/knn/detail/digamma_table.hpp"
#include "mmc/knn/detail/joint_knn.hpp"
#include "mmc/knn/ksg.hpp"
#include "mmc/neighbors/distance.hpp"
#include "mmc/neighbors/kd_tree.hpp"
#include "mmc/neighbors/searcher.hpp"

namespace mmc::knn {

namespace detail {

/// The joint [x | y | z] max-norm kd-tree of prepared inputs.
inline neighbors::KdTree<double> joint_xyz_tree(const RowMatrix<double>& x, const RowMatrix<double>& y,
                                               const RowMatrix<double>& z, int threads) {
  const RowMatrix<double> joint = concat_columns(concat_columns(x, y), z);
  return neighbors::KdTree<double>(joint.data(), joint.rows(), joint.cols(), Norm::max,
                                   knn_leaf_size(joint.cols()), threads);
}

/// What to do instead of KSG-CMI on tied data (the fix of check_ties).
inline constexpr std::string_view kCmiTieAlternatives =
    "for discrete data use the plug-in entropies, I(X;Y|Z) = H(X,Z) + H(Y,Z) - H(X,Y,Z) - H(Z) "
    "with mmc::knn::PluginEntropy";

/// Every sample's tied column of the joint space (knn/common.hpp tied_column).
inline void record_tie(std::vector<Index>* tied, const neighbors::KdTree<double>& tree, Index i,
                       const Index* neighbours, Index k) {
  if (tied == nullptr) return;
  (*tied)[static_cast<std::size_t>(i)] =
      tied_column([&](Index j) { return tree.point(j); }, i, neighbours, k, tree.dim());
}

/// KSG-CMI algorithm 1 local values of prepared inputs (same rows, k < rows).
/// `tied`, when given, receives the tied column of every sample in [x | y | z].
inline Eigen::VectorXd ksg_cmi1_local_values(const RowMatrix<double>& x, const RowMatrix<double>& y,
                                             const RowMatrix<double>& z, Index k, int threads,
                                             std::vector<Index>* tied = nullptr) {
  const Index n = x.rows();
  std::vector<double> eps(static_cast<std::size_t>(n));
  if (tied != nullptr) tied->assign(static_cast<std::size_t>(n), -1);
  {
    const neighbors::KdTree<double> tree = joint_xyz_tree(x, y, z, threads);
    for_each_knn(tree, k, threads, [&](Index i, const double* distances, const Index* neighbours) {
      eps[static_cast<std::size_t>(i)] = distances[k - 1];
      record_tie(tied, tree, i, neighbours, k);
    });
  }
  const auto counts = [&](const RowMatrix<double>& m) {
    const neighbors::Searcher<double> searcher(m.data(), n, m.cols(), Norm::max, kCountLeafSize,
                                               threads);
    return count_others(searcher, eps, true, threads);
  };
  const std::vector<Index> n_xz = counts(concat_columns(x, z));
  const std::vector<Index> n_yz = counts(concat_columns(y, z));
  const std::vector<Index> n_z = counts(z);
  const DigammaTable psi(n);
  const double base = psi(k);
  Eigen::VectorXd local(n);
  for (Index i = 0; i < n; ++i) {
    const auto s = static_cast<std::size_t>(i);
    local(i) = base - psi(n_xz[s] + 1) - psi(n_yz[s] + 1) + psi(n_z[s] + 1);
  }
  return local;
}

/// KSG-CMI algorithm 2 local values of prepared inputs (same rows, k < rows).
/// `tied`, when given, receives the tied column of every sample in [x | y | z].
inline Eigen::VectorXd ksg_cmi2_local_values(const RowMatrix<double>& x, const RowMatrix<double>& y,
                                             const RowMatrix<double>& z, Index k, int threads,
                                             std::vector<Index>* tied = nullptr) {
  const Index n = x.rows(), dx = x.cols(), dy = y.cols(), dz = z.cols();
  RowMatrix<double> radii(n, 3);  // eps_x, eps_y, eps_z of every sample
  if (tied != nullptr) tied->assign(static_cast<std::size_t>(n), -1);
  {
    const neighbors::KdTree<double> tree = joint_xyz_tree(x, y, z, threads);
    for_each_knn(tree, k, threads, [&](Index i, const double*, const Index* neighbours) {
      record_tie(tied, tree, i, neighbours, k);
      radii(i, 0) = max_subspace_distance(tree, 0, dx, i, neighbours, k);
      radii(i, 1) = max_subspace_distance(tree, dx, dy, i, neighbours, k);
      radii(i, 2) = max_subspace_distance(tree, dx + dy, dz, i, neighbours, k);
    });
  }
  // Visit the z-ball of every sample (in z-tree order) and test each point
  // found against eps_x and eps_y.
  const neighbors::KdTree<double> ztree(z.data(), n, dz, Norm::max, kCountLeafSize, threads);
  const DigammaTable psi(n);
  const double base = psi(k) - 2.0 / static_cast<double>(k);
  Eigen::VectorXd local(n);
  parallel_for(n, threads, kPointGrain, [&](Index begin, Index end) {
    for (Index p = begin; p < end; ++p) {
      const Index i = ztree.original_index(p);
      const double eps_x = radii(i, 0), eps_y = radii(i, 1), eps_z = radii(i, 2);
      Index n_z = 0, n_xz = 0, n_yz = 0;
      ztree.for_each_within(ztree.point_at_position(p), eps_z, false, [&](Index j) {
        ++n_z;
        n_xz += neighbors::max_norm_distance(&x(i, 0), &x(j, 0), dx) <= eps_x;
        n_yz += neighbors::max_norm_distance(&y(i, 0), &y(j, 0), dy) <= eps_y;
      });
      --n_z;  // i itself lies inside every rectangle
      --n_xz;
      --n_yz;
      local(i) = base + psi(n_z) - psi(n_xz) + 1.0 / static_cast<double>(n_xz) - psi(n_yz) +
                 1.0 / static_cast<double>(n_yz);
    }
  });
  return local;
}

}  // namespace detail

/// KSG (Frenzel–Pompe) conditional mutual information I(X;Y|Z), in nats.
class KsgConditional {
 public:
  using Options = KsgOptions;

  KsgConditional() = default;
  explicit KsgConditional(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// I(X;Y|Z) from the rows of x, y, z (any Eigen expressions, one sample per
  /// row, the same number of rows). Jitter streams: 0 for x, 1 for y, 2 for z.
  template <class DerivedX, class DerivedY, class DerivedZ>
  KnnResult estimate(const Eigen::DenseBase<DerivedX>& x, const Eigen::DenseBase<DerivedY>& y,
                     const Eigen::DenseBase<DerivedZ>& z) const {
    constexpr std::string_view function = "mmc::knn::KsgConditional::estimate";
    detail::check_algorithm(function, options_.algorithm);
    const RowMatrix<double> xs = detail::prepare(function, "x", x, options_, 0);
    const RowMatrix<double> ys = detail::prepare(function, "y", y, options_, 1);
    const RowMatrix<double> zs = detail::prepare(function, "z", z, options_, 2);
    mmc::detail::check_same_rows(function, "y", ys.rows(), "x", xs.rows());
    mmc::detail::check_same_rows(function, "z", zs.rows(), "x", xs.rows());
    detail::check_options(function, options_, xs.rows());
    const auto& o = options_;
    std::vector<Index> tied;
    Eigen::VectorXd local = o.algorithm == 1
                                ? detail::ksg_cmi1_local_values(xs, ys, zs, o.k, o.threads, &tied)
                                : detail::ksg_cmi2_local_values(xs, ys, zs, o.k, o.threads, &tied);
    std::vector<std::string> warnings;
    detail::check_ties(function, {{"x", xs.cols()}, {"y", ys.cols()}, {"z", zs.cols()}}, tied, o.k,
                       detail::kCmiTieAlternatives, warnings);
    KnnResult result = detail::finish(std::move(local), o.k);
    result.warnings = std::move(warnings);
    return result;
  }

 private:
  Options options_;
};

/// Convenience: KsgConditional(options).estimate(x, y, z).value.
template <class DerivedX, class DerivedY, class DerivedZ>
double ksg_cmi(const Eigen::DenseBase<DerivedX>& x, const Eigen::DenseBase<DerivedY>& y,
               const Eigen::DenseBase<DerivedZ>& z, const KsgOptions& options = {}) {
  return KsgConditional(options).estimate(x, y, z).value;
}

}  // namespace mmc::knn
