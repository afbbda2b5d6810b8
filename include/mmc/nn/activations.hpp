// mmc/nn/activations.hpp — the activation functions of the MLP (docs/design.md §1 nn/,
// §5 `--activation`) as an enum plus their scalar definitions.
//
// Every derivative is written in terms of the activation's OUTPUT a = f(z), not
// its input z. Layers then keep only their output for the backward pass (the
// pre-activation is overwritten in place), which halves the activation memory
// and the memory traffic; a CUDA backend implements the same formulas:
//   identity  f = z                       f' = 1
//   relu      f = max(z, 0)               f' = [a > 0]      (0 at the kink z = 0)
//   elu       f = z (z > 0), e^z - 1      f' = 1 (a > 0), a + 1        (alpha = 1)
//   tanh      f = tanh z                  f' = 1 - a^2
//   softplus  f = log(1 + e^z)            f' = sigmoid(z) = 1 - e^{-a}
// (softplus: e^a = 1 + e^z, so sigmoid(z) = e^z / (1 + e^z) = 1 - e^{-a}; we use
// -expm1(-a), exact also for a -> 0.)
#pragma once

#include <cmath>
#include <string>
#include <string_view>

#include "mmc/core/errors.hpp"

namespace mmc::nn {

enum class Activation { identity, relu, elu, tanh, softplus };

/// The name used by the CLI and in messages ("relu", ...).
inline std::string_view activation_name(Activation a) noexcept {
  switch (a) {
    case Activation::identity: return "identity";
    case Activation::relu: return "relu";
    case Activation::elu: return "elu";
    case Activation::tanh: return "tanh";
    case Activation::softplus: return "softplus";
  }
  return "unknown";
}

/// Parses a name written by activation_name; throws mmc::invalid_argument otherwise.
inline Activation parse_activation(std::string_view name) {
  for (Activation a : {Activation::identity, Activation::relu, Activation::elu,
                       Activation::tanh, Activation::softplus}) {
    if (name == activation_name(a)) return a;
  }
  mmc::detail::throw_invalid("mmc::nn::parse_activation", "name",
                        "is '" + std::string(name) + "', which is not an activation",
                        "use one of relu, elu, tanh, softplus, identity");
}

/// f(z) for one scalar (reference implementation; backends vectorise it).
template <class T>
T activate(Activation a, T z) noexcept {
  switch (a) {
    case Activation::identity: return z;
    case Activation::relu: return z > T(0) ? z : T(0);
    case Activation::elu: return z > T(0) ? z : std::expm1(z);
    case Activation::tanh: return std::tanh(z);
    case Activation::softplus:  // max(z, 0) + log1p(e^{-|z|}): no overflow for large z
      return (z > T(0) ? z : T(0)) + std::log1p(std::exp(-std::fabs(z)));
  }
  return z;
}

/// f'(z) expressed through the output a = f(z) (see the table above).
template <class T>
T derivative_from_output(Activation act, T a) noexcept {
  switch (act) {
    case Activation::identity: return T(1);
    case Activation::relu: return a > T(0) ? T(1) : T(0);
    case Activation::elu: return a > T(0) ? T(1) : a + T(1);
    case Activation::tanh: return T(1) - a * a;
    case Activation::softplus: return -std::expm1(-a);
  }
  return T(1);
}

/// True for the activations whose initialisation is He's (rectifier-like), false
/// for those that use Xavier/Glorot's (symmetric, near-linear at 0). See init.hpp.
constexpr bool is_rectifier(Activation a) noexcept {
  return a == Activation::relu || a == Activation::elu || a == Activation::softplus;
}

}  // namespace mmc::nn
