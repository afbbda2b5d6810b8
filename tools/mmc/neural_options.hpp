// tools/mmc/neural_options.hpp — the neural options of docs/design.md §5
// (--steps --batch --hidden --activation --lr --ema --holdout --device --seed
// --threads): their help entries, with defaults printed from the library's
// option structs, and their application to those structs; the progress bar.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <mmc/neural/resident.hpp>
#include <mmc/neural/trainer.hpp>

#include "args.hpp"
#include "progress.hpp"

namespace mmc::cli {

/// Help entries of the neural options; defaults shown are the library's.
std::vector<OptionSpec> neural_options();
/// The names of those options (for reject_unused when a non-neural estimator is chosen).
std::vector<std::string> neural_option_names();

/// Overrides the fields of `options` given on the command line; keeps the
/// estimator's defaults for the others. Also installs a progress bar on
/// stderr (when it is a terminal and --quiet is absent), owned by `bar`.
void apply_training_options(const ParsedArgs& args, neural::TrainingOptions& options,
                            std::shared_ptr<ProgressBar>& bar, const std::string& label);

/// --loop: the training loop of the concat-critic MI bounds (neural/resident.hpp).
neural::TrainingLoop loop_from(const ParsedArgs& args);

/// --device: "cpu" or "cuda" (a build without CUDA rejects cuda when it is used).
std::string device_from(const ParsedArgs& args);

}  // namespace mmc::cli
