// mmc/knn/lnc.hpp — KSG with the local non-uniformity correction (LNC; Gao,
// Ver Steeg & Galstyan 2015, "Efficient estimation of mutual information for
// strongly dependent variables", AISTATS, PMLR 38:277-286).
//
// Why: KSG assumes the density is uniform inside each sample's k-NN box. For
// strongly dependent variables the k neighbours lie along a thin diagonal
// sliver, the box overstates the local volume and KSG underestimates MI — by
// an amount that grows with the MI and the box size (k/N). LNC measures the
// sliver with a PCA-aligned box and corrects the samples where it is much
// smaller than the axis-aligned one.
//
// docs/design.md §3.1, per sample i (joint space [x | y], d = d_x + d_y, max-norm):
//   KSG-1 part:  eps_i = k-th joint neighbour distance, n_x(i) = #{j != i :
//                |x_i - x_j|_inf < eps_i} (strict), n_y likewise,
//                ksg(i) = psi(k) + psi(N) - psi(n_x + 1) - psi(n_y + 1);
//   V_i   = the axis-aligned box centred on x_i that bounds the k neighbours:
//           log V_i = sum_c log max_j |u_jc|, u_j = z_{n_j} - z_i (the factor
//           2^d cancels in the ratio);
//   Vbar_i = the PCA-aligned box centred on z_i that bounds them: the
//           eigenvectors e_c of C = (1/k) sum_j u_j u_j^T (Eigen's
//           SelfAdjointEigenSolver), log Vbar_i = sum_c log max_j |u_j . e_c|;
//   local(i) = ksg(i) - log(Vbar_i / V_i)  if Vbar_i / V_i < alpha,  else ksg(i).
// The estimate is the mean of local: Î_LNC = Î_KSG - (1/N) sum_{ratio < alpha} log(Vbar_i/V_i).
// These are the boxes of the authors' reference code (NPEET_LNC, lnc.py:
// covariance of the neighbours about x_i, boxes centred on x_i). Unlike that
// code, the KSG part is KSG algorithm 1 (docs/design.md §3.1) — computed by
// knn/ksg.hpp, so LncResult::ksg is bit for bit mmc::knn::Ksg's estimate —
// and no noise is added (use options.jitter for tied data).
//
// alpha (the threshold below which a neighbourhood counts as non-uniform):
// by default the value the authors tabulated for the joint dimension d and k
// (NPEET_LNC's alpha.xlsx, d in {2, 3, 5, 10}, d < k <= 20, reproduced below;
// our Monte Carlo check puts them near the 0.5 % quantile of Vbar/V on uniform
// samples, within about 10 % for k >= 10). Other (d, k) need an explicit alpha.
//
// Degenerate neighbourhoods (a zero side of V_i, e.g. tied coordinates, or a
// PCA side <= 1e-12 of the largest) have no finite ratio: their correction is
// skipped (local = ksg) and counted in LncResult::degenerate.
// Ties (docs/design.md §3.1): the KSG part has the shared tie check of
// knn/common.hpp (a zero side of V_i is exactly a tied sample there): more
// than 0.1 % of the samples tied is refused, fewer is a warning in
// LncResult::warnings (and those samples are among the degenerate ones).
// k > d is required: k neighbours span at most k directions about z_i.
//
// Speed: Ksg's passes (joint kd-tree, marginal counts), whose joint k-NN
// lists also give the boxes (one column against one column: KSG's sorted
// axes, then a k-NN pass for the boxes), and a d x d eigen-decomposition per
// sample in a per-thread workspace: O(N (log N + k d^2 + d^3)) time, O(N d)
// memory.
#pragma once

#include <Eigen/Core>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/knn/common.hpp"
#include "mmc/knn/detail/joint_knn.hpp"
#include "mmc/knn/ksg.hpp"
#include "mmc/neighbors/kd_tree.hpp"

