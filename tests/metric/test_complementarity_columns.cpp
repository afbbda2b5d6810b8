// Constant columns in the complementarity metric (docs/design.md §3.4): they are
// dropped before standardising (MNIST's border pixels are always 0), counted per
// modality in ComplementarityResult::dropped_columns and announced in
// `warnings`; the estimate equals the one on the data without them; a modality
// with no varying column is a clear error.
#include <gtest/gtest.h>

#include <mmc/data/complementarity.hpp>
#include <mmc/metric.hpp>
#include <cmath>
#include <stdexcept>
#include <string>

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::metric::Backend;
using mmc::metric::Complementarity;
using mmc::metric::ComplementarityOptions;

/// x with `extra` constant columns (value `value`) inserted before column `at`.
RowMatrix<double> with_constant_columns(const RowMatrix<double>& x, Index extra, Index at, double value) {
  RowMatrix<double> out(x.rows(), x.cols() + extra);
  out.leftCols(at) = x.leftCols(at);
  out.middleCols(at, extra).setConstant(value);
  out.rightCols(x.cols() - at) = x.rightCols(x.cols() - at);
  return out;
}

bool mentions(const std::vector<std::string>& warnings, const std::string& text) {
  for (const auto& w : warnings)
    if (w.find(text) != std::string::npos) return true;
  return false;
}

TEST(ComplementarityColumns, ConstantColumnsAreDroppedCountedAndWarnedAbout) {
  const auto task = mmc::data::bits_task(mmc::data::BitCase::unique, 2000, 4);
  const auto plain = Complementarity().estimate(task.modalities, task.labels);
  EXPECT_EQ(plain.dropped_columns, (std::vector<Index>{0, 0}));
  EXPECT_FALSE(mentions(plain.warnings, "constant"));

  std::vector<RowMatrix<double>> padded = {with_constant_columns(task.modalities[0], 3, 0, 0.0),
                                           with_constant_columns(task.modalities[1], 1, 1, 7.5)};
  const auto r = Complementarity().estimate(padded, task.labels);
  EXPECT_EQ(r.dropped_columns, (std::vector<Index>{3, 1}));
  EXPECT_TRUE(mentions(r.warnings, "modalities[0]: dropped 3 of"));
  EXPECT_TRUE(mentions(r.warnings, "modalities[1]: dropped 1 of"));
  // Same seed, same remaining columns: the same estimate, bit for bit.
  EXPECT_EQ(r.metric, plain.metric);
  EXPECT_EQ(r.gamma, plain.gamma);
  EXPECT_EQ(r.joint_mi, plain.joint_mi);
}

TEST(ComplementarityColumns, WorksWithPcaAndWithoutStandardisation) {
  const auto task = mmc::data::synthetic_task({.alpha = 0.3}, 1500, 2);
  std::vector<RowMatrix<double>> padded = {with_constant_columns(task.modalities[0], 5, 2, 0.0),
                                           task.modalities[1]};
  ComplementarityOptions options;
  options.pca = 4;
  const auto r = Complementarity(options).estimate(padded, task.labels);
  const auto plain = Complementarity(options).estimate(task.modalities, task.labels);
  EXPECT_EQ(r.dropped_columns, (std::vector<Index>{5, 0}));
  EXPECT_EQ(r.metric, plain.metric);
  options.pca = 0;
  options.standardize = false;
  const auto raw = Complementarity(options).estimate(padded, task.labels);
  EXPECT_EQ(raw.dropped_columns, (std::vector<Index>{5, 0}));
  EXPECT_TRUE(std::isfinite(raw.metric));
}

TEST(ComplementarityColumns, BootstrapKeepsTheDroppedCount) {
  const auto task = mmc::data::bits_task(mmc::data::BitCase::redundant, 1000, 1);
  std::vector<RowMatrix<double>> padded = {task.modalities[0], with_constant_columns(task.modalities[1], 2, 0, -1.0)};
  ComplementarityOptions options;
  options.bootstrap = 20;
  const auto r = Complementarity(options).estimate(padded, task.labels);
  EXPECT_EQ(r.dropped_columns, (std::vector<Index>{0, 2}));
  EXPECT_EQ(r.replicates, 20);
  EXPECT_LE(r.metric_interval.lower, r.metric_interval.upper);
}

TEST(ComplementarityColumns, AModalityWithOnlyConstantColumnsIsAnError) {
  const auto task = mmc::data::bits_task(mmc::data::BitCase::unique, 500, 3);
  std::vector<RowMatrix<double>> bad = {task.modalities[0], RowMatrix<double>::Constant(500, 3, 0.25)};
  try {
    (void)Complementarity().estimate(bad, task.labels);
    FAIL() << "expected mmc::invalid_argument";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("modalities[1]"), std::string::npos) << what;
    EXPECT_NE(what.find("only constant columns"), std::string::npos) << what;
  }
}

}  // namespace
