// mmc/estimators/registry.hpp — the one list of mmc's estimators by name.
//
// Why a registry: the CLI, the benchmarks, the accuracy suite and the tests all
// select estimators by the names users type ("ksg1", "mine", ...). Writing the
// name -> estimator mapping once keeps them in step: a new estimator is added
// here and in the dispatchers next to this file (knn_dispatch.hpp,
// neural_dispatch.hpp), and everything that lists or parses names follows.
//
// This header is light on purpose (no estimator templates): help texts and
// option parsers include it without compiling any estimator.
#pragma once

#include <array>
#include <span>
#include <string>
#include <string_view>

#include "mmc/core/errors.hpp"

namespace mmc::estimators {

/// What kind of code estimates a quantity, which decides the options that apply.
enum class Family {
  knn,       ///< neighbour-based (k, standardize, jitter); knn/
  discrete,  ///< counting or binning (plug-in, binned); knn/plugin.hpp, knn/binned.hpp
  neural,    ///< a trained network (steps, batch, hidden, lr, device); neural/
};

/// Every estimator of I(X;Y), H(X) or I(X;Y|Z) mmc has.
enum class Estimator {
  ksg1, ksg2, kl, gknn, lnc, mixed, ross, plugin, binned,  // kNN family and discrete
  mine, nwj, infonce, js, smile, doe,                      // neural MI
  cene,                                                     // neural entropy
};

/// One registry entry.
struct EstimatorInfo {
  Estimator id;
  std::string_view name;  ///< the name users type (CLI --estimator, Python estimator=)
  Family family;
  bool has_local;  ///< produces per-sample local values (pointwise MI / entropy)
  std::string_view summary;
};

/// Estimators of I(X;Y), in the order help texts list them.
inline constexpr std::array<EstimatorInfo, 15> kMutualInformation = {{
    {Estimator::ksg1, "ksg1", Family::knn, true, "Kraskov-Stoegbauer-Grassberger algorithm 1 (max-norm)"},
    {Estimator::ksg2, "ksg2", Family::knn, true, "Kraskov-Stoegbauer-Grassberger algorithm 2"},
    {Estimator::kl, "kl", Family::knn, true, "3KL: H(X) + H(Y) - H(X,Y) with Kozachenko-Leonenko entropies"},
    {Estimator::gknn, "gknn", Family::knn, true, "geometric kNN (Lord, Sun & Bollt 2018)"},
    {Estimator::lnc, "lnc", Family::knn, true, "KSG with local non-uniformity correction (Gao et al. 2015)"},
    {Estimator::mixed, "mixed", Family::knn, true, "discrete/continuous mixtures (Gao et al. 2017)"},
    {Estimator::ross, "ross", Family::knn, true, "continuous X, integer labels Y (Ross 2014)"},
    {Estimator::plugin, "plugin", Family::discrete, true, "plug-in MI of integer-valued X and Y"},
    {Estimator::binned, "binned", Family::discrete, false, "plug-in MI after binning each dimension"},
    {Estimator::mine, "mine", Family::neural, false, "Donsker-Varadhan bound with a moving average (MINE)"},
    {Estimator::nwj, "nwj", Family::neural, false, "Nguyen-Wainwright-Jordan bound"},
    {Estimator::infonce, "infonce", Family::neural, false, "InfoNCE (at most log of the batch size)"},
    {Estimator::js, "js", Family::neural, false, "Jensen-Shannon-trained critic, DV estimate"},
    {Estimator::smile, "smile", Family::neural, false, "SMILE: clipped DV on a JS-trained critic"},
    {Estimator::doe, "doe", Family::neural, false, "difference of CENE entropies H(X) - H(X|Y)"},
}};

/// Estimators of H(X).
inline constexpr std::array<EstimatorInfo, 5> kEntropy = {{
    {Estimator::kl, "kl", Family::knn, true, "Kozachenko-Leonenko (max or Euclidean norm)"},
    {Estimator::gknn, "gknn", Family::knn, true, "geometric kNN (Lord, Sun & Bollt 2018)"},
    {Estimator::plugin, "plugin", Family::discrete, true, "plug-in entropy of integer-valued rows"},
    {Estimator::binned, "binned", Family::discrete, false, "plug-in entropy of the bin counts (not a differential entropy)"},
    {Estimator::cene, "cene", Family::neural, false, "held-out NLL of a mixture density network"},
}};

/// Estimators of I(X;Y|Z).
inline constexpr std::array<EstimatorInfo, 2> kConditionalMutualInformation = {{
    {Estimator::ksg1, "ksg1", Family::knn, true, "Frenzel-Pompe (KSG algorithm 1 counts)"},
    {Estimator::ksg2, "ksg2", Family::knn, true, "KSG algorithm 2 counts (Vejmelka & Palus 2008)"},
}};

/// The names of `list` joined by `separator` ("ksg1|ksg2|...").
inline std::string names(std::span<const EstimatorInfo> list, std::string_view separator = "|") {
  std::string text;
  for (const auto& info : list) {
    if (!text.empty()) text += separator;
    text += info.name;
  }
  return text;
}

/// The entry called `name` in `list`, or nullptr.
inline const EstimatorInfo* find(std::span<const EstimatorInfo> list, std::string_view name) noexcept {
  for (const auto& info : list)
    if (info.name == name) return &info;
  return nullptr;
}

/// The entry called `name` in `list`; throws mmc::invalid_argument naming
/// `argument` and listing the valid names otherwise.
inline const EstimatorInfo& parse(std::span<const EstimatorInfo> list, std::string_view name,
                                  std::string_view function, std::string_view argument) {
  if (const EstimatorInfo* info = find(list, name)) return *info;
  mmc::detail::throw_invalid(function, argument, "is '" + std::string(name) + "', which is not an estimator here",
                             "use one of " + names(list, ", "));
}

/// The registry name of an estimator.
inline std::string_view name_of(Estimator id) noexcept {
  for (const auto& info : kMutualInformation)
    if (info.id == id) return info.name;
  for (const auto& info : kEntropy)
    if (info.id == id) return info.name;
  return "unknown";
}

}  // namespace mmc::estimators
