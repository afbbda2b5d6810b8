// mmc/fusion/combined_advisor.hpp — the UME/UMT advisor (advisor.hpp; Du et al.
// 2023, docs/design.md §3.7) combined with the complementarity estimate C of
// "Modality Complementariness: Towards Understanding Multi-modal Robustness"
// (metric/complementarity.hpp, docs/design.md §3.4).
//
// Why: the advisor's linear probe on frozen uni-modal features only sees
// paired information that is LINEAR in those features; synergy such as
// Y = X xor Z is invisible to it (advisor.hpp caveat), so it would recommend
// UME, whose averaged uni-modal predictions are at chance there. C sees it:
// C > 1 means information that exists only in the combination.
//
// Rule (first match wins):
//  1. C >= synergy_threshold (default 0.6): recommend `joint` — naive late
//     fusion with a hidden head (fusion/late_fusion.hpp, default_fused_head()),
//     whose head can form a product of modalities. C near 1 or above means that
//     hardly any label information is shared (each part lives in one modality
//     or only in the combination), so UME's averaged uni-modal predictions
//     lose whatever needs the combination. Why 0.6 and not 1: measured on the
//     grid of benchmarks/advisor_grid.cpp (docs/fusion.md "Measuring the
//     advisor"), the alpha generator at alpha = 0.6 has C = 0.88-1.26 over
//     seeds (knn, ~2600 samples) while UME trails joint fusion by 11 points
//     (1.25, the first choice, followed the probe there: wrong on 4 of 5
//     seeds), and AAV-MNIST at sigma = 1 has C = 0.62-0.65 while joint beats
//     UMT, the probe's choice, by 3 points (0.8, the second choice, was wrong
//     on 5 of 5 seeds there). The cases with C <= 0.54 on that grid are all ties;
//  2. C <= redundancy_threshold (default 0.25, modalities redundant) and the
//     probe does not favour UMT: recommend `ume` (each modality alone suffices,
//     and UME is immune to a missing modality's training interactions);
//  3. otherwise follow the probe (ume or umt).
// The result carries the evidence (C, Γ, the probe's accuracies and paired
// test) and a plain-language reason.
#pragma once

#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "mmc/core/types.hpp"
#include "mmc/fusion/advisor.hpp"
#include "mmc/fusion/data.hpp"
#include "mmc/fusion/runner.hpp"
#include "mmc/fusion/strategies.hpp"
#include "mmc/metric/complementarity.hpp"
#include "mmc/nn/backend.hpp"
#include "mmc/nn/cpu_backend.hpp"

