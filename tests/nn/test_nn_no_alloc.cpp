// After the first step, a training step allocates nothing (docs/design.md §6: "no heap
// allocation per training step after the first"). Two independent detectors:
// a replaced global operator new/new[] (every C++ allocation: std::vector,
// std::function, ...) counting inside a window, and Eigen's
// EIGEN_RUNTIME_NO_MALLOC guard, which aborts on any Eigen heap allocation
// (Eigen allocates with malloc, which operator new does not see).
#define EIGEN_RUNTIME_NO_MALLOC
#include <Eigen/Core>
// The Eigen include above must come first, so that the macro is seen.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <vector>

#include "mmc/nn/clip.hpp"
#include "mmc/nn/losses.hpp"
#include "mmc/nn/mixture_density.hpp"
#include "mmc/nn/mlp.hpp"
#include "mmc/nn/optimizers.hpp"
#include "allocation_counter.hpp"
#include "nn_testing.hpp"


namespace {

using mmc_test_alloc::g_allocations;
using mmc_test_alloc::g_counting;
using mmc::Index;
using mmc::RowMatrix;
using mmc::nn::as_batch;
using mmc::nn::view;

/// Counts allocations of f() with both detectors armed.
template <class F>
long allocations_during(F&& f) {
  g_allocations = 0;
  Eigen::internal::set_is_malloc_allowed(false);
  g_counting = true;
  f();
  g_counting = false;
  Eigen::internal::set_is_malloc_allowed(true);
  return g_allocations.load();
}

TEST(NnNoAlloc, DetectorSeesAllocations) {
  // The oracle must be able to fail: a vector inside the window is counted.
  const long n = allocations_during([] {
    std::vector<int> v(100);
    (void)v;
  });
  EXPECT_GE(n, 1);
}

TEST(NnNoAlloc, CriticTrainingStepAfterTheFirst) {
  // The benchmark's critic step (10 -> 256 -> 256 -> 1, 1024 columns) on two
  // threads with Adam and clipping: GEMMs cut into blocks, packing buffers,
  // thread-pool dispatch, optimizer state.
  mmc::nn::CpuBackend<float> backend(2);
  mmc::nn::Mlp<float> mlp({10, 256, 256, 1}, mmc::nn::Activation::relu, 1, backend);
  mmc::nn::Adam<float> adam({.lr = 1e-4, .weight_decay = 1e-3}, backend);
  const RowMatrix<float> x = mmc::nn::testing::random_matrix<RowMatrix<float>>(1024, 10, 2);
  Eigen::MatrixXf d(1, 1024);
  d.leftCols(512).setConstant(-1.0f / 512);
  d.rightCols(512).setConstant(1.0f / 512);
  auto step = [&] {
    mlp.forward(as_batch(x));
    mlp.backward(view(d), {.input_gradient = true});
    mmc::nn::clip_gradient_norm(mlp, 10.0);
    adam.step(mlp);
  };
  step();  // first step: workspaces, packing buffers, Adam moments
  EXPECT_EQ(allocations_during([&] {
              for (int i = 0; i < 2; ++i) step();
            }),
            0);
}

TEST(NnNoAlloc, ClassifierAndMixtureStepsWithSmallerBatches) {
  // Smaller batches than the first reuse the workspaces; the host losses and
  // SGD allocate nothing either.
  mmc::nn::CpuBackend<double> backend(2);
  const mmc::nn::MixtureLayout layout{3, 2};
  mmc::nn::Mlp<double> classifier({6, 64, 4}, mmc::nn::Activation::elu, 1, backend);
  mmc::nn::Mlp<double> mdn({6, 64, layout.outputs()}, mmc::nn::Activation::tanh, 2, backend);
  mmc::nn::Sgd<double> sgd({.lr = 1e-2, .momentum = 0.9}, backend);
  mmc::nn::Adam<double> adam({}, backend);
  const RowMatrix<double> x = mmc::nn::testing::random_matrix<RowMatrix<double>>(300, 6, 3);
  const Eigen::MatrixXd y = mmc::nn::testing::random_matrix<Eigen::MatrixXd>(2, 300, 4);
  std::vector<int> labels(300);
  for (std::size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int>(i % 4);
  Eigen::MatrixXd d_class(4, 300), d_mdn(layout.outputs(), 300);
  auto step = [&](Index n) {
    const std::span<const int> l(labels.data(), static_cast<std::size_t>(n));
    mmc::nn::MatrixRef<double> dc(d_class.data(), 4, n), dm(d_mdn.data(), layout.outputs(), n);
    mmc::nn::softmax_cross_entropy<double>(classifier.forward(as_batch(x.topRows(n))), l, dc);
    classifier.backward(dc);
    sgd.step(classifier);
    const mmc::nn::ConstMatrixRef<double> target(y.data(), 2, n);
    mmc::nn::gaussian_mixture_nll<double>(mdn.forward(as_batch(x.topRows(n))), target, layout, dm);
    mdn.backward(dm);
    adam.step(mdn);
  };
  step(300);
  EXPECT_EQ(allocations_during([&] {
              step(128);
              step(300);
              step(7);
            }),
            0);
}

}  // namespace
