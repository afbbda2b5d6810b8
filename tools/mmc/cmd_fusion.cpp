// tools/mmc/cmd_fusion.cpp — `mmc fusion` (docs/design.md §3.7: naive late
// fusion vs UME vs UMT, and the advisor's verdict).
#include <mmc/fusion/strategies.hpp>

#include "commands.hpp"
#include "command_support.hpp"
#include "fusion_options.hpp"

namespace mmc::cli {

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
  spec.options = join({fusion_input_options(), fusion_training_options(),
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
  const FusionInputs in = read_fusion_inputs(args);
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
