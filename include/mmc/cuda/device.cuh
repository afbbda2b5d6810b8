// mmc/cuda/device.cuh — is there a usable CUDA device, and which one is current.
//
// Why a header of its own: tests, the CLI (`--device cuda`) and scripts/gpu-check
// must tell "no GPU here" (skip, or fall back to the CPU backend, with a clear
// reason) apart from a real failure, without throwing. docs/design.md §4: without a
// GPU the CUDA tests skip with a message.
#pragma once

#include <cuda_runtime.h>

#include <cstdio>
#include <string>

#include "mmc/cuda/check.cuh"

namespace mmc::cuda {

/// The result of probing the CUDA runtime: how many devices, and if none, why.
struct DeviceStatus {
  int count = 0;       ///< usable devices (0 when the probe failed)
  std::string reason;  ///< empty when count > 0; otherwise what the runtime said
  bool available() const noexcept { return count > 0; }
};

/// Probes the runtime once per call; never throws. Typical reasons: no driver
/// (cudaErrorInsufficientDriver on a machine without a GPU), no device, or a
/// device hidden by CUDA_VISIBLE_DEVICES.
inline DeviceStatus device_status() {
  DeviceStatus status;
  int count = 0;
  const cudaError_t error = cudaGetDeviceCount(&count);
  if (error != cudaSuccess) {
    (void)cudaGetLastError();
    status.reason = std::string("cudaGetDeviceCount failed: ") + cudaGetErrorName(error) + " (" +
                    cudaGetErrorString(error) + ")";
    return status;
  }
  if (count == 0) {
    status.reason = "cudaGetDeviceCount returned 0 devices";
    return status;
  }
  status.count = count;
  return status;
}

/// Number of usable devices (0 on any failure).
inline int device_count() { return device_status().count; }

/// "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.1 GiB)" for a device index.
inline std::string device_description(int device) {
  cudaDeviceProp p{};
  MMC_CUDA_CHECK(cudaGetDeviceProperties(&p, device));
  char memory[32];
  std::snprintf(memory, sizeof memory, "%.1f GiB",
                static_cast<double>(p.totalGlobalMem) / (1024.0 * 1024.0 * 1024.0));
  return std::string(p.name) + " (sm_" + std::to_string(p.major) + std::to_string(p.minor) +
         ", " + std::to_string(p.multiProcessorCount) + " SMs, " + memory + ")";
}

namespace detail {

/// Makes `device` current for a scope and restores the previous one. Cheap when
/// it is already current (one thread-local read, no driver call).
class DeviceGuard {
 public:
  explicit DeviceGuard(int device) {
    MMC_CUDA_CHECK(cudaGetDevice(&previous_));
    if (previous_ != device) MMC_CUDA_CHECK(cudaSetDevice(device));
    device_ = device;
  }
  ~DeviceGuard() {
    if (previous_ != device_) (void)cudaSetDevice(previous_);
  }
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
  int device_ = 0;
};

}  // namespace detail
}  // namespace mmc::cuda
