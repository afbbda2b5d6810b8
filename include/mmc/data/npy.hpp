// mmc/data/npy.hpp — NumPy .npy bytes <-> numeric matrices (docs/design.md §5:
// float32/float64/int32/int64, C order, 1-D or 2-D). Pure functions on
// in-memory bytes, so the libFuzzer target exercises exactly the code files go
// through; files on disk are handled by matrix_file.hpp (read_npy / write_npy).
//
// Format (numpy/lib/format.py, NEP 1): "\x93NUMPY", major, minor, a
// little-endian header length (2 bytes in version 1.0, 4 bytes in 2.0/3.0), a
// header that is a Python dict literal {'descr': ..., 'fortran_order': ...,
// 'shape': (...)} padded with spaces and a newline, then the raw data.
//
// The reader is strict and never trusts the file: the header is parsed by a
// small grammar (exactly the three keys, each once; no eval), the element count
// and byte size are computed with overflow checks and compared with the bytes
// actually present *before* anything is allocated, so a malicious shape cannot
// cause a huge allocation or an out-of-bounds read. Accepted: versions 1.0,
// 2.0, 3.0; dtypes f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1 in either byte order
// (big-endian data is byte-swapped); shapes (n,) -> n x 1 and (n, m); Fortran
// order only where it equals C order (a dimension of 1). Arrays with no
// elements are rejected. NaN/Inf elements are an error naming the element and
// its byte offset unless NpyOptions::allow_non_finite. Errors are
// mmc::invalid_argument naming the source, the byte offset and the fix.
//
// The writer produces exactly the bytes numpy.save writes (version 1.0, header
// padded so the data starts at a multiple of 64, little-endian).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/data/text.hpp"

namespace mmc::data {

/// Options of the .npy readers.
struct NpyOptions {
  /// false (default): a NaN or Inf element is an error naming it and its byte
  /// offset; true: such elements are read as they are.
  bool allow_non_finite = false;
};

/// Element type the .npy writer stores; `automatic` picks f4 for float
/// matrices, f8 for other floating types and i8 for integers.
enum class NpyType { automatic, f4, f8, i4, i8 };

namespace detail {

struct NpySource {
  std::string_view function;
  std::string_view argument;
  std::string_view name;
};

[[noreturn]] inline void throw_npy(const NpySource& source, std::uint64_t offset,
                                   const std::string& problem, std::string_view fix) {
  mmc::detail::throw_invalid(source.function, source.argument,
                             "(" + quote_for_message(source.name, 200) + "): byte offset " +
                                 std::to_string(offset) + ": " + problem,
                             fix);
}

inline constexpr std::string_view kNpyMagic = "\x93NUMPY";
inline constexpr std::string_view kNpyResave =
    "save the array again with numpy.save(path, np.ascontiguousarray(a, dtype=np.float64))";

/// What the header says.
struct NpyHeader {
  char kind = 'f';          ///< 'f', 'i', 'u' or 'b'
  std::size_t itemsize = 8;
  bool big_endian = false;
  bool fortran_order = false;
  std::vector<std::uint64_t> shape;
  std::size_t data_offset = 0;
};

/// Recursive-descent parser of the header dict literal; offsets in errors are
/// absolute (base = offset of the header in the file).
class NpyHeaderParser {
 public:
  NpyHeaderParser(std::string_view text, std::size_t base, const NpySource& source)
      : text_(text), base_(base), source_(source) {}

