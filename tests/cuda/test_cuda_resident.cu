// ResidentOps<CudaBackend<T>> (cuda/resident_ops.cuh) against the reference
// ResidentOps<CpuBackend<T>> (neural/resident_ops.hpp, THE CONTRACT) on the
// same data: integer work (gathered columns, epoch orders, counters) must give
// bit-identical inputs; the bound values, gradients, norms and Adam updates
// agree to rounding (1e-12 relative in double, 1e-5 in float; Adam 1e-6 in
// float). And a whole step replayed from a CUDA graph gives the same bits as
// the same step run eagerly. Every test skips without a CUDA device.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "cuda_test_helpers.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/cuda/resident_ops.cuh"
#include "mmc/neural/resident_ops.hpp"
#include "mmc/nn/optimizers.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::cuda::testing::relative_difference;
using mmc::neural::Bound;
using mmc::neural::ResidentSetup;
using mmc::neural::StepRecord;
template <class T>
using Cpu = mmc::nn::CpuBackend<T>;
template <class T>
using Gpu = mmc::cuda::CudaBackend<T>;
template <class T>
using CpuOps = mmc::neural::ResidentOps<Cpu<T>>;
template <class T>
using GpuOps = mmc::neural::ResidentOps<Gpu<T>>;

template <class T>
constexpr double kTolerance = std::is_same_v<T, double> ? 1e-12 : 1e-5;

template <class T>
std::vector<T> random_vector(Index n, std::uint64_t seed, double scale = 1.0) {
  std::vector<T> v(static_cast<std::size_t>(n));
  mmc::Rng rng(seed, 3);
  for (T& e : v) e = static_cast<T>(scale * rng.normal());
  return v;
}

/// A column-major matrix in device memory with its host mirror's shape.
template <class T>
struct DeviceMatrix {
  DeviceMatrix(const Gpu<T>& g, Index r, Index c) : gpu(g), rows(r), cols(c) {
    gpu.resize(buffer, r * c);
  }
  mmc::nn::MatrixRef<T> view() { return {gpu.data(buffer), rows, cols}; }
  void upload(const std::vector<T>& host) { gpu.upload(host.data(), rows, view()); }
  std::vector<T> download() {
    std::vector<T> host(static_cast<std::size_t>(rows * cols));
    gpu.download(view(), host.data(), rows);
    return host;
  }
  Gpu<T> gpu;
  typename Gpu<T>::Buffer buffer;
  Index rows, cols;
};

/// n samples of dx + dy features; the training indices skip every 4th row
/// (so n_train is not a multiple of the batch, and batches straddle epochs).
template <class T>
struct Data {
  Data(Index n, Index dx, Index dy, std::uint64_t seed) : x(n, dx), y(n, dy) {
    mmc::Rng rng(seed, 1);
    for (Index i = 0; i < x.size(); ++i) x.data()[i] = static_cast<T>(rng.normal());
    for (Index i = 0; i < y.size(); ++i) y.data()[i] = static_cast<T>(rng.normal());
    for (Index i = 0; i < n; ++i) {
      if (i % 4 != 3) train.push_back(i);
    }
  }
  RowMatrix<T> x, y;
  std::vector<Index> train;
};

ResidentSetup make_setup(Index batch, Index steps, Index parameters, Bound bound = Bound::dv,
                         double ema = 0.01, double clip = 0.0) {
  ResidentSetup s;
  s.batch = batch;
  s.steps = steps;
  s.parameters = parameters;
  s.config.bound = bound;
  s.config.ema = ema;
  s.clip_norm = clip;
  s.seed = 20240611;
  return s;
}

/// What neural/resident.hpp does between steps: keep the window on epochs
/// [e | e + 1], rotating and filling the next epoch when the offset wraps.
class WindowDriver {
 public:
  WindowDriver(Index n, Index k) : n_(n), k_(k) {}
  template <class... Ops>
  void start(Ops&... ops) {
    (ops.fill_epoch(0, 0), ...);
    (ops.fill_epoch(1, 1), ...);
  }
  template <class... Ops>
  void after_step(Ops&... ops) {
    offset_ += k_;
    if (offset_ < n_) return;
    offset_ -= n_;
    (ops.rotate_window(), ...);
    (ops.fill_epoch(1, next_epoch_), ...);
    ++next_epoch_;
  }

 private:
  Index n_, k_, offset_ = 0;
  std::uint64_t next_epoch_ = 2;
};

double value_difference(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b) ? 0.0 : INFINITY;
  return std::fabs(a - b) / std::max(1.0, std::fabs(b));
}