namespace mmc::knn {

/// Options of Lnc: the common kNN options plus the non-uniformity threshold.
struct LncOptions : KnnOptions {
  /// Correct sample i when Vbar_i / V_i < alpha, 0 < alpha <= 1. Empty: the
  /// authors' tabulated value for (d_x + d_y, k) (see lnc.hpp).
  std::optional<double> alpha;
};

/// Result of Lnc: the LNC estimate and its parts.
struct LncResult : KnnResult {
  /// The KSG-1 estimate the correction is applied to (mean of its local values).
  double ksg = 0.0;
  /// Mean correction added to it (>= 0); value = ksg + correction up to rounding.
  double correction = 0.0;
  /// Samples whose neighbourhood was corrected (Vbar/V < alpha).
  Index corrected = 0;
  /// Samples skipped because a box had a zero side.
  Index degenerate = 0;
  /// The alpha that was used.
  double alpha = 0.0;
};

namespace detail {

/// PCA sides at or below this fraction of the largest mark a degenerate box.
inline constexpr double kLncRankTolerance = 1e-12;

/// The authors' alpha for joint dimension d and k (d < k <= 20, d in
/// {2, 3, 5, 10}), or 0 when not tabulated.
inline double lnc_tabulated_alpha(Index d, Index k) noexcept {
  static constexpr double d2[] = {0.182224, 0.284370, 0.372004, 0.442894, 0.503244, 0.554523,
                                  0.594569, 0.630903, 0.660295, 0.689290, 0.711052, 0.735075,
                                  0.751908, 0.767809, 0.782448, 0.795362, 0.806728, 0.817252};
  static constexpr double d3[] = {0.077830, 0.167277, 0.250141, 0.320280, 0.384474, 0.441996,
                                  0.489972, 0.532178, 0.568561, 0.603990, 0.636593, 0.660156,
                                  0.683954, 0.706157, 0.724844, 0.743606, 0.757283};
  static constexpr double d5[] = {0.023953, 0.067077, 0.123341, 0.180215, 0.239442,
                                  0.297637, 0.351355, 0.404194, 0.451739, 0.498458,
                                  0.538889, 0.578158, 0.614937, 0.651598, 0.679500};
  static constexpr double d10[] = {0.003734, 0.014748, 0.034749, 0.063109, 0.100471,
                                   0.147694, 0.200196, 0.261374, 0.325363, 0.398082};
  if (k <= d || k > 20) return 0.0;
  const auto at = static_cast<std::size_t>(k - d - 1);
  switch (d) {
    case 2: return d2[at];
    case 3: return d3[at];
    case 5: return d5[at];
    case 10: return d10[at];
    default: return 0.0;
  }
}

/// Checks k > d and resolves alpha (explicit, in (0, 1], or tabulated).
inline double lnc_alpha(std::string_view function, const LncOptions& options, Index d) {
  if (options.k <= d) {
    mmc::detail::throw_invalid(
        function, "k",
        "is " + std::to_string(options.k) + ", but LNC in " + std::to_string(d) +
            " joint dimensions needs k > " + std::to_string(d) +
            " (the local PCA needs more neighbours than dimensions)",
        "use k >= " + std::to_string(d + 1));
  }
  if (options.alpha) {
    const double alpha = *options.alpha;
    if (!(alpha > 0.0 && alpha <= 1.0)) {
      mmc::detail::throw_invalid(function, "alpha",
                                 "is " + std::to_string(alpha) + ", but must lie in (0, 1]",
                                 "pass a threshold such as 0.25, or leave alpha empty for the "
                                 "tabulated default");
    }
    return alpha;
  }
  const double alpha = lnc_tabulated_alpha(d, options.k);
  if (alpha == 0.0) {
    mmc::detail::throw_invalid(
        function, "alpha",
        "is not given and there is no tabulated default for d = " + std::to_string(d) +
            " joint dimensions and k = " + std::to_string(options.k) +
            " (the table covers d in {2, 3, 5, 10} with d < k <= 20)",
        "set options.alpha in (0, 1] (the tabulated values are close to the 0.5 % quantile of "
        "Vbar/V on uniform samples), or use a tabulated (d, k)");
  }
  return alpha;
}

/// Workspace of lnc_log_volume_ratio, one per thread: sized once for (k, d),
/// so the per-sample decomposition allocates nothing (a reused solver computes
/// what a fresh one does: same operations, same bits).
struct LncScratch {
  Eigen::MatrixXd u, covariance;
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> pca;
  Eigen::VectorXd sides;
};

/// log(Vbar_i / V_i) for the neighbour offsets scratch.u (k x d), or nullopt
/// when a box has a zero side.
inline std::optional<double> lnc_log_volume_ratio(LncScratch& scratch) {
  const Eigen::MatrixXd& u = scratch.u;
  const Index k = u.rows(), d = u.cols();
  double log_v = 0.0;
  for (Index c = 0; c < d; ++c) {
    double side = 0.0;
    for (Index j = 0; j < k; ++j) side = std::max(side, std::fabs(u(j, c)));
    if (!(side > 0.0)) return std::nullopt;
    log_v += std::log(side);
  }
  Eigen::MatrixXd& covariance = scratch.covariance;
  covariance.resize(d, d);
  for (Index a = 0; a < d; ++a) {
    for (Index b = 0; b < d; ++b) {
      double sum = 0.0;
      for (Index j = 0; j < k; ++j) sum += u(j, a) * u(j, b);
      covariance(a, b) = sum / static_cast<double>(k);
    }
  }
  scratch.pca.compute(covariance);
  const Eigen::MatrixXd& e = scratch.pca.eigenvectors();
  Eigen::VectorXd& sides = scratch.sides;
  sides.setZero(d);
  for (Index c = 0; c < d; ++c) {
    for (Index j = 0; j < k; ++j) {
      double projection = 0.0;
      for (Index a = 0; a < d; ++a) projection += u(j, a) * e(a, c);
      sides(c) = std::max(sides(c), std::fabs(projection));
    }
  }
  const double largest = sides.maxCoeff();
  double log_vbar = 0.0;
  for (Index c = 0; c < d; ++c) {
    if (!(sides(c) > kLncRankTolerance * largest)) return std::nullopt;
    log_vbar += std::log(sides(c));
  }
  return log_vbar - log_v;
}

/// Per-sample LNC corrections (>= 0) of prepared inputs, and which samples
/// were degenerate (a box with a zero side: correction skipped).
struct LncCorrections {
  Eigen::VectorXd value;
  std::vector<char> degenerate;
  double log_alpha = 0.0;

