// mmc/metric/complementarity.hpp — the modality complementarity metric
// C = sum_i I(X_i; Y | X_{-i}) / I(X_1..X_M; Y) of "Modality Complementariness:
// Towards Understanding Multi-modal Robustness" (docs/design.md §3.4), with three
// backends for the same quantities, the paper's Theorem 3.1 bounds and
// bootstrap intervals.
//
// Pipeline: validate -> drop constant columns -> standardise each modality
// (default) -> optional PCA per modality -> backend quantities -> summary.
// Constant columns (e.g. MNIST's always-black border pixels) carry no
// information about anything, so they are dropped rather than rejected; the
// count per modality is in ComplementarityResult::dropped_columns and a
// sentence in `warnings` (docs/design.md §3.4). A modality whose every column
// is constant is an error. Labels may be any non-negative
// integers; they are re-coded to 0..C-1 (C = number of distinct labels).
//
// Intervals (`bootstrap` = R > 0 replicates, percentile method):
// - neural backends: the ordinary bootstrap (rows resampled with replacement),
//   each replicate with fresh seeds, so the interval covers resampling and
//   training randomness ("repeated-seed");
// - knn backend: duplicated rows would create zero neighbour distances, which
//   bias kNN estimators, so it uses m-out-of-n subsampling without replacement
//   (m = N/2) with the sqrt(m/N)-rescaled spread of Politis & Romano (1994),
//   centred on the full-sample estimate (see bootstrap() for why).
//
// Nulls (`permutations` = R > 0, knn backend): a permutation test of
// Gamma_i = 0, i.e. X_i ⟂ Y | X_{-i}, per modality (gamma_permutation_test()).
// Permuting X_i within label classes would keep I(X_i; Y) and break the
// X_i–X_{-i} dependence, a null in which Gamma_i is not 0; the local
// permutation of Runge (2018, estimators/local_permutation.hpp) shuffles X_i
// only among samples that are nearest neighbours in X_{-i}, which keeps
// I(X_i; X_{-i}) and I(X_{-i}; Y) and breaks only what X_i adds about Y
// (docs/complementarity.md, "Significance of Gamma_i").
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cmath>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "mmc/core/labels.hpp"
#include "mmc/core/parallel.hpp"
#include "mmc/core/preprocess.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/streams.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/estimators/local_permutation.hpp"
#include "mmc/estimators/permutation_null.hpp"
#include "mmc/knn/plugin.hpp"
#include "mmc/metric/knn_backend.hpp"
#include "mmc/metric/neural_backends.hpp"
#include "mmc/metric/pca.hpp"
#include "mmc/metric/quantities.hpp"

