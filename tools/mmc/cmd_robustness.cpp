// tools/mmc/cmd_robustness.cpp — `mmc robustness` (docs/design.md §3.6: accuracy
// of a late-fusion model with one modality missing, noisy or attacked).
#include <mmc/fusion/robustness.hpp>
#include <mmc/fusion/runner.hpp>

#include "command_support.hpp"
#include "commands.hpp"
#include "fusion_options.hpp"

namespace mmc::cli {

CommandSpec robustness_spec() {
  CommandSpec spec;
  spec.name = "robustness";
  spec.summary = "Accuracy of a late-fusion model with one modality missing, noisy or attacked.";
  spec.usage = "mmc robustness --modality A --modality B --labels Y [options]";
  spec.details =
      "Trains a late-fusion classifier (an MLP encoder per modality, concatenated, a head) on a\n"
      "seeded split and evaluates it on the rest: clean, and with each modality in turn missing\n"
      "(replaced by its training mean), noisy (+N(0, noise-sd^2)) and adversarial (FGSM, step\n"
      "epsilon). 'robustness' = mean perturbed accuracy over the modalities / clean accuracy,\n"
      "per perturbation (docs/design.md §3.6).\n"
      "Units of --noise-sd and --epsilon (--units): 'standardized' = training standard deviations;\n"
      "'input' = the raw values' own units (e.g. pixels in [0, 1]), the result clipped to the\n"
      "training data's range per column; 'auto' (default) = input when every training column\n"
      "lies in [0, 1], else standardized. The JSON's 'units' says which was used.\n"
      "--device cuda trains the model on the GPU (docs/cuda.md); the JSON's 'device' says where.";
  spec.options = join({fusion_input_options(), fusion_training_options(fusion::RobustnessExperimentOptions{}.train),
                       {{"noise-sd", "SD", "noise standard deviation", "0.5", false},
                        {"epsilon", "EPS", "FGSM step", "0.03", false},
                        {"units", "U", "auto | input | standardized: units of --noise-sd and --epsilon",
                         "auto", false},
                        {"test-fraction", "F", "held-out fraction for the evaluation", "0.3", false},
                        {"standardize", "", "standardise each modality with training statistics",
                         "on", false},
                        fusion_device_option("where the network trains")},
                       common_options()});
  return spec;
}

int run_robustness(const ParsedArgs& args) {
  fusion::RobustnessExperimentOptions options;
  options.train = fusion_train_from(args, options.train);
  options.robustness.noise_sd = args.get_double("noise-sd", options.robustness.noise_sd);
  options.robustness.epsilon = args.get_double("epsilon", options.robustness.epsilon);
  options.robustness.seed = seed_from(args);
  const std::string units = args.get_choice("units", {"auto", "input", "standardized"}, "auto");
  options.robustness.units = units == "input"          ? fusion::PerturbationUnits::input
                             : units == "standardized" ? fusion::PerturbationUnits::standardized
                                                       : fusion::PerturbationUnits::automatic;
  options.test_fraction = args.get_double("test-fraction", options.test_fraction);
  const fusion::FusionRunner runner = fusion_runner_from(args);
  const FusionInputs in = read_fusion_inputs(args);
  const auto [r, seconds] =
      timed([&] { return runner.robustness_experiment(in.modalities, in.labels, options); });
  data::Json per_modality = data::Json::array();
  for (const auto& m : r.per_modality) {
    per_modality.push(data::Json::object(
        {{"missing", m.missing}, {"noisy", m.noisy}, {"adversarial", m.adversarial}}));
  }
  print_report(args, {{"clean", r.clean},
                      {"missing", r.missing},
                      {"noisy", r.noisy},
                      {"adversarial", r.adversarial},
                      {"robustness", data::Json::object({{"missing", r.robustness_missing},
                                                         {"noisy", r.robustness_noisy},
                                                         {"adversarial", r.robustness_adversarial}})},
                      {"per_modality", per_modality},
                      {"test_samples", r.samples},
                      {"units", std::string(fusion::units_name(r.units))},
                      {"device", runner.device},
                      {"seconds", seconds}});
  return 0;
}

}  // namespace mmc::cli
