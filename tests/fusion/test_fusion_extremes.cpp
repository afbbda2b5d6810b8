// Extreme data in fusion/ (docs/design.md §2): raw modalities stay double until
// the standardizer has removed their training mean and scale, and only the
// model-space data are float. Data with a large offset (a Unix timestamp:
// x * 100 + 1.7e9, which float32 rounds to multiples of 128) therefore train
// exactly as the centred data do (same seed, same accuracy), where float32
// standardisation trained at chance; without standardisation they are
// refused with a message naming options.standardize.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include <mmc/fusion.hpp>

#include "fusion_testing.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::fusion::testing::expect_invalid;
using mmc::fusion::testing::small_task;
using mmc::fusion::testing::tiny_options;

std::vector<RowMatrix<double>> offset(const std::vector<RowMatrix<double>>& modalities) {
  std::vector<RowMatrix<double>> out;
  for (const auto& m : modalities) out.push_back((m * 100.0).array() + 1.7e9);
  return out;
}

std::vector<RowMatrix<double>> scaled(const std::vector<RowMatrix<double>>& modalities) {
  std::vector<RowMatrix<double>> out;
  for (const auto& m : modalities) out.push_back(m * 100.0);
  return out;
}

mmc::fusion::TrainOptions options() {
  auto o = tiny_options(7);
  o.epochs = 15;
  return o;
}

TEST(FusionExtremes, OffsetDataTrainAsWellAsCentredData) {
  const auto task = small_task(600, 3);
  const auto centred = scaled(task.modalities), shifted = offset(task.modalities);
  auto a = mmc::fusion::fit_late_fusion(centred, task.labels, options());
  auto b = mmc::fusion::fit_late_fusion(shifted, task.labels, options());
  const double accuracy = a.accuracy(centred, task.labels);
  EXPECT_GT(accuracy, 0.7) << "the tiny model learned nothing";
  EXPECT_NEAR(b.accuracy(shifted, task.labels), accuracy, 0.01);
  // The standardised (model-space) inputs agree to float rounding.
  const auto za = a.to_model_space(centred), zb = b.to_model_space(shifted);
  for (std::size_t m = 0; m < za.size(); ++m) {
    EXPECT_LT((za[m] - zb[m]).cwiseAbs().maxCoeff(), 1e-5f) << "modality " << m;
  }
  // Uni-modal models and the ensemble go through the same standardizer.
  auto ua = mmc::fusion::fit_ume(centred, task.labels, options());
  auto ub = mmc::fusion::fit_ume(shifted, task.labels, options());
  EXPECT_NEAR(ub.accuracy(shifted, task.labels), ua.accuracy(centred, task.labels), 0.01);
}

TEST(FusionExtremes, OffsetDataWithoutStandardisationAreRefused) {
  const auto task = small_task(200, 4);
  auto o = options();
  o.standardize = false;
  expect_invalid([&] { mmc::fusion::fit_late_fusion(offset(task.modalities), task.labels, o); },
                 "modalities[0]", "mmc::fusion::fit_late_fusion");
  try {
    mmc::fusion::fit_late_fusion(offset(task.modalities), task.labels, o);
  } catch (const mmc::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("options.standardize"), std::string::npos) << e.what();
  }
  // float32 holds the centred data: accepted.
  EXPECT_NO_THROW(mmc::fusion::fit_late_fusion(scaled(task.modalities), task.labels, o));
}

}  // namespace
