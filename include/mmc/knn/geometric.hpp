// mmc/knn/geometric.hpp — geometric k-nearest-neighbour entropy and mutual
// information (Lord, Sun & Bollt 2018, "Geometric k-nearest neighbor estimation
// of entropy and mutual information", Chaos 28, 033114).
//
// Why: the Kozachenko–Leonenko ball assumes the density is uniform in a round
// neighbourhood; near a low-dimensional structure (strong dependence) the
// k neighbours lie in a thin sliver and the ball overstates the volume. Here
// the ball becomes an ellipsoid fitted to the neighbourhood.
//
// docs/design.md §3.1, for each sample i (Euclidean distances, self excluded):
//   eps_i   = distance to the k-th nearest neighbour;
//   S_i     = {x_i and its k neighbours}, a (k+1) x d matrix centred on its mean,
//             with singular values sigma_1 >= ... >= sigma_d and right singular
//             vectors v_1..v_d (one-sided Jacobi, detail/small_svd.hpp);
//   E_i     = the ellipsoid centred on x_i with axes v_j and semi-axes
//             r_j = eps_i sigma_j / sigma_1 (so r_1 = eps_i);
//   k_i     = #{p in S_i : sum_j ((p - x_i).v_j / r_j)^2 <= 1}: the *closed*
//             ellipsoid, counted over S_i only (E_i lies inside the eps_i-ball,
//             so no other sample can be inside except exact ties of the k-th
//             distance, which are not counted). x_i itself is always counted,
//             as in the paper, so k_i >= 1;
//   local(i) = log N + log V_d + d log eps_i + sum_j log(sigma_j/sigma_1) - log k_i,
//             V_d = pi^(d/2)/Gamma(1 + d/2), evaluated left to right;
//   H = mean(local);  I(X;Y) = H(X) + H(Y) - H(X,Y), local_I = local_x + local_y - local_xy.
//
// Degenerate neighbourhoods: S_i must span all d axes, so k >= d is required
// (an error otherwise), and a neighbourhood of duplicated or collinear points
// (eps_i = 0 or sigma_d <= 1e-12 sigma_1) has no finite ellipsoid volume: the
// estimate throws naming the first such sample and recommends jitter, never
// returning -inf or NaN.
//
// Bias: the normalisation log N - log k_i (no digamma) is the paper's; at fixed
// k it leaves an O(1) bias that does not vanish with N (docs/estimators/
// geometric-knn.md gives measured values). Use it to compare, or where its
// shape adaptivity matters; use KL/KSG for unbiased values on round densities.
//
// Speed: a Euclidean kd-tree per space, searched leaf by leaf in more than 4
// dimensions (KdTree::knn_of_leaf), and a one-sided Jacobi SVD of a (k+1) x d
// matrix per sample in per-thread buffers (detail/small_svd.hpp, about twice
// as fast as Eigen's JacobiSVD at these shapes): O(N (log N + k d^2)) time,
// O(N d) memory. At N = 1e5, 5 + 5 dimensions (k = 10), one thread, the k-NN
// passes take about 73 % of the time and the SVDs 17 % (docs/benchmarks.md).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <string_view>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/special.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/knn/common.hpp"
#include "mmc/knn/detail/joint_knn.hpp"
#include "mmc/knn/detail/small_svd.hpp"
#include "mmc/neighbors/kd_tree.hpp"

namespace mmc::knn {

/// Result of GeometricKnn::estimate (MI): the three entropies besides the value.
struct GeometricKnnMiResult : KnnResult {
  double h_x = 0.0, h_y = 0.0, h_xy = 0.0;
};

namespace detail {

/// sigma_d / sigma_1 at or below this marks a neighbourhood as degenerate.
inline constexpr double kGeometricRankTolerance = 1e-12;

inline void check_geometric_k(std::string_view function, Index k, Index d,
                              std::string_view space) {
  if (k < d) {
    mmc::detail::throw_invalid(
        function, "k",
        "is " + std::to_string(k) + ", but geometric kNN in the " + std::to_string(d) +
            "-dimensional space of " + std::string(space) +
            " needs k >= " + std::to_string(d) +
            " (a sample and its k neighbours must span every axis)",
        "use k >= " + std::to_string(d));
  }
}

/// Per-thread buffers of geometric_local_entropy: the neighbourhood and the
/// SVD (which holds the centred copy), allocated once per thread and shape
/// rather than once per sample.
struct GeometricWorkspace {
  Eigen::MatrixXd set;
  SmallSvd svd;

