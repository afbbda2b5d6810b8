// tools/mmc/cmd_fusion.cpp — `mmc fusion` (docs/design.md §3.7: naive late
// fusion vs UME vs UMT, and which to use: the combined advisor of
// fusion/combined_advisor.hpp by default, the paper's linear-probe rule with
// --rule paper).
#include <cstdio>
#include <string>

#include <mmc/fusion/combined_advisor.hpp>
#include <mmc/fusion/runner.hpp>
#include <mmc/fusion/strategies.hpp>

#include "commands.hpp"
#include "command_support.hpp"
#include "fusion_options.hpp"

namespace mmc::cli {

namespace {

/// The paper rule's plain-language reason (fusion/advisor.hpp).
std::string paper_reason(const fusion::AdvisorResult& a) {
  char text[200];
  std::snprintf(text, sizeof text, "the linear probe on frozen uni-modal features %s UME by %.3f (SE %.3f, margin z = %g)",
                a.difference >= 0.0 ? "beats" : "trails", a.difference >= 0.0 ? a.difference : -a.difference,
                a.standard_error, a.z);
  return std::string(text) +
         (a.recommendation == fusion::Strategy::umt
              ? ": paired features matter, use UMT"
              : ": no paired feature a linear probe can see, use UME (cheaper, tolerates a missing modality)");
}

}  // namespace

CommandSpec fusion_spec() {
  CommandSpec spec;
  spec.name = "fusion";
  spec.summary = "Naive late fusion vs Uni-Modal Ensemble vs Uni-Modal Teacher, and which to use.";
  spec.usage = "mmc fusion --modality A --modality B --labels Y [options]";
  spec.details =
      "Test accuracies of naive joint training ('naive', the 'joint' strategy), UME (averaged\n"
      "uni-modal models) and UMT (CE + lambda * distillation to frozen uni-modal encoders) on\n"
      "one seeded train/validation/test split, and a recommendation (docs/fusion.md):\n"
      "  --rule combined (default): the complementarity C (knn backend, estimated on the\n"
      "     training and validation parts) with the paper's probe: C >= " +
      number_text(fusion::CombinedAdvisorOptions{}.synergy_threshold) +
      " (little shared\n"
      "     information, or synergy) -> joint; C <= " +
      number_text(fusion::CombinedAdvisorOptions{}.redundancy_threshold) +
      " and the probe finds nothing -> ume;\n"
      "     otherwise the probe decides.\n"
      "  --rule paper: Du et al.'s rule alone: a linear classifier on the frozen uni-modal\n"
      "     features vs UME on the validation part; UMT only when the probe wins by more than\n"
      "     z standard errors of the paired difference, else UME. It cannot see synergy that no\n"
      "     linear probe on uni-modal features expresses (docs/design.md §3.7).\n"
      "The JSON carries the verdict (ume|umt|joint), the evidence (C, each Gamma_i, the\n"
      "interaction information, the probe's accuracies) and the reason in plain language.\n"
      "The fused head (naive and UMT) defaults to one hidden layer of 64 units, the same as\n"
      "`mmc robustness`. --device cuda trains every network on the GPU (docs/cuda.md).";
  spec.options = join({fusion_input_options(), fusion_training_options(fusion::StrategyOptions{}.train),
                       {{"rule", "R", "combined | paper: how to recommend a strategy", "combined", false},
                        {"lambda", "L", "UMT distillation weight", "1", false},
                        {"z", "Z", "advisor margin in standard errors", "2", false},
                        {"validation-fraction", "F", "advisor validation fraction", "0.2", false},
                        {"test-fraction", "F", "held-out fraction for the accuracies", "0.2", false},
                        {"standardize", "", "standardise each modality with training statistics",
                         "on", false},
                        fusion_device_option()},
                       common_options()});
  return spec;
}

int run_fusion(const ParsedArgs& args) {
  const std::string rule = args.get_choice("rule", {"combined", "paper"}, "combined");
  fusion::StrategyOptions options;
  options.train = fusion_train_from(args, options.train);
  options.lambda = args.get_double("lambda", options.lambda);
  options.z = args.get_double("z", options.z);
  options.validation_fraction = args.get_double("validation-fraction", options.validation_fraction);
  options.test_fraction = args.get_double("test-fraction", options.test_fraction);
  options.probe.seed = seed_from(args);
  const fusion::FusionRunner runner = fusion_runner_from(args);
  const FusionInputs in = read_fusion_inputs(args);
  const auto [advised, seconds] = timed([&] {
    if (rule == "paper") {
      fusion::AdvisedStrategies a;
      a.report = runner.compare_strategies(in.modalities, in.labels, options);
      return a;
    }
    return fusion::compare_strategies_advised(runner, in.modalities, in.labels, options);
  });
  const fusion::StrategyReport& r = advised.report;
  const std::string paper(fusion::strategy_name(r.advisor.recommendation));
  Report report{{"naive", r.naive},
                {"ume", r.ume},
                {"umt", r.umt},
                {"unimodal", data::Json::array_of(r.unimodal)},
                {"rule", rule},
                {"recommendation", rule == "paper" ? paper : std::string(fusion::verdict_name(advised.advice.verdict))},
                {"reason", rule == "paper" ? paper_reason(r.advisor) : advised.advice.reason},
                {"paper_recommendation", paper},
                {"linear_probe", r.advisor.linear_accuracy},
                {"advisor_ume", r.advisor.ume_accuracy},
                {"advisor_difference", r.advisor.difference},
                {"advisor_standard_error", r.advisor.standard_error}};
  if (rule == "combined") {
    report.emplace_back("complementarity",
                        data::Json::object({{"C", advised.advice.metric},
                                            {"gamma", data::Json::array_of(advised.advice.gamma)},
                                            {"interaction", advised.advice.interaction}}));
  }
  report.emplace_back("test_samples", r.test_samples);
  report.emplace_back("device", runner.device);
  report.emplace_back("seconds", seconds);
  print_report(args, report);
  return 0;
}

}  // namespace mmc::cli
