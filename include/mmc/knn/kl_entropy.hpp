// mmc/knn/kl_entropy.hpp — the Kozachenko–Leonenko kNN entropy estimator and
// the "3KL" mutual information built from it.
//
// docs/design.md §3.1 (Kozachenko & Leonenko 1987; Kraskov, Stögbauer & Grassberger
// 2004, eq. 20):
//     H(X) = psi(N) - psi(k) + log V_d + (d/N) sum_i log r_i,
// r_i = distance from x_i to its k-th nearest other sample, V_d the volume of
// the unit ball of the norm (2^d for the max-norm, pi^(d/2)/Gamma(1+d/2) for
// the Euclidean norm). The local value of sample i is
//     (psi(N) - psi(k) + log V_d) + d * log(r_i),
// evaluated in exactly that order (the oracle tests rely on it).
// 3KL MI (`mmc mi --estimator kl`): I = H(X) + H(Y) - H(X,Y), all three with the
// same k and norm; the local value is h_x(i) + h_y(i) - h_xy(i).
//
// Duplicated samples: a point with k or more exact copies has r_i = 0 and
// log r_i = -inf. That is an input problem, not a result, so we throw
// mmc::invalid_argument naming the rows and suggesting `jitter`. Ties in
// single columns (r_i > 0, but the sample and its k neighbours share a value
// in some column, e.g. one discrete column) leave a finite but meaningless
// value (the density does not exist there): they go through the shared tie
// check of knn/common.hpp (docs/design.md §3.1: more than 0.1 % of the
// samples refused, fewer a warning).
//
// Search paths (same radii, same tie flags, tested bit for bit): one column
// under the max-norm walks the sorted order (neighbors::sort_axis), two
// columns (the joint space of 3KL with 1 + 1 dimensions) use the rank-bin
// grid (neighbors::Grid2D), anything else the kd-tree.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/special.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/knn/common.hpp"
#include "mmc/knn/detail/joint_knn.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/neighbors/axis_order.hpp"
#include "mmc/neighbors/grid_2d.hpp"
#include "mmc/neighbors/kd_tree.hpp"

