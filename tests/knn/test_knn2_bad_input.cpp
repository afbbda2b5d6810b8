// Bad input for every public entry point of Ross, MixedKsg, the plug-in and
// binned estimators, GeometricKnn and Lnc (docs/design.md §2): each case throws
// mmc::invalid_argument whose message names the function and the argument
// (and, where it matters, the row/column or the limit).
#include <gtest/gtest.h>

#include <limits>
#include <mmc/knn/binned.hpp>
#include <mmc/knn/geometric.hpp>
#include <mmc/knn/lnc.hpp>
#include <mmc/knn/mixed.hpp>
#include <mmc/knn/plugin.hpp>
#include <mmc/knn/ross.hpp>
#include <vector>

#include "knn2_test_util.hpp"

namespace {

using knn2_test::expect_invalid;
using knn2_test::Matrix;
using knn2_test::with_k;
using mmc::Index;

const double kNaN = std::numeric_limits<double>::quiet_NaN();
const double kInf = std::numeric_limits<double>::infinity();

Matrix data(Index n, Index d, std::uint64_t seed = 1) { return ksg_test::make_data(n, d, ksg_test::Kind::continuous, seed); }

Matrix with(Matrix m, Index row, Index col, double value) {
  m(row, col) = value;
  return m;
}

std::vector<int> two_classes(Index n) {
  std::vector<int> labels(static_cast<std::size_t>(n));
  for (Index i = 0; i < n; ++i) labels[static_cast<std::size_t>(i)] = static_cast<int>(i % 2);
  return labels;
}

mmc::knn::RossOptions ross_k(Index k) { return with_k<mmc::knn::RossOptions>(k); }

// ---------------------------------------------------------------- Ross
TEST(Knn2BadInput, RossEmptyX) {
  expect_invalid([] { mmc::knn::Ross().estimate(Matrix(0, 2), std::vector<int>{}); }, "x", "Ross::estimate");
}
TEST(Knn2BadInput, RossNaNNamesRowAndColumn) {
  expect_invalid([] { mmc::knn::Ross().estimate(with(data(20, 2), 3, 1, kNaN), two_classes(20)); }, "x",
                 "row 3, column 1");
}
TEST(Knn2BadInput, RossLabelCountMismatch) {
  expect_invalid([] { mmc::knn::Ross().estimate(data(20, 1), two_classes(19)); }, "labels", "19 labels");
}
TEST(Knn2BadInput, RossNegativeLabel) {
  auto labels = two_classes(20);
  labels[4] = -2;
  expect_invalid([&] { mmc::knn::Ross().estimate(data(20, 1), labels); }, "labels", "index 4");
}
TEST(Knn2BadInput, RossKBelowOne) {
  expect_invalid([] { mmc::knn::Ross(ross_k(0)).estimate(data(20, 1), two_classes(20)); }, "k");
}
TEST(Knn2BadInput, RossKAtLeastN) {
  expect_invalid([] { mmc::knn::Ross(ross_k(20)).estimate(data(20, 1), two_classes(20)); }, "k");
}
TEST(Knn2BadInput, RossSingleClass) {
  auto labels = std::vector<int>(20, 3);
  labels[7] = 1;  // a singleton does not count as a second class
  expect_invalid([&] { mmc::knn::Ross().estimate(data(20, 1), labels); }, "labels", "single class");
}
TEST(Knn2BadInput, RossEveryLabelOnce) {
  std::vector<int> labels(10);
  for (int i = 0; i < 10; ++i) labels[static_cast<std::size_t>(i)] = i;
  expect_invalid([&] { mmc::knn::Ross().estimate(data(10, 1), labels); }, "labels", "occurs at least twice");
}
TEST(Knn2BadInput, RossNegativeJitter) {
  auto o = ross_k(3);
  o.jitter = -1.0;
  expect_invalid([&] { mmc::knn::Ross(o).estimate(data(20, 1), two_classes(20)); }, "jitter");
}
TEST(Knn2BadInput, RossStandardizeConstantColumn) {
  auto o = ross_k(3);
  o.standardize = true;
  Matrix x = data(20, 2);
  x.col(1).setConstant(4.0);
  expect_invalid([&] { mmc::knn::Ross(o).estimate(x, two_classes(20)); }, "x", "constant column 1");
}

// ---------------------------------------------------------------- MixedKsg
TEST(Knn2BadInput, MixedEmptyY) {
  expect_invalid([] { mmc::knn::MixedKsg().estimate(data(10, 1), Matrix(10, 0)); }, "y", "MixedKsg::estimate");
}
TEST(Knn2BadInput, MixedInfNamesRowAndColumn) {
  expect_invalid([] { mmc::knn::MixedKsg().estimate(data(10, 1), with(data(10, 2), 9, 0, -kInf)); }, "y",
                 "row 9, column 0");
}
TEST(Knn2BadInput, MixedRowMismatch) {
  expect_invalid([] { mmc::knn::MixedKsg().estimate(data(10, 1), data(11, 1)); }, "y", "11 rows");
}
TEST(Knn2BadInput, MixedKAtLeastN) {
  expect_invalid([&] { mmc::knn::MixedKsg(with_k(10)).estimate(data(10, 1), data(10, 1)); }, "k");
}
TEST(Knn2BadInput, MixedKBelowOne) {
  expect_invalid([&] { mmc::knn::MixedKsg(with_k(-1)).estimate(data(10, 1), data(10, 1)); }, "k");
}

// ---------------------------------------------------------------- plug-in
TEST(Knn2BadInput, PluginEntropyEmpty) {
  expect_invalid([] { mmc::knn::PluginEntropy().estimate(std::vector<int>{}); }, "x", "PluginEntropy::estimate");
}
TEST(Knn2BadInput, PluginEntropyNaN) {
  expect_invalid([] { mmc::knn::PluginEntropy().estimate(with(data(5, 2), 2, 1, kNaN)); }, "x", "row 2, column 1");
}
TEST(Knn2BadInput, PluginMiRowMismatch) {
  expect_invalid([] { mmc::knn::PluginMutualInformation().estimate(std::vector<int>{1, 2}, std::vector<int>{1}); },
                 "y", "has 1 rows");
}
TEST(Knn2BadInput, PluginMiEmptyY) {
  expect_invalid([] { mmc::knn::PluginMutualInformation().estimate(Eigen::VectorXi::Zero(3), Eigen::VectorXi()); },
                 "y");
}
TEST(Knn2BadInput, PluginConditionalRowMismatch) {
  expect_invalid(
      [] { mmc::knn::PluginConditionalEntropy().estimate(std::vector<int>{1, 2}, std::vector<int>{1, 2, 3}); },
      "x", "PluginConditionalEntropy::estimate");
}
TEST(Knn2BadInput, PluginConditionalNaN) {
  expect_invalid([] { mmc::knn::PluginConditionalEntropy().estimate(data(4, 1), with(data(4, 1), 0, 0, kNaN)); },
                 "x", "row 0, column 0");
}

// ---------------------------------------------------------------- binned
mmc::knn::BinnedOptions bins(Index b) {
  mmc::knn::BinnedOptions o;
  o.bins = b;
  return o;
}
TEST(Knn2BadInput, BinnedEntropyBinsBelowOne) {
  expect_invalid([] { mmc::knn::BinnedEntropy(bins(0)).estimate(data(10, 1)); }, "bins", "at least 1");
}
TEST(Knn2BadInput, BinnedMiBinsBelowOne) {
  expect_invalid([] { mmc::knn::BinnedMutualInformation(bins(-3)).estimate(data(10, 1), data(10, 1)); }, "bins");
}
TEST(Knn2BadInput, BinnedEntropyEmpty) {
  expect_invalid([] { mmc::knn::BinnedEntropy().estimate(Matrix(0, 1)); }, "x", "BinnedEntropy::estimate");
}
TEST(Knn2BadInput, BinnedEntropyInf) {
  expect_invalid([] { mmc::knn::BinnedEntropy().estimate(with(data(10, 3), 5, 2, kInf)); }, "x", "row 5, column 2");
}
TEST(Knn2BadInput, BinnedEntropyRangeOverflows) {
  Matrix x(3, 1);
  x << -1e308, 0.0, 1e308;
  expect_invalid([&] { mmc::knn::BinnedEntropy().estimate(x); }, "x", "overflows");
}
TEST(Knn2BadInput, BinnedMiRowMismatch) {
  expect_invalid([] { mmc::knn::BinnedMutualInformation().estimate(data(10, 1), data(12, 1)); }, "y", "12 rows");
}
TEST(Knn2BadInput, BinnedMiNaNInY) {
  expect_invalid([] { mmc::knn::BinnedMutualInformation().estimate(data(10, 1), with(data(10, 1), 1, 0, kNaN)); },
                 "y", "row 1, column 0");
}

// ---------------------------------------------------------------- geometric kNN
TEST(Knn2BadInput, GeometricEntropyKBelowDimension) {
  expect_invalid([] { mmc::knn::GeometricKnn(with_k(2)).entropy(data(50, 3)); }, "k", "k >= 3");
}
TEST(Knn2BadInput, GeometricMiKBelowJointDimension) {
  expect_invalid([] { mmc::knn::GeometricKnn(with_k(3)).estimate(data(50, 2), data(50, 2)); }, "k", "k >= 4");
}
TEST(Knn2BadInput, GeometricEntropyDuplicatedSamples) {
  Matrix x = data(50, 2);
  for (Index i = 1; i < 4; ++i) x.row(i) = x.row(0);  // rows 0..3 identical: eps = 0 for them
  expect_invalid([&] { mmc::knn::GeometricKnn(with_k(3)).entropy(x); }, "x", "degenerate neighbourhood at row 0");
}
TEST(Knn2BadInput, GeometricMiCollinearJointSpace) {
  const Matrix x = data(50, 1);
  expect_invalid([&] { mmc::knn::GeometricKnn().estimate(x, Matrix(2.0 * x)); }, "(x, y)", "jitter");
}
TEST(Knn2BadInput, GeometricEntropyNaN) {
  expect_invalid([] { mmc::knn::GeometricKnn().entropy(with(data(20, 1), 19, 0, kNaN)); }, "x", "row 19, column 0");
}
TEST(Knn2BadInput, GeometricEntropyKAtLeastN) {
  expect_invalid([] { mmc::knn::GeometricKnn(with_k(5)).entropy(data(5, 1)); }, "k", "only 5 samples");
}
TEST(Knn2BadInput, GeometricMiRowMismatch) {
  expect_invalid([] { mmc::knn::GeometricKnn().estimate(data(20, 1), data(21, 1)); }, "y", "GeometricKnn::estimate");
}

// ---------------------------------------------------------------- LNC
mmc::knn::LncOptions lnc(Index k, std::optional<double> alpha = std::nullopt) {
  auto o = with_k<mmc::knn::LncOptions>(k);
  o.alpha = alpha;
  return o;
}
TEST(Knn2BadInput, LncKNotAboveJointDimension) {
  expect_invalid([] { mmc::knn::Lnc(lnc(2)).estimate(data(30, 1), data(30, 1)); }, "k", "k > 2");
}
TEST(Knn2BadInput, LncAlphaOutOfRange) {
  for (const double alpha : {0.0, -0.5, 1.5, kNaN}) {
    expect_invalid([&] { mmc::knn::Lnc(lnc(3, alpha)).estimate(data(30, 1), data(30, 1)); }, "alpha", "(0, 1]");
  }
}
TEST(Knn2BadInput, LncNoTabulatedAlpha) {
  expect_invalid([] { mmc::knn::Lnc(lnc(5)).estimate(data(30, 2), data(30, 2)); }, "alpha", "d = 4");
  expect_invalid([] { mmc::knn::Lnc(lnc(21)).estimate(data(30, 1), data(30, 1)); }, "alpha", "k = 21");
}
TEST(Knn2BadInput, LncRowMismatch) {
  expect_invalid([] { mmc::knn::Lnc().estimate(data(30, 1), data(29, 1)); }, "y", "Lnc::estimate");
}
TEST(Knn2BadInput, LncNaN) {
  expect_invalid([] { mmc::knn::Lnc().estimate(with(data(30, 2), 4, 1, kNaN), data(30, 1)); }, "x",
                 "row 4, column 1");
}
TEST(Knn2BadInput, LncKAtLeastN) {
  expect_invalid([] { mmc::knn::Lnc(lnc(8)).estimate(data(8, 1), data(8, 1)); }, "k", "only 8 samples");
}

}  // namespace
