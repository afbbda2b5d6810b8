// tools/mmc/fusion_options.hpp — options shared by `mmc robustness`,
// `mmc fusion` and `mmc demo` for the late-fusion networks (docs/design.md §3.6-3.7).
#pragma once

#include <vector>

#include <mmc/fusion/options.hpp>

#include "args.hpp"
#include "common.hpp"

namespace mmc::cli {

inline std::vector<OptionSpec> fusion_training_options() {
  return {
      {"encoder", "W1,W2", "encoder widths per modality (last = feature size)", "64,64", false},
      {"head", "W", "hidden widths of the fused head (0 = linear head)", "", false},
      {"epochs", "E", "training epochs", "20", false},
      {"batch", "B", "minibatch size", "64", false},
      {"lr", "RATE", "Adam learning rate", "0.001", false},
  };
}

/// TrainOptions from the command line, starting from `defaults`.
inline fusion::TrainOptions fusion_train_from(const ParsedArgs& args, fusion::TrainOptions defaults) {
  if (args.has("encoder")) {
    defaults.encoder_widths.clear();
    for (long long w : args.get_int_list("encoder", {})) defaults.encoder_widths.push_back(w);
  }
  if (args.has("head")) {
    defaults.head_hidden.clear();
    if (args.get("head") != "0")
      for (long long w : args.get_int_list("head", {})) defaults.head_hidden.push_back(w);
  }
  defaults.epochs = static_cast<int>(args.get_int("epochs", defaults.epochs));
  defaults.batch = args.get_int("batch", defaults.batch);
  defaults.lr = args.get_double("lr", defaults.lr);
  defaults.seed = seed_from(args);
  defaults.threads = threads_from(args);
  defaults.standardize = args.get_switch("standardize", true);
  return defaults;
}

}  // namespace mmc::cli
