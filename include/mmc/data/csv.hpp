// mmc/data/csv.hpp — CSV text <-> numeric matrices (docs/design.md §5: "reads CSV,
// optional header, comma-separated"). Pure functions on in-memory text, so the
// libFuzzer target exercises exactly the code the files go through; reading
// and writing files on disk is in matrix_file.hpp (read_csv / write_csv).
//
// The accepted dialect (docs/file-formats.md has the full list and every message):
// - fields separated by ','; spaces and tabs around a field are trimmed;
// - lines end in "\n", "\r\n" or a lone "\r" (classic Mac OS), mixed freely;
//   "\r\r\n" is two line ends (as in Python's universal newlines), i.e. a
//   blank line; the last line end is optional; blank lines at the end are
//   ignored, a blank line before the last data row is an error;
// - a UTF-8 byte-order mark at the start is skipped;
// - a field may be double-quoted ("a, b" with "" for a quote); a quoted field
//   cannot span lines. Quoted fields count as text when detecting a header;
// - header: CsvHeader::automatic (default) treats the first line as a header
//   iff one of its fields is not a number; yes/no force it;
// - numbers are parsed with std::from_chars (locale-independent, correctly
//   rounded, so the writer's shortest form reads back bit-exactly); an optional
//   leading '+' is accepted; "nan", "inf", "infinity" (any case, signed) are
//   numbers, but by default a NaN/Inf cell is an error naming its line and
//   column (CsvOptions::allow_non_finite reads them). A value beyond the double
//   range ("1e999") is an overflow error (or Inf when non-finite values are
//   allowed); a value below the smallest subnormal reads as a signed zero.
// Errors are mmc::invalid_argument: function, argument, the source name, the
// 1-based line and column (column = field number), what is wrong and the fix.
#pragma once

#include <Eigen/Core>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/core/types.hpp"
#include "mmc/data/text.hpp"

