// CudaBackend<float> against CpuBackend<float>, op by op (cuda_cases.cuh), plus
// the parts that need no GPU and therefore run in CI everywhere: the device
// probe, the no-device error, and the messages of the error-checking macros.
#include <gtest/gtest.h>

#include <string>

#include "cuda_cases.cuh"
#include "cuda_test_helpers.hpp"
#include "mmc/core/errors.hpp"
#include "mmc/cuda/check.cuh"
#include "mmc/cuda/cuda_backend.cuh"
#include "mmc/cuda/device.cuh"

namespace {

MMC_CUDA_CASE_TESTS(Ops, mmc::cuda::testing::backend_cases());

TEST(CudaDevice, StatusHasAReasonExactlyWhenThereIsNoDevice) {
  const mmc::cuda::DeviceStatus s = mmc::cuda::device_status();
  if (s.available()) {
    EXPECT_GT(s.count, 0);
    EXPECT_TRUE(s.reason.empty()) << s.reason;
    EXPECT_NE(mmc::cuda::device_description(0).find("sm_"), std::string::npos);
  } else {
    EXPECT_EQ(s.count, 0);
    EXPECT_FALSE(s.reason.empty());
    EXPECT_EQ(mmc::cuda::device_count(), 0);
  }
}

TEST(CudaDevice, BackendWithoutDeviceThrowsAClearError) {
  if (mmc::cuda::device_status().available()) GTEST_SKIP() << "a CUDA device is present";
  try {
    mmc::cuda::CudaBackend<float> backend;
    ADD_FAILURE() << "no exception without a device";
  } catch (const mmc::cuda::device_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("no usable CUDA device"), std::string::npos) << what;
    EXPECT_NE(what.find("CpuBackend"), std::string::npos) << what;
  }
}

TEST(CudaDevice, InvalidDeviceIndexIsAnInvalidArgument) {
  MMC_SKIP_WITHOUT_CUDA_DEVICE();
  try {
    mmc::cuda::CudaBackend<float> backend(mmc::cuda::CudaOptions{.device = 1000});
    ADD_FAILURE() << "no exception for device 1000";
  } catch (const mmc::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'options.device'"), std::string::npos) << e.what();
  }
}

TEST(CudaCheck, CudaErrorNamesTheCallTheFileAndAFix) {
  try {
    MMC_CUDA_CHECK(cudaErrorMemoryAllocation);
    ADD_FAILURE() << "no exception";
  } catch (const mmc::cuda::device_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("cudaErrorMemoryAllocation failed at"), std::string::npos) << what;
    EXPECT_NE(what.find("test_cuda_backend.cu:"), std::string::npos) << what;
    EXPECT_NE(what.find("smaller batch"), std::string::npos) << what;
  }
  EXPECT_NO_THROW(MMC_CUDA_CHECK(cudaSuccess));
}

TEST(CudaCheck, CublasErrorNamesTheStatus) {
  try {
    MMC_CUBLAS_CHECK(CUBLAS_STATUS_ALLOC_FAILED);
    ADD_FAILURE() << "no exception";
  } catch (const mmc::cuda::device_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("CUBLAS_STATUS_ALLOC_FAILED"), std::string::npos) << what;
    EXPECT_NE(what.find("test_cuda_backend.cu:"), std::string::npos) << what;
  }
  EXPECT_NO_THROW(MMC_CUBLAS_CHECK(CUBLAS_STATUS_SUCCESS));
}

}  // namespace
