// The neural bound operations on the device (cuda/bound_ops.cuh) against the
// CPU ones, and whole Mine / InfoNce estimates trained on CudaBackend<float>
// against the CPU backend's seed-to-seed spread (neural_cases.cuh).
#include <gtest/gtest.h>

#include "cuda_test_helpers.hpp"
#include "neural_cases.cuh"

namespace {

MMC_CUDA_CASE_TESTS(Neural, mmc::cuda::testing::neural_cases());

TEST(CudaBoundOps, StatsAreBitReproducible) {
  MMC_SKIP_WITHOUT_CUDA_DEVICE();
  using mmc::cuda::testing::Gpu;
  const auto m = mmc::cuda::testing::score_matrix(300, 300, 0, 7);
  Gpu gpu;
  Gpu::Buffer buffer;
  gpu.resize(buffer, m.ld * m.cols);
  gpu.upload(m.values.data(), m.ld, {gpu.data(buffer), m.ld, m.cols, m.ld});
  const mmc::nn::ConstMatrixRef<float> scores{gpu.data(buffer), m.rows, m.cols, m.ld};
  mmc::neural::BoundOps<Gpu> a(gpu), b(Gpu(mmc::cuda::CudaOptions{}));
  const auto sa = a.stats(mmc::neural::ScoreBlock::matrix, scores, 2.0);
  const auto sb = b.stats(mmc::neural::ScoreBlock::matrix, scores, 2.0);
  EXPECT_EQ(sa.joint_sum, sb.joint_sum);
  EXPECT_EQ(sa.marginal_lse, sb.marginal_lse);
  EXPECT_EQ(sa.marginal_clipped_lse, sb.marginal_clipped_lse);
  EXPECT_EQ(sa.marginal_js, sb.marginal_js);
  EXPECT_EQ(sa.nce_sum, sb.nce_sum);
}

}  // namespace
