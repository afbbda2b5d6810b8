// The complementarity metric's neural backends (docs/design.md §3.4) on the three
// exact-answer bit cases: C = 0 (redundant), 1 (unique), 2 (synergy).
//
// Every quantity is a (conditional) entropy or MI of a binary label given
// well-separated noisy bits, which a small network fits almost exactly: Ĥ errors
// are ~0.005 nats, so C is within 0.15 of the truth. To keep the suite fast the
// networks are 64 x 64 instead of the default 256 x 256, and MINE runs 800
// instead of 3000 steps (it reaches log 2 on these one-bit problems within a few
// hundred). The default-setting values at N = 5000 (knn / cene / mine:
// 0.000 / 0.000 / 0.001, 1.006 / 1.004 / 1.005, 2.002 / 2.008 / 2.005) are in
// docs/complementarity.md.
#include <gtest/gtest.h>

#include <mmc/data/complementarity.hpp>
#include <mmc/metric/complementarity.hpp>

namespace {

using mmc::metric::Backend;

struct BitCase {
  mmc::data::BitCase which;
  double metric;
};

constexpr BitCase kCases[] = {{mmc::data::BitCase::redundant, 0.0},
                              {mmc::data::BitCase::unique, 1.0},
                              {mmc::data::BitCase::synergy, 2.0}};

TEST(ComplementarityNeural, CeneBackendOnTheBitCases) {
  for (const auto& c : kCases) {
    const auto task = mmc::data::bits_task(c.which, 5000, 21);
    mmc::metric::ComplementarityOptions options;
    options.backend = Backend::cene;
    options.cene.hidden = {64, 64};
    const auto r = mmc::metric::Complementarity(options).estimate(task.modalities, task.labels);
    EXPECT_NEAR(r.metric, c.metric, 0.15) << task.name;
    EXPECT_NEAR(r.joint_mi, r.h_y, 0.05) << task.name;  // the bits determine the label
  }
}

TEST(ComplementarityNeural, MineBackendOnTheBitCases) {
  for (const auto& c : kCases) {
    const auto task = mmc::data::bits_task(c.which, 5000, 22);
    mmc::metric::ComplementarityOptions options;
    options.backend = Backend::mine;
    options.mine.steps = 800;
    options.mine.hidden = {64, 64};
    const auto r = mmc::metric::Complementarity(options).estimate(task.modalities, task.labels);
    EXPECT_NEAR(r.metric, c.metric, 0.15) << task.name;
  }
}

TEST(ComplementarityNeural, SameSeedSameBitsAnyThreadCount) {
  const auto task = mmc::data::bits_task(mmc::data::BitCase::unique, 2000, 23);
  mmc::metric::ComplementarityOptions options;
  options.backend = Backend::cene;
  options.cene.steps = 300;
  options.threads = 1;
  const auto a = mmc::metric::Complementarity(options).estimate(task.modalities, task.labels);
  options.threads = 2;
  const auto b = mmc::metric::Complementarity(options).estimate(task.modalities, task.labels);
  EXPECT_EQ(a.metric, b.metric);
  EXPECT_EQ(a.gamma, b.gamma);
}

}  // namespace
