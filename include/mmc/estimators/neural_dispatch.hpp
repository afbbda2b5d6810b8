// mmc/estimators/neural_dispatch.hpp — the neural estimators of the registry
// (registry.hpp) as types, chosen at run time by name.
//
// Each neural estimator is its own class template (NeuralMi<Bound, T, B>,
// Doe<T, B>, Cene<T, B>) with its own Options and Result, so run-time
// selection is a visit: `visit_neural_mi<T, B>(id, f)` calls
// `f.template operator()<Estimator>()` with the estimator type for `id`; the
// caller's generic lambda builds `typename Estimator::Options`, runs it and
// reads the result. The bound names come from neural::bound_name (one place).
#pragma once

#include <string>
#include <string_view>

#include "mmc/core/errors.hpp"
#include "mmc/estimators/registry.hpp"
#include "mmc/neural/bounds.hpp"
#include "mmc/neural/cene.hpp"
#include "mmc/neural/doe.hpp"
#include "mmc/neural/neural_mi.hpp"

namespace mmc::estimators {

/// Whether `id` is one of the variational bounds (doe and cene are not).
inline bool is_bound(Estimator id) noexcept {
  return id == Estimator::mine || id == Estimator::nwj || id == Estimator::infonce ||
         id == Estimator::js || id == Estimator::smile;
}

/// neural::Bound of a bound estimator (mine -> dv, ...), via neural::parse_bound.
inline neural::Bound bound_of(Estimator id) { return neural::parse_bound(name_of(id)); }

/// Calls f.template operator()<E>() with E the estimator type of `id` on scalar
/// T and backend B: NeuralMi<bound, T, B> for mine|nwj|infonce|js|smile,
/// Doe<T, B> for doe. Throws mmc::invalid_argument for any other id.
template <class T, class B, class F>
decltype(auto) visit_neural_mi(Estimator id, F&& f) {
  using neural::Bound;
  switch (id) {
    case Estimator::mine: return f.template operator()<neural::NeuralMi<Bound::dv, T, B>>();
    case Estimator::nwj: return f.template operator()<neural::NeuralMi<Bound::nwj, T, B>>();
    case Estimator::infonce: return f.template operator()<neural::NeuralMi<Bound::infonce, T, B>>();
    case Estimator::js: return f.template operator()<neural::NeuralMi<Bound::js, T, B>>();
    case Estimator::smile: return f.template operator()<neural::NeuralMi<Bound::smile, T, B>>();
    case Estimator::doe: return f.template operator()<neural::Doe<T, B>>();
    default:
      mmc::detail::throw_invalid("mmc::estimators::visit_neural_mi", "estimator",
                                 "is '" + std::string(name_of(id)) + "', not a neural MI estimator",
                                 "use one of mine, nwj, infonce, js, smile, doe");
  }
}

}  // namespace mmc::estimators
