// CSV reader/writer (mmc/data/csv.hpp) and the file layer (mmc/data/matrix_file.hpp).
// Oracles: bit-exact round trips of random bit patterns (every finite double,
// subnormals included), values written by numpy.savetxt (tests/data/fixtures),
// hand-computed tables; every error case checks the line/column in the message.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <mmc/core/rng.hpp>
#include <mmc/io.hpp>
#include <string>

#include "io_test_helpers.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::test::expect_bitwise_equal;
using mmc::data::CsvHeader;
using mmc::data::CsvOptions;

/// The message of the mmc::invalid_argument that f throws ("" and a failure if none).
std::string error_of_text(std::string_view text, CsvOptions options = {}) {
  return mmc::test::invalid_argument_message([&] { (void)mmc::data::parse_csv(text, options, "t.csv"); });
}

/// Random finite doubles from random bit patterns: every exponent, subnormals, signed zeros.
RowMatrix<double> random_bits_matrix(Index rows, Index cols, std::uint64_t seed) {
  mmc::Rng rng(seed);
  RowMatrix<double> m(rows, cols);
  for (Index i = 0; i < m.size(); ++i) {
    double v;
    do v = std::bit_cast<double>(rng()); while (!std::isfinite(v));
    m.data()[i] = v;
  }
  m(0, 0) = -0.0;
  m(rows - 1, cols - 1) = std::numeric_limits<double>::denorm_min();
  return m;
}

std::filesystem::path temp_path(const std::string& name) {
  return std::filesystem::path(::testing::TempDir()) / ("mmc_test_csv_" + name);
}

TEST(Csv, RoundTripIsBitExactForEveryFiniteDouble) {
  const RowMatrix<double> m = random_bits_matrix(200, 7, 1);
  expect_bitwise_equal(mmc::data::parse_csv(mmc::data::format_csv(m)), m);
}

TEST(Csv, RoundTripWithHeaderKeepsNamesAndValues) {
  const RowMatrix<double> m = random_bits_matrix(20, 4, 2);
  // Names a reader would split, trim or take for numbers are quoted by the writer.
  const std::vector<std::string> names{"x,1", " padded ", "say \"hi\"", "2.5"};
  const auto table = mmc::data::parse_csv_table(mmc::data::format_csv(m, names));
  EXPECT_EQ(table.header, names);
  EXPECT_EQ(table.first_data_line, 2);
  expect_bitwise_equal(table.values, m);
}

TEST(Csv, FloatsAndIntegersRoundTrip) {
  mmc::Rng rng(3);
  RowMatrix<float> f(30, 3);
  for (Index i = 0; i < f.size(); ++i) {
    float v;
    do v = std::bit_cast<float>(static_cast<std::uint32_t>(rng())); while (!std::isfinite(v));
    f.data()[i] = v;
  }
  const RowMatrix<float> back = mmc::data::parse_csv(mmc::data::format_csv(f)).cast<float>();
  for (Index i = 0; i < f.size(); ++i) {
    ASSERT_EQ(std::bit_cast<std::uint32_t>(back.data()[i]), std::bit_cast<std::uint32_t>(f.data()[i]));
  }
  mmc::Labels labels(4);
  labels << 0, -5, std::numeric_limits<int>::max(), std::numeric_limits<int>::min();
  EXPECT_EQ(mmc::data::format_csv(labels), "0\n-5\n2147483647\n-2147483648\n");
  EXPECT_EQ(mmc::data::parse_csv_labels(mmc::data::format_csv(labels)), labels);
}

TEST(Csv, AcceptsTheDocumentedDialect) {
  RowMatrix<double> expected(2, 3);
  expected << 1, -2.5, 300, 0.25, 4, -0.0;
  // BOM, CRLF, spaces and tabs around fields, '+' sign, quoted number, no final newline.
  const std::string text = "\xEF\xBB\xBF 1 ,\t-2.5, +3e2\r\n.25,\"4\",-0";
  expect_bitwise_equal(mmc::data::parse_csv(text), expected);
  // Trailing blank lines (with spaces and CRs) are ignored.
  expect_bitwise_equal(mmc::data::parse_csv(text + "\r\n\n  \r\n\n"), expected);
}

