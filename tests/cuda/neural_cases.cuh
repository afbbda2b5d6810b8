// CPU-vs-CUDA comparisons of the neural bound operations and of whole neural
// MI estimates (shared by test_cuda_neural.cu and standalone_check.cu):
//   - BoundOps<CudaBackend<float>>::stats and ::gradient against
//     BoundOps<CpuBackend<float>> (neural/bound_ops.hpp) on the same scores, for
//     every objective and block kind;
//   - Mine and InfoNce trained on CudaBackend<float> against the same estimator
//     on CpuBackend<float>: within the seed-to-seed spread (docs/design.md §4).
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "cuda_cases.cuh"
#include "mmc/core/rng.hpp"
#include "mmc/core/types.hpp"
#include "mmc/cuda/bound_ops.cuh"
#include "mmc/neural/bound_ops.hpp"
#include "mmc/neural/bounds.hpp"
#include "mmc/neural/neural_mi.hpp"

namespace mmc::cuda::testing {

/// Scores (rows x cols, ld rows + pad) ~ N(0.3, 1.5^2): both signs, and e^t
/// spread over ~4 orders of magnitude so the log-sum-exps are not trivial.
inline HostMatrix score_matrix(Index rows, Index cols, Index pad, std::uint64_t seed) {
  HostMatrix m = HostMatrix::random(rows, cols, pad, seed, 1.5);
  for (float& v : m.values) v += 0.3f;
  return m;
}

struct ScoreShape {
  neural::ScoreBlock kind;
  Index rows, cols, pad;
  const char* name;
};

inline std::vector<ScoreShape> score_shapes() {
  using neural::ScoreBlock;
  return {{ScoreBlock::joint, 1, 300, 0, "joint 1x300"},
          {ScoreBlock::marginal, 1, 5000, 0, "marginal 1x5000"},
          {ScoreBlock::marginal, 7, 9, 2, "marginal 7x9 strided"},
          {ScoreBlock::matrix, 64, 64, 0, "matrix 64x64"},
          {ScoreBlock::matrix, 300, 300, 3, "matrix 300x300 strided"}};
}

/// |a - b| / max(|b|, 1): the statistics are double sums of O(1)..O(1e3) terms
/// whose only difference is the summation order (~n * 1e-16 relative) and
/// CUDA's vs libm's exp/log1p (<= 2 ulp): 1e-9 leaves a wide margin, while a
/// wrong term or a missed entry changes them by >= 1e-4.
inline double field_difference(double a, double b) {
  if (std::isinf(a) || std::isinf(b)) return a == b ? 0.0 : std::numeric_limits<double>::infinity();
  return std::fabs(a - b) / std::max(std::fabs(b), 1.0);
}

inline CaseResult bound_stats_case() {
  CaseResult r{0.0, 1e-9, ""};
  neural::BoundOps<Cpu> cpu_ops{Cpu()};
  Gpu gpu;
  neural::BoundOps<Gpu> gpu_ops(gpu);
  std::uint64_t seed = 90;
  for (const ScoreShape& s : score_shapes()) {
    const HostMatrix m = score_matrix(s.rows, s.cols, s.pad, ++seed);
    const nn::ConstMatrixRef<float> host{m.values.data(), m.rows, m.cols, m.ld};
    Gpu::Buffer buffer;
    gpu.resize(buffer, m.ld * m.cols);
    gpu.upload(m.values.data(), m.ld, {gpu.data(buffer), m.ld, m.cols, m.ld});
    const nn::ConstMatrixRef<float> device{gpu.data(buffer), m.rows, m.cols, m.ld};
    const double tau = 1.5;  // clips part of the scores (SMILE)
    const neural::ScoreStats c = cpu_ops.stats(s.kind, host, tau);
    const neural::ScoreStats g = gpu_ops.stats(s.kind, device, tau);
    const std::string n = std::string("stats ") + s.name + " ";
    r.add(field_difference(g.joint_count, c.joint_count), n + "joint_count");
    r.add(field_difference(g.joint_sum, c.joint_sum), n + "joint_sum");
    r.add(field_difference(g.joint_js, c.joint_js), n + "joint_js");
    r.add(field_difference(g.marginal_count, c.marginal_count), n + "marginal_count");
    r.add(field_difference(g.marginal_lse, c.marginal_lse), n + "marginal_lse");
    r.add(field_difference(g.marginal_clipped_lse, c.marginal_clipped_lse), n + "marginal_clipped_lse");
    r.add(field_difference(g.marginal_js, c.marginal_js), n + "marginal_js");
    r.add(field_difference(g.nce_rows, c.nce_rows), n + "nce_rows");
    r.add(field_difference(g.nce_sum, c.nce_sum), n + "nce_sum");
  }
  return r;
}

/// dLoss/dScores are computed in double and stored as float on both sides:
/// they agree to a float rounding (6e-8), checked at 1e-6.
inline CaseResult bound_gradient_case() {
  CaseResult r{0.0, 1e-6, ""};
  using neural::Bound;
  std::uint64_t seed = 120;
  for (const ScoreShape& s : score_shapes()) {
    for (Bound objective : {Bound::dv, Bound::nwj, Bound::js, Bound::infonce}) {
      if (objective == Bound::infonce && s.kind != neural::ScoreBlock::matrix) continue;
      const neural::GradientWeights w{1.0 / 37.0, 1.0 / 41.0, 0.7};
      std::vector<HostMatrix> mats{score_matrix(s.rows, s.cols, s.pad, ++seed),
                                   HostMatrix::random(s.rows, s.cols, s.pad, ++seed)};
      const double e = compare_backends(mats, [&](auto& b, auto& v) {
        neural::BoundOps<std::decay_t<decltype(b)>> ops(b);
        ops.gradient(objective, s.kind, v[0], w, v[1]);
      });
      r.add(e, std::string("gradient ") + std::string(neural::bound_name(objective)) + " " + s.name);
    }
  }
  return r;
}

/// n samples of (x, y) in R^2 x R^2 with correlation rho per coordinate:
/// I = -log(1 - rho^2) nats (0.446 at rho = 0.6).
inline void correlated_gaussians(Index n, double rho, std::uint64_t seed, RowMatrix<float>& x,
                                 RowMatrix<float>& y) {
  x.resize(n, 2);
  y.resize(n, 2);
  Rng rng(seed, 3);
  for (Index i = 0; i < n; ++i) {
    for (Index d = 0; d < 2; ++d) {
      const double a = rng.normal(), e = rng.normal();
      x(i, d) = static_cast<float>(a);
      y(i, d) = static_cast<float>(rho * a + std::sqrt(1 - rho * rho) * e);
    }
  }
}

/// The estimator on CUDA (seed 0) against the CPU runs with seeds 0..seeds-1:
/// the run-to-run difference of the two backends comes from rounding only, and
/// amplified through training it must stay within the estimator's own
/// seed-to-seed spread: |gpu - cpu(seed 0)| <= 3 sd(cpu seeds) + 0.01 nats.
/// The case's error is that difference in units of the allowance (pass <= 1).
template <class Estimator, class Options>
CaseResult spread_case(const std::string& name, Options options, int seeds) {
  RowMatrix<float> x, y;
  correlated_gaussians(2000, 0.6, 5, x, y);
  std::vector<double> cpu;
  for (int s = 0; s < seeds; ++s) {
    options.seed = static_cast<std::uint64_t>(s);
    cpu.push_back(typename Estimator::template With<Cpu>(options).estimate(x, y).value);
  }
  options.seed = 0;
  const double gpu = typename Estimator::template With<Gpu>(options).estimate(x, y).value;
  double mean = 0.0, var = 0.0;
  for (double v : cpu) mean += v / seeds;
  for (double v : cpu) var += (v - mean) * (v - mean) / (seeds - 1);
  const double allowed = 3.0 * std::sqrt(var) + 0.01;
  CaseResult r{0.0, 1.0, ""};
  r.add(std::fabs(gpu - cpu[0]) / allowed,
        name + ": gpu " + std::to_string(gpu) + " vs cpu " + std::to_string(cpu[0]) +
            " (cpu seeds: mean " + std::to_string(mean) + ", sd " + std::to_string(std::sqrt(var)) +
            "; truth 0.446); difference / allowance");
  return r;
}

/// NeuralMi<bound, float, B> for a backend chosen later.
template <neural::Bound kBound>
struct EstimatorFamily {
  template <class B>
  using With = neural::NeuralMi<kBound, float, B>;
};

/// Small, fast settings (the CPU runs dominate the case's time).
template <neural::Bound kBound>
neural::NeuralMiOptions<kBound> small_options() {
  neural::NeuralMiOptions<kBound> o;
  o.steps = 600;
  o.batch = 128;
  o.hidden = {64, 64};
  o.lr = 1e-3;
  o.eval_interval = 200;
  o.threads = 2;
  return o;
}

inline std::vector<Case> neural_cases() {
  return {
      {"bound_stats", bound_stats_case},
      {"bound_gradient", bound_gradient_case},
      {"mine_run_within_seed_spread",
       [] {
         return spread_case<EstimatorFamily<neural::Bound::dv>>(
             "Mine", small_options<neural::Bound::dv>(), 5);
       }},
      {"infonce_run_within_seed_spread",
       [] {
         return spread_case<EstimatorFamily<neural::Bound::infonce>>(
             "InfoNce", small_options<neural::Bound::infonce>(), 5);
       }},
  };
}

}  // namespace mmc::cuda::testing
