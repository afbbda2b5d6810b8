// mmc/knn/ksg_conditional.hpp — conditional mutual information I(X;Y|Z) by the
// Frenzel–Pompe extension of KSG, algorithms 1 and 2.
//
// Algorithm 1 (DESIGN.md §3.1; Frenzel & Pompe, Phys. Rev. Lett. 99, 204101,
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
// Speed: one joint kd-tree queried in tree order in fixed parallel blocks; for
// algorithm 1 the counts come from neighbors::Searcher over [x|z], [y|z] and z;
// for algorithm 2 the points of the z-ball are visited once (kd-tree over z) and
// tested against eps_x and eps_y, O(n_z) per sample.
#pragma once

#include <Eigen/Core>
#include <string_view>

#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/knn/common.hpp"
#include "mmc/knn/detail/ksg_digamma_table.hpp"
#include "mmc/knn/detail/ksg_joint_knn.hpp"
#include "mmc/knn/ksg.hpp"
#include "mmc/neighbors/distance.hpp"
#include "mmc/neighbors/kd_tree.hpp"
#include "mmc/neighbors/searcher.hpp"

namespace mmc::knn {

namespace detail {

/// KSG-CMI algorithm 1 local values of prepared inputs (same rows, k < rows).
inline Eigen::VectorXd ksg_cmi1_local_values(const RowMatrix<double>& x, const RowMatrix<double>& y,
                                             const RowMatrix<double>& z, Index k, int threads) {
  const Index n = x.rows();
  const neighbors::KdTree<double> tree = [&] {
    const RowMatrix<double> joint = concat_columns(concat_columns(x, y), z);
    return neighbors::KdTree<double>(joint.data(), n, joint.cols(), Norm::max);
  }();
  const auto searcher = [n](const RowMatrix<double>& m) {
    return neighbors::Searcher<double>(m.data(), n, m.cols());
  };
  const neighbors::Searcher<double> sxz = searcher(concat_columns(x, z));
  const neighbors::Searcher<double> syz = searcher(concat_columns(y, z));
  const neighbors::Searcher<double> sz = searcher(z);
  const DigammaTable psi(n);
  const double base = psi(k);
  Eigen::VectorXd local(n);
  for_each_knn(tree, k, threads, [&](Index i, const double* distances, const Index*) {
    const double eps = distances[k - 1];
    local(i) = base - psi(count_others(sxz, i, eps, true) + 1) -
               psi(count_others(syz, i, eps, true) + 1) + psi(count_others(sz, i, eps, true) + 1);
  });
  return local;
}

/// KSG-CMI algorithm 2 local values of prepared inputs (same rows, k < rows).
inline Eigen::VectorXd ksg_cmi2_local_values(const RowMatrix<double>& x, const RowMatrix<double>& y,
                                             const RowMatrix<double>& z, Index k, int threads) {
  const Index n = x.rows(), dx = x.cols(), dy = y.cols(), dz = z.cols();
  const neighbors::KdTree<double> tree = [&] {
    const RowMatrix<double> joint = concat_columns(concat_columns(x, y), z);
    return neighbors::KdTree<double>(joint.data(), n, joint.cols(), Norm::max);
  }();
  const neighbors::KdTree<double> ztree(z.data(), n, dz, Norm::max);
  const DigammaTable psi(n);
  const double base = psi(k) - 2.0 / static_cast<double>(k);
  Eigen::VectorXd local(n);
  for_each_knn(tree, k, threads, [&](Index i, const double*, const Index* neighbours) {
    const double eps_x = max_subspace_distance(tree, 0, dx, i, neighbours, k);
    const double eps_y = max_subspace_distance(tree, dx, dy, i, neighbours, k);
    const double eps_z = max_subspace_distance(tree, dx + dy, dz, i, neighbours, k);
    const double* xi = tree.point(i);
    Index n_z = 0, n_xz = 0, n_yz = 0;
    ztree.for_each_within(ztree.point(i), eps_z, false, [&](Index j) {
      const double* xj = tree.point(j);
      ++n_z;
      n_xz += neighbors::max_norm_distance(xi, xj, dx) <= eps_x;
      n_yz += neighbors::max_norm_distance(xi + dx, xj + dx, dy) <= eps_y;
    });
    --n_z;  // i itself lies inside every rectangle
    --n_xz;
    --n_yz;
    local(i) = base + psi(n_z) - psi(n_xz) + 1.0 / static_cast<double>(n_xz) - psi(n_yz) +
               1.0 / static_cast<double>(n_yz);
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
    return detail::finish(o.algorithm == 1
                              ? detail::ksg_cmi1_local_values(xs, ys, zs, o.k, o.threads)
                              : detail::ksg_cmi2_local_values(xs, ys, zs, o.k, o.threads),
                          o.k);
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