namespace mmc::data {

/// Whether the first line of a CSV text is a header.
enum class CsvHeader {
  automatic,  ///< a header iff one of its fields is not a number (or is quoted)
  yes,        ///< always a header
  no,         ///< never a header: every line is data
};

/// Options of the CSV readers.
struct CsvOptions {
  CsvHeader header = CsvHeader::automatic;
  /// false (default): a NaN or Inf cell is an error naming its line and column;
  /// true: such cells are read as NaN / ±Inf (estimators reject them later).
  bool allow_non_finite = false;
};

/// A parsed CSV text: the values, the header (empty if there was none) and the
/// 1-based line of the first data row (row r is on line first_data_line + r).
struct CsvTable {
  RowMatrix<double> values;
  std::vector<std::string> header;
  Index first_data_line = 1;
};

namespace detail {

/// Who is reading what, for error messages: the public function, its argument
/// and the name of the source (a path, or a caller-chosen buffer name).
struct CsvSource {
  std::string_view function;
  std::string_view argument;
  std::string_view name;
};

[[noreturn]] inline void throw_csv(const CsvSource& source, Index line, Index column,
                                   const std::string& problem, std::string_view fix) {
  std::string where = "(" + quote_for_message(source.name, 200) + "): line " + std::to_string(line);
  if (column > 0) where += ", column " + std::to_string(column);
  mmc::detail::throw_invalid(source.function, source.argument, where + ": " + problem, fix);
}

/// One field of a line: its text without surrounding spaces and quotes.
struct CsvField {
  std::string_view text;
  bool quoted = false;
  bool escaped_quotes = false;  ///< text contains "" pairs still to be unescaped
};

inline bool is_blank(char c) noexcept { return c == ' ' || c == '\t'; }

/// Splits one line (without its newline) into fields.
inline void split_csv_line(std::string_view line, Index line_no, const CsvSource& source,
                           std::vector<CsvField>& fields) {
  fields.clear();
  std::size_t i = 0;
  for (;;) {
    while (i < line.size() && is_blank(line[i])) ++i;
    CsvField field;
    if (i < line.size() && line[i] == '"') {
      const std::size_t begin = ++i;
      for (;; ++i) {
        if (i >= line.size()) {
          throw_csv(source, line_no, static_cast<Index>(fields.size()) + 1,
                    "quoted field has no closing quote",
                    "close the quote on the same line (quoted fields cannot span lines; "
                    "write a quote inside a quoted field as \"\")");
        }
        if (line[i] != '"') continue;
        if (i + 1 < line.size() && line[i + 1] == '"') {
          field.escaped_quotes = true;
          ++i;
          continue;
        }
        break;
      }
      field.text = line.substr(begin, i - begin);
      field.quoted = true;
      ++i;  // closing quote
      while (i < line.size() && is_blank(line[i])) ++i;
      if (i < line.size() && line[i] != ',') {
        throw_csv(source, line_no, static_cast<Index>(fields.size()) + 1,
                  "unexpected text after the closing quote of a quoted field",
                  "put a comma right after the closing quote");
      }
    } else {
      const std::size_t begin = i;
      while (i < line.size() && line[i] != ',') ++i;
      std::size_t end = i;
      while (end > begin && is_blank(line[end - 1])) --end;
      field.text = line.substr(begin, end - begin);
    }
    fields.push_back(field);
    if (i >= line.size()) return;
    ++i;  // the comma
  }
}

inline std::string unescape_quotes(const CsvField& field) {
  if (!field.escaped_quotes) return std::string(field.text);
  std::string out;
  for (std::size_t i = 0; i < field.text.size(); ++i) {
    out.push_back(field.text[i]);
    if (field.text[i] == '"') ++i;  // skip the second quote of a "" pair
  }
  return out;
}

/// Result of parsing one numeric field.
enum class NumberStatus { ok, not_a_number, overflow };

/// Parses a whole field as a double (see the header comment for the rules).
inline NumberStatus parse_double(std::string_view text, double& value) noexcept {
  std::string_view body = text;
  if (body.size() > 1 && body[0] == '+' && body[1] != '+' && body[1] != '-') body.remove_prefix(1);
  if (body.empty()) return NumberStatus::not_a_number;
  const char* end = body.data() + body.size();
  const auto [ptr, ec] = std::from_chars(body.data(), end, value);
  if (ptr != end) return NumberStatus::not_a_number;
  if (ec == std::errc::invalid_argument) return NumberStatus::not_a_number;
  if (ec != std::errc::result_out_of_range) return NumberStatus::ok;
  // Out of range: decide overflow vs underflow from the decimal order of
  // magnitude, |x| = 0.ddd * 10^(order + exponent). Out-of-range values are
  // beyond 1e308 or below 1e-323, far from the threshold used here.
  const bool negative = body[0] == '-';
  std::size_t i = negative ? 1 : 0;
  long long order = 0;
  bool seen_point = false, seen_significant = false;
  for (; i < body.size() && body[i] != 'e' && body[i] != 'E'; ++i) {
    if (body[i] == '.') {
      seen_point = true;
    } else if (body[i] != '0' || seen_significant) {
      seen_significant = true;
      if (!seen_point) ++order;
    } else if (seen_point) {
      --order;
    }
  }
  long long exponent = 0;
  if (i < body.size()) {
    std::size_t j = i + 1;
    const bool exp_negative = j < body.size() && body[j] == '-';
    if (j < body.size() && (body[j] == '-' || body[j] == '+')) ++j;
    for (; j < body.size(); ++j) exponent = std::min<long long>(exponent * 10 + (body[j] - '0'), 1000000);
    if (exp_negative) exponent = -exponent;
  }
  if (order + exponent > 0) {
    value = negative ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return NumberStatus::overflow;
  }
  value = negative ? -0.0 : 0.0;
  return NumberStatus::ok;
}

/// Parses a data field into `value`, throwing with the line and column on failure.
inline double parse_csv_number(const CsvField& field, Index line, Index column,
                               const CsvSource& source, const CsvOptions& options) {
  if (field.text.empty()) {
    throw_csv(source, line, column, "field is empty",
              "write a number in every cell (impute missing values before saving)");
  }
  double value = 0.0;
  const NumberStatus status = parse_double(field.text, value);
  if (status == NumberStatus::not_a_number) {
    throw_csv(source, line, column, "field " + quote_for_message(unescape_quotes(field)) + " is not a number",
              "write plain decimal numbers such as -1.5e3 (a text header is only allowed on line 1)");
  }
  if (status == NumberStatus::overflow && !options.allow_non_finite) {
    throw_csv(source, line, column,
              "field " + quote_for_message(field.text) + " overflows a double (|x| > 1.8e308)",
              "rescale the data");
  }
  if (!options.allow_non_finite && !std::isfinite(value)) {
    throw_csv(source, line, column,
              "field " + quote_for_message(field.text) + " is " + (std::isnan(value) ? "NaN" : "Inf"),
              "remove or impute non-finite values (or set CsvOptions::allow_non_finite to read them)");
  }
  return value;
}

/// The CSV parser behind parse_csv_table / read_csv_table.
inline CsvTable parse_csv_impl(std::string_view text, const CsvOptions& options,
                               const CsvSource& source) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);  // UTF-8 byte-order mark
  // Ignore blank lines (and trailing blanks) at the end.
  while (!text.empty() && (is_blank(text.back()) || text.back() == '\n' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  if (text.empty()) {
    throw_csv(source, 1, 0, "is empty (no data rows)",
              "pass a CSV file with one sample per line and comma-separated numbers");
  }
  CsvTable table;
  std::vector<CsvField> fields;
  std::vector<double> values;
  Index columns = -1, line_no = 0;
  std::size_t pos = 0;
  bool previous_ended_in_lone_cr = false;
  while (pos <= text.size()) {
    // A line ends at "\n", "\r\n" or a lone "\r" (classic Mac OS files), so
    // "\r\r\n" is two line ends: a line, then a blank line.
    std::size_t end = text.find_first_of("\r\n", pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(pos, end - pos);
    const bool crlf = text.compare(end, 2, "\r\n") == 0;
    const bool lone_cr = !crlf && end < text.size() && text[end] == '\r';
    pos = end + (crlf ? 2 : 1);
    ++line_no;
    if (line.find_first_not_of(" \t") == std::string_view::npos) {
      if (line.empty() && crlf && previous_ended_in_lone_cr) {
        // No editor shows the extra "\r" of a Windows file converted twice: say why.
        throw_csv(source, line_no, 0,
                  "is blank, but more data rows follow (the line before ends in \"\\r\\r\\n\", "
                  "which is two line breaks: \"\\r\" and \"\\r\\n\")",
                  "convert the line ends to \"\\n\" or \"\\r\\n\" (e.g. with dos2unix)");
      }
      throw_csv(source, line_no, 0, "is blank, but more data rows follow",
                "remove blank lines between rows (blank lines are only allowed at the end)");
    }
    previous_ended_in_lone_cr = lone_cr;
    split_csv_line(line, line_no, source, fields);
    const auto count = static_cast<Index>(fields.size());
    if (line_no == 1) {
      columns = count;
      bool header = options.header == CsvHeader::yes;
      if (options.header == CsvHeader::automatic) {
        for (const auto& field : fields) {
          double ignored = 0.0;
          if (field.quoted || parse_double(field.text, ignored) != NumberStatus::ok) header = true;
        }
      }
      if (header) {
        for (const auto& field : fields) table.header.push_back(unescape_quotes(field));
        table.first_data_line = 2;
        continue;
      }
    } else if (count != columns) {
      throw_csv(source, line_no, 0,
                "has " + std::to_string(count) + " fields, expected " + std::to_string(columns) +
                    " as on line 1",
                "give every row the same number of comma-separated fields");
    }
    for (Index c = 0; c < count; ++c) {
      values.push_back(parse_csv_number(fields[static_cast<std::size_t>(c)], line_no, c + 1, source,
                                        options));
    }
  }
  const auto rows = static_cast<Index>(values.size()) / columns;
  if (rows == 0) {
    throw_csv(source, 1, 0, "has a header but no data rows",
              "add data rows after the header line (one sample per line)");
  }
  table.values = Eigen::Map<const RowMatrix<double>>(values.data(), rows, columns);
  return table;
}

/// Converts the single column of a parsed table to integer labels, rejecting
/// non-integral or out-of-range values with their line.
inline Labels table_to_labels(const CsvTable& table, const CsvSource& source) {
  if (table.values.cols() != 1) {
    throw_csv(source, table.first_data_line, 0,
              "has " + std::to_string(table.values.cols()) + " fields, but a labels file has one",
              "write one integer label per line");
  }
  Labels labels(table.values.rows());
  for (Index r = 0; r < table.values.rows(); ++r) {
    const double v = table.values(r, 0);
    if (!(v == std::floor(v)) || v < std::numeric_limits<int>::min() ||
        v > std::numeric_limits<int>::max()) {
      std::string shown;
      append_for_message(shown, v);
      throw_csv(source, table.first_data_line + r, 1,
                "label " + shown + " is not an integer in the range of int",
                "encode classes as integers 0, 1, ..., C-1");
    }
    labels(r) = static_cast<int>(v);
  }
  return labels;
}

/// Appends a header name, quoted when a reader could not read it back unquoted.
inline void append_csv_name(std::string& out, std::string_view name) {
  if (name.find_first_of("\n\r") != std::string_view::npos) {
    mmc::detail::throw_invalid("mmc::data::format_csv", "header",
                               "has a name containing a line break, which CSV lines cannot hold",
                               "use header names without line breaks");
  }
  double ignored = 0.0;
  const bool quote = name.empty() || name.find_first_of(",\"") != std::string_view::npos ||
                     is_blank(name.front()) || is_blank(name.back()) ||
                     parse_double(name, ignored) == NumberStatus::ok;
  if (!quote) {
    out.append(name);
    return;
  }
  out.push_back('"');
  for (const char c : name) {
    out.push_back(c);
    if (c == '"') out.push_back('"');
  }
  out.push_back('"');
}

/// Appends the header line (nothing for an empty header) after checking it has
/// one name per column (format_csv and the file writer of matrix_file.hpp).
inline void append_csv_header(std::string& out, const std::vector<std::string>& header, Index cols) {
  if (!header.empty() && static_cast<Index>(header.size()) != cols) {
    mmc::detail::throw_invalid("mmc::data::format_csv", "header",
                               "has " + std::to_string(header.size()) + " names for " +
                                   std::to_string(cols) + " columns",
                               "pass one name per column, or no header");
  }
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (c > 0) out.push_back(',');
    append_csv_name(out, header[c]);
  }
  if (!header.empty()) out.push_back('\n');
}

/// Appends row r of m as one CSV line.
template <class Derived>
void append_csv_row(std::string& out, const Eigen::DenseBase<Derived>& m, Index r) {
  for (Index c = 0; c < m.cols(); ++c) {
    if (c > 0) out.push_back(',');
    append_shortest(out, m.derived().coeff(r, c));
  }
  out.push_back('\n');
}

}  // namespace detail

/// Parses CSV text (see the header comment for the dialect). `name` identifies
/// the text in error messages (a file name, "<stdin>", ...).
inline CsvTable parse_csv_table(std::string_view text, const CsvOptions& options = {},
                                std::string_view name = "<buffer>") {
  return detail::parse_csv_impl(text, options, {"mmc::data::parse_csv_table", "text", name});
}

/// Parses CSV text into an n x d matrix, one sample per line (header dropped).
inline RowMatrix<double> parse_csv(std::string_view text, const CsvOptions& options = {},
                                   std::string_view name = "<buffer>") {
  return detail::parse_csv_impl(text, options, {"mmc::data::parse_csv", "text", name}).values;
}

/// Parses a one-column CSV text of integer labels (an optional header allowed).
/// Values must be integral ("3" or "3.0") and fit an int; "1.5" is an error
/// naming its line.
inline Labels parse_csv_labels(std::string_view text, const CsvOptions& options = {},
                               std::string_view name = "<buffer>") {
  const detail::CsvSource source{"mmc::data::parse_csv_labels", "text", name};
  return detail::table_to_labels(detail::parse_csv_impl(text, options, source), source);
}

/// CSV text of a matrix (any Eigen expression; a vector gives one column), one
/// row per line, each number in its shortest round-trip form (floats as
/// float-shortest, integers exactly; NaN/Inf as nan/inf/-inf). `header`, if
/// given, must have one name per column; names that a reader would split,
/// trim or take for numbers are quoted.
template <class Derived>
std::string format_csv(const Eigen::DenseBase<Derived>& m, const std::vector<std::string>& header = {}) {
  std::string out;
  detail::append_csv_header(out, header, m.cols());
  for (Index r = 0; r < m.rows(); ++r) detail::append_csv_row(out, m, r);
  return out;
}

}  // namespace mmc::data
