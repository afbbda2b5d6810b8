// tools/mmc/cmd_neural_no_cuda.cpp — `--device cuda` in a build without nvcc
// (the neural commands and the fusion commands): a one-line usage error saying
// how to get the CUDA backend.
#include <mmc/fusion/runner.hpp>
#include <mmc/metric/neural_backends.hpp>

#include "commands.hpp"

namespace mmc::cli {

namespace {
[[noreturn]] void no_cuda() {
  throw UsageError(
      "option '--device cuda': this mmc was built without the CUDA backend (nvcc/cuBLAS not "
      "found at configure time); rebuild with CUDA (meson setup -Dcuda=enabled) or use --device cpu");
}
}  // namespace

int run_mi_neural_cuda(const ParsedArgs&, estimators::Estimator) { no_cuda(); }
int run_entropy_cene_cuda(const ParsedArgs&) { no_cuda(); }
metric::NeuralRunner cuda_neural_runner() { no_cuda(); }
fusion::FusionRunner cuda_fusion_runner() { no_cuda(); }
bool cuda_device_built() { return false; }

}  // namespace mmc::cli
