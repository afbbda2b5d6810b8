// tools/mmc/cmd_laziness.cpp — `mmc laziness` (docs/design.md §3.7: modality
// laziness, fusion/laziness.hpp): per modality, a linear probe on the frozen
// features of the jointly trained (naive late-fusion) encoder and of the
// encoder trained alone; gap = alone - joint (> 0: the joint encoder is lazy).
#include <mmc/fusion/laziness.hpp>

#include "command_support.hpp"
#include "commands.hpp"
#include "fusion_options.hpp"

namespace mmc::cli {

namespace {

/// The library's LazinessOptions with the fused head of `mmc fusion` and
/// `mmc robustness` (fusion::default_fused_head(), fusion/options.hpp).
fusion::LazinessOptions laziness_defaults() {
  fusion::LazinessOptions options;
  options.train.head_hidden = fusion::default_fused_head();
  return options;
}

}  // namespace

CommandSpec laziness_spec() {
  CommandSpec spec;
  spec.name = "laziness";
  spec.summary = "Modality laziness: probes on jointly vs uni-modally trained encoders.";
  spec.usage = "mmc laziness --modality A --modality B --labels Y [options]";
  spec.details =
      "Trains a naive late-fusion model and one uni-modal model per modality on a seeded\n"
      "training split, freezes their encoders and fits a linear probe (multinomial logistic\n"
      "regression) on each modality's features of each; reports the probes' accuracies on the\n"
      "held-out part. 'gap' = alone - joint per modality: > 0 means the jointly trained encoder\n"
      "learned less about its own modality than the same encoder trained alone (it is 'lazy',\n"
      "typically because another modality already fits the labels). docs/fusion.md.\n"
      "The fused head defaults to one hidden layer of 64 units, as in `mmc fusion`.";
  spec.options = join({fusion_input_options(), fusion_training_options(laziness_defaults().train),
                       {{"probe-epochs", "E", "training epochs of each linear probe",
                         std::to_string(fusion::ProbeOptions{}.epochs), false},
                        {"test-fraction", "F", "held-out fraction for the probes' accuracies", "0.3", false},
                        {"standardize", "", "standardise each modality with training statistics",
                         "on", false}},
                       common_options()});
  return spec;
}

int run_laziness(const ParsedArgs& args) {
  fusion::LazinessOptions options = laziness_defaults();
  options.train = fusion_train_from(args, options.train);
  const long long probe_epochs = args.get_int("probe-epochs", options.probe.epochs);
  if (probe_epochs < 1 || probe_epochs > 1000000) {
    throw UsageError("option '--probe-epochs' has value " + std::to_string(probe_epochs) +
                     "; expected 1 to 1000000");
  }
  options.probe.epochs = static_cast<int>(probe_epochs);
  options.probe.seed = seed_from(args);
  options.test_fraction = args.get_double("test-fraction", options.test_fraction);
  const FusionInputs in = read_fusion_inputs(args);
  const auto [r, seconds] =
      timed([&] { return fusion::measure_laziness(in.modalities, in.labels, options); });
  std::vector<double> gap;
  for (std::size_t m = 0; m < r.unimodal.size(); ++m) gap.push_back(r.gap(static_cast<Index>(m)));
  print_report(args, {{"alone", data::Json::array_of(r.unimodal)},
                      {"joint", data::Json::array_of(r.joint)},
                      {"gap", data::Json::array_of(gap)},
                      {"test_samples", r.test_samples},
                      {"seconds", seconds}});
  return 0;
}

}  // namespace mmc::cli