  void shape(Index rows, Index cols) {
    if (set.rows() == rows && set.cols() == cols) return;
    set.resize(rows, cols);
    svd.shape(rows, cols);
  }
};

/// Geometric-kNN local entropy values of a validated, prepared n x d matrix
/// (k >= d, k < n). Throws on the first degenerate neighbourhood.
inline Eigen::VectorXd geometric_local_entropy(std::string_view function, std::string_view space,
                                               const RowMatrix<double>& x, Index k, int threads) {
  const Index n = x.rows(), d = x.cols();
  const neighbors::KdTree<double> tree(x.data(), n, d, Norm::euclidean, knn_leaf_size(d, Norm::euclidean), threads);
  const double base = std::log(static_cast<double>(n)) + log_unit_ball_volume(static_cast<int>(d), true);
  Eigen::VectorXd local(n);
  std::vector<char> degenerate(static_cast<std::size_t>(n), 0);
  for_each_knn(tree, k, threads, [&](Index i, const double* distances, const Index* neighbours) {
    const double eps = distances[k - 1];
    thread_local GeometricWorkspace work;
    work.shape(k + 1, d);
    Eigen::MatrixXd& set = work.set;
    Eigen::MatrixXd& centred = work.svd.matrix();
    // Plain loops in a fixed order (not Eigen reductions), here and in
    // SmallSvd, so that the result does not depend on vectorisation.
    set.row(0) = x.row(i);
    for (Index j = 0; j < k; ++j) set.row(j + 1) = x.row(neighbours[j]);
    for (Index c = 0; c < d; ++c) {
      double mean = 0.0;
      for (Index p = 0; p <= k; ++p) mean += set(p, c);
      mean /= static_cast<double>(k + 1);
      for (Index p = 0; p <= k; ++p) centred(p, c) = set(p, c) - mean;
    }
    // Non-finite input (a mean that overflowed) gives NaN singular values,
    // which fail the rank test below.
    work.svd.compute();
    const Eigen::VectorXd& sigma = work.svd.singular_values();
    const Eigen::MatrixXd& v = work.svd.matrix_v();
    if (!(eps > 0) || !(sigma(d - 1) > kGeometricRankTolerance * sigma(0))) {
      degenerate[static_cast<std::size_t>(i)] = 1;
      local(i) = 0.0;
      return;
    }
    double log_shape = 0.0;
    for (Index j = 0; j < d; ++j) log_shape += std::log(sigma(j) / sigma(0));
    Index inside = 0;
    for (Index p = 0; p <= k; ++p) {
      double q = 0.0;
      for (Index j = 0; j < d; ++j) {
        double z = 0.0;
        for (Index c = 0; c < d; ++c) z += (set(p, c) - set(0, c)) * v(c, j);
        const double t = z / (eps * (sigma(j) / sigma(0)));
        q += t * t;
      }
      inside += q <= 1.0;
    }
    local(i) = base + static_cast<double>(d) * std::log(eps) + log_shape -
               std::log(static_cast<double>(inside));
  });
  for (Index i = 0; i < n; ++i) {
    if (degenerate[static_cast<std::size_t>(i)]) {
      mmc::detail::throw_invalid(
          function, space,
          "has a degenerate neighbourhood at row " + std::to_string(i) + ": it and its k = " +
              std::to_string(k) + " nearest neighbours span fewer than " + std::to_string(d) +
              " dimensions (duplicated or collinear samples), so the ellipsoid has no volume",
          "remove duplicated samples or add a little jitter (options.jitter, e.g. 1e-8)");
    }
  }
  return local;
}

}  // namespace detail

/// Geometric kNN (Lord, Sun & Bollt 2018): entropy and MI in nats, Euclidean
/// neighbours. Options: the common kNN options; k >= the dimension of every
/// space involved (the joint space for MI).
class GeometricKnn {
 public:
  using Options = KnnOptions;

  GeometricKnn() = default;
  explicit GeometricKnn(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// Differential entropy H(X) of the rows of x (any Eigen expression).
  template <class Derived>
  KnnResult entropy(const Eigen::DenseBase<Derived>& x) const {
    constexpr std::string_view function = "mmc::knn::GeometricKnn::entropy";
    const RowMatrix<double> xs = detail::prepare(function, "x", x, options_, 0);
    detail::check_options(function, options_, xs.rows());
    detail::check_geometric_k(function, options_.k, xs.cols(), "x");
    return detail::finish(
        detail::geometric_local_entropy(function, "x", xs, options_.k, options_.threads),
        options_.k);
  }

  /// Mutual information I(X;Y) = H(X) + H(Y) - H(X,Y) between the rows of x
  /// and y (same number of rows). Jitter uses stream 0 for x and 1 for y.
  template <class DerivedX, class DerivedY>
  GeometricKnnMiResult estimate(const Eigen::DenseBase<DerivedX>& x,
                                const Eigen::DenseBase<DerivedY>& y) const {
    constexpr std::string_view function = "mmc::knn::GeometricKnn::estimate";
    const RowMatrix<double> xs = detail::prepare(function, "x", x, options_, 0);
    const RowMatrix<double> ys = detail::prepare(function, "y", y, options_, 1);
    mmc::detail::check_same_rows(function, "y", ys.rows(), "x", xs.rows());
    detail::check_options(function, options_, xs.rows());
    detail::check_geometric_k(function, options_.k, xs.cols() + ys.cols(), "(x, y)");
    const Index k = options_.k;
    const int threads = options_.threads;
    const Eigen::VectorXd lx = detail::geometric_local_entropy(function, "x", xs, k, threads);
    const Eigen::VectorXd ly = detail::geometric_local_entropy(function, "y", ys, k, threads);
    const Eigen::VectorXd lxy =
        detail::geometric_local_entropy(function, "(x, y)", detail::concat_columns(xs, ys), k, threads);
    GeometricKnnMiResult result;
    static_cast<KnnResult&>(result) = detail::finish(lx + ly - lxy, k);
    result.h_x = detail::finish(lx, k).value;
    result.h_y = detail::finish(ly, k).value;
    result.h_xy = detail::finish(lxy, k).value;
    return result;
  }

 private:
  Options options_;
};

}  // namespace mmc::knn
