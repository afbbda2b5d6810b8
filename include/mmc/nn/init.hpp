// mmc/nn/init.hpp — seeded weight initialisation of dense layers.
//
// He et al. 2015 ("Delving deep into rectifiers"): W ~ N(0, 2 / fan_in) keeps the
// variance of the pre-activations constant through ReLU-like layers (ReLU, ELU,
// softplus). Glorot & Bengio 2010 ("Xavier"): W ~ N(0, 2 / (fan_in + fan_out)) for
// symmetric activations that are linear near 0 (tanh, identity). The activation
// that FOLLOWS a layer chooses its rule (as in PyTorch's kaiming_normal_ with
// nonlinearity='relu'); biases start at zero. Draws come only from mmc::Rng
// (docs/design.md §2): layer l uses the stream Rng(seed, l), so the same seed gives
// the same weights bit for bit on every platform, and changing one layer's shape
// leaves the other layers' draws unchanged.
#pragma once

#include <cmath>
#include <cstdint>

#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/nn/activations.hpp"

namespace mmc::nn {

enum class Init {
  automatic,      ///< he_normal before relu/elu/softplus, xavier_normal otherwise
  he_normal,      ///< N(0, 2 / fan_in)
  he_uniform,     ///< U(-a, a), a = sqrt(6 / fan_in)
  xavier_normal,  ///< N(0, 2 / (fan_in + fan_out))
  xavier_uniform  ///< U(-a, a), a = sqrt(6 / (fan_in + fan_out))
};

/// The rule `automatic` resolves to for a layer followed by `activation`.
constexpr Init resolve_init(Init init, Activation activation) noexcept {
  if (init != Init::automatic) return init;
  return is_rectifier(activation) ? Init::he_normal : Init::xavier_normal;
}

/// Standard deviation of the weights under a rule (uniform rules: a / sqrt(3)).
inline double init_stddev(Init init, Index fan_in, Index fan_out) noexcept {
  const double he = 2.0 / static_cast<double>(fan_in);
  const double xavier = 2.0 / static_cast<double>(fan_in + fan_out);
  const bool is_he = init == Init::he_normal || init == Init::he_uniform;
  return std::sqrt(is_he ? he : xavier);
}

/// Fills weights (fan_out x fan_in, column-major, `count` = fan_in * fan_out
/// host scalars) with the rule `init` (not automatic), drawing from `rng`.
template <class T>
void fill_weights(T* weights, Index fan_in, Index fan_out, Init init, Rng& rng) {
  const double sd = init_stddev(init, fan_in, fan_out);
  const bool uniform = init == Init::he_uniform || init == Init::xavier_uniform;
  const double a = std::sqrt(3.0) * sd;
  for (Index i = 0; i < fan_in * fan_out; ++i) {
    weights[i] = static_cast<T>(uniform ? rng.uniform(-a, a) : sd * rng.normal());
  }
}

}  // namespace mmc::nn
