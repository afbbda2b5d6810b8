// tools/mmc/fusion_runner.cpp — `--device` of the fusion commands: the one
// translation unit that instantiates fusion/ on the CPU backend for the
// commands (fusion/runner.hpp), which then call it through the runner.
#include <mmc/fusion/runner.hpp>

#include "commands.hpp"
#include "neural_options.hpp"

namespace mmc::cli {

fusion::FusionRunner fusion_runner_from(const ParsedArgs& args) {
  return device_from(args) == "cuda" ? cuda_fusion_runner() : fusion::cpu_fusion_runner();
}

}  // namespace mmc::cli
