// The CPU-vs-CUDA comparisons, written once and run by two drivers: the
// GoogleTest programs (test_cuda_*.cu) and tests/cuda/standalone_check.cu (plain
// PASS/FAIL output for machines without GoogleTest, used by scripts/gpu-check).
//
// Oracle: mmc::nn::CpuBackend<float> (itself tested against naive long-double
// loops in tests/nn/test_nn_backend.cpp). Every case feeds the same host data
// through CpuBackend<float> and CudaBackend<float> and returns the largest
// normwise relative difference, max|gpu - cpu| / max|cpu|, over everything it
// compared (each matrix's whole storage, padding included, so a kernel that
// writes outside a strided view is caught).
//
// Tolerance 1e-4 (docs/design.md §4): a float dot product of length K has rounding
// error about sqrt(K) * 6e-8 relative to the magnitudes summed (K <= 600 here:
// ~1.5e-6), and the element-wise kernels differ from the CPU's by a few ulps
// (fused multiply-adds, libm vs CUDA's expm1/tanh/log1p, all <= 2 ulp) — so
// 1e-4 leaves a margin of ~50x for honest rounding while any wrong formula,
// index or transpose gives O(1).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "mmc/core/rng.hpp"
#include "mmc/cuda/cuda_backend.cuh"
#include "mmc/nn/activations.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"
#include "mmc/nn/view.hpp"

namespace mmc::cuda::testing {

using Cpu = nn::CpuBackend<float>;
using Gpu = CudaBackend<float>;

/// What one case measured.
struct CaseResult {
  double error = 0.0;      ///< largest relative difference found
  double tolerance = 0.0;  ///< what the case allows
  std::string detail;      ///< which sub-check gave `error`
  bool passed() const { return error <= tolerance; }  // false for NaN
  /// Records a sub-check; keeps the worst (NaN counts as worst).
  void add(double e, const std::string& what) {
    if (std::isnan(error)) return;
    const bool worse = !(e <= error);  // also true for NaN
    if (worse) error = e;
    if (worse || detail.empty()) detail = what + ": relative difference " + std::to_string(e);
  }
};

/// A named comparison.
struct Case {
  std::string name;
  std::function<CaseResult()> run;
};

inline constexpr double kTolerance = 1e-4;

/// Host storage of a column-major rows x cols matrix with leading dimension ld.
struct HostMatrix {
  Index rows = 0, cols = 0, ld = 0;
  std::vector<float> values;  // ld * cols
  static HostMatrix random(Index rows, Index cols, Index pad, std::uint64_t seed,
                           double scale = 1.0) {
    HostMatrix m{rows, cols, rows + pad, {}};
    m.values.resize(static_cast<std::size_t>(m.ld * cols));
    Rng rng(seed, 17);
    for (float& v : m.values) v = static_cast<float>(scale * rng.normal());
    return m;
  }
  void fill(float v) { std::fill(values.begin(), values.end(), v); }
};

/// max|a - b| / max|b| over two equally sized arrays (0 when both are all zero).
template <class T>
double relative_difference(const std::vector<T>& a, const std::vector<T>& b) {
  if (a.size() != b.size()) return std::numeric_limits<double>::infinity();
  double diff = 0.0, scale = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double x = a[i], y = b[i];
    if (std::isnan(x) != std::isnan(y)) return std::numeric_limits<double>::infinity();
    if (std::isnan(y)) continue;
    diff = std::max(diff, std::fabs(x - y));
    scale = std::max(scale, std::fabs(y));
  }
  return diff == 0.0 ? 0.0 : diff / (scale > 0.0 ? scale : 1.0);
}

