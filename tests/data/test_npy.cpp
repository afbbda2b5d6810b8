// .npy reader/writer (mmc/data/npy.hpp). Oracles: files written by numpy
// (tests/data/fixtures, values repeated here as literals) read bit-exactly,
// mmc's writer reproducing numpy.save's bytes exactly, bit-exact round trips
// of random bit patterns, and hand-built malformed files whose every error
// must name the byte offset where the problem is.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <limits>
#include <mmc/core/rng.hpp>
#include <mmc/io.hpp>
#include <string>
#include <utility>

#include "io_test_helpers.hpp"

namespace {

using mmc::Index;
using mmc::RowMatrix;
using mmc::test::expect_bitwise_equal;
using mmc::data::NpyType;
using namespace std::string_literals;

std::string fixture(const std::string& name) {
  std::ifstream in(MMC_TEST_SOURCE_DIR "/data/fixtures/" + name, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing fixture " << name;
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

/// An .npy file with the given header dict text, padded as numpy pads it.
std::string make_npy(const std::string& dict, const std::string& data, int major = 1) {
  const std::size_t prefix = major == 1 ? 10 : 12;
  std::string header = dict;
  header.append(64 - (prefix + header.size() + 1) % 64, ' ').push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  for (std::size_t k = 0; k < prefix - 8; ++k) out.push_back(static_cast<char>((header.size() >> (8 * k)) & 0xFF));
  return out + header + data;
}

std::string f8_dict(const std::string& shape) {
  return "{'descr': '<f8', 'fortran_order': False, 'shape': " + shape + ", }";
}

std::string error_of_bytes(const std::string& bytes) {
  return mmc::test::invalid_argument_message([&] { (void)mmc::data::parse_npy(bytes, {}, "a.npy"); });
}

RowMatrix<double> awkward_doubles() {
  RowMatrix<double> m(3, 2);
  m << 0.1, -1.0 / 3.0, 5e-324, -0.0, 1.7976931348623157e308, 2.5;
  return m;
}

TEST(Npy, ReadsEveryNumpyDtypeAndVersion) {
  for (const char* name : {"f8_2d.npy", "f8_be_2d.npy", "f8_v2_2d.npy", "f8_v3_2d.npy"}) {
    SCOPED_TRACE(name);
    expect_bitwise_equal(mmc::data::parse_npy(fixture(name)), awkward_doubles());
  }
  RowMatrix<double> f4(3, 2);
  f4 << double(0.1f), double(-1.0f / 3.0f), double(1e-40f), -0.0, double(std::numeric_limits<float>::max()), 2.5;
  expect_bitwise_equal(mmc::data::parse_npy(fixture("f4_2d.npy")), f4);
  RowMatrix<double> expected(3, 1);
  expected << 0.5, -1.25, 3.0;
  expect_bitwise_equal(mmc::data::parse_npy(fixture("f8_1d.npy")), expected);
  expected.resize(5, 1);
  expected << 0, 1, 2, -7, 2147483647;
  expect_bitwise_equal(mmc::data::parse_npy(fixture("i4_1d.npy")), expected);
  expected.resize(2, 2);
  expected << 1, -2, 3, 4;
  expect_bitwise_equal(mmc::data::parse_npy(fixture("i8_2d.npy")), expected);
  expected << 0, 255, 7, 128;
  expect_bitwise_equal(mmc::data::parse_npy(fixture("u1_2d.npy")), expected);
  expected.resize(3, 1);
  expected << 1, -2, 3;
  expect_bitwise_equal(mmc::data::parse_npy(fixture("i8_be_1d.npy")), expected);
  expected << 1, 0, 1;
  expect_bitwise_equal(mmc::data::parse_npy(fixture("b1_1d.npy")), expected);
}

TEST(Npy, WriterReproducesNumpySaveBytes) {
  EXPECT_EQ(mmc::data::format_npy(awkward_doubles()), fixture("f8_2d.npy"));
  Eigen::VectorXd v(3);
  v << 0.5, -1.25, 3.0;
  EXPECT_EQ(mmc::data::format_npy(v), fixture("f8_1d.npy"));
  RowMatrix<float> f(3, 2);
  f << 0.1f, -1.0f / 3.0f, 1e-40f, -0.0f, std::numeric_limits<float>::max(), 2.5f;
  EXPECT_EQ(mmc::data::format_npy(f), fixture("f4_2d.npy"));
  mmc::Labels labels(5);
  labels << 0, 1, 2, -7, 2147483647;
  EXPECT_EQ(mmc::data::format_npy(labels, NpyType::i4), fixture("i4_1d.npy"));
  RowMatrix<std::int64_t> ints(2, 2);
  ints << 1, -2, 3, 4;
  EXPECT_EQ(mmc::data::format_npy(ints), fixture("i8_2d.npy"));
}

TEST(Npy, RoundTripIsBitExact) {
  mmc::Rng rng(7);
  RowMatrix<double> m(50, 3);
  for (Index i = 0; i < m.size(); ++i) m.data()[i] = std::bit_cast<double>(rng());
  const RowMatrix<double> back = mmc::data::parse_npy(mmc::data::format_npy(m), {true});
  expect_bitwise_equal(back, m);  // NaN payloads included: the bytes are copied
  // Converting types: doubles stored as f4 come back as their float rounding.
  const RowMatrix<double> small = awkward_doubles().topRows(2);
  const RowMatrix<double> as_f4 = mmc::data::parse_npy(mmc::data::format_npy(small, NpyType::f4));
  expect_bitwise_equal(as_f4, small.cast<float>().cast<double>());
  mmc::Labels labels(4);
  labels << 5, -3, std::numeric_limits<int>::min(), std::numeric_limits<int>::max();
  for (const NpyType type : {NpyType::i4, NpyType::i8, NpyType::f8}) {
    EXPECT_EQ(mmc::data::parse_npy_labels(mmc::data::format_npy(labels, type)), labels);
  }
}

TEST(Npy, FortranOrderIsAnErrorUnlessLayoutsAgree) {
  const std::string message = mmc::test::invalid_argument_message([] { (void)mmc::data::parse_npy(fixture("f8_fortran_2d.npy"), {}, "f.npy"); });
  EXPECT_NE(message.find("mmc::data::parse_npy: argument 'bytes' (\"f.npy\"): byte offset 10: array of shape (2, 3) "
                         "is stored in Fortran (column-major) order"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("np.ascontiguousarray"), std::string::npos) << message;
  // A single column is the same bytes in either order.
  const std::string column = make_npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 1), }",
                                      mmc::data::format_npy(Eigen::Vector2d(1, 2)).substr(128));
  EXPECT_EQ(mmc::data::parse_npy(column), Eigen::Vector2d(1, 2));
}

TEST(Npy, NumpyWritten3dArrayIsRejected) {
  const std::string message = error_of_bytes(fixture("f8_3d.npy"));
  EXPECT_NE(message.find("byte offset 10: array has shape (2, 2, 2) but mmc reads 1-D (n,) and 2-D (n, d) arrays"),
            std::string::npos)
      << message;
}

TEST(Npy, NonFiniteElementsNameElementAndOffset) {
  const std::string message = error_of_bytes(fixture("f8_nan_2d.npy"));
  EXPECT_NE(message.find("byte offset 136: element (0, 1) is NaN"), std::string::npos) << message;
  const RowMatrix<double> m = mmc::data::parse_npy(fixture("f8_nan_2d.npy"), {true});
  EXPECT_TRUE(std::isnan(m(0, 1)));
  EXPECT_EQ(m(1, 1), 3.0);
}

TEST(Npy, TruncatedAndTrailingDataNameTheOffset) {
  const std::string good = fixture("f8_2d.npy");  // 128-byte prefix + 48 data bytes
  std::string message = error_of_bytes(good.substr(0, 170));
  EXPECT_NE(message.find("byte offset 170: file is truncated: shape (3, 2) needs 48 data bytes from offset 128 but "
                         "only 42 are present"),
            std::string::npos)
      << message;
  message = error_of_bytes(good + "xyz");
  EXPECT_NE(message.find("byte offset 176: 3 unexpected bytes follow the array data"), std::string::npos) << message;
  message = error_of_bytes(good.substr(0, 4));
  EXPECT_NE(message.find("byte offset 4: file ends inside the magic string"), std::string::npos) << message;
  message = error_of_bytes(good.substr(0, 9));
  EXPECT_NE(message.find("byte offset 9: file ends inside the header length"), std::string::npos) << message;
  message = error_of_bytes(good.substr(0, 60));
  EXPECT_NE(message.find("byte offset 60: file ends inside the header"), std::string::npos) << message;
  message = error_of_bytes("");
  EXPECT_NE(message.find("byte offset 0: file ends inside the magic string"), std::string::npos) << message;
}

TEST(Npy, MalformedHeadersNameTheOffset) {
  struct Case {
    std::string bytes;
    const char* expected;
  };
  const std::string d8(8, '\0');
  const Case cases[] = {
      {"PK\x03\x04 not npy", "byte offset 0: file does not start with the .npy magic"},
      {"\x93NUMPX", "byte offset 5: file does not start"},
      {"\x93NUMPY\x04\x00"s, "byte offset 6: unsupported .npy format version 4.0"},
      {"\x93NUMPY\x01\x01", "byte offset 6: unsupported .npy format version 1.1"},
      {make_npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1,), 'x': 1}", d8), "byte offset 66: header has an unknown key \"x\""},
      {make_npy("{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (1,)}", d8), "byte offset 27: header has a repeated key \"descr\""},
      {make_npy("{'descr': '<f8', 'shape': (1,)}", d8), "header lacks the key 'fortran_order'"},
      {make_npy("{'descr': '<c16', 'fortran_order': False, 'shape': (1,)}", d8), "byte offset 20: dtype \"<c16\" is not supported"},
      {make_npy("{'descr': '<f2', 'fortran_order': False, 'shape': (4,)}", d8), "dtype \"<f2\" is not supported"},
      {make_npy("{'descr': '|f8', 'fortran_order': False, 'shape': (1,)}", d8), "dtype \"|f8\" is not supported"},
      {make_npy("{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (1,)}", d8), "structured (record) dtypes"},
      {make_npy("{'descr': '<f8', 'fortran_order': 0, 'shape': (1,)}", d8), "'fortran_order' must be True or False"},
      {make_npy(f8_dict("(1)"), d8), "a 1-element shape needs a comma"},
      {make_npy(f8_dict("(01,)"), d8), "dimension with a leading zero"},
      {make_npy(f8_dict("(1 1)"), d8), "expected ',' or ')' in the shape"},
      {make_npy(f8_dict("(-1,)"), d8), "expected a non-negative integer dimension"},
      {make_npy(f8_dict("()"), d8), "array has shape () but mmc reads 1-D"},
      {make_npy(f8_dict("(1, 1, 1)"), d8), "array has shape (1, 1, 1) but mmc reads 1-D (n,) and 2-D (n, d) arrays"},
      {make_npy(f8_dict("(0, 3)"), ""), "array of shape (0, 3) has no elements"},
      {make_npy(f8_dict("(4611686018427387904, 4611686018427387904)"), d8), "describes more data than any file can hold"},
      {make_npy(f8_dict("(99999999999999999999,)"), d8), "shape has a dimension too large"},
      {make_npy(f8_dict("(1,)") + " x", d8), "unexpected text after the header's closing '}'"},
      {make_npy("{'descr': '<f8' 'fortran_order': False}", d8), "expected ',' or '}' after a value"},
      {make_npy("{'descr': '<f8", d8), "unterminated string"},
      {make_npy("{'descr\\x': '<f8'}", d8), "escapes in strings are not supported"},
      {make_npy("['descr']", d8), "byte offset 10: malformed header: expected the header to start with '{', found \"[\""},
  };
  for (const auto& c : cases) {
    const std::string message = error_of_bytes(c.bytes);
    EXPECT_NE(message.find(c.expected), std::string::npos) << "expected " << c.expected << "\ngot: " << message;
    EXPECT_NE(message.find("mmc::data::parse_npy: argument 'bytes' (\"a.npy\"): byte offset "), std::string::npos) << message;
    EXPECT_NE(message.find("; "), std::string::npos) << "no fix in: " << message;
  }
}