namespace mmc::metric {

enum class Backend { knn, cene, mine };

inline std::string_view backend_name(Backend b) noexcept {
  return b == Backend::knn ? "knn" : b == Backend::cene ? "cene" : "mine";
}

/// Options of Complementarity (defaults: the knn backend, standardised inputs).
struct ComplementarityOptions {
  Backend backend = Backend::knn;
  /// Standardise every modality's columns first (docs/design.md §2: on by default here).
  bool standardize = true;
  /// Keep this many whitened principal components per modality (0 = no PCA).
  Index pca = 0;
  /// Bootstrap replicates for the intervals (0 = none).
  Index bootstrap = 0;
  /// Two-sided confidence level of the intervals.
  double confidence = 0.95;
  /// Local permutations for a null of each Gamma_i (0 = none; knn backend only).
  Index permutations = 0;
  /// Neighbours in X_{-i} within which X_i is permuted (Runge's k_perm).
  Index permutation_neighbours = estimators::kDefaultLocalPermutationNeighbours;
  /// The knn backend's neighbour options (Ross): k and jitter are used; its
  /// seed, threads and standardize are set from the fields of this struct
  /// (standardisation happens once, above, for every backend).
  knn::KnnOptions knn{};
  /// MINE settings of the mine backend (its seed and threads are overridden).
  neural::NeuralMiOptions<neural::Bound::dv> mine{};
  /// CENE settings of the cene backend (seed and threads overridden).
  neural::CeneOptions cene{};
  /// The nn backend the cene and mine backends train on (default: the CPU);
  /// e.g. neural_runner<cuda::CudaBackend<float>>("cuda") in a .cu file.
  NeuralRunner neural = cpu_neural_runner();
  std::uint64_t seed = 0;
  int threads = 0;
  /// Progress of the neural backends' sub-estimates (may be empty).
  StageCallback stage;
};

/// A two-sided interval.
struct Interval {
  double lower = 0.0, upper = 0.0;
};

struct ComplementarityResult {
  double metric = 0.0;       ///< C = sum Gamma / I(X_all; Y)
  double metric_h = 0.0;     ///< C_H = sum Gamma / H(Y)
  std::vector<double> gamma; ///< Gamma_i = I(X_i; Y | X_{-i})
  double interaction = 0.0;  ///< I(X_all; Y) - sum Gamma (M = 2: I(X;Y;Z))
  double joint_mi = 0.0;     ///< I(X_all; Y)
  double h_y = 0.0;          ///< H(Y)
  std::vector<MissingModalityBounds> bounds;  ///< per missing modality (Theorem 3.1 eq. (3))
  CleanErrorBounds clean_bounds;  ///< Theorem 3.1 eq. (2): the clean Bayes error
  Index classes = 0, n = 0;
  Backend backend = Backend::knn;
  double seconds = 0.0;
  /// Bootstrap intervals (empty / unset when bootstrap = 0).
  Index replicates = 0;
  Interval metric_interval, metric_h_interval;
  std::vector<Interval> gamma_interval;
  /// Permutation nulls of Gamma_i (empty when permutations = 0): p-value with
  /// the +1 correction, null mean and sd, Gamma_i − null mean, per modality.
  std::vector<estimators::NullSummary> gamma_null;
  /// Hard bounds the estimates break (e.g. I(X_all; Y) > H(Y), crossing error
  /// bounds), each a sentence saying what it means and what to try; empty when none.
  std::vector<std::string> warnings;
  /// dropped_columns[m]: how many constant columns of modality m were dropped
  /// before standardising (docs/design.md §3.4); one entry per modality.
  std::vector<Index> dropped_columns;
};

/// Fewest samples per class the metric accepts: the knn backend estimates
/// within-class neighbour distances (k = 3 by default) and the neural ones a
/// per-class conditional; below this the estimates are dominated by the
/// digamma/small-sample terms (a 2-per-class run gave C = -0.13 for a truth of 1).
inline constexpr Index kMinSamplesPerClass = 10;

namespace detail {

/// Labels renumbered to 0..C-1 (mmc::recode_labels); `classes` receives C.
inline Labels recode_labels(const Labels& labels, Index& classes) {
  RecodedLabels recoded = mmc::recode_labels(labels);
  classes = recoded.classes();
  return std::move(recoded.codes);
}

/// Throws unless every class has at least `minimum` samples.
inline void check_class_sizes(std::string_view fn, const Labels& coded, Index classes, Index minimum) {
  std::vector<Index> counts(static_cast<std::size_t>(classes), 0);
  for (Index i = 0; i < coded.size(); ++i) ++counts[static_cast<std::size_t>(coded(i))];
  for (Index c = 0; c < classes; ++c) {
    if (counts[static_cast<std::size_t>(c)] < minimum) {
      mmc::detail::throw_invalid(
          fn, "labels",
          "has a class with only " + std::to_string(counts[static_cast<std::size_t>(c)]) +
              " samples (class " + std::to_string(c) + " in increasing label order)",
          "the metric needs at least " + std::to_string(minimum) +
              " samples per class; collect more data or merge rare classes");
    }
  }
}

/// Sentences for every hard bound the estimates break (see ComplementarityResult::warnings).
template <class Result>
std::vector<std::string> hard_bound_warnings(const Result& r) {
  std::vector<std::string> out;
  auto text = [](double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.4g", v);
    return std::string(buffer);
  };
  // Tolerance: estimates of I and H carry noise of order 1/sqrt(N) nats.
  const double slack = 3.0 / std::sqrt(static_cast<double>(std::max<Index>(r.n, 1)));
  if (r.joint_mi > r.h_y + slack) {
    out.push_back("I(X_all; Y) = " + text(r.joint_mi) + " exceeds H(Y) = " + text(r.h_y) +
                  ", impossible for a discrete label: the MI estimate is biased upward (high-"
                  "dimensional or tied features?); reduce the dimension (pca) or add samples");
  }
  for (std::size_t i = 0; i < r.gamma.size(); ++i) {
    const bool has_interval = i < r.gamma_interval.size();
    const bool below = has_interval ? r.gamma_interval[i].upper < 0.0 : r.gamma[i] < -slack;
    if (below) {
      out.push_back("Gamma_" + std::to_string(i) + " = " + text(r.gamma[i]) +
                    " is negative beyond its " + (has_interval ? "interval" : "sampling noise") +
                    ", but a conditional MI is >= 0: the estimator's biases do not cancel here; "
                    "compare with another backend or add samples");
    }
  }
  if (r.metric < -slack) {
    out.push_back("C = " + text(r.metric) + " is negative, which no distribution allows; treat "
                  "the estimate as unreliable (see the Gamma warnings)");
  }
  for (std::size_t m = 0; m < r.bounds.size(); ++m) {
    if (r.bounds[m].error_lower > r.bounds[m].error_upper) {
      out.push_back("the missing-modality error bounds for modality " + std::to_string(m) +
                    " cross (lower " + text(r.bounds[m].error_lower) + " > upper " +
                    text(r.bounds[m].error_upper) + "): H(Y|X_all) + Gamma_" + std::to_string(m) +
                    " was estimated above what |Y| classes allow; the bounds are not informative");
    }
  }
  return out;
}

/// The columns of m that are not constant (some value differs from row 0's).
/// Exact comparison: a column with any variation, however small, is kept.
inline std::vector<Index> varying_columns(const RowMatrix<double>& m) {
  std::vector<Index> keep;
  for (Index c = 0; c < m.cols(); ++c) {
    bool constant = true;
    for (Index r = 1; r < m.rows() && constant; ++r) constant = m(r, c) == m(0, c);
    if (!constant) keep.push_back(c);
  }
  return keep;
}

inline double percentile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  const double position = q * static_cast<double>(values.size() - 1);
  const auto low = static_cast<std::size_t>(std::floor(position));
  const std::size_t high = std::min(low + 1, values.size() - 1);
  return values[low] + (position - static_cast<double>(low)) * (values[high] - values[low]);
}

}  // namespace detail