TEST(Csv, HeaderDetection) {
  // Automatic: a first line with any non-number is a header; all numbers is data.
  auto table = mmc::data::parse_csv_table("x, y\n1,2\n");
  EXPECT_EQ(table.header, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(table.values.rows(), 1);
  table = mmc::data::parse_csv_table("1,2\n3,4\n");
  EXPECT_TRUE(table.header.empty());
  EXPECT_EQ(table.values.rows(), 2);
  EXPECT_EQ(table.first_data_line, 1);
  // "nan" and "inf" are numbers, so such a first line is data (and then an error by default).
  EXPECT_TRUE(mmc::data::parse_csv_table("nan,1\n", {CsvHeader::automatic, true}).header.empty());
  // Quoted names count as text even when they look like numbers.
  EXPECT_EQ(mmc::data::parse_csv_table("\"1\",\"2\"\n3,4\n").header.size(), 2u);
  // Forced: yes takes a numeric first line as names; no makes a text line an error.
  table = mmc::data::parse_csv_table("10,20\n3,4\n", {CsvHeader::yes});
  EXPECT_EQ(table.header, (std::vector<std::string>{"10", "20"}));
  EXPECT_EQ(table.values(0, 1), 4.0);
  const std::string message = error_of_text("x,y\n1,2\n", {CsvHeader::no});
  EXPECT_NE(message.find("line 1, column 1"), std::string::npos) << message;
  EXPECT_NE(message.find("\"x\" is not a number"), std::string::npos) << message;
}

TEST(Csv, NonFiniteCellsAreErrorsWithLineAndColumnUnlessAllowed) {
  const std::string text = "a,b\n1,2\n3,NaN\n";
  std::string message = error_of_text(text);
  for (const char* part : {"mmc::data::parse_csv", "\"t.csv\"", "line 3, column 2", "\"NaN\" is NaN", "allow_non_finite"}) {
    EXPECT_NE(message.find(part), std::string::npos) << part << " missing from: " << message;
  }
  message = error_of_text("1,-inf\n");
  EXPECT_NE(message.find("line 1, column 2: field \"-inf\" is Inf"), std::string::npos) << message;
  const RowMatrix<double> m = mmc::data::parse_csv("nan,-Infinity,INF\n", {CsvHeader::no, true});
  EXPECT_TRUE(std::isnan(m(0, 0)));
  EXPECT_EQ(m(0, 1), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(m(0, 2), std::numeric_limits<double>::infinity());
}

TEST(Csv, OutOfRangeNumbers) {
  // Below the smallest subnormal: a signed zero, as Python's float() gives.
  const RowMatrix<double> m = mmc::data::parse_csv("1e-400,-0.00001e-330,2.4703282292062328e-324\n");
  EXPECT_EQ(std::bit_cast<std::uint64_t>(m(0, 0)), 0u);
  EXPECT_EQ(std::bit_cast<std::uint64_t>(m(0, 1)), std::bit_cast<std::uint64_t>(-0.0));
  EXPECT_EQ(m(0, 2), std::numeric_limits<double>::denorm_min());
  // Above the largest double: an error, or Inf when non-finite values are allowed.
  const std::string message = error_of_text("1,2\n3,-1.5e309\n");
  EXPECT_NE(message.find("line 2, column 2: field \"-1.5e309\" overflows a double"), std::string::npos) << message;
  EXPECT_EQ(mmc::data::parse_csv("123456e400\n", {CsvHeader::no, true})(0, 0),
            std::numeric_limits<double>::infinity());
}

TEST(Csv, ErrorsNameLineColumnAndFix) {
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {"", "line 1: is empty"},
      {" \r\n\n\t\n", "line 1: is empty"},
      {"x,y\n", "line 1: has a header but no data rows"},
      {"x,y\n\n\n", "line 1: has a header but no data rows"},
      {"1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3,4\n1,2,3\n", "line 7: has 3 fields, expected 4"},
      {"1,2\n3,4,5\n", "line 2: has 3 fields, expected 2"},
      {"a,b\n1,2\n3,abc\n", "line 3, column 2: field \"abc\" is not a number"},
      {"1,2\n3,0x10\n", "line 2, column 2: field \"0x10\" is not a number"},
      {"1,2\n3,1.5.2\n", "line 2, column 2: field \"1.5.2\" is not a number"},
      {"1,2\n3,\n", "line 2, column 2: field is empty"},
      {"1,2\n,4\n", "line 2, column 1: field is empty"},
      {"1,2\n\n3,4\n", "line 2: is blank, but more data rows follow"},
      {"1,\"2\n3,4\n", "line 1, column 2: quoted field has no closing quote"},
      {"1,\"2\"x\n", "line 1, column 2: unexpected text after the closing quote"},
      {"1,2\n3,\"4\"\"\"\n", "line 2, column 2: field \"4\\\"\" is not a number"},
      {"1,2\n3,\x01\n", "line 2, column 2: field \"\\u0001\" is not a number"},
  };
  for (const auto& c : cases) {
    const std::string message = error_of_text(c.text);
    EXPECT_NE(message.find(c.expected), std::string::npos) << "text " << ::testing::PrintToString(c.text)
                                                           << " gave: " << message;
    EXPECT_NE(message.find("mmc::data::parse_csv: argument 'text' (\"t.csv\")"), std::string::npos) << message;
    EXPECT_NE(message.find("; "), std::string::npos) << "no fix in: " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "message must be one line: " << message;
  }
}

TEST(Csv, AcceptsEveryLineEnding) {
  // "\n", "\r\n" and a lone "\r" (classic Mac OS files), mixed freely; the last
  // line end is optional.
  RowMatrix<double> expected(3, 2);
  expected << 1, 2, 3, 4, 5, 6;
  for (const char* text : {"a,b\r1,2\r3,4\r5,6\r", "a,b\r1,2\r3,4\r5,6", "a,b\n1,2\r\n3,4\r5,6\n",
                           "1,2\r3,4\r5,6\r", "a,b\r\n1,2\r\n3,4\r\n5,6\r\n"}) {
    SCOPED_TRACE(::testing::PrintToString(text));
    const auto table = mmc::data::parse_csv_table(text);
    expect_bitwise_equal(table.values, expected);
    EXPECT_EQ(table.header.empty(), text[0] == '1');
  }
  const auto labels = mmc::data::parse_csv_labels("y\r0\r1\r1\r");
  EXPECT_EQ(labels, (mmc::Labels(3) << 0, 1, 1).finished());
}

TEST(Csv, CarriageReturnEdgeCases) {
  RowMatrix<double> one_row(1, 2);
  one_row << 1, 2;
  // Trailing line ends of any kind (a lone "\r", "\r\r", "\r\r\n", blanks) are ignored.
  for (const char* text : {"1,2\r", "1,2\r\r", "1,2\r\r\n", "1,2\r\r\n\r\r\n", "1,2\r \r\t\n", "\xEF\xBB\xBF" "1,2\r"}) {
    SCOPED_TRACE(::testing::PrintToString(text));
    expect_bitwise_equal(mmc::data::parse_csv(text), one_row);
  }
  // Line numbers count lone "\r" as line ends, as editors do.
  std::string message = error_of_text("1,2\r3\r");
  EXPECT_NE(message.find("line 2: has 1 fields, expected 2"), std::string::npos) << message;
  message = error_of_text("1,2\r3,x\r");
  EXPECT_NE(message.find("line 2, column 2: field \"x\" is not a number"), std::string::npos) << message;
  // "\r\r\n" in the middle is two line ends: a blank line, with a hint why.
  message = error_of_text("1,2\r\r\n3,4\r\r\n");
  EXPECT_NE(message.find("line 2: is blank, but more data rows follow (the line before ends in "
                         "\"\\r\\r\\n\""),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("dos2unix"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(message.find('\r'), std::string::npos) << message;
  // A plain blank line between lone-"\r" lines gets the plain message.
  message = error_of_text("1,2\r\r3,4\r");
  EXPECT_NE(message.find("line 2: is blank, but more data rows follow; remove blank lines"), std::string::npos)
      << message;
  // Only line ends: empty; a header alone: no data rows.
  for (const char* text : {"\r", "\r\r\n", "\r \r"}) {
    message = error_of_text(text);
    EXPECT_NE(message.find("line 1: is empty"), std::string::npos) << message;
  }
  message = error_of_text("a,b\r");
  EXPECT_NE(message.find("line 1: has a header but no data rows"), std::string::npos) << message;
  // A quoted field cannot span lines, whatever ends them.
  message = error_of_text("\"a\rb\",c\r1,2\r");
  EXPECT_NE(message.find("line 1, column 1: quoted field has no closing quote"), std::string::npos) << message;
  // The writer's "\n" output reads back identically after a CR conversion (Mac tools).
  const RowMatrix<double> m = random_bits_matrix(5, 3, 9);
  std::string text = mmc::data::format_csv(m, {"a", "b", "c"});
  for (char& c : text)
    if (c == '\n') c = '\r';
  expect_bitwise_equal(mmc::data::parse_csv(text), m);
}

TEST(Csv, LabelsMustBeOneColumnOfIntegers) {
  mmc::Labels expected(3);
  expected << 1, 0, 2;
  EXPECT_EQ(mmc::data::parse_csv_labels("y\n1\n0.0\n2e0\n"), expected);
  std::string message = mmc::test::invalid_argument_message([] { (void)mmc::data::parse_csv_labels("y\n1\n1.5\n2\n", {}, "y.csv"); });
  EXPECT_NE(message.find("line 3, column 1: label 1.5 is not an integer"), std::string::npos) << message;
  message = mmc::test::invalid_argument_message([] { (void)mmc::data::parse_csv_labels("0\n3000000000\n"); });
  EXPECT_NE(message.find("line 2, column 1: label 3000000000"), std::string::npos) << message;
  message = mmc::test::invalid_argument_message([] { (void)mmc::data::parse_csv_labels("1,2\n3,4\n"); });
  EXPECT_NE(message.find("has 2 fields, but a labels file has one"), std::string::npos) << message;
}

TEST(Csv, WriterRejectsBadHeaders) {
  const RowMatrix<double> m = RowMatrix<double>::Zero(2, 2);
  std::string message = mmc::test::invalid_argument_message([&] { (void)mmc::data::format_csv(m, {"a"}); });
  EXPECT_NE(message.find("argument 'header' has 1 names for 2 columns"), std::string::npos) << message;
  message = mmc::test::invalid_argument_message([&] { (void)mmc::data::format_csv(m, {"a", "b\nc"}); });
  EXPECT_NE(message.find("line break"), std::string::npos) << message;
}

TEST(MatrixFile, CsvFilesRoundTripAndNameThePathInErrors) {
  const auto path = temp_path("round_trip.csv");
  const RowMatrix<double> m = random_bits_matrix(10, 3, 4);
  mmc::data::write_csv(path, m, {"a", "b", "c"});
  expect_bitwise_equal(mmc::data::read_csv(path), m);
  expect_bitwise_equal(mmc::data::read_matrix(path), m);
  {
    std::ofstream(path) << "a,b\n1,2\n3\n";
  }
  const std::string message = mmc::test::invalid_argument_message([&] { (void)mmc::data::read_matrix(path); });
  EXPECT_NE(message.find("mmc::data::read_csv: argument 'path' (\"" + path.string() + "\"): line 3: has 1 fields"),
            std::string::npos)
      << message;
  std::filesystem::remove(path);
}

TEST(MatrixFile, ReadsNumpySavetxtExactly) {
  const auto table = mmc::data::read_csv_table(MMC_TEST_SOURCE_DIR "/data/fixtures/savetxt_header.csv");
  EXPECT_EQ(table.header, (std::vector<std::string>{"a", "b"}));
  RowMatrix<double> expected(3, 2);
  expected << 0.1, -1.0 / 3.0, 5e-324, -0.0, 1.7976931348623157e308, 2.5;
  expect_bitwise_equal(table.values, expected);
}

TEST(MatrixFile, DispatchesByExtensionAndReadsLabels) {
  const auto npy = temp_path("labels.NPY"), csv = temp_path("labels.csv");
  mmc::Labels labels(4);
  labels << 3, 0, -1, 2;
  mmc::data::write_matrix(npy, labels);
  mmc::data::write_matrix(csv, labels);
  EXPECT_EQ(mmc::data::read_labels(npy), labels);
  EXPECT_EQ(mmc::data::read_labels(csv), labels);
  EXPECT_EQ(mmc::data::read_matrix(npy), labels.cast<double>());
  std::filesystem::remove(npy);
  std::filesystem::remove(csv);
  const std::string message = mmc::test::invalid_argument_message([] { (void)mmc::data::read_matrix("data.txt"); });
  EXPECT_NE(message.find("has extension \".txt\", but mmc reads and writes .csv and .npy"), std::string::npos)
      << message;
}

TEST(MatrixFile, UnreadableFilesAreIoErrors) {
  const auto missing = temp_path("does_not_exist.csv");
  try {
    (void)mmc::data::read_matrix(missing);
    ADD_FAILURE() << "expected mmc::io_error";
  } catch (const mmc::io_error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(missing.string()), std::string::npos) << message;
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  }
  const auto folder = temp_path("folder.npy");
  std::filesystem::create_directories(folder);
  EXPECT_THROW((void)mmc::data::read_matrix(folder), mmc::io_error);
  EXPECT_THROW(mmc::data::write_matrix(folder, RowMatrix<double>::Zero(1, 1)), mmc::io_error);
  std::filesystem::remove(folder);
}

}  // namespace
