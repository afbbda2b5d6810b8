// tools/mmc/neural_options.cpp — see neural_options.hpp.
#include "neural_options.hpp"

#include <mmc/neural/neural_mi.hpp>

#include "command_support.hpp"

namespace mmc::cli {

std::vector<OptionSpec> neural_options() {
  const neural::TrainingOptions defaults{};
  const neural::NeuralMiOptions<neural::Bound::dv> mine{};
  return {
      {"steps", "N", "training steps", "estimator default", false},
      {"batch", "B", "batch size (joint samples per step)", "estimator default", false},
      {"hidden", "W1,W2", "hidden layer widths of the critic", widths_text(defaults.hidden), false},
      {"activation", "A", "relu | elu | tanh", "relu", false},
      {"lr", "RATE", "Adam learning rate", "estimator default", false},
      {"ema", "RATE", "MINE moving-average rate alpha (mine only)", number_text(mine.ema), false},
      {"holdout", "FRACTION", "held-out fraction for the reported estimate",
       number_text(defaults.holdout), false},
      {"device", "D", "cpu | cuda", "cpu", false},
      {"loop", "L",
       "auto | host | resident: training loop of mine, nwj, js, smile (resident keeps data, "
       "minibatch draws and per-step values on the device and reads back once per evaluation; "
       "auto = resident with --device cuda, host on the cpu)",
       "auto", false},
  };
}

std::vector<std::string> neural_option_names() {
  std::vector<std::string> names;
  for (const auto& option : neural_options()) names.push_back(option.name);
  return names;
}

void apply_training_options(const ParsedArgs& args, neural::TrainingOptions& options,
                            std::shared_ptr<ProgressBar>& bar, const std::string& label) {
  options.steps = args.get_int("steps", options.steps);
  options.batch = args.get_int("batch", options.batch);
  options.lr = args.get_double("lr", options.lr);
  options.holdout = args.get_double("holdout", options.holdout);
  if (args.has("hidden")) options.hidden = widths_from(args, "hidden");
  const std::string activation = args.get_choice("activation", {"relu", "elu", "tanh"}, "");
  if (activation == "relu") options.activation = nn::Activation::relu;
  if (activation == "elu") options.activation = nn::Activation::elu;
  if (activation == "tanh") options.activation = nn::Activation::tanh;
  options.standardize = args.get_switch("standardize", options.standardize);
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

neural::TrainingLoop loop_from(const ParsedArgs& args) {
  const std::string loop = args.get_choice("loop", {"auto", "host", "resident"}, "auto");
  return loop == "host"       ? neural::TrainingLoop::host
         : loop == "resident" ? neural::TrainingLoop::resident
                              : neural::TrainingLoop::automatic;
}

std::string device_from(const ParsedArgs& args) {
  return args.get_choice("device", {"cpu", "cuda"}, "cpu");
}

}  // namespace mmc::cli