class Complementarity {
 public:
  using Options = ComplementarityOptions;
  using Result = ComplementarityResult;

  Complementarity() = default;
  explicit Complementarity(Options options) : options_(std::move(options)) {}
  const Options& options() const noexcept { return options_; }

  /// Two modalities x and z (any Eigen expressions, one sample per row) and labels.
  template <class DerivedX, class DerivedZ, class DerivedL>
  Result estimate(const Eigen::DenseBase<DerivedX>& x, const Eigen::DenseBase<DerivedZ>& z,
                  const Eigen::DenseBase<DerivedL>& labels) const {
    return estimate(std::vector<RowMatrix<double>>{x.template cast<double>(), z.template cast<double>()},
                    Labels(labels.template cast<int>()));
  }

  /// M >= 2 modalities (each n x d_i) and n labels.
  Result estimate(const std::vector<RowMatrix<double>>& modalities, const Labels& labels) const {
    constexpr std::string_view fn = "mmc::metric::Complementarity::estimate";
    const auto start = std::chrono::steady_clock::now();
    check(fn, modalities, labels);
    Result result;
    const Labels coded = detail::recode_labels(labels, result.classes);
    if (result.classes < 2) {
      mmc::detail::throw_invalid(fn, "labels", "has a single class",
                                 "the metric needs at least two classes (I(X;Y) = H(Y) = 0 otherwise)");
    }
    detail::check_class_sizes(fn, coded, result.classes, std::max<Index>(kMinSamplesPerClass, options_.knn.k + 1));
    std::vector<RowMatrix<double>> prepared;
    std::vector<std::string> column_warnings;
    for (std::size_t m = 0; m < modalities.size(); ++m) {
      const std::string name = "modalities[" + std::to_string(m) + "]";
      // Constant columns are dropped, not fatal (docs/design.md §3.4).
      const std::vector<Index> keep = detail::varying_columns(modalities[m]);
      const auto dropped = modalities[m].cols() - static_cast<Index>(keep.size());
      result.dropped_columns.push_back(dropped);
      if (keep.empty()) {
        mmc::detail::throw_invalid(fn, name,
                                   "has only constant columns (all " + std::to_string(modalities[m].cols()) +
                                       " of them), so it carries no information",
                                   "pass a modality whose values vary across samples");
      }
      RowMatrix<double> data;
      if (dropped == 0) {
        data = modalities[m];
      } else {
        data.resize(modalities[m].rows(), static_cast<Index>(keep.size()));
        for (std::size_t j = 0; j < keep.size(); ++j) data.col(static_cast<Index>(j)) = modalities[m].col(keep[j]);
        column_warnings.push_back(name + ": dropped " + std::to_string(dropped) + " of " +
                                  std::to_string(modalities[m].cols()) +
                                  " columns that are constant over the samples (they carry no "
                                  "information); the metric uses the other " +
                                  std::to_string(keep.size()));
      }
      if (options_.standardize) standardize_columns(data, fn, name, options_.threads);
      if (options_.pca > 0) data = pca_reduce(data, options_.pca, fn, "pca");
      prepared.push_back(std::move(data));
    }
    result.n = coded.size();
    result.backend = options_.backend;
    fill(result, quantities(prepared, coded, result.classes, options_.seed, options_.stage),
         result.classes);
    if (options_.bootstrap > 0) bootstrap(result, prepared, coded);
    if (options_.permutations > 0) gamma_permutation_test(result, prepared, coded);
    result.warnings = detail::hard_bound_warnings(result);
    result.warnings.insert(result.warnings.begin(), column_warnings.begin(), column_warnings.end());
    result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }

 private:
  void check(std::string_view fn, const std::vector<RowMatrix<double>>& modalities,
             const Labels& labels) const {
    if (modalities.size() < 2) {
      mmc::detail::throw_invalid(fn, "modalities",
                                 "has " + std::to_string(modalities.size()) + " modality",
                                 "pass at least two modalities (the metric compares them)");
    }
    for (std::size_t m = 0; m < modalities.size(); ++m) {
      const std::string name = "modalities[" + std::to_string(m) + "]";
      mmc::detail::check_data(fn, name, modalities[m]);
      mmc::detail::check_same_rows(fn, name, modalities[m].rows(), "modalities[0]",
                                   modalities[0].rows());
    }
    mmc::detail::check_labels(fn, "labels", labels, modalities[0].rows());
    if (options_.backend != Backend::knn &&
        (!options_.neural.conditional_entropy || !options_.neural.shared_critic)) {
      mmc::detail::throw_invalid(fn, "options.neural", "has an empty function",
                                 "leave the default (the CPU) or pass neural_runner<B>(name) for an nn backend B");
    }
    mmc::detail::check_at_least(fn, "options.knn.k", options_.knn.k, 1);
    mmc::detail::check_at_least(fn, "pca", options_.pca, 0);
    mmc::detail::check_at_least(fn, "bootstrap", options_.bootstrap, 0);
    if (options_.permutations != 0) {
      estimators::detail::check_permutations(fn, options_.permutations);
      if (options_.backend != Backend::knn) {
        mmc::detail::throw_invalid(fn, "permutations",
                                   "is set with the " + std::string(backend_name(options_.backend)) + " backend",
                                   "the Gamma_i nulls are implemented for the knn backend; use backend knn or "
                                   "permutations = 0");
      }
      mmc::detail::check_at_least(fn, "permutation_neighbours", options_.permutation_neighbours, 1);
    }
    if (!(options_.confidence > 0.0 && options_.confidence < 1.0)) {
      mmc::detail::throw_invalid(fn, "confidence", "must lie in (0, 1)", "use e.g. 0.95");
    }
    // With fewer than 1 / (1 - confidence) replicates, less than one replicate
    // falls outside the interval on average: the "interval" is then the range
    // of a handful of values (R = 1 gave a 95 % interval of width 0).
    const auto min_replicates =
        static_cast<Index>(std::ceil(1.0 / (1.0 - options_.confidence) - 1e-9));
    if (options_.bootstrap > 0 && options_.bootstrap < min_replicates) {
      mmc::detail::throw_invalid(fn, "options.bootstrap",
                                 "is " + std::to_string(options_.bootstrap) + ", too few for a " +
                                     mmc::detail::number_text(options_.confidence) + " interval",
                                 "use 0 (no interval) or at least " + std::to_string(min_replicates) +
                                     " replicates (200 or more for stable interval ends)");
    }
  }