  LncCorrections(Index n, double alpha)
      : value(Eigen::VectorXd::Zero(n)), degenerate(static_cast<std::size_t>(n), 0), log_alpha(std::log(alpha)) {}

  /// Sample i's correction from its k neighbours in the joint tree (over
  /// [x | y]). Writes only sample i's entries.
  void add(const neighbors::KdTree<double>& joint, Index i, const Index* neighbours, Index k) {
    thread_local LncScratch scratch;
    const Index d = joint.dim();
    scratch.u.resize(k, d);
    const double* zi = joint.point(i);
    for (Index j = 0; j < k; ++j) {
      const double* zj = joint.point(neighbours[j]);
      for (Index c = 0; c < d; ++c) scratch.u(j, c) = zj[c] - zi[c];
    }
    const std::optional<double> log_ratio = lnc_log_volume_ratio(scratch);
    if (!log_ratio) {
      degenerate[static_cast<std::size_t>(i)] = 1;
    } else if (*log_ratio < log_alpha) {
      value(i) = -*log_ratio;
    }
  }
};

/// KSG-1 local values and the LNC corrections of prepared inputs. In more
/// than 1 + 1 dimensions both come from one pass over the joint kd-tree (the
/// corrections are computed from the lists KSG's radii come from); one column
/// against one column takes KSG's sorted-axes path, which finds no neighbour
/// lists, and then a k-NN pass of its own.
inline Eigen::VectorXd lnc_local_values(const RowMatrix<double>& x, const RowMatrix<double>& y, Index k,
                                        int threads, std::vector<Index>& tied, LncCorrections& corrections) {
  if (x.cols() + y.cols() > 2) {
    return ksg_tree_local_values(x, y, k, 1, threads, &tied,
                                 [&](const neighbors::KdTree<double>& joint, Index i, const double*,
                                     const Index* neighbours) { corrections.add(joint, i, neighbours, k); });
  }
  Eigen::VectorXd ksg = ksg_local_values(x, y, k, 1, threads, &tied);
  const neighbors::KdTree<double> joint = ksg_joint_tree(x, y, threads);
  for_each_knn(joint, k, threads,
               [&](Index i, const double*, const Index* neighbours) { corrections.add(joint, i, neighbours, k); });
  return ksg;
}

}  // namespace detail

/// LNC mutual information I(X;Y) (KSG-1 plus the local non-uniformity
/// correction), in nats.
class Lnc {
 public:
  using Options = LncOptions;

  Lnc() = default;
  explicit Lnc(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// MI between the rows of x and y (any Eigen expressions, same number of
  /// rows). Jitter uses stream 0 for x and 1 for y.
  template <class DerivedX, class DerivedY>
  LncResult estimate(const Eigen::DenseBase<DerivedX>& x, const Eigen::DenseBase<DerivedY>& y) const {
    constexpr std::string_view function = "mmc::knn::Lnc::estimate";
    const RowMatrix<double> xs = detail::prepare(function, "x", x, options_, 0);
    const RowMatrix<double> ys = detail::prepare(function, "y", y, options_, 1);
    mmc::detail::check_same_rows(function, "y", ys.rows(), "x", xs.rows());
    detail::check_options(function, options_, xs.rows());
    const double alpha = detail::lnc_alpha(function, options_, xs.cols() + ys.cols());
    std::vector<Index> tied;
    detail::LncCorrections corrections(xs.rows(), alpha);
    const Eigen::VectorXd ksg =
        detail::lnc_local_values(xs, ys, options_.k, options_.threads, tied, corrections);
    std::vector<std::string> warnings;
    detail::check_ties(function, {{"x", xs.cols()}, {"y", ys.cols()}}, tied, options_.k,
                       detail::kKsgTieAlternatives, warnings);
    LncResult result;
    static_cast<KnnResult&>(result) = detail::finish(ksg + corrections.value, options_.k);
    result.ksg = detail::finish(ksg, options_.k).value;
    result.correction = detail::finish(corrections.value, options_.k).value;
    result.corrected = (corrections.value.array() > 0.0).count();
    result.degenerate =
        std::count(corrections.degenerate.begin(), corrections.degenerate.end(), char{1});
    result.alpha = alpha;
    result.warnings = std::move(warnings);
    return result;
  }

 private:
  Options options_;
};

}  // namespace mmc::knn