namespace mmc::knn {

/// Options of KlEntropy and KlMutualInformation.
struct KlEntropyOptions : KnnOptions {
  /// Norm of the neighbour distances: Norm::max (cube, V_d = 2^d, the KSG
  /// convention) or Norm::euclidean (ball).
  Norm norm = Norm::max;
};

namespace detail {

/// What to do instead of KL on tied data (the fix of check_ties).
inline constexpr std::string_view kKlTieAlternatives =
    "for discrete data use mmc::knn::PluginEntropy (mmc::knn::MixedKsg for the mutual "
    "information of mixed discrete-continuous data)";

/// The k-th neighbour distance radius(i) of every sample under `norm` and,
/// per sample, its tied column (tied_column) or -1, on a kd-tree: the general
/// path, and the oracle of the sorted paths below.
inline void kl_tree_radii(const RowMatrix<double>& data, Index k, Norm norm, int threads,
                          Eigen::VectorXd& radius, std::vector<Index>& tied) {
  const Index n = data.rows(), d = data.cols();
  const neighbors::KdTree<double> tree(data.data(), n, d, norm, knn_leaf_size(d, norm), threads);
  radius.resize(n);
  tied.assign(static_cast<std::size_t>(n), -1);
  for_each_knn(tree, k, threads, [&](Index i, const double* distances, const Index* neighbours) {
    radius(i) = distances[k - 1];
    tied[static_cast<std::size_t>(i)] =
        tied_column([&](Index j) { return tree.point(j); }, i, neighbours, k, d);
  });
}

/// One column under the max-norm: the k-th distance from the sorted order
/// alone — the k nearest values of a sample are the nearest of its left and
/// right runs of neighbours, merged outward, k steps. No column tie is
/// possible without r = 0 (a duplicate, refused by the caller), so `tied`
/// stays empty ("none" to check_ties).
inline void kl_line_radii(const RowMatrix<double>& data, Index k, int threads, Eigen::VectorXd& radius,
                          std::vector<Index>& tied) {
  const Index n = data.rows();
  const neighbors::AxisOrder<double> axis = neighbors::sort_axis(data.data(), n, 1, threads);
  const double* v = axis.values.data();
  radius.resize(n);
  tied.clear();
  parallel_for(n, threads, kPointGrain, [&](Index first, Index last) {
    for (Index p = first; p < last; ++p) {
      Index left = p - 1, right = p + 1;
      double kth = 0;
      for (Index step = 0; step < k; ++step) {  // k < n: a neighbour always remains
        const double dl = left >= 0 ? std::fabs(v[p] - v[left]) : std::numeric_limits<double>::infinity();
        const double dr = right < n ? std::fabs(v[p] - v[right]) : std::numeric_limits<double>::infinity();
        if (dl <= dr) {
          kth = dl;
          --left;
        } else {
          kth = dr;
          ++right;
        }
      }
      radius(axis.order[static_cast<std::size_t>(p)]) = kth;
    }
  });
}

/// Two columns under the max-norm: the k nearest neighbours on the rank-bin
/// grid (neighbors::Grid2D, exact, same neighbour set as the kd-tree). When
/// neither column repeats a value no sample can be tied, and the grid is
/// asked for the k-th distances alone (Grid2D::kth_distance_at_position).
inline void kl_plane_radii(const RowMatrix<double>& data, Index k, int threads, Eigen::VectorXd& radius,
                           std::vector<Index>& tied) {
  const Index n = data.rows();
  const neighbors::AxisOrder<double> x = neighbors::sort_axis(data.data(), n, 2, threads);
  const neighbors::AxisOrder<double> y = neighbors::sort_axis(data.data() + 1, n, 2, threads);
  const neighbors::Grid2D grid(x.view(), y.view(), threads);
  radius.resize(n);
  tied.assign(static_cast<std::size_t>(n), -1);
  if (!plane_may_tie(x.view(), y.view())) {
    for_each_kth_distance(grid, k, threads, [&](Index p, double kth) { radius(grid.original_index(p)) = kth; });
    return;
  }
  parallel_for(n, threads, kPointGrain, [&](Index first, Index last) {
    std::vector<double> distances(static_cast<std::size_t>(k));
    std::vector<Index> indices(static_cast<std::size_t>(k)), positions(static_cast<std::size_t>(k));
    const auto point = [&](Index position) { return grid.point_at_position(position); };
    for (Index p = first; p < last; ++p) {
      grid.knn_at_position(p, k, distances.data(), indices.data(), positions.data());
      const Index i = grid.original_index(p);
      radius(i) = distances[static_cast<std::size_t>(k - 1)];
      tied[static_cast<std::size_t>(i)] = tied_column(point, p, positions.data(), k, 2);
    }
  });
}

/// kl_tree_radii, through the sorted paths where they apply (max-norm, one
/// or two columns); the same radii and tied columns (tested bit for bit).
inline void kl_radii(const RowMatrix<double>& data, Index k, Norm norm, int threads, Eigen::VectorXd& radius,
                     std::vector<Index>& tied) {
  if (norm == Norm::max && data.cols() == 1) return kl_line_radii(data, k, threads, radius, tied);
  if (norm == Norm::max && data.cols() == 2) return kl_plane_radii(data, k, threads, radius, tied);
  kl_tree_radii(data, k, norm, threads, radius, tied);
}

/// KL local values of prepared data (validated, k < rows). Throws, naming
/// `function` and `argument`, when a sample has k or more exact duplicates,
/// and applies check_ties (its warnings go to `warnings` when given).
inline Eigen::VectorXd kl_local_values(std::string_view function, std::string_view argument,
                                       const RowMatrix<double>& data, Index k, Norm norm,
                                       int threads, std::vector<std::string>* warnings = nullptr) {
  const Index n = data.rows(), d = data.cols();
  Eigen::VectorXd radius;
  std::vector<Index> tied;
  kl_radii(data, k, norm, threads, radius, tied);
  // Scan in index order so the reported rows never depend on the thread count.
  for (Index i = 0; i < n; ++i) {
    if (radius(i) > 0) continue;
    const neighbors::KdTree<double> tree(data.data(), n, d, norm, 8, 1);  // the error message only
    std::vector<double> distances(static_cast<std::size_t>(k));
    std::vector<Index> copies(static_cast<std::size_t>(k));
    tree.knn(data.row(i).data(), k, i, distances.data(), copies.data());
    std::string rows = std::to_string(i);
    for (Index j : copies) rows += ", " + std::to_string(j);
    mmc::detail::throw_invalid(
        function, argument,
        "has duplicated rows: rows " + rows + " are identical, so the distance from row " +
            std::to_string(i) + " to its k-th neighbour (k = " + std::to_string(k) +
            ") is 0 and log r = -inf",
        "set options.jitter (e.g. 1e-10) to break ties, or remove the duplicated rows");
  }
  std::vector<std::string> ignored;
  check_ties(function, {{argument, d}}, tied, k, kKlTieAlternatives,
             warnings != nullptr ? *warnings : ignored);
  const double constant = mmc::digamma(n) - mmc::digamma(k) +
                          log_unit_ball_volume(static_cast<int>(d), norm == Norm::euclidean);
  Eigen::VectorXd local(n);
  for (Index i = 0; i < n; ++i) local(i) = constant + static_cast<double>(d) * std::log(radius(i));
  return local;
}

}  // namespace detail

/// Kozachenko–Leonenko differential entropy, in nats.
class KlEntropy {
 public:
  using Options = KlEntropyOptions;