  static void fill(Result& r, const Quantities& q, Index classes) {
    const Summary s = summarize(q, classes);
    r.metric = s.metric;
    r.metric_h = s.metric_h;
    r.gamma = q.gamma;
    r.interaction = s.interaction;
    r.joint_mi = q.joint_mi;
    r.h_y = q.h_y;
    r.bounds = s.bounds;
    r.clean_bounds = clean_error_bounds(q.h_y - q.joint_mi, classes);
  }

  Quantities quantities(const std::vector<RowMatrix<double>>& modalities, const Labels& labels,
                        Index classes, std::uint64_t seed, const StageCallback& stage) const {
    const double h_y = knn::PluginEntropy().estimate(labels).value;
    if (options_.backend == Backend::knn) {
      knn::KnnOptions knn = options_.knn;
      knn.seed = seed;
      knn.threads = options_.threads;
      knn.standardize = false;  // done once in estimate()
      Quantities q = detail::knn_quantities(modalities, labels, knn);
      q.h_y = h_y;
      return q;
    }
    neural::CeneOptions cene = options_.cene;
    cene.seed = seed;
    cene.threads = options_.threads;
    if (options_.backend == Backend::cene)
      return detail::cene_quantities(options_.neural, modalities, labels, classes, h_y, cene, stage);
    neural::NeuralMiOptions<neural::Bound::dv> mine = options_.mine;
    mine.seed = seed;
    mine.threads = options_.threads;
    return detail::mine_quantities(options_.neural, modalities, labels, classes, h_y, mine, stage);
  }

  /// The null of each Gamma_i (knn backend): R local permutations of X_i within
  /// the permutation_neighbours nearest neighbours of X_{-i} (Runge's scheme);
  /// null value r = Ross I([.., X_i^r, ..]; Y) − Ross I(X_{-i}; Y), X_{-i} and Y
  /// unchanged. Permutation r of modality i draws from Rng(seed,
  /// streams::permutation::gamma_first + i * gamma_modality_stride + r); the
  /// permutations run in parallel, each estimate single-threaded, so the nulls
  /// are the same bits at any thread count.
  void gamma_permutation_test(Result& result, const std::vector<RowMatrix<double>>& modalities,
                              const Labels& labels) const {
    knn::KnnOptions knn = options_.knn;
    knn.seed = options_.seed;
    knn.threads = 1;
    knn.standardize = false;  // done once in estimate()
    const knn::Ross ross(knn::RossOptions{knn, Norm::max});
    const std::size_t count = modalities.size();
    const RowMatrix<double> joint = detail::concat_modalities(modalities, detail::all_but(count, count));
    const Index n = joint.rows();
    const Index k_perm = std::min(options_.permutation_neighbours, n);
    Index first_column = 0;
    result.gamma_null.clear();
    for (std::size_t i = 0; i < count; ++i) {
      const RowMatrix<double> rest = detail::concat_modalities(modalities, detail::all_but(count, i));
      const double without_i = ross.estimate(rest, labels).value;
      const auto neighbours = estimators::local_permutation_neighbours(rest, k_perm, false, options_.threads);
      const Index cols = modalities[i].cols();
      Eigen::VectorXd null(options_.permutations);
      parallel_for(options_.permutations, options_.threads, 1, [&](Index begin, Index end) {
        RowMatrix<double> shuffled = joint;
        for (Index r = begin; r < end; ++r) {
          Rng rng(options_.seed, streams::permutation::gamma_first +
                                     static_cast<std::uint64_t>(i) * streams::permutation::gamma_modality_stride +
                                     static_cast<std::uint64_t>(r));
          const std::vector<Index> order = estimators::local_permutation(neighbours, rng);
          for (Index row = 0; row < n; ++row)
            shuffled.block(row, first_column, 1, cols) = modalities[i].row(order[static_cast<std::size_t>(row)]);
          null(r) = ross.estimate(shuffled, labels).value - without_i;
        }
      });
      result.gamma_null.push_back(estimators::summarise_null(result.gamma[i], null));
      first_column += cols;
    }
  }

