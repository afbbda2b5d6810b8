// mmc/cuda/check.cuh — turns CUDA runtime and cuBLAS status codes into C++
// exceptions that name the failing call, the file and line, the error and a fix
// (docs/design.md §2 "bad input gets a clear exception", §4 the CUDA backend).
//
// Why exceptions and not abort(): the rest of mmc reports every failure with an
// exception (core/errors.hpp), and a caller that asked for `--device cuda` on a
// machine without a usable GPU must get a message, not a crash. Device-side
// faults surface asynchronously at the next synchronising call (a download, a
// squared_norm); the message then names that call, so it says so.
//
//     MMC_CUDA_CHECK(cudaMalloc(&p, bytes));
//     MMC_CUBLAS_CHECK(cublasSgemm(handle, ...));
#pragma once

#ifndef __CUDACC__
#error "mmc/cuda/*.cuh must be compiled by nvcc (a .cu translation unit); see docs/cuda.md"
#endif

#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace mmc::cuda {

/// A CUDA runtime or cuBLAS call failed (no device, out of memory, a kernel
/// fault, a driver older than the runtime...). Derived from std::runtime_error.
class device_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

/// What a user can do about the most common failures.
inline const char* cuda_fix(cudaError_t error) noexcept {
  switch (error) {
    case cudaErrorNoDevice:
      return "no CUDA device is visible: run on a machine with an NVIDIA GPU, check "
             "CUDA_VISIBLE_DEVICES, or use the CPU backend (--device cpu)";
    case cudaErrorInsufficientDriver:
      return "the NVIDIA driver is missing or older than this CUDA runtime: install a newer "
             "driver, or use the CPU backend (--device cpu)";
    case cudaErrorMemoryAllocation:
      return "the GPU is out of memory: use a smaller batch or hidden width";
    case cudaErrorInvalidDevice:
      return "the device index does not exist: pick one in [0, cudaGetDeviceCount())";
    case cudaErrorNoKernelImageForDevice:
      return "this binary has no code for this GPU's architecture: rebuild with its "
             "-gencode (docs/cuda.md)";
    default:
      return "see the CUDA error above; if it came from an earlier kernel, rerun with "
             "CUDA_LAUNCH_BLOCKING=1 to locate it";
  }
}

[[noreturn]] inline void throw_cuda(cudaError_t error, const char* call, const char* file,
                                    int line) {
  throw device_error(std::string("mmc::cuda: ") + call + " failed at " + file + ":" +
                     std::to_string(line) + ": " + cudaGetErrorName(error) + " (" +
                     cudaGetErrorString(error) + "); " + cuda_fix(error));
}

[[noreturn]] inline void throw_cublas(cublasStatus_t status, const char* call, const char* file,
                                      int line) {
  const char* fix = status == CUBLAS_STATUS_NOT_INITIALIZED
                        ? "cuBLAS could not start (no device, or out of memory); check the GPU"
                    : status == CUBLAS_STATUS_ALLOC_FAILED
                        ? "the GPU is out of memory: use a smaller batch or hidden width"
                        : "the arguments of this call are inconsistent (a bug in mmc: please report)";
  throw device_error(std::string("mmc::cuda: ") + call + " failed at " + file + ":" +
                     std::to_string(line) + ": " + cublasGetStatusName(status) + " (" +
                     cublasGetStatusString(status) + "); " + fix);
}

inline void check_cuda(cudaError_t error, const char* call, const char* file, int line) {
  if (error != cudaSuccess) {
    (void)cudaGetLastError();  // clear a sticky-free error so later calls start clean
    throw_cuda(error, call, file, line);
  }
}

inline void check_cublas(cublasStatus_t status, const char* call, const char* file, int line) {
  if (status != CUBLAS_STATUS_SUCCESS) throw_cublas(status, call, file, line);
}

}  // namespace detail
}  // namespace mmc::cuda

/// Throws mmc::cuda::device_error when a CUDA runtime call does not return cudaSuccess.
#define MMC_CUDA_CHECK(call) ::mmc::cuda::detail::check_cuda((call), #call, __FILE__, __LINE__)
/// Throws mmc::cuda::device_error when a cuBLAS call does not return CUBLAS_STATUS_SUCCESS.
#define MMC_CUBLAS_CHECK(call) ::mmc::cuda::detail::check_cublas((call), #call, __FILE__, __LINE__)