  NpyHeader parse() {
    NpyHeader header;
    bool seen_descr = false, seen_fortran = false, seen_shape = false;
    skip_space();
    expect('{', "the header to start with '{'");
    for (;;) {
      skip_space();
      if (consume('}')) break;
      const std::size_t key_pos = pos_;
      const std::string_view key = parse_string("a quoted key or '}'");
      skip_space();
      expect(':', "':' after the key");
      skip_space();
      bool* seen = key == "descr" ? &seen_descr
                   : key == "fortran_order" ? &seen_fortran
                   : key == "shape" ? &seen_shape
                                    : nullptr;
      if (seen == nullptr || *seen) {
        pos_ = key_pos;
        fail("header has " + std::string(seen ? "a repeated" : "an unknown") + " key " +
             quote_for_message(key));
      }
      *seen = true;
      if (key == "descr") {
        parse_descr(header);
      } else if (key == "fortran_order") {
        header.fortran_order = parse_bool();
      } else {
        header.shape = parse_shape();
      }
      skip_space();
      if (consume('}')) break;
      expect(',', "',' or '}' after a value");
    }
    skip_space();
    if (pos_ != text_.size()) fail("unexpected text after the header's closing '}'");
    if (!(seen_descr && seen_fortran && seen_shape)) {
      fail(std::string("header lacks the key '") +
           (!seen_descr ? "descr" : !seen_fortran ? "fortran_order" : "shape") + "'");
    }
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& problem) const {
    throw_npy(source_, base_ + pos_, problem, kNpyResave);
  }
  void skip_space() {
    while (pos_ < text_.size() && std::string_view(" \t\r\n\f").find(text_[pos_]) != std::string_view::npos) {
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
      fail("malformed header: expected " + std::string(what) + ", found " +
           (pos_ < text_.size() ? quote_for_message(text_.substr(pos_, 1)) : std::string("the end")));
    }
  }
  bool consume_word(std::string_view word) {
    if (text_.substr(pos_, word.size()) != word) return false;
    pos_ += word.size();
    return true;
  }
  std::string_view parse_string(std::string_view what) {
    const char quote = pos_ < text_.size() ? text_[pos_] : '\0';
    if (quote != '\'' && quote != '"') expect('\'', what);
    const std::size_t begin = ++pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\n') break;  // a Python string literal cannot span lines
      if (text_[pos_] == '\\') fail("malformed header: escapes in strings are not supported");
      ++pos_;
    }
    if (pos_ >= text_.size() || text_[pos_] != quote) fail("malformed header: unterminated string");
    return text_.substr(begin, pos_++ - begin);
  }
  bool parse_bool() {
    if (consume_word("True")) return true;
    if (consume_word("False")) return false;
    fail("malformed header: 'fortran_order' must be True or False");
  }
  void parse_descr(NpyHeader& header) {
    const std::size_t at = pos_;
    if (pos_ < text_.size() && text_[pos_] == '[') {
      fail("structured (record) dtypes are not supported; save a plain numeric array");
    }
    const std::string_view descr = parse_string("a dtype string such as '<f8'");
    const bool ok_form = descr.size() == 3 && std::string_view("<>|").find(descr[0]) != std::string_view::npos &&
                         std::string_view("fiub").find(descr[1]) != std::string_view::npos &&
                         std::string_view("1248").find(descr[2]) != std::string_view::npos;
    header.kind = ok_form ? descr[1] : '?';
    header.itemsize = ok_form ? static_cast<std::size_t>(descr[2] - '0') : 0;
    header.big_endian = ok_form && descr[0] == '>';
    const bool supported = ok_form && (header.kind == 'f' ? header.itemsize >= 4
                                       : header.kind == 'b' ? header.itemsize == 1
                                                            : true) &&
                           (descr[0] != '|' || header.itemsize == 1);
    if (!supported) {
      pos_ = at;
      throw_npy(source_, base_ + at,
                "dtype " + quote_for_message(descr) +
                    " is not supported (float32/64, int8..64, uint8..64 and bool are)",
                "convert it first, e.g. np.save(path, a.astype(np.float64))");
    }
  }
  std::vector<std::uint64_t> parse_shape() {
    expect('(', "a shape tuple such as (100, 3)");
    std::vector<std::uint64_t> shape;
    bool trailing_comma = false;
    for (;;) {
      skip_space();
      if (consume(')')) break;
      if (!shape.empty() && !trailing_comma) expect(',', "',' or ')' in the shape");
      if (pos_ >= text_.size() || text_[pos_] < '0' || text_[pos_] > '9') {
        expect('0', "a non-negative integer dimension in the shape");
      }
      const std::size_t start = pos_;
      std::uint64_t value = 0;
      while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
        const auto digit = static_cast<std::uint64_t>(text_[pos_] - '0');
        if (value > (std::uint64_t{1} << 62) / 10) fail("shape has a dimension too large for any file");
        value = value * 10 + digit;
        ++pos_;
      }
      if (text_[start] == '0' && pos_ - start > 1) {
        pos_ = start;
        fail("malformed header: dimension with a leading zero");
      }
      consume('L');  // Python 2 long literals, as in files written by Python 2
      shape.push_back(value);
      skip_space();
      trailing_comma = consume(',');
      if (shape.size() == 1 && !trailing_comma) {
        skip_space();
        if (pos_ < text_.size() && text_[pos_] == ')') fail("malformed header: a 1-element shape needs a comma, as in (5,)");
      }
    }
    return shape;
  }

  std::string_view text_;
  std::size_t base_;
  const NpySource& source_;
  std::size_t pos_ = 0;
};

inline std::uint64_t read_le(std::span<const char> bytes, std::size_t offset, std::size_t width) {
  std::uint64_t value = 0;
  for (std::size_t k = 0; k < width; ++k) {
    value |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[offset + k])) << (8 * k);
  }
  return value;
}

