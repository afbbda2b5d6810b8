// mmc/knn/ross.hpp — mutual information between a discrete label and
// continuous features (Ross 2014, "Mutual information between discrete and
// continuous data sets", PLoS ONE 9(2): e87357).
//
// docs/design.md §3.1: for each sample i with label c,
//   r_i = distance to the k_i-th nearest other sample with the same label,
//         k_i = min(k, N_c - 1);
//   m_i = #{j : |x_i - x_j| < r_i}, over all used samples, i itself included;
//   local(i) = psi(N) + psi(k_i) - psi(N_c) - psi(m_i),
// and the estimate is the mean of the local values. N counts the used samples.
//
// Decisions (documented in docs/estimators/ross.md):
// - Samples whose label occurs once have no same-label neighbour: they are
//   dropped — left out of N, of the counts m_i and of `local` — and reported
//   in RossResult::dropped; RossResult::sample maps local values to rows.
// - Fewer than two usable classes is an error: the MI of a single class is 0
//   by definition, and asking for it almost always means a wrong label column.
// - Ties: when r_i = 0 (k_i same-label duplicates of x_i), the strict count
//   would be empty, so m_i counts the samples at distance 0 instead (i itself
//   included; >= k_i + 1). This is what scikit-learn's
//   mutual_info_classif core computes, whose counts use radius
//   nextafter(r_i, 0) with non-strict comparison.
// - The estimate is not clipped at 0 (scikit-learn clips): clipping biases
//   averages over seeds and hides estimator noise.
//
// Speed: one kd-tree per class for the k_i-th neighbour and one over all used
// samples for m_i, each searched leaf by leaf in its own pass (as KSG's):
// O(N log N), O(N) memory, never an N x N matrix.
// One feature column takes a sorted path with the same bits: the column sorted
// once (neighbors::sort_axis), each class's values in that order, r_i from the
// sample's own position in its class (no search), m_i by galloping from its
// position in the sorted column, samples visited in sorted order.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/knn/common.hpp"
#include "mmc/knn/detail/digamma_table.hpp"
#include "mmc/knn/detail/joint_knn.hpp"
#include "mmc/neighbors/axis_order.hpp"
#include "mmc/neighbors/sorted_line.hpp"
#include "mmc/neighbors/kd_tree.hpp"

