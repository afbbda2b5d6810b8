// tools/mmc/cmd_mi_neural.cpp — the neural estimators of `mmc mi` and `mmc entropy`.
// (Interim: the neural estimators are wired in when include/mmc/neural/ lands;
// until then no neural estimator name is offered by the parser.)
#include "commands.hpp"

namespace mmc::cli {

const std::vector<std::string>& neural_mi_estimators() {
  static const std::vector<std::string> names;
  return names;
}

int run_mi_neural(const ParsedArgs&, const std::string& estimator) {
  throw UsageError("estimator '" + estimator + "' is not available in this build");
}

int run_entropy_cene(const ParsedArgs&) {
  throw UsageError("estimator 'cene' is not available in this build");
}

}  // namespace mmc::cli
