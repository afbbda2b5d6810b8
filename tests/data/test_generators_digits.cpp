// Tests of mmc/data/digits.hpp: the sklearn file loads with the right shape,
// generated samples obey y = (x + δ) mod 10 and t = round((x+y)/2) for the
// classes of their images (identified by looking each image up in the file),
// δ follows the rounded normal, and the class-level truth matches an
// independent offline computation. Skips when the sklearn file is absent.
#include "mmc/data/digits.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <unistd.h>

#include "generator_test_helpers.hpp"

namespace {

using mmc::Index;
using mmc::test::expect_invalid;
using mmc::test::expect_mean_near;
namespace data = mmc::data;

#define MMC_REQUIRE_DIGITS()                                                              \
  if (data::find_digits_file().empty()) {                                                 \
    GTEST_SKIP() << "sklearn digits file not found (install python3-sklearn or set "      \
                    "MMC_DIGITS_PATH to datasets/data/digits.csv.gz)";                    \
  }

// Image (as its 64 pixels) -> the set of labels it carries in the file.
std::map<std::vector<double>, std::set<int>> image_classes(const data::DigitsData& d) {
  std::map<std::vector<double>, std::set<int>> classes;
  for (Index i = 0; i < d.images.rows(); ++i) {
    classes[std::vector<double>(d.images.row(i).begin(), d.images.row(i).end())].insert(d.labels(i));
  }
  return classes;
}

int class_of(const std::map<std::vector<double>, std::set<int>>& classes, const Eigen::RowVectorXd& row) {
  const auto it = classes.find(std::vector<double>(row.begin(), row.end()));
  if (it == classes.end() || it->second.size() != 1) return -1;  // unknown or ambiguous
  return *it->second.begin();
}

TEST(DigitsGenerator, LoadsTheSklearnFile) {
  MMC_REQUIRE_DIGITS();
  const auto d = data::load_digits();
  ASSERT_EQ(d.images.rows(), 1797);  // sklearn.datasets.load_digits().data.shape
  ASSERT_EQ(d.images.cols(), 64);
  EXPECT_EQ(d.images.minCoeff(), 0.0);
  EXPECT_EQ(d.images.maxCoeff(), 16.0);
  for (int c = 0; c < 10; ++c) EXPECT_GE((d.labels.array() == c).count(), 170) << c;
  EXPECT_EQ(d.labels(0), 0);  // the first image of the file is a 0
}

TEST(DigitsGenerator, SamplesFollowTheClassRelations) {
  MMC_REQUIRE_DIGITS();
  const auto classes = image_classes(data::load_digits());
  const auto task = data::digits_task({.sigma = 1.0}, 4000, 3);
  ASSERT_EQ(task.modalities.size(), 2u);
  ASSERT_EQ(task.modalities[0].rows(), 4000);
  ASSERT_EQ(task.modalities[1].cols(), 64);
  ASSERT_EQ(task.classes, 10);
  EXPECT_GE(task.labels.minCoeff(), 0);
  EXPECT_LE(task.labels.maxCoeff(), 9);
  // Indicators of the folded offset min(r, 10 − r), r = (y − x) mod 10, in
  // {0, 1, 2, >= 3}: every bin expects >= 20 of the 4000 samples.
  std::array<Eigen::VectorXd, 4> folded;
  for (auto& v : folded) v.resize(task.n());
  for (Index i = 0; i < task.n(); ++i) {
    const int x = class_of(classes, task.modalities[0].row(i));
    const int y = class_of(classes, task.modalities[1].row(i));
    ASSERT_GE(x, 0) << "image of sample " << i << " not found in the file";
    ASSERT_GE(y, 0) << "image of sample " << i << " not found in the file";
    ASSERT_EQ(task.labels(i), (x + y + 1) / 2) << "t = round((x+y)/2), halves up";
    const int r = (y - x + 10) % 10;
    for (int b = 0; b < 4; ++b) folded[b](i) = std::min({r, 10 - r, 3}) == b ? 1.0 : 0.0;
  }
  // P(δ ≡ r mod 10) for σ = 1 (scipy.stats.norm.cdf differences, wrapped), folded:
  // r = 0: 0.38292492254802624; r = ±1: 2 x 0.2417303374571288; r = ±2:
  // 2 x 0.060597535943113824; the rest 1 minus those. Bernoulli frequencies,
  // 5 standard errors each.
  const std::array<double, 4> expected = {0.38292492254802624, 0.4834606749142576,
                                          0.12119507188622765, 0.012419330651488522};
  for (int b = 0; b < 4; ++b) {
    expect_mean_near(folded[b], expected[b], 5.0, "P(folded delta = " + std::to_string(b) + ")");
  }
}

TEST(DigitsGenerator, SigmaZeroGivesTheSameClassTwice) {
  MMC_REQUIRE_DIGITS();
  const auto classes = image_classes(data::load_digits());
  const auto task = data::digits_task({.sigma = 0.0}, 500, 1);
  for (Index i = 0; i < task.n(); ++i) {
    const int x = class_of(classes, task.modalities[0].row(i));
    ASSERT_EQ(x, class_of(classes, task.modalities[1].row(i)));
    ASSERT_EQ(task.labels(i), x);
  }
  EXPECT_EQ(*data::lookup(task.truth, "metric"), 0.0);
}

TEST(DigitsGenerator, SameSeedSameBits) {
  MMC_REQUIRE_DIGITS();
  const auto a = data::digits_task({}, 200, 5), b = data::digits_task({}, 200, 5);
  EXPECT_TRUE(a.modalities[0] == b.modalities[0] && a.modalities[1] == b.modalities[1]);
  EXPECT_TRUE(a.labels == b.labels);
  EXPECT_FALSE(a.labels == data::digits_task({}, 200, 6).labels);
}

TEST(DigitsGenerator, ClassTruthMatchesOfflineEnumeration) {
  // Provenance: Python/scipy enumeration of δ ∈ [−200, 200] with P(δ = k) =
  // Φ((k+½)/σ) − Φ((k−½)/σ), entropies of the (x, y, t) table: Γ_X = H(T|Y),
  // Γ_W = H(T|X), I = H(T) (H(T|X,Y) = 0). Sums of ~100 terms: 1e-12.
  struct Case {
    double sigma, gamma, joint;
  };
  for (const Case& c : {Case{0.5, 0.4887585467532598, 2.2923396106827614},
                        Case{1.0, 0.9284313798866841, 2.259816902320548},
                        Case{3.0, 1.6531108530629184, 2.1518192251202524}}) {
    const auto t = data::digits_class_truth(c.sigma);
    EXPECT_NEAR(*data::lookup(t, "gamma_0"), c.gamma, 1e-12) << c.sigma;
    EXPECT_NEAR(*data::lookup(t, "gamma_1"), c.gamma, 1e-12) << c.sigma;
    EXPECT_NEAR(*data::lookup(t, "joint_mi"), c.joint, 1e-12) << c.sigma;
    EXPECT_NEAR(*data::lookup(t, "metric"), 2 * c.gamma / c.joint, 1e-12) << c.sigma;
  }
  const auto zero = data::digits_class_truth(0.0);
  EXPECT_NEAR(*data::lookup(zero, "joint_mi"), std::log(10.0), 1e-15);
  // Large σ: y uniform and independent of x, the wrapped normal is flat.
  EXPECT_NEAR(*data::lookup(data::digits_class_truth(60.0), "gamma_0"),
              *data::lookup(data::digits_class_truth(49.0), "gamma_0"), 1e-12);
}

TEST(DigitsGenerator, ReportsMissingAndMalformedFiles) {
  EXPECT_THROW(data::load_digits("/nonexistent/digits.csv.gz"), mmc::io_error);
  const auto path = std::filesystem::temp_directory_path() / ("mmc_test_bad_digits_" + std::to_string(::getpid()) + ".csv");
  {
    std::ofstream out(path);
    out << "0,1,2\n";
  }
  try {
    data::load_digits(path.string());
    ADD_FAILURE() << "no exception for a malformed file";
  } catch (const mmc::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("line 1"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("'path'"), std::string::npos) << e.what();
  }
  std::filesystem::remove(path);
  expect_invalid([] { data::digits_task({.sigma = -1.0}, 10, 0); }, "sigma");
  expect_invalid([] { data::digits_task({}, 0, 0); }, "n");
}

}  // namespace
