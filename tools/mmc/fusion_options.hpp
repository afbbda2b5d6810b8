// tools/mmc/fusion_options.hpp — what `mmc robustness`, `mmc fusion` and
// `mmc demo` share for the late-fusion networks (docs/design.md §3.6-3.7): the
// modality/label inputs (labels renumbered to 0..C-1, as `complementarity`
// does), the training options, with help defaults printed from the library's
// TrainOptions{}, and --device (fusion/runner.hpp, docs/design.md §4).
#pragma once

#include <string>
#include <vector>

#include <mmc/core/labels.hpp>
#include <mmc/data/matrix_file.hpp>
#include <mmc/fusion/options.hpp>

#include "args.hpp"
#include "command_support.hpp"

namespace mmc::cli {

/// The modalities and labels of a fusion command.
struct FusionInputs {
  std::vector<RowMatrix<double>> modalities;
  Labels labels;  ///< renumbered to 0..C-1
};

inline std::vector<OptionSpec> fusion_input_options() {
  return {{"modality", "FILE", "a modality's features, one sample per row", "", true},
          {"labels", "FILE", "integer class labels, one per row (any integers)", "", false}};
}

inline FusionInputs read_fusion_inputs(const ParsedArgs& args) {
  const std::vector<std::string> files = args.get_all("modality");
  if (files.size() < 2) {
    throw UsageError("option '--modality' given " + std::to_string(files.size()) +
                     " time(s); pass at least two modalities (--modality A --modality B)");
  }
  FusionInputs inputs;
  for (const auto& file : files) inputs.modalities.push_back(data::read_matrix(file));
  inputs.labels = recode_labels(read_labels_option(args, "labels")).codes;
  return inputs;
}

/// The training options; help defaults from `defaults` (the command's library
/// options, e.g. StrategyOptions{}.train with its default_fused_head()).
inline std::vector<OptionSpec> fusion_training_options(
    const fusion::TrainOptions& defaults = fusion::TrainOptions{.head_hidden = fusion::default_fused_head()}) {
  return {
      {"encoder", "W1,W2", "encoder widths per modality (last = feature size)",
       widths_text(defaults.encoder_widths, "none"), false},
      {"head", "W", "hidden widths of the fused head (0 = linear head)",
       widths_text(defaults.head_hidden, "0"), false},
      {"epochs", "E", "training epochs", std::to_string(defaults.epochs), false},
      {"batch", "B", "minibatch size", std::to_string(defaults.batch), false},
      {"lr", "RATE", "Adam learning rate", number_text(defaults.lr), false},
  };
}

/// --device: where the late-fusion networks train (fusion_runner_from, commands.hpp).
/// `where`: e.g. "where the networks train".
inline OptionSpec fusion_device_option(const std::string& where = "where the networks train") {
  return {"device", "D", "cpu | cuda: " + where + " (cuda: a build with CUDA and a GPU)", "cpu", false};
}

/// TrainOptions from the command line, starting from `defaults`.
inline fusion::TrainOptions fusion_train_from(const ParsedArgs& args, fusion::TrainOptions defaults) {
  if (args.has("encoder")) defaults.encoder_widths = widths_from(args, "encoder");
  if (args.has("head")) defaults.head_hidden = args.get("head") == "0" ? std::vector<Index>{} : widths_from(args, "head");
  const long long epochs = args.get_int("epochs", defaults.epochs);
  if (epochs < 1 || epochs > 1000000) {
    throw UsageError("option '--epochs' has value " + std::to_string(epochs) + "; expected 1 to 1000000");
  }
  defaults.epochs = static_cast<int>(epochs);
  defaults.batch = args.get_int("batch", defaults.batch);
  defaults.lr = args.get_double("lr", defaults.lr);
  defaults.seed = seed_from(args);
  defaults.threads = threads_from(args);
  defaults.standardize = args.get_switch("standardize", defaults.standardize);
  return defaults;
}

}  // namespace mmc::cli
