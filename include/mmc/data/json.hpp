// mmc/data/json.hpp — a tiny JSON *writer* (no parser): the `--json` output of
// the mmc program and the truth.json files of `mmc generate` (docs/design.md §5).
//
// Why our own: mmc has no dependencies beyond Eigen, and writing JSON needs
// only three careful pieces, all here:
// - numbers: doubles are printed with std::to_chars' shortest round-trip form
//   (reading the text back gives the same bits; "0.1" not "0.10000000000000001"),
//   floats with the float's shortest form (0.1f prints "0.1": read back as a
//   float it is the same bits), ".0" appended to integral values so typed
//   readers still see a float; integers exactly. NaN/Inf have no JSON spelling: dump() throws
//   mmc::invalid_argument naming the path of the value (e.g. `"gamma"[1]`),
//   unless JsonDumpOptions::non_finite_as_null asks for `null` instead.
// - strings: '"', '\\' and control bytes are escaped (\n, \t, ... or \u00XX),
//   DEL as \u007f; valid UTF-8 passes through unchanged; each byte of an
//   invalid UTF-8 sequence becomes U+FFFD, so the output is always valid JSON.
// - objects keep insertion order (set() on an existing key replaces its value).
//
// The string escaping and number formatting live in data/text.hpp, shared
// with the CSV/.npy readers and writers.
#pragma once

#include <charconv>
#include <cmath>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "mmc/core/errors.hpp"
#include "mmc/data/text.hpp"

namespace mmc::data {


/// Options of Json::dump().
struct JsonDumpOptions {
  /// Spaces per nesting level; negative = compact single line (no spaces).
  int indent = -1;
  /// Write NaN/Inf as `null` instead of throwing mmc::invalid_argument.
  bool non_finite_as_null = false;
};

/// A JSON value: null, boolean, integer, floating-point number, string, array
/// or object (insertion-ordered). Build it, then dump() it.
class Json {
 public:
  using Array = std::vector<Json>;
  using Object = std::vector<std::pair<std::string, Json>>;

  Json() = default;  ///< null
  Json(std::nullptr_t) {}
  Json(bool value) : value_(value) {}
  template <std::signed_integral I>
    requires(!std::same_as<I, bool>)
  Json(I value) : value_(static_cast<std::int64_t>(value)) {}
  template <std::unsigned_integral I>
    requires(!std::same_as<I, bool>)
  Json(I value) : value_(static_cast<std::uint64_t>(value)) {}
  Json(float value) : value_(value) {}
  Json(double value) : value_(value) {}
  Json(long double value) : value_(static_cast<double>(value)) {}
  Json(const char* text) : value_(std::string(text)) {}
  Json(std::string text) : value_(std::move(text)) {}
  Json(std::string_view text) : value_(std::string(text)) {}
  Json(Array values) : value_(std::move(values)) {}
  Json(Object members) : value_(std::move(members)) {}

  /// An array of the given values, e.g. Json::array({1, 2.5, "x"}).
  static Json array(std::initializer_list<Json> values = {}) { return Json(Array(values)); }
  /// An array from any range of convertible values (std::vector<double>, an Eigen vector...).
  template <class Range>
  static Json array_of(const Range& values) {
    Array out;
    for (const auto& v : values) out.emplace_back(v);
    return Json(std::move(out));
  }
  /// An object with the given members, e.g. Json::object({{"n", 100}, {"value", 0.3}}).
  static Json object(std::initializer_list<std::pair<std::string, Json>> members = {}) {
    Json result{Object{}};
    for (const auto& [key, value] : members) result.set(key, value);
    return result;
  }

  bool is_null() const noexcept { return std::holds_alternative<std::nullptr_t>(value_); }
  bool is_array() const noexcept { return std::holds_alternative<Array>(value_); }
  bool is_object() const noexcept { return std::holds_alternative<Object>(value_); }