TEST(Npy, AcceptsHeaderVariantsNumpyAccepts) {
  const std::string d16(16, '\0');
  // Python 2 long literals, double quotes, no trailing comma, any key order, extra spaces.
  for (const char* dict : {"{'descr': '<f8', 'fortran_order': False, 'shape': (2L, 1L), }",
                           "{\"shape\": (2,), \"fortran_order\": False, \"descr\": \"<f8\"}",
                           "{ 'descr' : '<f8' , 'fortran_order' : False , 'shape' : ( 1 , 2 , ) }"}) {
    EXPECT_EQ(mmc::data::parse_npy(make_npy(dict, d16)).size(), 2) << dict;
  }
  EXPECT_EQ(mmc::data::parse_npy(make_npy(f8_dict("(2,)"), d16, 2)).rows(), 2);
}

TEST(Npy, LabelsAreIntegersThatFitInt) {
  mmc::Labels expected(5);
  expected << 0, 1, 2, -7, 2147483647;
  EXPECT_EQ(mmc::data::parse_npy_labels(fixture("i4_1d.npy")), expected);
  expected.resize(3);
  expected << 1, 0, 1;
  EXPECT_EQ(mmc::data::parse_npy_labels(fixture("b1_1d.npy")), expected);
  Eigen::VectorXd column(3);
  column << 2, 0, 1;
  EXPECT_EQ(mmc::data::parse_npy_labels(mmc::data::format_npy(RowMatrix<double>(column))), column.cast<int>());

  std::string message = mmc::test::invalid_argument_message([] {
    Eigen::VectorXd v(3);
    v << 0, 1.5, 2;
    (void)mmc::data::parse_npy_labels(mmc::data::format_npy(v), "y.npy");
  });
  EXPECT_NE(message.find("byte offset 136: label 1.5 (element 1) is not an integer"), std::string::npos) << message;
  message = mmc::test::invalid_argument_message([] {
    Eigen::Matrix<std::int64_t, Eigen::Dynamic, 1> v(2);
    v << 1, std::int64_t{1} << 40;
    (void)mmc::data::parse_npy_labels(mmc::data::format_npy(v));
  });
  EXPECT_NE(message.find("label 1099511627776 (element 1) is not an integer in the range of int"), std::string::npos)
      << message;
  message = mmc::test::invalid_argument_message([] { (void)mmc::data::parse_npy_labels(fixture("i8_2d.npy")); });
  EXPECT_NE(message.find("labels array has shape (2, 2), not (n,) or (n, 1)"), std::string::npos) << message;
}

TEST(Npy, WriterRejectsValuesTheTypeCannotHold) {
  for (const auto& c : {std::pair{1.5, NpyType::i8}, std::pair{1e300, NpyType::f4},
                        std::pair{3e9, NpyType::i4}, std::pair{std::nan(""), NpyType::i8}}) {
    const std::string message = mmc::test::invalid_argument_message([&] { (void)mmc::data::format_npy(Eigen::Vector2d(0, c.first), c.second); });
    EXPECT_NE(message.find("mmc::data::format_npy: argument 'm' holds a value"), std::string::npos) << message;
  }
  Eigen::Matrix<std::int64_t, 1, 1> big;
  big(0) = std::int64_t{1} << 40;
  EXPECT_THROW((void)mmc::data::format_npy(big, NpyType::i4), mmc::invalid_argument);
  // Infinity is representable in float32.
  EXPECT_EQ(mmc::data::parse_npy(mmc::data::format_npy(Eigen::Vector2d(0, HUGE_VAL), NpyType::f4), {true})(1, 0),
            HUGE_VAL);
}

}  // namespace
