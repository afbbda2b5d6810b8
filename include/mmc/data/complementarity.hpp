// mmc/data/complementarity.hpp — labelled two-modality tasks whose
// complementarity is dialled or known exactly (docs/design.md §3.4 sanity cases,
// §3.5 controlled complementarity; "Modality Complementariness: Towards
// Understanding Multi-modal Robustness", §5.1).
//
// 1. synthetic_task — the paper's α generator. Projections P_X ∈ R^{d1×d},
//    P_Z ∈ R^{d2×d}, P ∈ R^{d×d} ~ U(−0.5, 0.5) entrywise. Per sample:
//    x, z ~ N(0, I_d); z ← (1−α) z + α x; z ← P z; x ← x/|x|, z ← z/|z|;
//    redraw rule: if |x·z| ≤ δ the whole sample (both x and z) is discarded and
//    drawn afresh; y = 1[x·z > 0]; modalities P_X x and P_Z z.
//    Defaults d = 4, d1 = d2 = 8, δ = 0.1: d1, d2 ≥ d make the projections
//    injective (almost surely), so y is a function of the two modalities; a
//    4-D latent keeps kNN estimators usable at N ~ 5000; δ = 0.1 rejects ~13 %
//    of the draws at α = 0 and removes the near-ties of the label.
//    Truth, exact at the two ends (when d1, d2 ≥ d):
//      α = 0: given x alone, z ↦ −z flips y (and keeps |x·z|), so Y ⊥ X, Y ⊥ Z,
//             P(y=1) = ½ and Γ_X = Γ_Z = I(X,Z;Y) = H(Y) = log 2 → C = 2;
//      α = 1: z = Px is a function of x and y = 1[xᵀPx > 0] is a function of
//             either modality → Γ_X = Γ_Z = 0 → C = C_H = 0 (H(Y) depends on P).
//    In between no closed form exists; C falls as α rises. The projections come
//    from Rng(seed, 1), the samples from Rng(seed, 2): every α with the same seed
//    shares the same projections (an α sweep compares like with like).
// 2. bits_task — the exact-answer cases of §3.4 with fair bits b_x, b_z:
//      redundant: Z = X, Y = X → C = 0;  unique: Y = X, Z ⊥ → C = 1;
//      synergy: Y = X xor Z → C = 2.
//    Each modality is its bit plus independent N(0, σ²) noise (σ = `noise`;
//    the labels do not change with it). The truth is exact for every σ: with
//    e(s) = H(b | b + sN) and g(s) = H(b_x ⊕ b_z | b_x + sN, b_z + sN'),
//      redundant: Γ_X = Γ_Z = e(σ) − e(σ/√2), I(X,Z;Y) = log 2 − e(σ/√2);
//      unique:    Γ_X = I(X,Z;Y) = log 2 − e(σ), Γ_Z = 0;
//      synergy:   Γ_X = Γ_Z = I(X,Z;Y) = log 2 − g(σ);
//    H(Y) = log 2. e and g are 1-D / 2-D Gaussian integrals evaluated by the
//    trapezoid rule (exponentially accurate for these smooth integrands; ~1e-10).
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <numbers>
#include <string>
#include <string_view>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/core/validate.hpp"
#include "mmc/data/task.hpp"