inline std::string shape_text(const std::vector<std::uint64_t>& shape) {
  std::string out = "(";
  for (std::size_t k = 0; k < shape.size(); ++k) {
    out += (k > 0 ? ", " : "") + std::to_string(shape[k]);
  }
  return out + (shape.size() == 1 ? ",)" : ")");
}

/// Parses and checks everything before the data: magic, version, header, the
/// shape's rank and order, and that the file holds exactly the data the shape needs.
inline NpyHeader parse_npy_header(std::span<const char> bytes, const NpySource& source) {
  const std::size_t size = bytes.size();
  const std::string_view fix = "pass a file written by numpy.save (an .npy file, not .npz or pickle)";
  for (std::size_t k = 0; k < kNpyMagic.size(); ++k) {
    if (k >= size) throw_npy(source, size, "file ends inside the magic string \"\\x93NUMPY\"", fix);
    if (bytes[k] != kNpyMagic[k]) throw_npy(source, k, "file does not start with the .npy magic string \"\\x93NUMPY\"", fix);
  }
  if (size < 8) throw_npy(source, size, "file ends inside the format version", fix);
  const int major = static_cast<unsigned char>(bytes[6]), minor = static_cast<unsigned char>(bytes[7]);
  if (!((major == 1 || major == 2 || major == 3) && minor == 0)) {
    throw_npy(source, 6,
              "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(minor) +
                  " (1.0, 2.0 and 3.0 are supported)",
              kNpyResave);
  }
  const std::size_t width = major == 1 ? 2 : 4, header_start = 8 + width;
  if (size < header_start) throw_npy(source, size, "file ends inside the header length", fix);
  const std::uint64_t header_length = read_le(bytes, 8, width);
  if (header_length > size - header_start) {
    throw_npy(source, size,
              "file ends inside the header (the header length field says " +
                  std::to_string(header_length) + " bytes from offset " + std::to_string(header_start) + ")",
              "the file is truncated or corrupt; " + std::string(kNpyResave));
  }
  NpyHeaderParser parser(std::string_view(bytes.data() + header_start, header_length), header_start, source);
  NpyHeader header = parser.parse();
  header.data_offset = header_start + header_length;

  const std::string shape = shape_text(header.shape);
  if (header.shape.empty() || header.shape.size() > 2) {
    throw_npy(source, header_start,
              "array has shape " + shape + " but mmc reads 1-D (n,) and 2-D (n, d) arrays",
              "reshape it first, e.g. np.save(path, a.reshape(len(a), -1))");
  }
  if (header.fortran_order && header.shape.size() == 2 && header.shape[0] != 1 && header.shape[1] != 1) {
    throw_npy(source, header_start, "array of shape " + shape + " is stored in Fortran (column-major) order",
              "save it in C order: numpy.save(path, np.ascontiguousarray(a))");
  }
  std::uint64_t count = 1;
  for (const std::uint64_t dim : header.shape) {
    if (dim != 0 && count > std::numeric_limits<std::uint64_t>::max() / header.itemsize / dim) {
      throw_npy(source, header_start, "shape " + shape + " describes more data than any file can hold",
                "the header is corrupt; " + std::string(kNpyResave));
    }
    count *= dim;
  }
  if (count == 0) {
    throw_npy(source, header_start, "array of shape " + shape + " has no elements",
              "pass an array with at least one sample");
  }
  const std::uint64_t needed = count * header.itemsize, present = size - header.data_offset;
  if (present < needed) {
    throw_npy(source, size,
              "file is truncated: shape " + shape + " needs " + std::to_string(needed) +
                  " data bytes from offset " + std::to_string(header.data_offset) + " but only " +
                  std::to_string(present) + " are present",
              "write the file again completely (numpy.save)");
  }
  if (present > needed) {
    throw_npy(source, header.data_offset + needed,
              std::to_string(present - needed) + " unexpected bytes follow the array data of shape " + shape,
              "pass a single .npy array (not several arrays appended to one file, and not .npz)");
  }
  return header;
}

