// Robustness perturbations in input units (docs/design.md §3.6): noise_sd and
// epsilon in the raw values' own units, clipped to the training range; `auto`
// picks input units for data in [0, 1]; the result records the units. Checks
// the perturbation magnitudes directly and that, on pixel-like data (column SD
// ~0.1), noise 0.5 in input units hurts more than 0.5 training SDs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "fusion_testing.hpp"
#include "mmc/core/rng.hpp"
#include "mmc/fusion/late_fusion.hpp"
#include "mmc/fusion/robustness.hpp"

namespace {

using mmc::Index;
using mmc::Labels;
using mmc::RowMatrix;
using mmc::fusion::InputRange;
using mmc::fusion::ModalityList;
using mmc::fusion::PerturbationUnits;

/// Two "pixel" modalities of d columns in [0, 1]: 0.5 +- 0.08 by the label
/// plus N(0, 0.05^2) noise; each modality alone predicts the label well.
struct PixelTask {
  ModalityList<double> x;
  Labels y;
};

PixelTask pixel_task(Index n, Index d, std::uint64_t seed) {
  mmc::Rng rng(seed, 0);
  PixelTask t;
  t.y.resize(n);
  t.x = {RowMatrix<double>(n, d), RowMatrix<double>(n, d)};
  for (Index r = 0; r < n; ++r) {
    t.y(r) = static_cast<int>(rng.uniform_int(2));
    for (auto& m : t.x) {
      for (Index c = 0; c < d; ++c) {
        const double v = 0.5 + (t.y(r) == 1 ? 0.08 : -0.08) + 0.05 * rng.normal();
        m(r, c) = std::clamp(v, 0.0, 1.0);
      }
    }
  }
  return t;
}

InputRange wide_range(const ModalityList<double>& x) {
  InputRange r;
  for (const auto& m : x) {
    r.low.push_back(Eigen::VectorXd::Constant(m.cols(), -1e300));
    r.high.push_back(Eigen::VectorXd::Constant(m.cols(), 1e300));
  }
  return r;
}

TEST(RobustnessUnits, AutoPicksInputForUnitIntervalDataElseStandardized) {
  const auto t = pixel_task(200, 4, 1);
  const InputRange range = mmc::fusion::input_range(t.x);
  EXPECT_TRUE(range.unit_interval());
  EXPECT_EQ(mmc::fusion::resolve_units(PerturbationUnits::automatic, range), PerturbationUnits::input);
  EXPECT_EQ(mmc::fusion::resolve_units(PerturbationUnits::standardized, range),
            PerturbationUnits::standardized);
  ModalityList<double> shifted = t.x;
  shifted[1](0, 0) = 1.5;  // one value outside [0, 1]
  const InputRange other = mmc::fusion::input_range(shifted);
  EXPECT_FALSE(other.unit_interval());
  EXPECT_EQ(mmc::fusion::resolve_units(PerturbationUnits::automatic, other), PerturbationUnits::standardized);
  EXPECT_EQ(mmc::fusion::resolve_units(PerturbationUnits::input, other), PerturbationUnits::input);
}

TEST(RobustnessUnits, InputNoiseHasTheAskedSdAndIsClippedToTheTrainingRange) {
  const auto t = pixel_task(3000, 5, 2);
  const auto noisy = mmc::fusion::perturb_noisy_input(t.x, 1, 0.5, 7, wide_range(t.x));
  EXPECT_EQ(noisy[0], t.x[0]);  // the other modality is untouched
  const RowMatrix<double> diff = noisy[1] - t.x[1];
  const double sd = std::sqrt(diff.array().square().mean());
  EXPECT_NEAR(sd, 0.5, 0.01);  // 15000 draws: SE of the SD ~0.003
  EXPECT_NEAR(diff.mean(), 0.0, 0.02);

  const InputRange range = mmc::fusion::input_range(t.x);
  const auto clipped = mmc::fusion::perturb_noisy_input(t.x, 1, 0.5, 7, range);
  for (Index c = 0; c < clipped[1].cols(); ++c) {
    EXPECT_GE(clipped[1].col(c).minCoeff(), range.low[1](c));
    EXPECT_LE(clipped[1].col(c).maxCoeff(), range.high[1](c));
  }
}

TEST(RobustnessUnits, InputFgsmMovesEveryRawValueByExactlyEpsilon) {
  const auto t = pixel_task(300, 4, 3);
  auto model = mmc::fusion::fit_late_fusion(t.x, t.y, mmc::fusion::testing::tiny_options(1));
  const ModalityList<float> x = model.to_model_space(t.x);
  const double eps = 0.03;
  const auto attacked = mmc::fusion::perturb_fgsm_input(model, t.x, x, t.y, 0, eps, wide_range(t.x));
  EXPECT_EQ(attacked[1], t.x[1]);
  const RowMatrix<double> diff = (attacked[0] - t.x[0]).cwiseAbs();
  Index moved = 0;
  for (Index r = 0; r < diff.rows(); ++r) {
    for (Index c = 0; c < diff.cols(); ++c) {
      if (diff(r, c) == 0.0) continue;  // a zero gradient entry
      EXPECT_NEAR(diff(r, c), eps, 1e-12);
      ++moved;
    }
  }
  EXPECT_GT(moved, diff.size() / 2);
  // In standardised units the same epsilon is 0.03 SDs = 0.03 * ~0.094 raw: far smaller.
}

TEST(RobustnessUnits, PixelNoiseInInputUnitsHurtsMoreThanInSdUnits) {
  const auto t = pixel_task(1500, 6, 4);
  mmc::fusion::RobustnessExperimentOptions options;
  options.train = mmc::fusion::testing::tiny_options(5);
  options.train.epochs = 10;
  options.train.head_hidden = {16};
  options.robustness.noise_sd = 0.5;
  options.robustness.seed = 3;
  options.robustness.units = PerturbationUnits::standardized;
  const auto sd_units = mmc::fusion::robustness_experiment(t.x, t.y, options);
  options.robustness.units = PerturbationUnits::automatic;
  const auto input_units = mmc::fusion::robustness_experiment(t.x, t.y, options);
  EXPECT_EQ(sd_units.units, PerturbationUnits::standardized);
  EXPECT_EQ(input_units.units, PerturbationUnits::input);  // pixels in [0, 1]
  EXPECT_GT(sd_units.clean, 0.9);
  EXPECT_EQ(sd_units.clean, input_units.clean);      // same model, same split
  EXPECT_EQ(sd_units.missing, input_units.missing);  // "missing" has no unit
  // 0.5 raw is ~5 column SDs: much more damage than 0.5 SDs.
  EXPECT_LT(input_units.noisy, sd_units.noisy - 0.1)
      << "input " << input_units.noisy << " vs standardized " << sd_units.noisy;
}

TEST(RobustnessUnits, UnboundedDataKeepTheStandardizedDefault) {
  const auto task = mmc::fusion::testing::small_task(300, 6);
  mmc::fusion::RobustnessExperimentOptions options;
  options.train = mmc::fusion::testing::tiny_options(2);
  const auto r = mmc::fusion::robustness_experiment(task.modalities, task.labels, options);
  EXPECT_EQ(r.units, PerturbationUnits::standardized);
  EXPECT_EQ(mmc::fusion::units_name(r.units), "standardized");
}

TEST(RobustnessUnits, MismatchedRangeIsAnError) {
  const auto t = pixel_task(50, 3, 5);
  InputRange range = mmc::fusion::input_range(t.x);
  range.low[1].resize(2);
  EXPECT_THROW((void)mmc::fusion::perturb_noisy_input(t.x, 1, 0.5, 0, range), std::invalid_argument);
  EXPECT_THROW((void)mmc::fusion::perturb_noisy_input(t.x, 2, 0.5, 0, range), std::invalid_argument);
}

}  // namespace