  /// Object: sets `key` (replacing an existing member, else appending). Throws
  /// mmc::invalid_argument if this value is not an object.
  Json& set(std::string_view key, Json value) {
    auto* members = std::get_if<Object>(&value_);
    if (members == nullptr) {
      mmc::detail::throw_invalid("mmc::data::Json::set", "this", "is not a JSON object",
                                 "create it with Json::object() before setting members");
    }
    for (auto& [name, existing] : *members) {
      if (name == key) {
        existing = std::move(value);
        return *this;
      }
    }
    members->emplace_back(std::string(key), std::move(value));
    return *this;
  }

  /// Array: appends a value. Throws mmc::invalid_argument if not an array.
  Json& push(Json value) {
    auto* values = std::get_if<Array>(&value_);
    if (values == nullptr) {
      mmc::detail::throw_invalid("mmc::data::Json::push", "this", "is not a JSON array",
                                 "create it with Json::array() before pushing values");
    }
    values->push_back(std::move(value));
    return *this;
  }

  /// The JSON text. Throws mmc::invalid_argument on NaN/Inf (see the header comment).
  std::string dump(const JsonDumpOptions& options = {}) const {
    std::string out, path;
    write(out, path, options, 0);
    return out;
  }

 private:
  void newline(std::string& out, const JsonDumpOptions& options, int depth) const {
    if (options.indent < 0) return;
    out.push_back('\n');
    out.append(static_cast<std::size_t>(options.indent) * static_cast<std::size_t>(depth), ' ');
  }

  template <class F>
  void write_number(std::string& out, const std::string& path, const JsonDumpOptions& options,
                    F v) const {
    if (!std::isfinite(v)) {
      if (options.non_finite_as_null) {
        out.append("null");
        return;
      }
      mmc::detail::throw_invalid(
          "mmc::data::Json::dump", "value",
          std::string("holds ") + (std::isnan(v) ? "NaN" : "Inf") + " at " +
              (path.empty() ? std::string("the top level") : path) + ", which JSON cannot represent",
          "check how that value was computed, or set JsonDumpOptions::non_finite_as_null");
    }
    const std::size_t start = out.size();
    detail::append_shortest(out, v);
    if (out.find_first_of(".e", start) == std::string::npos) out.append(".0");
  }

  void write(std::string& out, std::string& path, const JsonDumpOptions& options, int depth) const {
    if (std::holds_alternative<std::nullptr_t>(value_)) {
      out.append("null");
    } else if (const auto* b = std::get_if<bool>(&value_)) {
      out.append(*b ? "true" : "false");
    } else if (const auto* i = std::get_if<std::int64_t>(&value_)) {
      detail::append_shortest(out, *i);
    } else if (const auto* u = std::get_if<std::uint64_t>(&value_)) {
      detail::append_shortest(out, *u);
    } else if (const auto* d = std::get_if<double>(&value_)) {
      write_number(out, path, options, *d);
    } else if (const auto* f = std::get_if<float>(&value_)) {
      write_number(out, path, options, *f);
    } else if (const auto* s = std::get_if<std::string>(&value_)) {
      detail::append_json_string(out, *s);
    } else if (const auto* a = std::get_if<Array>(&value_)) {
      out.push_back('[');
      for (std::size_t k = 0; k < a->size(); ++k) {
        if (k > 0) out.push_back(',');
        newline(out, options, depth + 1);
        const std::size_t mark = path.size();
        path.append("[").append(std::to_string(k)).append("]");
        (*a)[k].write(out, path, options, depth + 1);
        path.resize(mark);
      }
      if (!a->empty()) newline(out, options, depth);
      out.push_back(']');
    } else {
      const auto& members = std::get<Object>(value_);
      out.push_back('{');
      for (std::size_t k = 0; k < members.size(); ++k) {
        if (k > 0) out.push_back(',');
        newline(out, options, depth + 1);
        detail::append_json_string(out, members[k].first);
        out.append(options.indent < 0 ? ":" : ": ");
        const std::size_t mark = path.size();
        detail::append_json_string(path, members[k].first);
        members[k].second.write(out, path, options, depth + 1);
        path.resize(mark);
      }
      if (!members.empty()) newline(out, options, depth);
      out.push_back('}');
    }
  }

  std::variant<std::nullptr_t, bool, std::int64_t, std::uint64_t, float, double, std::string, Array, Object>
      value_{nullptr};
};

}  // namespace mmc::data