namespace mmc::fusion {

enum class CombinedVerdict { ume, umt, joint };

inline std::string_view verdict_name(CombinedVerdict v) noexcept {
  return v == CombinedVerdict::joint ? "joint" : v == CombinedVerdict::umt ? "umt" : "ume";
}

struct CombinedAdvisorOptions {
  AdvisorOptions advisor;                      ///< the linear-probe advisor
  metric::ComplementarityOptions complementarity;  ///< the metric (knn backend by default)
  double synergy_threshold = 0.6;              ///< C at or above: little shared information -> joint
  double redundancy_threshold = 0.25;          ///< C at or below: redundant
};

struct CombinedAdvice {
  CombinedVerdict verdict = CombinedVerdict::ume;
  double metric = 0.0;           ///< C
  std::vector<double> gamma;     ///< Γ_i
  double interaction = 0.0;      ///< I(X_all; Y) - sum Γ_i (M = 2: the interaction information)
  AdvisorResult probe;           ///< the linear-probe advisor's evidence
  std::string reason;            ///< plain-language reason
};

namespace detail {

/// The rule at the top, on an estimated C and the probe's result.
inline CombinedAdvice combine_advice(double metric, const AdvisorResult& probe,
                                     double synergy_threshold, double redundancy_threshold) {
  CombinedAdvice a;
  a.metric = metric;
  a.probe = probe;
  char c[32];
  std::snprintf(c, sizeof c, "%.2f", metric);
  if (metric >= synergy_threshold) {
    a.verdict = CombinedVerdict::joint;
    a.reason = std::string("C = ") + c +
               (metric > 1.0 ? " is above 1: part of the label information exists only in the combination "
                               "of modalities (synergy), which no uni-modal model or linear probe on uni-modal "
                               "features can use"
                             : " is well above 0: much of the label information is not shared (it lives in one "
                               "modality or only in their combination), and averaging uni-modal "
                               "predictions (UME) loses what needs the combination") +
               "; train the modalities jointly (naive late fusion with a hidden head)";
  } else if (metric <= redundancy_threshold && probe.recommendation == Strategy::ume) {
    a.verdict = CombinedVerdict::ume;
    a.reason = std::string("C = ") + c +
               ": the modalities are largely redundant and the linear probe finds no paired "
               "features; an ensemble of uni-modal models (UME) suffices and tolerates a missing modality";
  } else {
    a.verdict = probe.recommendation == Strategy::umt ? CombinedVerdict::umt : CombinedVerdict::ume;
    char d[64];
    std::snprintf(d, sizeof d, "%.3f (SE %.3f)", probe.difference, probe.standard_error);
    a.reason = std::string("C = ") + c + " is neither clearly synergistic nor redundant; following the "
               "linear probe (accuracy difference over UME " + d + "): " +
               std::string(strategy_name(probe.recommendation));
  }
  return a;
}

}  // namespace detail

/// The rule at the top on evidence already at hand: a complementarity estimate
/// and the linear-probe advisor's result (e.g. StrategyReport::advisor).
inline CombinedAdvice combine(const metric::ComplementarityResult& c, const AdvisorResult& probe,
                              double synergy_threshold = CombinedAdvisorOptions{}.synergy_threshold,
                              double redundancy_threshold = CombinedAdvisorOptions{}.redundancy_threshold) {
  CombinedAdvice a = detail::combine_advice(c.metric, probe, synergy_threshold, redundancy_threshold);
  a.gamma = c.gamma;
  a.interaction = c.interaction;
  return a;
}

/// Estimates C and runs the linear-probe advisor on the same data; combines
/// them (see top). B: the nn backend of the advisor's networks.
template <class T = float, class B = nn::CpuBackend<T>>
CombinedAdvice advise_combined(const std::vector<RowMatrix<double>>& modalities, const Labels& labels,
                               const CombinedAdvisorOptions& options = {}) {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::advise_combined<T, B>");
  const auto c = metric::Complementarity(options.complementarity).estimate(modalities, labels);
  const AdvisorResult probe = advise<T, B>(modalities, labels, options.advisor);
  return combine(c, probe, options.synergy_threshold, options.redundancy_threshold);
}

/// compare_strategies (strategies.hpp) and the combined advice on its split:
/// C is estimated on the training and validation parts (never on the test
/// part the strategies are scored on), the probe is the report's advisor.
struct AdvisedStrategies {
  StrategyReport report;
  CombinedAdvice advice;
};

namespace detail {

/// The combined advice for a StrategyReport made by compare_strategies on
/// (modalities, labels, options): C on the report's training and validation parts.
inline AdvisedStrategies advise_on_report(StrategyReport report, const std::vector<RowMatrix<double>>& modalities,
                                          const Labels& labels, const StrategyOptions& options,
                                          metric::ComplementarityOptions complementarity,
                                          double synergy_threshold, double redundancy_threshold) {
  AdvisedStrategies out;
  out.report = std::move(report);
  const DataSplit split = split_samples(labels.size(), options.validation_fraction,
                                        options.test_fraction, options.train.seed);
  std::vector<Index> seen = split.train;
  seen.insert(seen.end(), split.validation.begin(), split.validation.end());
  complementarity.seed = options.train.seed;
  if (complementarity.threads == 0) complementarity.threads = options.train.threads;
  const auto c = metric::Complementarity(complementarity)
                     .estimate(take_rows(modalities, seen), take_labels(labels, seen));
  out.advice = combine(c, out.report.advisor, synergy_threshold, redundancy_threshold);
  return out;
}

}  // namespace detail

/// B: the nn backend of every network (the metric runs on its own options).
template <class T = float, class B = nn::CpuBackend<T>>
AdvisedStrategies compare_strategies_advised(const std::vector<RowMatrix<double>>& modalities,
                                             const Labels& labels, const StrategyOptions& options = {},
                                             metric::ComplementarityOptions complementarity = {},
                                             double synergy_threshold = CombinedAdvisorOptions{}.synergy_threshold,
                                             double redundancy_threshold =
                                                 CombinedAdvisorOptions{}.redundancy_threshold) {
  MMC_NN_CHECK_BACKEND(B, T, "mmc::fusion::compare_strategies_advised<T, B>");
  return detail::advise_on_report(compare_strategies<T, B>(modalities, labels, options),  // checks every input first
                                  modalities, labels, options, std::move(complementarity), synergy_threshold,
                                  redundancy_threshold);
}

/// The same with every network on the runner's backend (fusion/runner.hpp):
/// e.g. the CUDA backend from a translation unit that nvcc did not compile.
inline AdvisedStrategies compare_strategies_advised(const FusionRunner& runner,
                                                    const std::vector<RowMatrix<double>>& modalities,
                                                    const Labels& labels, const StrategyOptions& options = {},
                                                    metric::ComplementarityOptions complementarity = {},
                                                    double synergy_threshold = CombinedAdvisorOptions{}.synergy_threshold,
                                                    double redundancy_threshold =
                                                        CombinedAdvisorOptions{}.redundancy_threshold) {
  return detail::advise_on_report(runner.compare_strategies(modalities, labels, options), modalities, labels,
                                  options, std::move(complementarity), synergy_threshold, redundancy_threshold);
}

}  // namespace mmc::fusion
