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
// (detail/joint_knn.hpp); then the marginal counts in a second pass over
// each marginal neighbors::Searcher in its own storage order (a sorted line
// with galloping counts in 1-D, a kd-tree with 64-point leaves otherwise); psi
// of the counts from a table of the exact mmc::digamma values.
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

/// KSG local values of prepared inputs (validated, same rows, k < rows).
/// `tied`, when given, receives every sample's tied column of the joint space
/// [x | y] (or -1; knn/common.hpp tied_column) for check_ties.
inline Eigen::VectorXd ksg_local_values(const RowMatrix<double>& x, const RowMatrix<double>& y,
                                        Index k, int algorithm, int threads,
                                        std::vector<Index>* tied = nullptr) {
  const Index n = x.rows(), dx = x.cols(), dy = y.cols();
  const bool strict = algorithm == 1;
  // Pass 1: the k joint neighbours give each sample its marginal radii: the
  // k-th joint distance (algorithm 1) or the largest x- and y-distances among
  // the neighbours (algorithm 2). The tree is freed before pass 2.
  std::vector<double> radius_x(static_cast<std::size_t>(n));
  std::vector<double> radius_y(strict ? 0 : static_cast<std::size_t>(n));  // algorithm 1: = radius_x
  if (tied != nullptr) tied->assign(static_cast<std::size_t>(n), -1);
  {
    const neighbors::KdTree<double> tree = [&] {
      const RowMatrix<double> joint = concat_columns(x, y);
      return neighbors::KdTree<double>(joint.data(), n, dx + dy, Norm::max,
                                       knn_leaf_size(dx + dy), threads);
    }();
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
    });
  }
  // Pass 2: marginal counts, one space at a time (O(N) memory at any moment).
  const auto marginal_counts = [&](const RowMatrix<double>& m, const std::vector<double>& radius) {
    const neighbors::Searcher<double> searcher(m.data(), n, m.cols(), Norm::max, kCountLeafSize,
                                               threads);
    return count_others(searcher, radius, strict, threads);
  };
  const std::vector<Index> n_x = marginal_counts(x, radius_x);
  const std::vector<Index> n_y = marginal_counts(y, strict ? radius_x : radius_y);
  // Pass 3: the local values, in the order docs/design.md §3.1 writes them.
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