  void bootstrap(Result& result, const std::vector<RowMatrix<double>>& modalities,
                 const Labels& labels) const {
    const Index n = labels.size();
    const bool subsample = options_.backend == Backend::knn;
    const Index m = subsample ? n / 2 : n;
    const double scale = subsample ? std::sqrt(static_cast<double>(m) / static_cast<double>(n)) : 1.0;
    std::vector<double> metric, metric_h;
    std::vector<std::vector<double>> gamma(modalities.size());
    std::vector<Index> rows(static_cast<std::size_t>(n));
    for (Index r = 0; r < options_.bootstrap; ++r) {
      Rng rng(options_.seed, streams::metric::bootstrap_rows + static_cast<std::uint64_t>(r));
      if (subsample) {
        for (Index i = 0; i < n; ++i) rows[static_cast<std::size_t>(i)] = i;
        rng.shuffle(rows.begin(), rows.end());
      } else {
        for (auto& row : rows) row = static_cast<Index>(rng.uniform_int(static_cast<std::uint64_t>(n)));
      }
      std::vector<RowMatrix<double>> sample;
      for (const auto& modality : modalities) {
        RowMatrix<double> s(m, modality.cols());
        for (Index i = 0; i < m; ++i) s.row(i) = modality.row(rows[static_cast<std::size_t>(i)]);
        sample.push_back(std::move(s));
      }
      Labels sample_labels(m);
      for (Index i = 0; i < m; ++i) sample_labels(i) = labels(rows[static_cast<std::size_t>(i)]);
      Index classes = 0;
      const Labels coded = detail::recode_labels(sample_labels, classes);
      if (classes < 2) continue;  // a replicate without both classes says nothing
      Result replicate;
      fill(replicate, quantities(sample, coded, classes, derive_seed(options_.seed, streams::metric::bootstrap_seed + static_cast<std::uint64_t>(r)), {}), classes);
      metric.push_back(replicate.metric);
      metric_h.push_back(replicate.metric_h);
      for (std::size_t i = 0; i < gamma.size(); ++i) gamma[i].push_back(replicate.gamma[i]);
    }
    result.replicates = static_cast<Index>(metric.size());
    if (metric.empty()) return;
    const double a = 0.5 * (1.0 - options_.confidence);
    // Percentile interval; for subsampling, the deviations of theta*_m from
    // their median are shrunk by sqrt(m/N) (Politis & Romano 1994) and placed
    // around the full-sample estimate. Centring on the replicates' median, not
    // on the estimate, keeps the interval about sampling variability only:
    // fixed-k kNN estimators have a bias that changes with N, and the shift
    // between N/2 and N would otherwise move the whole interval off the estimate.
    auto interval = [&](const std::vector<double>& values, double estimate) {
      if (!subsample) return Interval{detail::percentile(values, a), detail::percentile(values, 1 - a)};
      const double centre = detail::percentile(values, 0.5);
      std::vector<double> deviations;
      for (double v : values) deviations.push_back(scale * (v - centre));
      return Interval{estimate + detail::percentile(deviations, a),
                      estimate + detail::percentile(deviations, 1 - a)};
    };
    result.metric_interval = interval(metric, result.metric);
    result.metric_h_interval = interval(metric_h, result.metric_h);
    result.gamma_interval.clear();
    for (std::size_t i = 0; i < gamma.size(); ++i)
      result.gamma_interval.push_back(interval(gamma[i], result.gamma[i]));
  }

  Options options_;
};

}  // namespace mmc::metric