/// Runs op(backend, views) on host copies (CPU backend) and on device copies
/// (CUDA backend) of `mats`, and returns the worst relative difference of the
/// matrices afterwards (whole storage, padding included).
template <class Op>
double compare_backends(const std::vector<HostMatrix>& mats, Op&& op) {
  std::vector<HostMatrix> cpu_mats = mats;
  std::vector<nn::MatrixRef<float>> cpu_views;
  for (auto& m : cpu_mats) cpu_views.push_back({m.values.data(), m.rows, m.cols, m.ld});
  Cpu cpu;
  op(cpu, cpu_views);

  Gpu gpu;
  std::vector<Gpu::Buffer> buffers(mats.size());
  std::vector<nn::MatrixRef<float>> gpu_views, whole;
  for (std::size_t i = 0; i < mats.size(); ++i) {
    const HostMatrix& m = mats[i];
    gpu.resize(buffers[i], m.ld * m.cols);
    whole.push_back({gpu.data(buffers[i]), m.ld, m.cols, m.ld});
    gpu.upload(m.values.data(), m.ld, whole.back());
    gpu_views.push_back({gpu.data(buffers[i]), m.rows, m.cols, m.ld});
  }
  op(gpu, gpu_views);
  double worst = 0.0;
  for (std::size_t i = 0; i < mats.size(); ++i) {
    std::vector<float> back(mats[i].values.size());
    gpu.download(whole[i], back.data(), mats[i].ld);
    const double e = relative_difference(back, cpu_mats[i].values);
    if (!(e <= worst)) worst = e;
  }
  return worst;
}

inline std::string shape_name(Index m, Index n, Index k) {
  return std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k);
}

// ---- the cases -----------------------------------------------------------------

inline CaseResult gemm_case() {
  CaseResult r{0.0, kTolerance, ""};
  struct Shape { Index m, n, k; };
  const Shape shapes[] = {{3, 5, 4}, {64, 300, 33}, {1, 257, 70}, {70, 1, 257},
                          {256, 512, 256}, {4, 3, 0}};
  std::uint64_t seed = 1;
  for (const Shape s : shapes) {
    for (nn::Trans ta : {nn::Trans::no, nn::Trans::yes}) {
      for (nn::Trans tb : {nn::Trans::no, nn::Trans::yes}) {
        for (float beta : {0.0f, 1.0f, -0.5f}) {
          const bool ya = ta == nn::Trans::yes, yb = tb == nn::Trans::yes;
          std::vector<HostMatrix> mats{
              HostMatrix::random(ya ? s.k : s.m, ya ? s.m : s.k, 2, ++seed),
              HostMatrix::random(yb ? s.n : s.k, yb ? s.k : s.n, 3, ++seed),
              HostMatrix::random(s.m, s.n, 1, ++seed)};
          // beta == 0 must not read c: poison it.
          if (beta == 0.0f) mats[2].fill(std::numeric_limits<float>::quiet_NaN());
          const double e = compare_backends(mats, [&](auto& b, auto& v) {
            b.gemm(ta, tb, 0.75f, v[0], v[1], beta, v[2]);
          });
          r.add(e, "gemm " + shape_name(s.m, s.n, s.k) + (ya ? " A^T" : " A") +
                       (yb ? " B^T" : " B") + " beta=" + std::to_string(beta));
        }
      }
    }
  }
  return r;
}

inline const nn::Activation kActivations[] = {nn::Activation::identity, nn::Activation::relu,
                                              nn::Activation::elu, nn::Activation::tanh,
                                              nn::Activation::softplus};

inline CaseResult bias_activation_case(nn::Activation f) {
  CaseResult r{0.0, kTolerance, ""};
  struct Shape { Index rows, cols, pad; };
  for (const Shape s : {Shape{7, 33, 2}, Shape{256, 1000, 0}, Shape{1, 513, 0}}) {
    // z ~ N(0, 2^2): both sides of every kink; softplus/elu tails in [-8, 8].
    std::vector<HostMatrix> mats{HostMatrix::random(s.rows, 1, 0, 11, 1.0),
                                 HostMatrix::random(s.rows, s.cols, s.pad, 12, 2.0)};
    const double e = compare_backends(mats, [&](auto& b, auto& v) {
      b.bias_activation(f, v[0], v[1]);
    });
    r.add(e, std::string("bias_activation ") + std::string(nn::activation_name(f)) + " " +
                 std::to_string(s.rows) + "x" + std::to_string(s.cols));
  }
  return r;
}

