// mmc/metric/bayes_error.hpp — the TRUE Bayes errors and conditional label
// entropies of tasks whose decision rule is known, so the bounds of
// bayes_bounds.hpp (Theorems 3.1 and 3.2 of "Modality Complementariness:
// Towards Understanding Multi-modal Robustness"; docs/design.md §3.4) can be
// checked against the truth (docs/complementarity.md "Bounds against truth").
//
// Every task has two modalities, index 0 (X) and 1 (Z). TaskTruth holds, in
// nats and as probabilities:
//   h_clean = H(Y | X, Z), h_missing[m] = H(Y | modality m missing),
//   error_clean, error_missing[m]: Bayes errors of the optimal rule.
// Φ is the standard normal CDF.
//
// 1. Bit cases (data::bits_task; modality = bit + σ N(0,1)). With q(s) = Φ(-1/(2s)):
//    redundant (Y = b = X = Z): clean error q(σ/√2) (the mean of the two
//      observations is b + (σ/√2) N), missing either q(σ);
//    unique (Y = b_x): clean q(σ), missing X 1/2, missing Z q(σ);
//    synergy (Y = b_x xor b_z): the Bayes rule thresholds each observation at
//      1/2 and xors (posterior of y = 1 is (1 - t_x t_z)/2, data/complementarity.hpp),
//      clean error 2 q (1 - q), missing either 1/2.
//    Entropies from data::bit_case_truth (exact 1-D / 2-D quadrature).
//    A noisy variant: modality m observed with extra N(0, τ²) noise has the
//    errors above with σ_m = sqrt(σ² + τ²) for that modality.
// 2. Four-class bit pair (Y = 2 b_x + b_z, each modality its bit + σ N): the
//    bits are decoded independently, clean error 1 - (1 - q)², missing either
//    1 - (1 - q)/2; H(Y|X,Z) = 2 e(σ), H(Y|one) = e(σ) + log 2. |Y| = 4 makes
//    the weak Fano bound informative (it is <= 0 for every two-class task).
// 3. Two Gaussian classes with a shared covariance Σ and means ±μ/2, equal
//    priors: with Δ² = μᵀ Σ⁻¹ μ (Mahalanobis), the Bayes error is Φ(-Δ/2) and
//    the posterior log-odds given class 0 is L ~ N(Δ²/2, Δ²) (class 1: the
//    mirror), so H(Y|X) = E[h(1 / (1 + e^L))], a 1-D Gaussian integral (trapezoid
//    rule on ±12 sd, step 0.01: error far below 1e-8). A modality missing: the
//    same with the marginal Δ of the other block of (μ, Σ).
// 4. The α generator (data::synthetic_task, injective projections): y is a
//    function of both modalities, so H(Y|X,Z) = 0 and the clean Bayes error is
//    0. With Z missing, p(x) = P(y = 1 | x) = P(x·Pz̃ > δ | x) / P(|x·Pz̃| > δ | x)
//    (z̃ = (1-α) z + α x, normalised; the redraw rule conditions on acceptance):
//    Monte Carlo with the true rule, outer samples from the generator, `inner`
//    fresh z per outer x. Error E[min(p, 1-p)], entropy E[h(p)]. The inner
//    estimate p̂ biases h(p̂) down by about 1/(2·inner) nats (h'' = -1/(p(1-p)))
//    and the outer sampling error is ~0.5/sqrt(outer); see alpha_missing_truth.
//    (Missing X needs x | z, which the mixing z̃ = (1-α)z + αx makes awkward: not provided.)
#pragma once

#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <limits>
#include <cmath>
#include <cstdint>
#include <numbers>

#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/data/complementarity.hpp"

namespace mmc::metric {

/// True entropies (nats) and Bayes errors of a two-modality task (see top).
struct TaskTruth {
  double h_y = std::numbers::ln2;      ///< H(Y)
  double h_clean = 0.0;                ///< H(Y | X, Z)
  std::array<double, 2> h_missing{};   ///< H(Y | modality m missing)
  double error_clean = 0.0;            ///< Bayes error with both modalities
  std::array<double, 2> error_missing{};  ///< Bayes error with modality m missing
  Index classes = 2;
  /// Gamma_m = H(Y | m missing) - H(Y | X, Z).
  double gamma(std::size_t m) const { return h_missing[m] - h_clean; }
};

/// Standard normal CDF.
inline double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::numbers::sqrt2); }

/// Bayes error of a fair bit observed as b + s N: Φ(-1/(2s)); 0 at s = 0.
inline double noisy_bit_error(double s) { return s <= 0.0 ? 0.0 : normal_cdf(-0.5 / s); }