namespace mmc::data {

/// Options of the α generator (defaults documented above and in docs/generators.md).
struct SyntheticOptions {
  double alpha = 0.5;  ///< 0 = fully complementary, 1 = redundant.
  Index d = 4;         ///< latent dimension of x and z.
  Index d1 = 8;        ///< dimension of the first modality (P_X x).
  Index d2 = 8;        ///< dimension of the second modality (P_Z z).
  double delta = 0.1;  ///< margin: samples with |x·z| <= delta are redrawn.
};

/// The three random matrices of the α generator (drawn from Rng(seed, 1)).
struct SyntheticProjections {
  RowMatrix<double> p_x;  ///< d1 x d
  RowMatrix<double> p_z;  ///< d2 x d
  RowMatrix<double> p;    ///< d x d
};

namespace detail {

inline void check_synthetic(std::string_view fn, const SyntheticOptions& o) {
  check_range(fn, "alpha", o.alpha, 0.0, 1.0, false, false,
              "pass alpha in [0, 1] (0 = complementary, 1 = redundant)");
  mmc::detail::check_at_least(fn, "d", o.d, 1);
  mmc::detail::check_at_least(fn, "d1", o.d1, 1);
  mmc::detail::check_at_least(fn, "d2", o.d2, 1);
  check_range(fn, "delta", o.delta, 0.0, 1.0, false, true,
              "pass a margin 0 <= delta < 1 on the cosine |x.z| (default 0.1)");
}

inline RowMatrix<double> uniform_matrix(Index rows, Index cols, Rng& rng) {
  RowMatrix<double> m(rows, cols);
  for (Index i = 0; i < rows; ++i) {
    for (Index j = 0; j < cols; ++j) m(i, j) = rng.uniform(-0.5, 0.5);
  }
  return m;
}

}  // namespace detail

/// P_X, P_Z, P for these options and seed (the ones synthetic_task uses).
inline SyntheticProjections synthetic_projections(const SyntheticOptions& options,
                                                  std::uint64_t seed) {
  detail::check_synthetic("mmc::data::synthetic_projections", options);
  Rng rng(seed, 1);
  SyntheticProjections proj;
  proj.p_x = detail::uniform_matrix(options.d1, options.d, rng);
  proj.p_z = detail::uniform_matrix(options.d2, options.d, rng);
  proj.p = detail::uniform_matrix(options.d, options.d, rng);
  return proj;
}

/// n samples of the paper's controlled-complementarity generator (see top).
inline LabelledTask synthetic_task(const SyntheticOptions& options, Index n, std::uint64_t seed) {
  constexpr std::string_view fn = "mmc::data::synthetic_task";
  detail::check_sample_count(fn, n);
  detail::check_synthetic(fn, options);
  const SyntheticProjections proj = synthetic_projections(options, seed);
  const Index d = options.d;
  const double alpha = options.alpha;
  Rng rng(seed, 2);
  LabelledTask task;
  task.modalities = {RowMatrix<double>(n, options.d1), RowMatrix<double>(n, options.d2)};
  task.labels.resize(n);
  Eigen::VectorXd x(d), z(d), pz(d);
  // A valid sample is accepted with probability P(|cos| > delta) > 0; the cap
  // only stops a run whose delta is so close to 1 that sampling cannot finish.
  constexpr long long kMaxDrawsPerSample = 1000000;
  for (Index i = 0; i < n; ++i) {
    long long draws = 0;
    double dot = 0.0;
    for (;;) {
      if (++draws > kMaxDrawsPerSample) {
        mmc::detail::throw_invalid(fn, "delta",
                                   "is " + std::to_string(options.delta) +
                                       ": no sample with |x.z| > delta in 1e6 draws",
                                   "use a smaller delta (the default is 0.1)");
      }
      for (Index j = 0; j < d; ++j) x(j) = rng.normal();
      for (Index j = 0; j < d; ++j) z(j) = rng.normal();
      z = (1.0 - alpha) * z + alpha * x;
      pz.noalias() = proj.p * z;
      const double nx = x.norm(), nz = pz.norm();
      if (!(nx > 0.0) || !(nz > 0.0)) continue;
      x /= nx;
      pz /= nz;
      dot = x.dot(pz);
      if (std::abs(dot) > options.delta) break;
    }
    task.modalities[0].row(i) = (proj.p_x * x).transpose();
    task.modalities[1].row(i) = (proj.p_z * pz).transpose();
    task.labels(i) = dot > 0.0 ? 1 : 0;
  }
  task.classes = 2;
  task.name = "synthetic";
  task.seed = seed;
  task.parameters = {{"n", static_cast<double>(n)},         {"alpha", alpha},
                     {"d", static_cast<double>(d)},         {"d1", static_cast<double>(options.d1)},
                     {"d2", static_cast<double>(options.d2)}, {"delta", options.delta}};
  const bool injective = options.d1 >= d && options.d2 >= d;
  if (injective && alpha == 0.0) {
    task.truth = complementarity_truth({std::numbers::ln2, std::numbers::ln2}, std::numbers::ln2,
                                       std::numbers::ln2);
  } else if (injective && alpha == 1.0) {
    task.truth = {{"gamma_0", 0.0}, {"gamma_1", 0.0}, {"metric", 0.0}, {"metric_h", 0.0}};
  }
  return task;
}

/// The exact-answer cases of docs/design.md §3.4.
enum class BitCase { redundant, unique, synergy };

inline std::string_view bit_case_name(BitCase c) noexcept {
  switch (c) {
    case BitCase::redundant: return "redundant";
    case BitCase::unique: return "unique";
    case BitCase::synergy: return "synergy";
  }
  return "synergy";
}

/// Inverse of bit_case_name; throws mmc::invalid_argument listing the names.
inline BitCase parse_bit_case(std::string_view name) {
  for (const auto c : {BitCase::redundant, BitCase::unique, BitCase::synergy}) {
    if (name == bit_case_name(c)) return c;
  }
  mmc::detail::throw_invalid("mmc::data::parse_bit_case", "name",
                             "is '" + std::string(name) + "', which is not a bit case",
                             "use redundant, unique or synergy");
}

namespace detail {

/// Binary entropy (nats) of p, 0 at p <= 0 or p >= 1.
inline double binary_entropy(double p) noexcept {
  if (!(p > 0.0 && p < 1.0)) return 0.0;
  return -p * std::log(p) - (1.0 - p) * std::log1p(-p);
}

/// Trapezoid nodes ε_j on [−12, 12] (step 0.02) with weights h φ(ε_j), and for
/// each node tanh(L/2) where L = ε/σ − 1/(2σ²) is the posterior log-odds of
/// b = 1 given the observation σε of the bit b = 0 (by symmetry, b = 0 suffices).
struct BitQuadrature {
  std::vector<double> weight, t;
  explicit BitQuadrature(double sigma) {
    constexpr int kHalf = 600;
    constexpr double kStep = 0.02;
    for (int j = -kHalf; j <= kHalf; ++j) {
      const double eps = kStep * j;
      weight.push_back(kStep * std::exp(-0.5 * eps * eps) / std::sqrt(2.0 * std::numbers::pi));
      t.push_back(std::tanh(0.5 * (eps / sigma - 0.5 / (sigma * sigma))));
    }
  }
};

/// e(σ) = H(b | b + σN) for a fair bit b (nats); 0 at σ = 0.
inline double noisy_bit_entropy(double sigma) {
  if (sigma == 0.0) return 0.0;
  const BitQuadrature q(sigma);
  double sum = 0.0;
  for (std::size_t j = 0; j < q.t.size(); ++j) sum += q.weight[j] * binary_entropy(0.5 * (1.0 + q.t[j]));
  return sum;
}

/// g(σ) = H(b_x ⊕ b_z | b_x + σN, b_z + σN'): 1 − 2 P(y=1 | obs) = t_x t_z.
inline double noisy_xor_entropy(double sigma) {
  if (sigma == 0.0) return 0.0;
  const BitQuadrature q(sigma);
  double sum = 0.0;
  for (std::size_t j = 0; j < q.t.size(); ++j) {
    double inner = 0.0;
    for (std::size_t k = 0; k < q.t.size(); ++k) {
      inner += q.weight[k] * binary_entropy(0.5 * (1.0 - q.t[j] * q.t[k]));
    }
    sum += q.weight[j] * inner;
  }
  return sum;
}

}  // namespace detail

/// The exact truth of a bit case with modality noise σ (see top).
inline KeyValues bit_case_truth(BitCase which, double noise) {
  detail::check_range("mmc::data::bit_case_truth", "noise", noise, 0.0, 1e6, false, false,
                      "pass a noise standard deviation >= 0 (0.1 is the default)");
  constexpr double ln2 = std::numbers::ln2;
  switch (which) {
    case BitCase::redundant: {
      const double e1 = detail::noisy_bit_entropy(noise);
      const double e2 = detail::noisy_bit_entropy(noise / std::numbers::sqrt2);
      return complementarity_truth({e1 - e2, e1 - e2}, ln2 - e2, ln2);
    }
    case BitCase::unique: {
      const double e = detail::noisy_bit_entropy(noise);
      return complementarity_truth({ln2 - e, 0.0}, ln2 - e, ln2);
    }
    case BitCase::synergy: break;
  }
  const double g = detail::noisy_xor_entropy(noise);
  return complementarity_truth({ln2 - g, ln2 - g}, ln2 - g, ln2);
}

/// n samples of a bit case: modalities are n x 1 (bit + noise·N(0,1)), labels in
/// {0, 1}. Bits from Rng(seed, 0), noise from Rng(seed, 1): the labels and bits
/// do not depend on `noise`.
inline LabelledTask bits_task(BitCase which, Index n, std::uint64_t seed, double noise = 0.1) {
  constexpr std::string_view fn = "mmc::data::bits_task";
  detail::check_sample_count(fn, n);
  KeyValues truth = bit_case_truth(which, noise);  // validates noise
  Rng bits(seed, 0), gauss(seed, 1);
  LabelledTask task;
  task.modalities = {RowMatrix<double>(n, 1), RowMatrix<double>(n, 1)};
  task.labels.resize(n);
  for (Index i = 0; i < n; ++i) {
    const int bx = static_cast<int>(bits() >> 63);
    const int bz = which == BitCase::redundant ? bx : static_cast<int>(bits() >> 63);
    task.labels(i) = which == BitCase::synergy ? (bx ^ bz) : bx;
    task.modalities[0](i, 0) = bx + noise * gauss.normal();
    task.modalities[1](i, 0) = bz + noise * gauss.normal();
  }
  task.classes = 2;
  task.name = "bits_" + std::string(bit_case_name(which));
  task.seed = seed;
  task.parameters = {{"n", static_cast<double>(n)}, {"noise", noise}};
  task.truth = std::move(truth);
  return task;
}

}  // namespace mmc::data