inline CaseResult activation_backward_case(nn::Activation f) {
  CaseResult r{0.0, kTolerance, ""};
  struct Shape { Index rows, cols, pad; };
  for (const Shape s : {Shape{7, 33, 2}, Shape{256, 1000, 0}}) {
    // `out` must be a possible output of f: out = f(z) on the host.
    HostMatrix out = HostMatrix::random(s.rows, s.cols, s.pad, 21, 2.0);
    for (float& x : out.values) x = nn::activate(f, x);
    std::vector<HostMatrix> mats{out, HostMatrix::random(s.rows, s.cols, 1, 22)};
    const double e = compare_backends(mats, [&](auto& b, auto& v) {
      b.activation_backward(f, v[0], v[1]);
    });
    r.add(e, std::string("activation_backward ") + std::string(nn::activation_name(f)) + " " +
                 std::to_string(s.rows) + "x" + std::to_string(s.cols));
  }
  return r;
}

inline CaseResult sum_columns_case() {
  CaseResult r{0.0, kTolerance, ""};
  struct Shape { Index rows, cols, pad; };
  for (const Shape s : {Shape{5, 1, 0}, Shape{256, 4097, 3}, Shape{1, 70000, 0}}) {
    for (float beta : {0.0f, 1.0f, 0.5f}) {
      std::vector<HostMatrix> mats{HostMatrix::random(s.rows, s.cols, s.pad, 31),
                                   HostMatrix::random(s.rows, 1, 0, 32)};
      if (beta == 0.0f) mats[1].fill(std::numeric_limits<float>::quiet_NaN());
      const double e = compare_backends(mats, [&](auto& b, auto& v) {
        b.sum_columns(v[0], beta, v[1]);
      });
      r.add(e, "sum_columns " + std::to_string(s.rows) + "x" + std::to_string(s.cols) +
                   " beta=" + std::to_string(beta));
    }
  }
  return r;
}

inline CaseResult squared_norm_case() {
  CaseResult r{0.0, kTolerance, ""};
  struct Shape { Index rows, cols, pad; };
  Cpu cpu;
  Gpu gpu;
  for (const Shape s : {Shape{1, 1, 0}, Shape{33, 17, 4}, Shape{1000, 3000, 0}}) {
    const HostMatrix m = HostMatrix::random(s.rows, s.cols, s.pad, 41);
    const double expected = cpu.squared_norm({m.values.data(), m.rows, m.cols, m.ld});
    Gpu::Buffer buffer;
    gpu.resize(buffer, m.ld * m.cols);
    gpu.upload(m.values.data(), m.ld, {gpu.data(buffer), m.ld, m.cols, m.ld});
    const nn::ConstMatrixRef<float> view{gpu.data(buffer), m.rows, m.cols, m.ld};
    const double first = gpu.squared_norm(view), second = gpu.squared_norm(view);
    const std::string what = "squared_norm " + std::to_string(s.rows) + "x" + std::to_string(s.cols);
    r.add(std::fabs(first - expected) / expected, what);
    // Fixed reduction tree: the same bits every time.
    if (first != second) r.add(std::numeric_limits<double>::infinity(), what + " (not deterministic)");
  }
  return r;
}

inline CaseResult scale_case() {
  CaseResult r{0.0, kTolerance, ""};
  for (float s : {0.37f, -2.0f, 0.0f}) {
    std::vector<HostMatrix> mats{HostMatrix::random(19, 23, 5, 51)};
    r.add(compare_backends(mats, [&](auto& b, auto& v) { b.scale(v[0], s); }),
          "scale by " + std::to_string(s));
  }
  return r;
}

/// Optimizer inputs: p, g, and state buffers (second moments are squares, >= 0).
inline std::vector<HostMatrix> optimizer_inputs(Index rows, Index cols, Index pad, int state) {
  std::vector<HostMatrix> mats{HostMatrix::random(rows, cols, pad, 61),
                               HostMatrix::random(rows, cols, pad, 62, 0.1)};
  for (int i = 0; i < state; ++i) mats.push_back(HostMatrix::random(rows, cols, pad, 63 + i, 0.05));
  if (state == 2) {
    for (float& x : mats[3].values) x = x * x;
  }
  return mats;
}