/// The bit cases of data::bits_task with noise σ (see top, 1).
inline TaskTruth bit_case_bayes_truth(data::BitCase which, double sigma) {
  TaskTruth t;
  const data::KeyValues truth = data::bit_case_truth(which, sigma);
  auto get = [&](const char* key) {
    for (const auto& [k, v] : truth)
      if (k == key) return v;
    return 0.0;
  };
  t.h_clean = get("h_y") - get("joint_mi");
  t.h_missing = {t.h_clean + get("gamma_0"), t.h_clean + get("gamma_1")};
  const double q = noisy_bit_error(sigma);
  switch (which) {
    case data::BitCase::redundant:
      t.error_clean = noisy_bit_error(sigma / std::numbers::sqrt2);
      t.error_missing = {q, q};
      break;
    case data::BitCase::unique:
      t.error_clean = q;
      t.error_missing = {0.5, q};
      break;
    case data::BitCase::synergy:
      t.error_clean = 2.0 * q * (1.0 - q);
      t.error_missing = {0.5, 0.5};
      break;
  }
  return t;
}

/// The four-class bit pair Y = 2 b_x + b_z (see top, 2).
inline TaskTruth bit_pair_bayes_truth(double sigma) {
  TaskTruth t;
  t.classes = 4;
  t.h_y = 2.0 * std::numbers::ln2;
  const double e = data::detail::noisy_bit_entropy(sigma);
  t.h_clean = 2.0 * e;
  t.h_missing = {e + std::numbers::ln2, e + std::numbers::ln2};
  const double q = noisy_bit_error(sigma);
  t.error_clean = 1.0 - (1.0 - q) * (1.0 - q);
  t.error_missing = {1.0 - 0.5 * (1.0 - q), 1.0 - 0.5 * (1.0 - q)};
  return t;
}

/// Bayes error of two equiprobable Gaussian classes at Mahalanobis distance delta.
inline double gaussian_bayes_error(double delta) { return normal_cdf(-0.5 * delta); }

/// H(Y | X) (nats) of two equiprobable Gaussian classes at Mahalanobis distance
/// delta: E[h(1/(1 + e^L))], L ~ N(Δ²/2, Δ²) (trapezoid rule, see top).
inline double gaussian_conditional_entropy(double delta) {
  if (delta <= 0.0) return std::numbers::ln2;
  constexpr int kHalf = 1200;
  constexpr double kStep = 0.01;
  double sum = 0.0;
  for (int j = -kHalf; j <= kHalf; ++j) {
    const double u = kStep * j;
    const double l = 0.5 * delta * delta + delta * u;  // log p(x|0)/p(x|1)
    // p = P(y = 1 | x) = 1/(1 + e^l); h(p) written stably for large |l|.
    const double a = std::abs(l);
    const double h = std::log1p(std::exp(-a)) + a * std::exp(-a) / (1.0 + std::exp(-a));
    sum += kStep * std::exp(-0.5 * u * u) / std::sqrt(2.0 * std::numbers::pi) * h;
  }
  return sum;
}

/// Mahalanobis distance sqrt(μᵀ Σ⁻¹ μ).
inline double mahalanobis(const Eigen::VectorXd& mu, const Eigen::MatrixXd& sigma) {
  return std::sqrt(mu.dot(sigma.llt().solve(mu)));
}

/// Two Gaussian classes (means ±μ/2, covariance Σ, equal priors) whose first d1
/// coordinates are modality 0 and the rest modality 1 (see top, 3).
struct GaussianClasses {
  Eigen::VectorXd mu;
  Eigen::MatrixXd sigma;
  Index d1 = 1;
};

inline TaskTruth gaussian_classes_truth(const GaussianClasses& g) {
  const Index d = g.mu.size(), d2 = d - g.d1;
  const double full = mahalanobis(g.mu, g.sigma);
  const double only0 = mahalanobis(g.mu.head(g.d1), g.sigma.topLeftCorner(g.d1, g.d1));
  const double only1 = mahalanobis(g.mu.tail(d2), g.sigma.bottomRightCorner(d2, d2));
  TaskTruth t;
  t.h_clean = gaussian_conditional_entropy(full);
  t.h_missing = {gaussian_conditional_entropy(only1), gaussian_conditional_entropy(only0)};
  t.error_clean = gaussian_bayes_error(full);
  t.error_missing = {gaussian_bayes_error(only1), gaussian_bayes_error(only0)};
  return t;
}

