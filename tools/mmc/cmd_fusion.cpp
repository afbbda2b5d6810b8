// tools/mmc/cmd_fusion.cpp — `mmc robustness` (docs/design.md §3.6: accuracy of a
// late-fusion model with one modality missing, noisy or attacked) and
// `mmc fusion` (§3.7: naive vs UME vs UMT, and the advisor's verdict).
#include <mmc/data/matrix_file.hpp>
#include <mmc/fusion/robustness.hpp>
#include <mmc/fusion/strategies.hpp>

#include "commands.hpp"
#include "common.hpp"
#include "fusion_options.hpp"

namespace mmc::cli {

namespace {

struct Inputs {
  std::vector<RowMatrix<double>> modalities;
  Labels labels;
};

Inputs read_inputs(const ParsedArgs& args) {
  const std::vector<std::string> files = args.get_all("modality");
  if (files.size() < 2) {
    throw UsageError("option '--modality' given " + std::to_string(files.size()) +
                     " time(s); pass at least two modalities (--modality A --modality B)");
  }
  Inputs inputs;
  for (const auto& file : files) inputs.modalities.push_back(data::read_matrix(file));
  inputs.labels = read_labels_option(args, "labels");
  return inputs;
}

std::vector<OptionSpec> input_options() {
  return {{"modality", "FILE", "a modality's features, one sample per row", "", true},
          {"labels", "FILE", "integer class labels in [0, C), one per row", "", false}};
}

}  // namespace

CommandSpec robustness_spec() {
  CommandSpec spec;
  spec.name = "robustness";
  spec.summary = "Accuracy of a late-fusion model with one modality missing, noisy or attacked.";
  spec.usage = "mmc robustness --modality A --modality B --labels Y [options]";
  spec.details =
      "Trains a late-fusion classifier (an MLP encoder per modality, concatenated, a head) on a\n"
      "seeded split and evaluates it on the rest: clean, and with each modality in turn missing\n"
      "(replaced by its training mean), noisy (+N(0, noise-sd^2) in standardised units) and\n"
      "adversarial (FGSM, epsilon in standardised units). 'robustness' = mean perturbed accuracy\n"
      "over the modalities / clean accuracy, per perturbation (docs/design.md §3.6).";
  spec.options = join({input_options(), fusion_training_options(),
                       {{"noise-sd", "SD", "noise standard deviation", "0.5", false},
                        {"epsilon", "EPS", "FGSM step", "0.03", false},
                        {"test-fraction", "F", "held-out fraction for the evaluation", "0.3", false},
                        {"standardize", "", "standardise each modality with training statistics",
                         "on", false}},
                       common_options()});
  return spec;
}

int run_robustness(const ParsedArgs& args) {
  fusion::RobustnessExperimentOptions options;
  options.train = fusion_train_from(args, options.train);
  options.robustness.noise_sd = args.get_double("noise-sd", options.robustness.noise_sd);
  options.robustness.epsilon = args.get_double("epsilon", options.robustness.epsilon);
  options.robustness.seed = seed_from(args);
  options.test_fraction = args.get_double("test-fraction", options.test_fraction);
  const Inputs in = read_inputs(args);
  const auto [r, seconds] =
      timed([&] { return fusion::robustness_experiment(in.modalities, in.labels, options); });
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
                      {"seconds", seconds}});
  return 0;
}

CommandSpec fusion_spec() {
  CommandSpec spec;
  spec.name = "fusion";
  spec.summary = "Naive late fusion vs Uni-Modal Ensemble vs Uni-Modal Teacher, and which to use.";
  spec.usage = "mmc fusion --modality A --modality B --labels Y [options]";
  spec.details =
      "Test accuracies of naive joint training, UME (averaged uni-modal models) and UMT\n"
      "(CE + lambda * distillation to frozen uni-modal encoders), and the advisor: a linear\n"
      "classifier on the frozen uni-modal features vs UME on a validation split. UMT is\n"
      "recommended only when the linear probe wins by more than z standard errors of the\n"
      "paired difference; a tie goes to UME (docs/design.md §3.7, docs/fusion.md).";
  spec.options = join({input_options(), fusion_training_options(),
                       {{"lambda", "L", "UMT distillation weight", "1", false},
                        {"z", "Z", "advisor margin in standard errors", "2", false},
                        {"validation-fraction", "F", "advisor validation fraction", "0.2", false},
                        {"test-fraction", "F", "held-out fraction for the accuracies", "0.2", false},
                        {"standardize", "", "standardise each modality with training statistics",
                         "on", false}},
                       common_options()});
  return spec;
}

int run_fusion(const ParsedArgs& args) {
  fusion::StrategyOptions options;
  options.train = fusion_train_from(args, options.train);
  options.lambda = args.get_double("lambda", options.lambda);
  options.z = args.get_double("z", options.z);
  options.validation_fraction = args.get_double("validation-fraction", options.validation_fraction);
  options.test_fraction = args.get_double("test-fraction", options.test_fraction);
  options.probe.seed = seed_from(args);
  const Inputs in = read_inputs(args);
  const auto [r, seconds] =
      timed([&] { return fusion::compare_strategies(in.modalities, in.labels, options); });
  print_report(args, {{"naive", r.naive},
                      {"ume", r.ume},
                      {"umt", r.umt},
                      {"unimodal", data::Json::array_of(r.unimodal)},
                      {"linear_probe", r.advisor.linear_accuracy},
                      {"advisor_ume", r.advisor.ume_accuracy},
                      {"advisor_difference", r.advisor.difference},
                      {"advisor_standard_error", r.advisor.standard_error},
                      {"recommendation", std::string(fusion::strategy_name(r.advisor.recommendation))},
                      {"test_samples", r.test_samples},
                      {"seconds", seconds}});
  return 0;
}

}  // namespace mmc::cli