/// Calls f(i, value, offset) for every element, value of its own C++ type
/// (bool elements as unsigned char 0/1), byte-swapped to the host order.
template <class F>
void visit_npy_elements(const NpyHeader& header, std::span<const char> bytes, F&& f) {
  Index count = 1;
  for (const auto dim : header.shape) count *= static_cast<Index>(dim);
  const bool swap = header.big_endian != (std::endian::native == std::endian::big);
  const auto loop = [&]<class T>(T) {
    char raw[sizeof(T)];
    for (Index i = 0; i < count; ++i) {
      const std::size_t offset = header.data_offset + static_cast<std::size_t>(i) * sizeof(T);
      std::memcpy(raw, bytes.data() + offset, sizeof(T));
      if (swap) std::reverse(raw, raw + sizeof(T));
      T value;
      std::memcpy(&value, raw, sizeof(T));
      if constexpr (std::is_same_v<T, unsigned char>) {
        if (header.kind == 'b') value = value != 0;
      }
      f(i, value, offset);
    }
  };
  switch (header.kind * 16 + static_cast<int>(header.itemsize)) {
    case 'f' * 16 + 4: loop(float{}); break;
    case 'f' * 16 + 8: loop(double{}); break;
    case 'i' * 16 + 1: loop(std::int8_t{}); break;
    case 'i' * 16 + 2: loop(std::int16_t{}); break;
    case 'i' * 16 + 4: loop(std::int32_t{}); break;
    case 'i' * 16 + 8: loop(std::int64_t{}); break;
    case 'u' * 16 + 2: loop(std::uint16_t{}); break;
    case 'u' * 16 + 4: loop(std::uint32_t{}); break;
    case 'u' * 16 + 8: loop(std::uint64_t{}); break;
    default: loop(static_cast<unsigned char>(0)); break;  // u1 and b1
  }
}

/// "element 7" (1-D) or "element (3, 1)" (2-D) of flat index i.
inline std::string npy_element_name(const NpyHeader& header, Index i) {
  if (header.shape.size() == 1) return "element " + std::to_string(i);
  const auto cols = static_cast<Index>(header.shape[1]);
  return "element (" + std::to_string(i / cols) + ", " + std::to_string(i % cols) + ")";
}

inline RowMatrix<double> parse_npy_impl(std::span<const char> bytes, const NpyOptions& options,
                                        const NpySource& source) {
  const NpyHeader header = parse_npy_header(bytes, source);
  const auto rows = static_cast<Index>(header.shape[0]);
  const auto cols = header.shape.size() == 2 ? static_cast<Index>(header.shape[1]) : Index{1};
  RowMatrix<double> m(rows, cols);
  visit_npy_elements(header, bytes, [&](Index i, auto value, std::size_t offset) {
    const auto v = static_cast<double>(value);
    if (!options.allow_non_finite && !std::isfinite(v)) {
      throw_npy(source, offset, npy_element_name(header, i) + " is " + (std::isnan(v) ? "NaN" : "Inf"),
                "remove or impute non-finite values (or set NpyOptions::allow_non_finite to read them)");
    }
    m.data()[i] = v;
  });
  return m;
}

inline Labels parse_npy_labels_impl(std::span<const char> bytes, const NpySource& source) {
  const NpyHeader header = parse_npy_header(bytes, source);
  if (header.shape.size() == 2 && header.shape[1] != 1) {
    throw_npy(source, 0, "labels array has shape " + shape_text(header.shape) + ", not (n,) or (n, 1)",
              "save one integer label per sample as a 1-D array");
  }
  Labels labels(static_cast<Index>(header.shape[0]));
  visit_npy_elements(header, bytes, [&](Index i, auto value, std::size_t offset) {
    using T = decltype(value);
    bool ok = false;
    if constexpr (std::is_floating_point_v<T>) {
      const double v = value;  // exact; compare in double, where INT_MAX is exact
      ok = v == std::floor(v) && v >= std::numeric_limits<int>::min() &&
           v <= std::numeric_limits<int>::max();
    } else {
      ok = std::in_range<int>(value);
    }
    if (!ok) {
      std::string shown;
      append_for_message(shown, value);
      throw_npy(source, offset, "label " + shown + " (" + npy_element_name(header, i) +
                                    ") is not an integer in the range of int",
                "encode classes as integers 0, 1, ..., C-1");
    }
    labels(i) = static_cast<int>(value);
  });
  return labels;
}

/// Appends `value` converted to T in little-endian byte order; throws if it
/// does not fit T exactly (integers) or overflows it (float).
template <class T, class S>
void append_npy_value(std::string& out, S value) {
  T converted;
  bool fits = true;
  if constexpr (std::is_floating_point_v<T>) {
    if constexpr (std::is_floating_point_v<S>) {
      fits = !std::isfinite(value) || std::fabs(static_cast<long double>(value)) <= std::numeric_limits<T>::max();
    }
    converted = fits ? static_cast<T>(value) : T{};
  } else if constexpr (std::is_floating_point_v<S>) {
    fits = value == std::floor(value) && value >= -0x1p63 && value < 0x1p63 &&
           std::in_range<T>(static_cast<std::int64_t>(value));
    converted = fits ? static_cast<T>(value) : T{};
  } else {
    fits = std::in_range<T>(value);
    converted = static_cast<T>(value);
  }
  if (!fits) {
    mmc::detail::throw_invalid("mmc::data::format_npy", "m",
                               "holds a value that the chosen element type cannot represent exactly",
                               "choose a wider NpyType (f8 for real values, i8 for integers)");
  }
  char raw[sizeof(T)];
  std::memcpy(raw, &converted, sizeof(T));
  if constexpr (std::endian::native == std::endian::big) std::reverse(raw, raw + sizeof(T));
  out.append(raw, sizeof(T));
}