inline CaseResult adam_case() {
  CaseResult r{0.0, kTolerance, ""};
  // Step t = 3 of AdamW with lr 1e-2, weight decay 0.1: coefficients as nn::Adam computes them.
  const double lr = 1e-2, b1 = 0.9, b2 = 0.999, t = 3;
  const nn::AdamCoefficients<float> c{float(b1), float(b2), float(lr / (1 - std::pow(b1, t))),
                                      float(1 / std::sqrt(1 - std::pow(b2, t))), 1e-8f,
                                      float(lr * 0.1)};
  struct Shape { Index rows, cols, pad; };
  for (const Shape s : {Shape{100000, 1, 0}, Shape{37, 29, 3}}) {
    const double e = compare_backends(optimizer_inputs(s.rows, s.cols, s.pad, 2),
                                      [&](auto& b, auto& v) { b.adam_update(v[0], v[1], v[2], v[3], c); });
    r.add(e, "adam_update " + std::to_string(s.rows) + "x" + std::to_string(s.cols));
  }
  return r;
}

inline CaseResult sgd_case() {
  CaseResult r{0.0, kTolerance, ""};
  for (const bool nesterov : {false, true}) {
    for (const float momentum : {0.0f, 0.9f}) {
      if (nesterov && momentum == 0.0f) continue;
      const nn::SgdCoefficients<float> c{0.05f, momentum, 0.01f, nesterov};
      const double e = compare_backends(optimizer_inputs(41, 13, 2, 1),
                                        [&](auto& b, auto& v) { b.sgd_update(v[0], v[1], v[2], c); });
      r.add(e, std::string("sgd_update momentum=") + std::to_string(momentum) +
                   (nesterov ? " nesterov" : ""));
    }
  }
  return r;
}

/// upload (strided host) -> copy (strided device views) -> fill part -> download:
/// exact, so the tolerance is 0.
inline CaseResult transfers_case() {
  CaseResult r{0.0, 0.0, ""};
  const HostMatrix src = HostMatrix::random(9, 14, 3, 71);  // host ld 12
  auto run = [&](auto& b) {
    using B = std::decay_t<decltype(b)>;
    typename B::Buffer x, y;
    b.resize(x, 10 * 14);  // device ld 10
    b.resize(y, 11 * 14);  // device ld 11
    const nn::MatrixRef<float> vx{b.data(x), 9, 14, 10}, vy{b.data(y), 9, 14, 11};
    b.fill({b.data(y), 11, 14, 11}, -1.0f);
    b.upload(src.values.data(), src.ld, vx);
    b.copy(vx, vy);
    b.fill(vy.middle_cols(3, 4).middle_rows(2, 5), 2.5f);
    std::vector<float> out(13 * 14, 7.0f);  // host ld 13, padding must stay 7
    b.download(vy, out.data(), 13);
    return out;
  };
  Cpu cpu;
  Gpu gpu;
  r.add(relative_difference(run(gpu), run(cpu)), "upload/copy/fill/download");
  return r;
}

/// All op-level cases, one per op (and per activation).
inline std::vector<Case> backend_cases() {
  std::vector<Case> cases{{"gemm", gemm_case}};
  for (nn::Activation f : kActivations) {
    cases.push_back({"bias_activation_" + std::string(nn::activation_name(f)),
                     [f] { return bias_activation_case(f); }});
  }
  for (nn::Activation f : kActivations) {
    cases.push_back({"activation_backward_" + std::string(nn::activation_name(f)),
                     [f] { return activation_backward_case(f); }});
  }
  cases.push_back({"sum_columns", sum_columns_case});
  cases.push_back({"squared_norm", squared_norm_case});
  cases.push_back({"scale", scale_case});
  cases.push_back({"adam_update", adam_case});
  cases.push_back({"sgd_update", sgd_case});
  cases.push_back({"transfers", transfers_case});
  return cases;
}

}  // namespace mmc::cuda::testing
