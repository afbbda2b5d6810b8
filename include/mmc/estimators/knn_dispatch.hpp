// mmc/estimators/knn_dispatch.hpp — run any kNN-family or discrete estimator
// of the registry (registry.hpp) by name, with one options struct and one
// result type.
//
// Why: every caller that lets a user pick an estimator at run time (the CLI,
// the benchmarks, the accuracy suite, the Python module) needs the same
// name -> options -> estimator -> result plumbing; written once here, each
// estimator's own options are built from the shared ones by aggregate
// initialisation (`KsgOptions{knn, algorithm}`), so a shared option such as
// `jitter` can never be dropped on the way.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/estimators/registry.hpp"
#include "mmc/knn/binned.hpp"
#include "mmc/knn/geometric.hpp"
#include "mmc/knn/kl_entropy.hpp"
#include "mmc/knn/ksg.hpp"
#include "mmc/knn/ksg_conditional.hpp"
#include "mmc/knn/lnc.hpp"
#include "mmc/knn/mixed.hpp"
#include "mmc/knn/plugin.hpp"
#include "mmc/knn/ross.hpp"

namespace mmc::estimators {

/// Options of every non-neural estimator. Each estimator reads the fields that
/// concern it (docs/design.md §3.1): the kNN ones `knn`; kl also `norm`; mixed
/// also `mixed_variant`; plugin `plugin`; binned `binned`.
struct NonNeuralOptions {
  knn::KnnOptions knn{};
  Norm norm = Norm::max;  ///< kl, ross
  knn::MixedVariant mixed_variant = knn::MixedVariant::paper;
  knn::PluginOptions plugin{};
  knn::BinnedOptions binned{};
};

/// The result of any non-neural estimator.
struct Estimate {
  double value = 0.0;
  Eigen::VectorXd local;  ///< per-sample values when the estimator has them (else empty)
  Index n = 0;
  Index k = 0;  ///< neighbours used (0 for the discrete estimators)
  /// Estimator-specific diagnostics, e.g. {"correction", 0.01}, {"classes", 3}.
  std::vector<std::pair<std::string, double>> details;
  /// Hard bounds an estimate broke, suspicious inputs, ... (empty when none).
  std::vector<std::string> warnings;
};

namespace detail {

template <class Result>
Estimate from_knn(Result&& r) {
  Estimate e;
  e.value = r.value;
  e.n = r.n;
  e.k = r.k;
  e.local = std::move(r.local);
  if constexpr (requires { r.warnings; }) e.warnings = std::move(r.warnings);
  return e;
}

template <class Result>
Estimate from_plugin(Result&& r) {
  Estimate e;
  e.value = r.value;
  e.n = r.n;
  e.local = std::move(r.local);
  e.details.emplace_back("correction", r.correction);
  return e;
}

/// y as integer labels (one column of integer values), for Ross.
template <class Derived>
Labels labels_from(std::string_view function, const Eigen::DenseBase<Derived>& y) {
  if (y.cols() != 1) {
    mmc::detail::throw_invalid(function, "y", "has " + std::to_string(y.cols()) + " columns",
                               "ross needs one column of integer class labels");
  }
  Labels labels(y.rows());
  for (Index i = 0; i < y.rows(); ++i) {
    const double v = static_cast<double>(y(i, 0));
    if (!(v >= 0.0 && v <= 2147483647.0) || v != std::floor(v)) {
      mmc::detail::throw_invalid(function, "y",
                                 "row " + std::to_string(i) + " holds " + std::to_string(v) +
                                     ", not a non-negative integer label",
                                 "ross needs integer class labels; for continuous y use ksg1");
    }
    labels(i) = static_cast<int>(v);
  }
  return labels;
}

}  // namespace detail

/// I(X;Y) by the non-neural estimator `id` (throws for a neural one).
template <class DerivedX, class DerivedY>
Estimate estimate_mi(Estimator id, const Eigen::DenseBase<DerivedX>& x,
                     const Eigen::DenseBase<DerivedY>& y, const NonNeuralOptions& o) {
  constexpr std::string_view fn = "mmc::estimators::estimate_mi";
  const knn::KnnOptions& base = o.knn;
  switch (id) {
    case Estimator::ksg1:
    case Estimator::ksg2:
      return detail::from_knn(
          knn::Ksg(knn::KsgOptions{base, id == Estimator::ksg1 ? 1 : 2}).estimate(x, y));
    case Estimator::kl:
      return detail::from_knn(knn::KlMutualInformation(knn::KlEntropyOptions{base, o.norm}).estimate(x, y));
    case Estimator::gknn: {
      auto r = knn::GeometricKnn(base).estimate(x, y);
      Estimate e = detail::from_knn(r);
      e.details = {{"h_x", r.h_x}, {"h_y", r.h_y}, {"h_xy", r.h_xy}};
      return e;
    }
    case Estimator::lnc: {
      auto r = knn::Lnc(knn::LncOptions{base, std::nullopt}).estimate(x, y);
      Estimate e = detail::from_knn(r);
      e.details = {{"ksg", r.ksg}, {"correction", r.correction}};
      return e;
    }
    case Estimator::mixed:
      return detail::from_knn(knn::MixedKsg(knn::MixedOptions{base, o.mixed_variant}).estimate(x, y));
    case Estimator::ross: {
      auto r = knn::Ross(knn::RossOptions{base, o.norm}).estimate(x, detail::labels_from(fn, y));
      Estimate e = detail::from_knn(r);
      e.details = {{"classes", static_cast<double>(r.classes)}, {"dropped", static_cast<double>(r.dropped)}};
      return e;
    }
    case Estimator::plugin:
      return detail::from_plugin(knn::PluginMutualInformation(o.plugin).estimate(x, y));
    case Estimator::binned: {
      Estimate e = detail::from_plugin(knn::BinnedMutualInformation(o.binned).estimate(x, y));
      e.local.resize(0);  // per-bin values are not per-sample MI in the usual sense
      e.details.emplace_back("bins", static_cast<double>(o.binned.bins));
      return e;
    }
    default:
      mmc::detail::throw_invalid(fn, "estimator", "is '" + std::string(name_of(id)) + "', a neural estimator",
                                 "run it through neural_dispatch.hpp (visit_neural_mi)");
  }
}

/// H(X) by the non-neural estimator `id` (kl, gknn, plugin, binned).
template <class Derived>
Estimate estimate_entropy(Estimator id, const Eigen::DenseBase<Derived>& x, const NonNeuralOptions& o) {
  constexpr std::string_view fn = "mmc::estimators::estimate_entropy";
  switch (id) {
    case Estimator::kl:
      return detail::from_knn(knn::KlEntropy(knn::KlEntropyOptions{o.knn, o.norm}).estimate(x));
    case Estimator::gknn:
      return detail::from_knn(knn::GeometricKnn(o.knn).entropy(x));
    case Estimator::plugin: {
      auto r = knn::PluginEntropy(o.plugin).estimate(x);
      Estimate e = detail::from_plugin(r);
      e.details.emplace_back("cells", static_cast<double>(r.cells));
      return e;
    }
    case Estimator::binned: {
      Estimate e = detail::from_plugin(knn::BinnedEntropy(o.binned).estimate(x));
      e.local.resize(0);
      e.details.emplace_back("bins", static_cast<double>(o.binned.bins));
      return e;
    }
    default:
      mmc::detail::throw_invalid(fn, "estimator", "is '" + std::string(name_of(id)) + "', not a non-neural entropy estimator",
                                 "use one of kl, gknn, plugin, binned (cene: neural_dispatch.hpp)");
  }
}

/// I(X;Y|Z) by ksg1 (Frenzel-Pompe) or ksg2.
template <class DerivedX, class DerivedY, class DerivedZ>
Estimate estimate_cmi(Estimator id, const Eigen::DenseBase<DerivedX>& x, const Eigen::DenseBase<DerivedY>& y,
                      const Eigen::DenseBase<DerivedZ>& z, const NonNeuralOptions& o) {
  if (id != Estimator::ksg1 && id != Estimator::ksg2) {
    mmc::detail::throw_invalid("mmc::estimators::estimate_cmi", "estimator",
                               "is '" + std::string(name_of(id)) + "', which has no conditional form",
                               "use ksg1 or ksg2");
  }
  return detail::from_knn(
      knn::KsgConditional(knn::KsgOptions{o.knn, id == Estimator::ksg1 ? 1 : 2}).estimate(x, y, z));
}

}  // namespace mmc::estimators