namespace mmc::knn {

/// Options of Ross: the common kNN options plus the norm of the feature space.
struct RossOptions : KnnOptions {
  /// Distance between feature vectors: max-norm (Ross's and scikit-learn's
  /// choice) or Euclidean. For one feature column both are |x_i - x_j|.
  Norm norm = Norm::max;
};

/// Result of Ross: `local` holds one value per *used* sample (labels that occur
/// at least twice), `value` is their mean and `n` their number.
struct RossResult : KnnResult {
  /// sample[j] = row of the input that local(j) belongs to (increasing).
  std::vector<Index> sample;
  /// Samples dropped because their label occurs only once.
  Index dropped = 0;
  /// Number of classes that were used (labels occurring at least twice).
  Index classes = 0;
};

namespace detail {

/// Classes of the used samples: samples whose label occurs at least twice, in
/// increasing row order, with dense class ids in increasing label order.
struct RossClasses {
  std::vector<Index> sample;        // used rows
  std::vector<Index> class_of;      // class id per used sample
  std::vector<Index> position;      // position of the used sample within its class
  std::vector<std::vector<Index>> members;  // used-sample indices per class
};

inline RossClasses ross_classes(std::string_view function, const std::vector<long long>& labels) {
  std::vector<long long> values = labels;
  std::sort(values.begin(), values.end());
  std::vector<long long> distinct;
  std::vector<Index> counts;
  for (const long long v : values) {
    if (distinct.empty() || distinct.back() != v) {
      distinct.push_back(v);
      counts.push_back(0);
    }
    ++counts.back();
  }
  std::vector<Index> dense(distinct.size(), -1);
  Index classes = 0;
  for (std::size_t c = 0; c < distinct.size(); ++c)
    if (counts[c] >= 2) dense[c] = classes++;
  if (classes < 2) {
    std::string problem;
    if (classes == 0) {
      problem = "has no label that occurs at least twice (" + std::to_string(labels.size()) +
                " samples, each its own class)";
    } else {
      const auto c = static_cast<std::size_t>(
          std::find_if(dense.begin(), dense.end(), [](Index d) { return d >= 0; }) - dense.begin());
      problem = "has a single class with at least two samples (label " +
                std::to_string(distinct[c]) + ")";
    }
    mmc::detail::throw_invalid(function, "labels", problem,
                               "pass at least two classes with two or more samples each (the "
                               "mutual information of a single class is 0)");
  }
  RossClasses result;
  result.members.resize(static_cast<std::size_t>(classes));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto c = static_cast<std::size_t>(
        std::lower_bound(distinct.begin(), distinct.end(), labels[i]) - distinct.begin());
    if (dense[c] < 0) continue;
    auto& members = result.members[static_cast<std::size_t>(dense[c])];
    result.position.push_back(static_cast<Index>(members.size()));
    members.push_back(static_cast<Index>(result.sample.size()));
    result.class_of.push_back(dense[c]);
    result.sample.push_back(static_cast<Index>(i));
  }
  return result;
}

/// Distance from values[p] to its k-th nearest other value of the n sorted
/// values (0 < k < n): the nearer side is taken k times, as SortedLine::knn
/// does, so the distance is computed as |q - v| exactly as there.
inline double kth_distance_in_sorted(const double* values, Index n, Index p, Index k) noexcept {
  const double q = values[p];
  Index left = p - 1, right = p + 1;
  double distance = 0;
  for (Index found = 0; found < k; ++found) {
    const double dl = left >= 0 ? std::fabs(q - values[left]) : std::numeric_limits<double>::infinity();
    const double dr = right < n ? std::fabs(q - values[right]) : std::numeric_limits<double>::infinity();
    if (dl <= dr) {
      distance = dl;
      --left;
    } else {
      distance = dr;
      ++right;
    }
  }
  return distance;
}

/// Ross local values of the used samples for one feature column `used` (n x 1):
/// the sorted path of the header comment, the same bits as the tree path.
inline Eigen::VectorXd ross_line_local_values(const RowMatrix<double>& used, const RossClasses& classes,
                                              Index k, int threads) {
  const Index n = used.rows();
  const neighbors::AxisOrder<double> axis = neighbors::sort_axis(used.data(), n, 1, threads);
  std::vector<LargeVector<double>> class_values(classes.members.size());
  for (std::size_t c = 0; c < class_values.size(); ++c) class_values[c].reserve(classes.members[c].size());
  LargeVector<Index> class_position(static_cast<std::size_t>(n));  // by sorted position
  for (Index p = 0; p < n; ++p) {
    auto& values = class_values[static_cast<std::size_t>(classes.class_of[static_cast<std::size_t>(axis.order[p])])];
    class_position[static_cast<std::size_t>(p)] = static_cast<Index>(values.size());
    values.push_back(axis.values[p]);
  }
  const DigammaTable psi(n);
  Eigen::VectorXd local(n);
  parallel_for(n, threads, kPointGrain, [&](Index begin, Index end) {
    double per_radius = 0;  // count per unit radius nearby: where to start galloping
    for (Index p = begin; p < end; ++p) {
      const Index j = axis.order[p];
      const auto& values = class_values[static_cast<std::size_t>(classes.class_of[static_cast<std::size_t>(j)])];
      const auto class_size = static_cast<Index>(values.size());
      const Index k_i = std::min(k, class_size - 1);
      const double r = kth_distance_in_sorted(values.data(), class_size, class_position[static_cast<std::size_t>(p)], k_i);
      const double expected = per_radius * r;
      const Index guess = expected < 2.0 ? 1 : expected < 1e15 ? static_cast<Index>(expected) / 2 : n;
      const Index m = r > 0 ? neighbors::count_within_sorted(axis.values.data(), n, p, r, true, guess)
                            : neighbors::count_within_sorted(axis.values.data(), n, p, 0.0, false);
      if (r > 0) per_radius = static_cast<double>(m) / r;
      local(j) = psi(n) + psi(k_i) - psi(class_size) - psi(m);
    }
  });
  return local;
}

/// Ross local values of the used samples `used` (n x d) through one kd-tree
/// per class and one over all: the path for d > 1, in KSG's passes. Each
/// class's tree gives its samples' k_i-th distances leaf by leaf
/// (for_each_knn), then the tree over all counts every sample's m_j leaf by
/// leaf (count_others), then the local values.
inline Eigen::VectorXd ross_tree_local_values(const RowMatrix<double>& used, const RossClasses& classes,
                                              Index k, Norm norm, int threads) {
  const Index n = used.rows(), d = used.cols();
  // m_j counts dist < r_j, and the ties where r_j = 0 (strict_radius_counting_ties).
  std::vector<double> radius(static_cast<std::size_t>(n));
  for (const auto& members : classes.members) {
    const auto class_size = static_cast<Index>(members.size());
    RowMatrix<double> points(class_size, d);
    for (Index p = 0; p < class_size; ++p) points.row(p) = used.row(members[static_cast<std::size_t>(p)]);
    const Index k_i = std::min(k, class_size - 1);
    const neighbors::KdTree<double> tree(points.data(), class_size, d, norm, knn_leaf_size(d, norm), threads);
    for_each_knn(tree, k_i, threads, [&](Index p, const double* distances, const Index*) {
      radius[static_cast<std::size_t>(members[static_cast<std::size_t>(p)])] =
          strict_radius_counting_ties(distances[k_i - 1]);
    });
  }
  std::vector<Index> others;
  {
    const neighbors::KdTree<double> all(used.data(), n, d, norm, kCountLeafSize, threads);
    others = count_others(all, radius, true, threads);  // m_j - 1: self is within every radius
  }
  const DigammaTable psi(n);
  Eigen::VectorXd local(n);
  parallel_for(n, threads, kPointGrain, [&](Index first, Index last) {
    for (Index j = first; j < last; ++j) {
      const auto c = static_cast<std::size_t>(classes.class_of[static_cast<std::size_t>(j)]);
      const Index class_size = static_cast<Index>(classes.members[c].size());
      const Index k_i = std::min(k, class_size - 1);
      local(j) = psi(n) + psi(k_i) - psi(class_size) - psi(others[static_cast<std::size_t>(j)] + 1);
    }
  });
  return local;
}

/// Ross local values of the used samples of validated, prepared features.
inline Eigen::VectorXd ross_local_values(const RowMatrix<double>& x, const RossClasses& classes,
                                         Index k, Norm norm, int threads) {
  const Index n = static_cast<Index>(classes.sample.size()), d = x.cols();
  RowMatrix<double> used(n, d);
  for (Index j = 0; j < n; ++j) used.row(j) = x.row(classes.sample[static_cast<std::size_t>(j)]);
  if (d == 1) return ross_line_local_values(used, classes, k, threads);  // any norm: |x_i - x_j|
  return ross_tree_local_values(used, classes, k, norm, threads);
}

}  // namespace detail

