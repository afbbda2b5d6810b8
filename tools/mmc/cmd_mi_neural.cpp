// tools/mmc/cmd_mi_neural.cpp — the neural estimators of `mmc mi`
// (mine|nwj|infonce|js|smile: variational bounds, docs/design.md §3.2; doe:
// difference of CENE entropies, §3.3) and `mmc entropy --estimator cene`, on
// the CPU backend; `--device cuda` goes to cmd_neural_cuda.cu when built.
// A separate translation unit: these templates are the heaviest to compile.
#include "neural_commands.hpp"

namespace mmc::cli {

int run_mi_neural(const ParsedArgs& args, estimators::Estimator estimator) {
  if (device_from(args) == "cuda") return run_mi_neural_cuda(args, estimator);
  return run_mi_neural_on<nn::CpuBackend<float>>(args, estimator);
}

int run_entropy_cene(const ParsedArgs& args) {
  if (device_from(args) == "cuda") return run_entropy_cene_cuda(args);
  return run_entropy_cene_on<nn::CpuBackend<float>>(args);
}

}  // namespace mmc::cli