/// The element type `automatic` stands for, for scalars of type S.
template <class S>
constexpr NpyType resolve_npy_type(NpyType type) noexcept {
  if (type != NpyType::automatic) return type;
  return std::is_same_v<S, float> ? NpyType::f4 : std::is_floating_point_v<S> ? NpyType::f8 : NpyType::i8;
}

constexpr std::size_t npy_item_size(NpyType type) noexcept {
  return type == NpyType::f4 || type == NpyType::i4 ? 4 : 8;
}

/// Magic, version 1.0, header length and header of a rows x cols array of
/// `type` (resolved): everything before the data. Shape (rows,) for a
/// compile-time column vector.
template <class Derived>
std::string npy_header_bytes(Index rows, Index cols, NpyType type) {
  const char* descr = type == NpyType::f4 ? "<f4" : type == NpyType::f8 ? "<f8" : type == NpyType::i4 ? "<i4" : "<i8";
  const bool one_d = Derived::ColsAtCompileTime == 1;
  const std::string first = std::to_string(rows);
  std::string header = std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (" + first +
                       (one_d ? ",), }" : ", " + std::to_string(cols) + "), }");
  // numpy.lib.format: spare room so the first dimension can grow to 21 digits,
  // then pad (with at least one space) so the data starts at a multiple of 64.
  header.append(first.size() < 21 ? 21 - first.size() : 0, ' ');
  const std::size_t padding = 64 - (10 + header.size() + 1) % 64;
  header.append(padding, ' ').push_back('\n');
  std::string out(kNpyMagic);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(header.size() & 0xFF));
  out.push_back(static_cast<char>(header.size() >> 8));
  out += header;
  return out;
}

/// Appends the data of row r of m as `type` (resolved), little-endian.
template <class Derived>
void append_npy_row(std::string& out, const Eigen::DenseBase<Derived>& m, Index r, NpyType type) {
  using S = typename Derived::Scalar;
  for (Index c = 0; c < m.cols(); ++c) {
    const S value = m.derived().coeff(r, c);
    switch (type) {
      case NpyType::f4: append_npy_value<float>(out, value); break;
      case NpyType::f8: append_npy_value<double>(out, value); break;
      case NpyType::i4: append_npy_value<std::int32_t>(out, value); break;
      default: append_npy_value<std::int64_t>(out, value); break;
    }
  }
}

}  // namespace detail

/// Parses .npy bytes (a std::string, std::string_view or std::span<const char>)
/// into an n x d matrix; a 1-D array (n,) becomes n x 1. `name` identifies the
/// bytes in error messages.
inline RowMatrix<double> parse_npy(std::span<const char> bytes, const NpyOptions& options = {},
                                   std::string_view name = "<buffer>") {
  return detail::parse_npy_impl(bytes, options, {"mmc::data::parse_npy", "bytes", name});
}

/// Parses a .npy array of labels, shape (n,) or (n, 1): any integer or bool
/// dtype, or a float dtype whose values are all integral; every value must fit an int.
inline Labels parse_npy_labels(std::span<const char> bytes, std::string_view name = "<buffer>") {
  return detail::parse_npy_labels_impl(bytes, {"mmc::data::parse_npy_labels", "bytes", name});
}

/// The bytes numpy.save would write for `m` (shape (n,) for a compile-time
/// column vector such as Eigen::VectorXd or mmc::Labels, else (rows, cols)).
/// Throws mmc::invalid_argument if a value does not fit the chosen type.
template <class Derived>
std::string format_npy(const Eigen::DenseBase<Derived>& m, NpyType type = NpyType::automatic) {
  type = detail::resolve_npy_type<typename Derived::Scalar>(type);
  std::string out = detail::npy_header_bytes<Derived>(m.rows(), m.cols(), type);
  out.reserve(out.size() + static_cast<std::size_t>(m.size()) * detail::npy_item_size(type));
  for (Index r = 0; r < m.rows(); ++r) detail::append_npy_row(out, m, r, type);
  return out;
}

}  // namespace mmc::data