// ---- (1) the integer work: gather, epochs, window, counters -----------------------
template <class T>
void check_gather() {
  const Index k = 8, dx = 3, dy = 2, steps = 24;
  const Data<T> data(61, dx, dy, 5);  // 46 training samples
  const auto setup = make_setup(k, steps, 1);
  Gpu<T> gpu;
  CpuOps<T> cpu_ops(Cpu<T>(), setup, data.x, data.y, data.train);
  GpuOps<T> gpu_ops(gpu, setup, data.x, data.y, data.train);
  std::vector<T> cpu_input(static_cast<std::size_t>((dx + dy) * 2 * k));
  DeviceMatrix<T> gpu_input(gpu, dx + dy, 2 * k);
  WindowDriver window(static_cast<Index>(data.train.size()), k);
  window.start(cpu_ops, gpu_ops);
  for (Index s = 1; s <= steps; ++s) {
    if (s == 17) {  // an explicit position, as a resumed run sets it
      cpu_ops.set_position(17, 5);
      gpu_ops.set_position(17, 5);
    }
    cpu_ops.gather_pairs({cpu_input.data(), dx + dy, 2 * k});
    gpu_ops.gather_pairs(gpu_input.view());
    ASSERT_EQ(gpu_input.download(), cpu_input) << "step " << s;
    cpu_ops.advance();
    gpu_ops.advance();
    if (s < 17) window.after_step(cpu_ops, gpu_ops);
  }
}

TEST(CudaResident, GatherMatchesCpuBitForBit) {
  MMC_SKIP_WITHOUT_CUDA_DEVICE();
  check_gather<float>();
  check_gather<double>();
}

// ---- (2) bound_step: values, gradients, MINE's average over 3 steps ---------------
struct BoundCase {
  Bound bound;
  double ema;
};

template <class T>
void check_bound_step(BoundCase c) {
  const Index k = 64, steps = 3;
  const Data<T> data(80, 2, 2, 7);
  const auto setup = make_setup(k, steps, 1, c.bound, c.ema);
  const std::string name = std::string(mmc::neural::bound_name(c.bound)) + " ema " +
                           std::to_string(c.ema) +
                           (std::is_same_v<T, float> ? " float" : " double");
  Gpu<T> gpu;
  CpuOps<T> cpu_ops(Cpu<T>(), setup, data.x, data.y, data.train);
  GpuOps<T> gpu_ops(gpu, setup, data.x, data.y, data.train);
  DeviceMatrix<T> scores(gpu, 1, 2 * k), grad(gpu, 1, 2 * k);
  std::vector<T> cpu_grad(static_cast<std::size_t>(2 * k));
  for (Index s = 1; s <= steps; ++s) {
    std::vector<T> host_scores = random_vector<T>(2 * k, 100 + s, 1.5);
    for (Index j = 0; j < k; ++j) {  // joint scores above the marginal ones, as after training
      host_scores[static_cast<std::size_t>(j)] += T(1);
    }
    scores.upload(host_scores);
    cpu_ops.bound_step({host_scores.data(), 1, 2 * k}, {cpu_grad.data(), 1, 2 * k});
    gpu_ops.bound_step(scores.view(), grad.view());
    EXPECT_LE(relative_difference(grad.download(), cpu_grad), kTolerance<T>)
        << name << ", gradient of step " << s;
    cpu_ops.advance();
    gpu_ops.advance();
  }
  std::vector<StepRecord> cpu_log(steps), gpu_log(steps);
  cpu_ops.read_log(1, steps, cpu_log.data());
  gpu_ops.read_log(1, steps, gpu_log.data());
  for (Index s = 0; s < steps; ++s) {
    const auto i = static_cast<std::size_t>(s);
    EXPECT_LE(value_difference(gpu_log[i].loss, cpu_log[i].loss), kTolerance<T>)
        << name << ", loss of step " << s + 1 << ": " << gpu_log[i].loss << " vs "
        << cpu_log[i].loss;
    EXPECT_LE(value_difference(gpu_log[i].estimate, cpu_log[i].estimate), kTolerance<T>)
        << name << ", estimate of step " << s + 1;
    EXPECT_TRUE(std::isfinite(gpu_log[i].loss)) << name;
  }
}

TEST(CudaResident, BoundStepMatchesCpu) {
  MMC_SKIP_WITHOUT_CUDA_DEVICE();
  for (const BoundCase c : {BoundCase{Bound::dv, 0.01}, BoundCase{Bound::dv, 1.0},
                            BoundCase{Bound::nwj, 0.01}, BoundCase{Bound::js, 0.01},
                            BoundCase{Bound::smile, 0.01}}) {
    check_bound_step<float>(c);
    check_bound_step<double>(c);
  }
}

