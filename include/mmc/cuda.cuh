// mmc/cuda.cuh — the CUDA backend (docs/design.md §4): device buffers, error checks,
// the element-wise kernels and deterministic reductions, and CudaBackend<T>,
// which runs mmc::nn's MLP and optimizers on an NVIDIA GPU. Include it from a
// .cu translation unit compiled by nvcc; it defines MMC_HAS_CUDA. See docs/cuda.md.
#pragma once

#include "mmc/cuda/check.cuh"
#include "mmc/cuda/cuda_backend.cuh"
#include "mmc/cuda/device.cuh"
#include "mmc/cuda/device_buffer.cuh"
#include "mmc/cuda/kernels.cuh"
#include "mmc/cuda/reduce.cuh"
#include "mmc/cuda/resident_ops.cuh"
