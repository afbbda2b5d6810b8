// mmc/knn/mixed.hpp — mutual information of variables that may be discrete,
// continuous or a mixture of both (Gao, Kannan, Oh & Viswanath 2017,
// "Estimating mutual information for discrete-continuous mixtures", NeurIPS).
//
// docs/design.md §3.1: rho_i = distance from sample i to its k-th nearest other
// sample in the joint space [x | y] under the max-norm max(|dx|_inf, |dy|_inf).
//   rho_i > 0:  k~_i = k,   n_x(i) = #{j : |x_i - x_j|_inf <= rho_i},
//   rho_i = 0:  k~_i = #{j : joint distance 0}, n_x(i) = #{j : |x_i - x_j|_inf = 0},
// self included in all three counts (n_y likewise), and
//   local(i) = psi(k~_i) + log N - log n_x(i) - log n_y(i)   (left to right).
// Both cases are one rule: n_x, n_y count distances <= rho_i. The estimate is
// the mean of the local values.
//
// Why it exists: KSG assumes continuous densities; with repeated values (a
// discrete column, a point mass) its counts are ill-defined. Gao et al.'s
// plug-in of the tie counts makes the estimator consistent for mixtures. On
// purely discrete data with every joint cell holding more than k samples,
// every rho_i is 0 and the estimate is the plug-in MI with log n_xy replaced by
// psi(n_xy): it equals PluginMutualInformation + (1/N) sum_i [psi(n_xy(i)) -
// log n_xy(i)], which is about -(number of joint cells)/(2N)
// (docs/estimators/mixed.md).
//
// Known bias (measured; docs/estimators/mixed.md): the log, not psi, of the
// marginal counts leaves an O(1/k) bias wherever a marginal count stays O(k)
// as N grows. On Gao et al.'s own mixture (X ~ U{0..4}, Y | X ~ U[X, X+2],
// I = 1.0549 nats, N = 5000) the estimate is 0.31 nats low at k = 3, 0.10 at
// k = 10, 0.03 at k = 30; the authors' reference code, which uses psi of
// strict counts, is within 0.01 there.
//
// Variant (MixedOptions::variant): `paper` is the formula above (the
// default); `reference` is the authors' published code (github.com/wgao9/
// mixed_KSG): for rho_i > 0 the marginal counts are strict (< rho_i, self
// included) and enter through psi instead of log:
//   local(i) = psi(k~_i) + log N - psi(n_x(i)) - psi(n_y(i)),
// which removes most of the fixed-k bias above (and, on continuous data, is
// KSG algorithm 1 with log N for psi(N)).
//
// Speed: for one x column against one y column, the sorted axes and rank grid
// of KSG's 1 + 1 path (detail/mixed_plane.hpp); otherwise a max-norm kd-tree
// over the joint space and neighbors::Searcher for the marginal counts, each
// counted leaf by leaf in its own pass as KSG's are. Both paths give the same
// bits; O(N log N) time, O(N) memory.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string_view>
#include <vector>

#include "mmc/core/parallel.hpp"
#include "mmc/core/special.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/knn/common.hpp"
#include "mmc/knn/detail/joint_knn.hpp"
#include "mmc/knn/detail/mixed_plane.hpp"
#include "mmc/neighbors/axis_order.hpp"
#include "mmc/neighbors/kd_tree.hpp"
#include "mmc/neighbors/searcher.hpp"