// ---- (3) gradient_norm: the logged norm and clipping ------------------------------
template <class T>
void check_gradient_norm(double clip) {
  const Index p = 300, steps = 3;
  const Data<T> data(20, 2, 2, 9);
  const auto setup = make_setup(4, steps, p, Bound::dv, 0.01, clip);
  Gpu<T> gpu;
  CpuOps<T> cpu_ops(Cpu<T>(), setup, data.x, data.y, data.train);
  GpuOps<T> gpu_ops(gpu, setup, data.x, data.y, data.train);
  DeviceMatrix<T> grads(gpu, p, 1);
  for (Index s = 1; s <= steps; ++s) {
    // step 2 is small: below any clip norm used here, so it stays unscaled
    std::vector<T> cpu_grads = random_vector<T>(p, 200 + s, s == 2 ? 1e-3 : 1.0);
    grads.upload(cpu_grads);
    cpu_ops.gradient_norm({cpu_grads.data(), p, 1});
    gpu_ops.gradient_norm(grads.view());
    EXPECT_LE(relative_difference(grads.download(), cpu_grads), kTolerance<T>)
        << "clip " << clip << ", step " << s;
    cpu_ops.advance();
    gpu_ops.advance();
  }
  std::vector<StepRecord> cpu_log(steps), gpu_log(steps);
  cpu_ops.read_log(1, steps, cpu_log.data());
  gpu_ops.read_log(1, steps, gpu_log.data());
  for (Index s = 0; s < steps; ++s) {
    const auto i = static_cast<std::size_t>(s);
    EXPECT_LE(value_difference(gpu_log[i].squared_norm, cpu_log[i].squared_norm), 1e-12)
        << "clip " << clip << ", step " << s + 1;
    EXPECT_GT(gpu_log[i].squared_norm, 0.0);
  }
}

TEST(CudaResident, GradientNormMatchesCpu) {
  MMC_SKIP_WITHOUT_CUDA_DEVICE();
  for (const double clip : {0.0, 2.0}) {  // |g| ~ sqrt(300) at steps 1 and 3: clipped
    check_gradient_norm<float>(clip);
    check_gradient_norm<double>(clip);
  }
}

// ---- (4) adam with the coefficient table ------------------------------------------
template <class T>
void check_adam(double tolerance) {
  const Index p = 1000, steps = 6;
  const Data<T> data(20, 2, 2, 11);
  const auto setup = make_setup(4, steps, p);
  mmc::nn::AdamOptions options;
  options.lr = 1e-2;
  options.weight_decay = 0.1;
  std::vector<mmc::nn::AdamCoefficients<T>> table;
  for (Index t = 1; t <= steps; ++t) table.push_back(mmc::nn::adam_coefficients<T>(options, t));
  Gpu<T> gpu;
  CpuOps<T> cpu_ops(Cpu<T>(), setup, data.x, data.y, data.train);
  GpuOps<T> gpu_ops(gpu, setup, data.x, data.y, data.train);
  // The table in two pieces, as a run whose schedule changes at an evaluation.
  const std::span<const mmc::nn::AdamCoefficients<T>> all(table);
  cpu_ops.set_schedule(1, all.first(2));
  cpu_ops.set_schedule(3, all.subspan(2));
  gpu_ops.set_schedule(1, all.first(2));
  gpu_ops.set_schedule(3, all.subspan(2));
  std::vector<T> cpu_params = random_vector<T>(p, 300);
  DeviceMatrix<T> params(gpu, p, 1), grads(gpu, p, 1);
  params.upload(cpu_params);
  for (Index s = 1; s <= steps; ++s) {
    if (s == 4) {  // restart the optimizer (and the schedule) mid-run
      cpu_ops.reset_optimizer();
      gpu_ops.reset_optimizer();
      cpu_ops.set_position(1, 0);
      gpu_ops.set_position(1, 0);
    }
    const std::vector<T> g = random_vector<T>(p, 400 + s);
    grads.upload(g);
    cpu_ops.adam({cpu_params.data(), p, 1}, {g.data(), p, 1});
    gpu_ops.adam(params.view(), grads.view());
    EXPECT_LE(relative_difference(params.download(), cpu_params), tolerance) << "step " << s;
    cpu_ops.advance();
    gpu_ops.advance();
  }
}

