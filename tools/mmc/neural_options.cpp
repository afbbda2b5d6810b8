// tools/mmc/neural_options.cpp — see neural_options.hpp.
#include "neural_options.hpp"

#include "common.hpp"

namespace mmc::cli {

void apply_training_options(const ParsedArgs& args, neural::TrainingOptions& options,
                            std::shared_ptr<ProgressBar>& bar, const std::string& label) {
  options.steps = args.get_int("steps", options.steps);
  options.batch = args.get_int("batch", options.batch);
  options.lr = args.get_double("lr", options.lr);
  options.holdout = args.get_double("holdout", options.holdout);
  if (args.has("hidden")) {
    options.hidden.clear();
    for (long long width : args.get_int_list("hidden", {})) options.hidden.push_back(width);
  }
  const std::string activation = args.get_choice("activation", {"relu", "elu", "tanh"}, "");
  if (activation == "relu") options.activation = nn::Activation::relu;
  if (activation == "elu") options.activation = nn::Activation::elu;
  if (activation == "tanh") options.activation = nn::Activation::tanh;
  options.standardize = args.get_switch("standardize", true);
  options.seed = seed_from(args);
  options.threads = threads_from(args);
  bar = std::make_shared<ProgressBar>(label, !args.get_switch("quiet", false));
  if (bar->enabled()) {
    std::weak_ptr<ProgressBar> weak = bar;
    options.progress = [weak](const neural::Progress& p) {
      if (auto b = weak.lock()) b->update(p.step, p.steps, p.train_estimate);
      return neural::ProgressAction::proceed;
    };
  }
}

std::string device_from(const ParsedArgs& args) {
  return args.get_choice("device", {"cpu", "cuda"}, "cpu");
}

}  // namespace mmc::cli
