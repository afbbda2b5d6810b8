// tools/mmc/cmd_fusion_cuda.cu — `--device cuda` for `mmc fusion`, `mmc
// robustness` and `mmc demo`: the fusion experiments (fusion/runner.hpp) on
// mmc::cuda::CudaBackend<float> (docs/design.md §4). Compiled by nvcc only when
// the build found CUDA, apart from cmd_neural_cuda.cu so that the two compile
// in parallel; otherwise cmd_neural_no_cuda.cpp answers --device cuda with a
// clear error.
#include <mmc/cuda/cuda_backend.cuh>

#include <mmc/fusion/runner.hpp>

#include "commands.hpp"

namespace mmc::cli {

fusion::FusionRunner cuda_fusion_runner() {
  // This thread's default context now: without a usable device the backend's
  // one-line device_error comes before any data are read or any work is done.
  (void)cuda::CudaBackend<float>();
  return fusion::fusion_runner<cuda::CudaBackend<float>>("cuda");
}

}  // namespace mmc::cli