TEST(CudaResident, AdamMatchesCpu) {
  MMC_SKIP_WITHOUT_CUDA_DEVICE();
  check_adam<float>(1e-6);
  check_adam<double>(1e-12);
}

// ---- (5) a whole step: CUDA graph replay == eager, bit for bit --------------------
/// A linear critic T(x, y) = w . [x; y] trained by the resident loop: gather,
/// scores = w^T input (cuBLAS), bound_step, grad = input dscores^T (cuBLAS),
/// gradient_norm (clipped), adam, advance.
struct LinearRun {
  static constexpr Index kBatch = 8, kDx = 3, kDy = 2, kD = kDx + kDy, kSteps = 20;

  LinearRun(const Data<float>& data, bool graph)
      : gpu(mmc::cuda::CudaOptions{}),  // its own stream and cuBLAS handle
        ops(gpu, make_setup(kBatch, kSteps, kD, Bound::dv, 0.01, 0.5), data.x, data.y,
            data.train),
        input(gpu, kD, 2 * kBatch), scores(gpu, 1, 2 * kBatch), dscores(gpu, 1, 2 * kBatch),
        params(gpu, kD, 1), grads(gpu, kD, 1) {
    ops.use_graph(graph);
    mmc::nn::AdamOptions options;
    options.lr = 0.05;
    std::vector<mmc::nn::AdamCoefficients<float>> table;
    for (Index t = 1; t <= kSteps; ++t) {
      table.push_back(mmc::nn::adam_coefficients<float>(options, t));
    }
    ops.set_schedule(1, table);
    params.upload(random_vector<float>(kD, 500, 0.1));
    WindowDriver window(static_cast<Index>(data.train.size()), kBatch);
    window.start(ops);
    for (Index s = 1; s <= kSteps; ++s) {
      ops.run_step([&] { step(); });
      window.after_step(ops);
    }
    log.resize(kSteps);
    ops.read_log(1, kSteps, log.data());
    final_params = params.download();
  }

  void step() {
    using mmc::nn::Trans;
    ops.gather_pairs(input.view());
    gpu.gemm(Trans::yes, Trans::no, 1.0f, params.view(), input.view(), 0.0f, scores.view());
    ops.bound_step(scores.view(), dscores.view());
    gpu.gemm(Trans::no, Trans::yes, 1.0f, input.view(), dscores.view(), 0.0f, grads.view());
    ops.gradient_norm(grads.view());
    ops.adam(params.view(), grads.view());
    ops.advance();
  }

  Gpu<float> gpu;
  GpuOps<float> ops;
  DeviceMatrix<float> input, scores, dscores, params, grads;
  std::vector<StepRecord> log;
  std::vector<float> final_params;
};

TEST(CudaResident, GraphReplayIsBitIdenticalToEagerSteps) {
  MMC_SKIP_WITHOUT_CUDA_DEVICE();
  const Data<float> data(61, LinearRun::kDx, LinearRun::kDy, 13);
  const LinearRun eager(data, false), graph(data, true);
  ASSERT_EQ(graph.log.size(), eager.log.size());
  for (std::size_t i = 0; i < eager.log.size(); ++i) {
    EXPECT_EQ(std::memcmp(&graph.log[i], &eager.log[i], sizeof(StepRecord)), 0)
        << "step " << i + 1 << ": graph loss " << graph.log[i].loss << " estimate "
        << graph.log[i].estimate << " norm^2 " << graph.log[i].squared_norm << ", eager "
        << eager.log[i].loss << " " << eager.log[i].estimate << " " << eager.log[i].squared_norm;
    // every replay wrote its own record: the graph reads s from device memory
    EXPECT_GT(graph.log[i].squared_norm, 0.0) << "step " << i + 1;
    EXPECT_TRUE(std::isfinite(graph.log[i].loss)) << "step " << i + 1;
  }
  EXPECT_EQ(graph.final_params, eager.final_params);
}

TEST(CudaResident, RejectsAllPairsAndInfoNce) {
  MMC_SKIP_WITHOUT_CUDA_DEVICE();
  const Data<float> data(20, 2, 2, 1);
  auto setup = make_setup(4, 2, 1);
  setup.config.pairing = mmc::neural::Pairing::all_pairs;
  EXPECT_THROW(GpuOps<float>(Gpu<float>(), setup, data.x, data.y, data.train),
               mmc::invalid_argument);
  setup = make_setup(4, 2, 1, Bound::infonce);
  EXPECT_THROW(GpuOps<float>(Gpu<float>(), setup, data.x, data.y, data.train),
               mmc::invalid_argument);
}

}  // namespace
