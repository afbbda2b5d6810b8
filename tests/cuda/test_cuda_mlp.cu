// A whole mmc::nn::Mlp on CudaBackend<float> against the same network on
// CpuBackend<float> (mlp_cases.cuh): forward, backward, one AdamW step; and
// the CUDA step's run-to-run determinism (docs/design.md §2, §4).
#include <gtest/gtest.h>

#include "cuda_test_helpers.hpp"
#include "mlp_cases.cuh"

namespace {

MMC_CUDA_CASE_TESTS(Mlp, mmc::cuda::testing::mlp_cases());

TEST(CudaMlp, SameSeedSameBitsOnEveryRun) {
  MMC_SKIP_WITHOUT_CUDA_DEVICE();
  using mmc::cuda::testing::Gpu;
  for (const auto& net : mmc::cuda::testing::net_cases()) {
    // A fresh context each time: nothing may depend on state left by a run.
    const auto a = mmc::cuda::testing::run_step(net, Gpu(mmc::cuda::CudaOptions{}));
    const auto b = mmc::cuda::testing::run_step(net, Gpu(mmc::cuda::CudaOptions{}));
    EXPECT_EQ(a.output, b.output);
    EXPECT_EQ(a.gradients, b.gradients);
    EXPECT_EQ(a.input_gradient, b.input_gradient);
    EXPECT_EQ(a.updated, b.updated);
  }
}

}  // namespace