/// Ross's estimator of I(X; C) between continuous features X and a discrete
/// label C, in nats.
class Ross {
 public:
  using Options = RossOptions;

  Ross() = default;
  explicit Ross(const Options& options) : options_(options) {}
  const Options& options() const noexcept { return options_; }

  /// MI between the rows of x (any Eigen expression, one sample per row) and
  /// integer labels (any non-negative values; classes need not be contiguous).
  template <class DerivedX, class DerivedL>
  RossResult estimate(const Eigen::DenseBase<DerivedX>& x,
                      const Eigen::DenseBase<DerivedL>& labels) const {
    static_assert(std::is_integral_v<typename DerivedL::Scalar>,
                  "mmc::knn::Ross: labels must be an integer Eigen vector");
    constexpr std::string_view function = "mmc::knn::Ross::estimate";
    const RowMatrix<double> xs = detail::prepare(function, "x", x, options_, 0);
    mmc::detail::check_labels(function, "labels", labels, xs.rows());
    detail::check_options(function, options_, xs.rows());
    std::vector<long long> values(static_cast<std::size_t>(labels.size()));
    for (Index i = 0; i < labels.size(); ++i)
      values[static_cast<std::size_t>(i)] = static_cast<long long>(labels(i));
    const detail::RossClasses classes = detail::ross_classes(function, values);
    RossResult result;
    static_cast<KnnResult&>(result) = detail::finish(
        detail::ross_local_values(xs, classes, options_.k, options_.norm, options_.threads),
        options_.k);
    result.sample = classes.sample;
    result.dropped = xs.rows() - static_cast<Index>(classes.sample.size());
    result.classes = static_cast<Index>(classes.members.size());
    return result;
  }

  /// Same, with the labels as a span (e.g. a std::vector<int>).
  template <class DerivedX>
  RossResult estimate(const Eigen::DenseBase<DerivedX>& x, std::span<const int> labels) const {
    return estimate(x, Eigen::Map<const Eigen::VectorXi>(labels.data(),
                                                         static_cast<Index>(labels.size())));
  }

 private:
  Options options_;
};

}  // namespace mmc::knn
