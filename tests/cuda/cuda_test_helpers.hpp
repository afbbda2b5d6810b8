// Shared by the GoogleTest programs of tests/cuda/: the single place that
// decides whether a test needs to skip because there is no CUDA device, and a
// parameterised fixture that runs the named comparisons of cuda_cases.cuh /
// mlp_cases.cuh as one test each.
#pragma once

#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "cuda_cases.cuh"
#include "mmc/cuda/device.cuh"

namespace mmc::cuda::testing {

/// The device probe, made once per process.
inline const DeviceStatus& cached_device_status() {
  static const DeviceStatus status = device_status();
  return status;
}

/// GoogleTest parameter names must be alphanumeric or '_'.
inline std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = info.param.name;
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

/// One CPU-vs-CUDA comparison per test.
class CudaCase : public ::testing::TestWithParam<Case> {};

}  // namespace mmc::cuda::testing

/// Skips the current test, with the runtime's reason, when no CUDA device is usable.
#define MMC_SKIP_WITHOUT_CUDA_DEVICE()                                                   \
  do {                                                                                   \
    const auto& mmc_status_ = ::mmc::cuda::testing::cached_device_status();              \
    if (!mmc_status_.available()) GTEST_SKIP() << "no CUDA device: " << mmc_status_.reason; \
  } while (0)

/// One test per case of `cases` (a std::vector<Case>), named PREFIX/CudaCase...;
/// each runs the case and reports its worst sub-check.
#define MMC_CUDA_CASE_TESTS(PREFIX, cases)                                               \
  using ::mmc::cuda::testing::CudaCase;                                                  \
  TEST_P(CudaCase, AgreesWithCpuBackend) {                                               \
    MMC_SKIP_WITHOUT_CUDA_DEVICE();                                                      \
    const ::mmc::cuda::testing::CaseResult mmc_result_ = GetParam().run();               \
    EXPECT_TRUE(mmc_result_.passed()) << GetParam().name << ": " << mmc_result_.detail   \
                                      << " exceeds the tolerance " << mmc_result_.tolerance; \
  }                                                                                      \
  INSTANTIATE_TEST_SUITE_P(PREFIX, CudaCase, ::testing::ValuesIn(cases),                 \
                           ::mmc::cuda::testing::case_name)
