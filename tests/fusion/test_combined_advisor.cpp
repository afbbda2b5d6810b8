// The combined advisor (fusion/combined_advisor.hpp): the linear-probe advisor
// of docs/design.md §3.7 plus the complementarity C of docs/design.md §3.4. Its
// rule on constructed evidence, and its verdicts on the clear bit cases of
// data/complementarity.hpp over seeds (small N).
#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "mmc/data/complementarity.hpp"
#include "mmc/fusion/combined_advisor.hpp"

namespace {

using mmc::fusion::CombinedVerdict;
using mmc::fusion::Strategy;

TEST(CombinedAdvisor, Rule) {
  using mmc::fusion::detail::combine_advice;
  mmc::fusion::AdvisorResult ume, umt;
  ume.recommendation = Strategy::ume;
  umt.recommendation = Strategy::umt;
  // Synergy overrides the probe either way.
  EXPECT_EQ(combine_advice(2.0, ume, 1.25, 0.25).verdict, CombinedVerdict::joint);
  EXPECT_EQ(combine_advice(1.3, umt, 1.25, 0.25).verdict, CombinedVerdict::joint);
  // Redundant and the probe agrees: UME; the probe favouring UMT wins over redundancy.
  EXPECT_EQ(combine_advice(0.05, ume, 1.25, 0.25).verdict, CombinedVerdict::ume);
  EXPECT_EQ(combine_advice(0.05, umt, 1.25, 0.25).verdict, CombinedVerdict::umt);
  // In between: follow the probe.
  EXPECT_EQ(combine_advice(0.8, umt, 1.25, 0.25).verdict, CombinedVerdict::umt);
  EXPECT_EQ(combine_advice(0.8, ume, 1.25, 0.25).verdict, CombinedVerdict::ume);
  EXPECT_NE(combine_advice(2.0, ume, 1.25, 0.25).reason.find("synergy"), std::string::npos);
}

mmc::fusion::CombinedAdvice run(mmc::data::BitCase which, std::uint64_t seed, double noise) {
  const auto task = mmc::data::bits_task(which, 800, seed, noise);
  mmc::fusion::CombinedAdvisorOptions o;
  o.advisor.train.seed = seed;
  o.advisor.train.epochs = 10;
  o.advisor.probe.epochs = 30;
  o.complementarity.seed = seed;
  const auto a = mmc::fusion::advise_combined(task.modalities, task.labels, o);
  std::printf("%s seed %d: C %.3f, linear %.3f, UME %.3f -> %s\n",
              std::string(mmc::data::bit_case_name(which)).c_str(), static_cast<int>(seed), a.metric,
              a.probe.linear_accuracy, a.probe.ume_accuracy,
              std::string(mmc::fusion::verdict_name(a.verdict)).c_str());
  return a;
}

TEST(CombinedAdvisor, PureSynergyIsNotUme) {
  for (std::uint64_t seed = 0; seed < 3; ++seed)
    EXPECT_EQ(run(mmc::data::BitCase::synergy, seed, 0.3).verdict, CombinedVerdict::joint) << "seed " << seed;
}

TEST(CombinedAdvisor, RedundantWithIndependentNoiseIsUme) {
  // Noise 0.1: true C = 2 (e(0.1) - e(0.071)) / (log 2 - e(0.071)) ~ 0 (the
  // redundancy rule). At noise 0.3 the independent noise makes averaging the
  // two copies worth Gamma ~ 0.1 nats each (true C ~ 0.3): the probe decides.
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const auto a = run(mmc::data::BitCase::redundant, seed, 0.1);
    EXPECT_EQ(a.verdict, CombinedVerdict::ume) << "seed " << seed;
    EXPECT_NE(a.reason.find("redundant"), std::string::npos) << a.reason;
    EXPECT_EQ(run(mmc::data::BitCase::redundant, seed, 0.3).verdict, CombinedVerdict::ume) << "seed " << seed;
  }
}

}  // namespace