  KlEntropy() = default;
  explicit KlEntropy(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// Entropy of the rows of x (any Eigen expression, one sample per row).
  /// Throws mmc::invalid_argument on empty/non-finite input, k >= rows, bad
  /// options, and duplicated rows (see the header comment).
  template <class Derived>
  KnnResult estimate(const Eigen::DenseBase<Derived>& x) const {
    constexpr std::string_view function = "mmc::knn::KlEntropy::estimate";
    const RowMatrix<double> data = detail::prepare(function, "x", x, options_, 0);
    detail::check_options(function, options_, data.rows());
    std::vector<std::string> warnings;
    KnnResult result = detail::finish(detail::kl_local_values(function, "x", data, options_.k,
                                                              options_.norm, options_.threads,
                                                              &warnings),
                                      options_.k);
    result.warnings = std::move(warnings);
    return result;
  }

 private:
  Options options_;
};

/// 3KL mutual information I(X;Y) = H(X) + H(Y) - H(X,Y), in nats.
class KlMutualInformation {
 public:
  using Options = KlEntropyOptions;

  KlMutualInformation() = default;
  explicit KlMutualInformation(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// MI between the rows of x and y (same number of rows). Jitter uses
  /// stream 0 for x and 1 for y; the joint space is [x | y] after both.
  template <class DerivedX, class DerivedY>
  KnnResult estimate(const Eigen::DenseBase<DerivedX>& x, const Eigen::DenseBase<DerivedY>& y) const {
    constexpr std::string_view function = "mmc::knn::KlMutualInformation::estimate";
    const RowMatrix<double> xs = detail::prepare(function, "x", x, options_, 0);
    const RowMatrix<double> ys = detail::prepare(function, "y", y, options_, 1);
    mmc::detail::check_same_rows(function, "y", ys.rows(), "x", xs.rows());
    detail::check_options(function, options_, xs.rows());
    const auto& o = options_;
    std::vector<std::string> warnings;
    Eigen::VectorXd local =
        detail::kl_local_values(function, "x", xs, o.k, o.norm, o.threads, &warnings);
    local += detail::kl_local_values(function, "y", ys, o.k, o.norm, o.threads, &warnings);
    local -= detail::kl_local_values(function, "x and y (joint rows)", detail::concat_columns(xs, ys),
                                     o.k, o.norm, o.threads, &warnings);
    KnnResult result = detail::finish(std::move(local), o.k);
    result.warnings = std::move(warnings);
    return result;
  }

 private:
  Options options_;
};

/// Convenience: KlEntropy(options).estimate(x).value.
template <class Derived>
double kl_entropy(const Eigen::DenseBase<Derived>& x, const KlEntropyOptions& options = {}) {
  return KlEntropy(options).estimate(x).value;
}

/// Convenience: KlMutualInformation(options).estimate(x, y).value.
template <class DerivedX, class DerivedY>
double kl_mi(const Eigen::DenseBase<DerivedX>& x, const Eigen::DenseBase<DerivedY>& y,
             const KlEntropyOptions& options = {}) {
  return KlMutualInformation(options).estimate(x, y).value;
}

}  // namespace mmc::knn
