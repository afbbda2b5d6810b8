// mmc/data/task.hpp — what every data generator returns: an MI task (x, y and
// the closed-form I(X;Y)) or a labelled multimodal task (modalities, labels and
// whatever of the complementarity quantities of docs/design.md §3.4 is known exactly).
//
// Why plain structs of Eigen matrices plus "key/value" lists: the CLI writes the
// matrices as .npy and the truth as truth.json (docs/design.md §5 `mmc generate`),
// tests compare estimators against the truth, and neither should need to know
// which generator produced a task. Truth and parameters are therefore ordered
// lists of (name, number) pairs that any writer can serialise; a quantity that
// has no closed form for a given setting is simply absent (never NaN).
//
// Also here: the parameter checks every generator shares (n >= 1, finite
// numbers inside a range), so all of them report bad input the same way.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"

namespace mmc::data {

/// Ordered (name, value) pairs: a task's parameters or its known truth.
/// Information quantities are in nats.
using KeyValues = std::vector<std::pair<std::string, double>>;

/// The value stored under `key`, if any.
inline std::optional<double> lookup(const KeyValues& values, std::string_view key) {
  for (const auto& [name, value] : values) {
    if (name == key) return value;
  }
  return std::nullopt;
}

/// Samples of (X, Y) with a known mutual information.
struct MiTask {
  /// n x d_x and n x d_y, one sample per row; row i of x pairs with row i of y.
  RowMatrix<double> x, y;
  /// I(X;Y) in nats, in closed form (docs/design.md §3.5).
  double true_mi = 0.0;
  /// What produced it, e.g. "gaussian", "student", "half_cube(gaussian)".
  std::string name;
  /// The seed it was drawn from (same seed => same bits).
  std::uint64_t seed = 0;
  /// Generator parameters (e.g. {"rho_0", 0.5}, {"df", 3}), for provenance.
  KeyValues parameters;

  Index n() const noexcept { return x.rows(); }
  /// The truth as key/value pairs: {"mi", nats}, {"mi_bits", bits}.
  KeyValues truth() const { return {{"mi", true_mi}, {"mi_bits", to_bits(true_mi)}}; }
};

/// Samples of M modalities with a discrete label.
struct LabelledTask {
  /// One n x d_m matrix per modality, rows aligned across modalities.
  std::vector<RowMatrix<double>> modalities;
  /// One label in [0, classes) per sample.
  Labels labels;
  int classes = 0;
  std::string name;
  std::uint64_t seed = 0;
  KeyValues parameters;
  /// The complementarity quantities known exactly for this setting, a subset of
  /// gamma_0, gamma_1, ... (Γ_m = I(X_m; Y | X_-m)), joint_mi (I(X_1..X_M; Y)),
  /// h_y (H(Y)), interaction (joint_mi - Σ Γ_m), metric (C = Σ Γ_m / joint_mi),
  /// metric_h (C_H = Σ Γ_m / H(Y)); nats. See docs/generators.md per generator.
  KeyValues truth;

  Index n() const noexcept { return labels.size(); }
};

/// The full truth list of docs/design.md §3.4 from the per-modality Γ, I(X..;Y) and H(Y):
/// gamma_m..., joint_mi, h_y, interaction, metric, metric_h. The metric is left
/// out when joint_mi is 0 (C is undefined then), metric_h when h_y is 0.
inline KeyValues complementarity_truth(const std::vector<double>& gamma, double joint_mi,
                                       double h_y) {
  KeyValues truth;
  double sum = 0.0;
  for (std::size_t m = 0; m < gamma.size(); ++m) {
    truth.emplace_back("gamma_" + std::to_string(m), gamma[m]);
    sum += gamma[m];
  }
  truth.emplace_back("joint_mi", joint_mi);
  truth.emplace_back("h_y", h_y);
  truth.emplace_back("interaction", joint_mi - sum);
  if (joint_mi > 0.0) truth.emplace_back("metric", sum / joint_mi);
  if (h_y > 0.0) truth.emplace_back("metric_h", sum / h_y);
  return truth;
}

namespace detail {

/// Throws unless n >= 1 (a generator must produce at least one sample).
inline void check_sample_count(std::string_view function, Index n) {
  mmc::detail::check_at_least(function, "n", n, 1);
}

/// Throws unless `value` is finite and lo <= value <= hi (or lo < value / value < hi
/// when the bound is open), naming the argument; `fix` says what to pass instead.
inline void check_range(std::string_view function, std::string_view argument, double value,
                        double lo, double hi, bool lo_open, bool hi_open, std::string_view fix) {
  const bool above = lo_open ? value > lo : value >= lo;
  const bool below = hi_open ? value < hi : value <= hi;
  if (!std::isfinite(value) || !above || !below) {
    const auto bound = [](double b) {
      return std::isinf(b) ? std::string(b > 0 ? "inf" : "-inf") : std::to_string(b);
    };
    mmc::detail::throw_invalid(function, argument,
                  "is " + std::to_string(value) + ", but must be a finite number in " +
                      (lo_open ? "(" : "[") + bound(lo) + ", " + bound(hi) + (hi_open ? ")" : "]"),
                  fix);
  }
}

}  // namespace detail
}  // namespace mmc::data