namespace mmc::knn {

/// Which form of Gao et al.'s estimator (see the header comment).
enum class MixedVariant { paper, reference };

/// Options of MixedKsg: the common kNN options (the norm is always the
/// max-norm) and the variant.
struct MixedOptions : KnnOptions {
  MixedVariant variant = MixedVariant::paper;
};

namespace detail {

/// Gao et al.'s local values through the joint kd-tree and the marginal
/// searchers (any dimensions; mixed_local_values takes it unless x and y are
/// one column each), in KSG's three passes: the joint k-NN pass gives every
/// rho_i and k~_i (the tree is freed after it), each marginal searcher then
/// counts all its samples leaf by leaf (count_others), and a last pass forms
/// the local values.
inline Eigen::VectorXd mixed_tree_local_values(const RowMatrix<double>& x, const RowMatrix<double>& y,
                                               Index k, int threads,
                                               MixedVariant variant = MixedVariant::paper) {
  const Index n = x.rows();
  // The paper counts dist <= rho_i; the reference variant dist < rho_i, and
  // the ties where rho_i = 0 (strict_radius_counting_ties).
  const bool reference = variant == MixedVariant::reference;
  std::vector<double> radius(static_cast<std::size_t>(n));
  std::vector<Index> k_tilde(static_cast<std::size_t>(n));
  {
    const RowMatrix<double> joint = concat_columns(x, y);
    const neighbors::KdTree<double> tree(joint.data(), n, joint.cols(), Norm::max,
                                         knn_leaf_size(joint.cols()), threads);
    for_each_knn(tree, k, threads, [&](Index i, const double* distances, const Index*) {
      const double rho = distances[k - 1];
      const auto s = static_cast<std::size_t>(i);
      k_tilde[s] = rho > 0 ? k : tree.count_within(tree.point(i), 0.0, false);
      radius[s] = reference ? strict_radius_counting_ties(rho) : rho;
    });
  }
  // Counts of the others; n_x(i) = others + 1 (self: distance 0 is within
  // every radius above, strict or not).
  const auto others = [&](const RowMatrix<double>& m) {
    const neighbors::Searcher<double> searcher(m.data(), n, m.cols(), Norm::max, kCountLeafSize, threads);
    return count_others(searcher, radius, reference, threads);
  };
  const std::vector<Index> x_others = others(x);
  const std::vector<Index> y_others = others(y);
  const double log_n = std::log(static_cast<double>(n));
  Eigen::VectorXd local(n);
  parallel_for(n, threads, kPointGrain, [&](Index first, Index last) {
    for (Index i = first; i < last; ++i) {
      const auto s = static_cast<std::size_t>(i);
      const auto n_x = static_cast<double>(x_others[s] + 1);
      const auto n_y = static_cast<double>(y_others[s] + 1);
      const double psi_k = digamma(static_cast<double>(k_tilde[s]));
      local(i) = reference ? psi_k + log_n - digamma(n_x) - digamma(n_y)
                           : psi_k + log_n - std::log(n_x) - std::log(n_y);
    }
  });
  return local;
}

/// Gao et al.'s local values of prepared inputs (validated, same rows, k < rows):
/// the sorted-axes path for one column against one column, the tree path
/// otherwise (the same bits either way).
inline Eigen::VectorXd mixed_local_values(const RowMatrix<double>& x, const RowMatrix<double>& y,
                                          Index k, int threads,
                                          MixedVariant variant = MixedVariant::paper) {
  if (x.cols() == 1 && y.cols() == 1) {
    const neighbors::AxisOrder<double> ax = neighbors::sort_axis(x.data(), x.rows(), 1, threads);
    const neighbors::AxisOrder<double> ay = neighbors::sort_axis(y.data(), y.rows(), 1, threads);
    return mixed_plane_local_values(ax.view(), ay.view(), k, variant == MixedVariant::reference, threads);
  }
  return mixed_tree_local_values(x, y, k, threads, variant);
}

}  // namespace detail

/// Gao et al.'s mixed discrete/continuous MI estimator I(X;Y), in nats.
/// Options: the common kNN options (the norm is always the max-norm). Do not
/// jitter discrete columns: their ties are what the estimator uses.
class MixedKsg {
 public:
  using Options = MixedOptions;

  MixedKsg() = default;
  explicit MixedKsg(const Options& options) : options_(options) {}
  /// The common kNN options with the default (paper) variant.
  explicit MixedKsg(const KnnOptions& options) { static_cast<KnnOptions&>(options_) = options; }
  const Options& options() const noexcept { return options_; }

  /// MI between the rows of x and y (any Eigen expressions, one sample per
  /// row, the same number of rows; discrete columns hold their codes as
  /// numbers). Jitter, if asked for, uses stream 0 for x and 1 for y.
  template <class DerivedX, class DerivedY>
  KnnResult estimate(const Eigen::DenseBase<DerivedX>& x, const Eigen::DenseBase<DerivedY>& y) const {
    constexpr std::string_view function = "mmc::knn::MixedKsg::estimate";
    const RowMatrix<double> xs = detail::prepare(function, "x", x, options_, 0);
    const RowMatrix<double> ys = detail::prepare(function, "y", y, options_, 1);
    mmc::detail::check_same_rows(function, "y", ys.rows(), "x", xs.rows());
    detail::check_options(function, options_, xs.rows());
    return detail::finish(
        detail::mixed_local_values(xs, ys, options_.k, options_.threads, options_.variant),
        options_.k);
  }

 private:
  Options options_;
};

}  // namespace mmc::knn