/// n samples of GaussianClasses: labels fair from Rng(seed, 0), noise from Rng(seed, 1).
inline data::LabelledTask gaussian_classes_task(const GaussianClasses& g, Index n, std::uint64_t seed) {
  const Index d = g.mu.size();
  const Eigen::MatrixXd l = g.sigma.llt().matrixL();
  Rng labels(seed, 0), gauss(seed, 1);
  data::LabelledTask task;
  task.modalities = {RowMatrix<double>(n, g.d1), RowMatrix<double>(n, d - g.d1)};
  task.labels.resize(n);
  Eigen::VectorXd e(d);
  for (Index i = 0; i < n; ++i) {
    const int y = static_cast<int>(labels() >> 63);
    for (Index j = 0; j < d; ++j) e(j) = gauss.normal();
    const Eigen::VectorXd x = (y == 1 ? 0.5 : -0.5) * g.mu + l * e;
    task.modalities[0].row(i) = x.head(g.d1).transpose();
    task.modalities[1].row(i) = x.tail(d - g.d1).transpose();
    task.labels(i) = y;
  }
  task.classes = 2;
  task.name = "gaussian_classes";
  task.seed = seed;
  return task;
}

/// Monte-Carlo truth of the α generator with modality Z missing (see top, 4): returns
/// TaskTruth with h_clean = error_clean = 0 (injective projections), h_y the
/// plug-in-free MC estimate E[p], and only index 1 (Z missing) of the missing
/// arrays filled; index 0 is set to NaN. Seeds: outer samples reproduce
/// data::synthetic_task(options, outer, seed)'s latent draws; inner draws from
/// Rng(seed, 7).
inline TaskTruth alpha_missing_truth(const data::SyntheticOptions& options, Index outer, Index inner,
                                     std::uint64_t seed) {
  const data::SyntheticProjections proj = data::synthetic_projections(options, seed);
  const Index d = options.d;
  const double a = options.alpha, delta = options.delta;
  Rng rng(seed, 2), fresh(seed, 7);
  Eigen::VectorXd x(d), z(d), pz(d);
  // x_raw · P z̃ / |P z̃| for a fresh z (the generator mixes the unnormalised x).
  auto draw_dot = [&](Rng& r, const Eigen::VectorXd& x_raw) {
    for (Index j = 0; j < d; ++j) z(j) = r.normal();
    z = (1.0 - a) * z + a * x_raw;
    pz.noalias() = proj.p * z;
    return pz.norm() > 0.0 ? x_raw.dot(pz) / pz.norm() : 0.0;
  };
  double err = 0.0, ent = 0.0, p_mean = 0.0;
  for (Index i = 0; i < outer; ++i) {
    // Outer: the generator's own accepted draw (x before normalisation mixes into z).
    Eigen::VectorXd raw_x(d);
    for (;;) {
      for (Index j = 0; j < d; ++j) raw_x(j) = rng.normal();
      const double dot = draw_dot(rng, raw_x) / raw_x.norm();
      if (raw_x.norm() > 0.0 && std::abs(dot) > delta) break;
    }
    // Inner: z | x among accepted draws; only the direction of x is observed, but
    // the generator mixes the unnormalised x, which P_X x̂ does not reveal.
    // Conditioning on the observed direction therefore integrates |x| too:
    // draw |x| afresh as the norm of a N(0, I_d) vector along the same direction.
    const Eigen::VectorXd dir = raw_x / raw_x.norm();
    Index pos = 0, acc = 0;
    for (Index k = 0; k < inner; ++k) {
      double r2 = 0.0;
      for (Index j = 0; j < d; ++j) {
        const double v = fresh.normal();
        r2 += v * v;
      }
      const double dot = draw_dot(fresh, dir * std::sqrt(r2)) / std::sqrt(r2);
      if (std::abs(dot) > delta) {
        ++acc;
        if (dot > 0.0) ++pos;
      }
    }
    const double p = acc > 0 ? static_cast<double>(pos) / static_cast<double>(acc) : 0.5;
    err += std::min(p, 1.0 - p);
    ent += data::detail::binary_entropy(p);
    p_mean += p;
  }
  TaskTruth t;
  const double on = static_cast<double>(outer);
  p_mean /= on;
  t.h_y = data::detail::binary_entropy(p_mean);
  t.h_clean = 0.0;
  t.error_clean = 0.0;
  t.h_missing = {std::numeric_limits<double>::quiet_NaN(), ent / on};
  t.error_missing = {std::numeric_limits<double>::quiet_NaN(), err / on};
  return t;
}

}  // namespace mmc::metric
