// tools/mmc/cmd_neural_cuda.cu — `--device cuda` for the neural estimators:
// the same commands as cmd_mi_neural.cpp on mmc::cuda::CudaBackend<float>
// (docs/design.md §4). Compiled by nvcc only when the build found CUDA; otherwise
// cmd_neural_no_cuda.cpp answers --device cuda with a clear error.
#include <mmc/cuda/cuda_backend.cuh>
#include <mmc/cuda/bound_ops.cuh>

#include <mmc/metric/neural_backends.hpp>

#include "neural_commands.hpp"

namespace mmc::cli {

int run_mi_neural_cuda(const ParsedArgs& args, estimators::Estimator estimator) {
  return run_mi_neural_on<cuda::CudaBackend<float>>(args, estimator);
}

int run_entropy_cene_cuda(const ParsedArgs& args) {
  return run_entropy_cene_on<cuda::CudaBackend<float>>(args);
}

metric::NeuralRunner cuda_neural_runner() {
  return metric::neural_runner<cuda::CudaBackend<float>>("cuda");
}

bool cuda_device_built() { return true; }

}  // namespace mmc::cli
