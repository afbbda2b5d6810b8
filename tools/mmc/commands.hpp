// tools/mmc/commands.hpp — the subcommands of the mmc program. Each lives in
// its own translation unit (cmd_<name>.cpp) so the heavy template code of one
// subcommand is compiled once, in parallel with the others.
#pragma once

#include <string>
#include <vector>

#include <mmc/estimators/registry.hpp>

#include "args.hpp"

namespace mmc::estimators {
struct NonNeuralOptions;
}

namespace mmc::metric {
struct NeuralRunner;  // mmc/metric/neural_backends.hpp
}  // namespace mmc::metric

namespace mmc::fusion {
struct FusionRunner;  // mmc/fusion/runner.hpp
}  // namespace mmc::fusion

namespace mmc::cli {

struct Command {
  CommandSpec (*spec)();
  int (*run)(const ParsedArgs& args);
};

// Declared here, defined in cmd_<name>.cpp (robustness: cmd_robustness.cpp).
CommandSpec mi_spec();
int run_mi(const ParsedArgs& args);
CommandSpec cmi_spec();
int run_cmi(const ParsedArgs& args);
CommandSpec entropy_spec();
int run_entropy(const ParsedArgs& args);

CommandSpec complementarity_spec();
int run_complementarity(const ParsedArgs& args);
CommandSpec robustness_spec();
int run_robustness(const ParsedArgs& args);
CommandSpec fusion_spec();
int run_fusion(const ParsedArgs& args);
CommandSpec laziness_spec();
int run_laziness(const ParsedArgs& args);
CommandSpec demo_spec();
int run_demo(const ParsedArgs& args);
CommandSpec generate_spec();
int run_generate(const ParsedArgs& args);
CommandSpec mi_matrix_spec(); int run_mi_matrix(const ParsedArgs& args);  // cmd_mi_matrix.cpp

// The non-neural estimator options from the command line (cmd_mi.cpp; also
// used by `entropy`, whose quantity is not scale-invariant: standardize off).
estimators::NonNeuralOptions non_neural_options_from(const ParsedArgs& args, bool standardize_default);

// Neural parts of `mi` and `entropy` (cmd_mi_neural.cpp: the CPU backend).
int run_mi_neural(const ParsedArgs& args, estimators::Estimator estimator);
int run_entropy_cene(const ParsedArgs& args);
// --device cuda (cmd_neural_cuda.cu with CUDA, cmd_neural_no_cuda.cpp without).
int run_mi_neural_cuda(const ParsedArgs& args, estimators::Estimator estimator);
int run_entropy_cene_cuda(const ParsedArgs& args);
// The complementarity metric's cene/mine training on the GPU (--device cuda).
metric::NeuralRunner cuda_neural_runner();
bool cuda_device_built();
// The fusion networks on the GPU (--device cuda of fusion, robustness, demo):
// cmd_fusion_cuda.cu with CUDA, cmd_neural_no_cuda.cpp without. Throws at once
// when there is no usable device, before any data are read.
fusion::FusionRunner cuda_fusion_runner();
// --device of a fusion command: the CPU runner (instantiated once, in
// fusion_runner.cpp) or cuda_fusion_runner().
fusion::FusionRunner fusion_runner_from(const ParsedArgs& args);

}  // namespace mmc::cli
