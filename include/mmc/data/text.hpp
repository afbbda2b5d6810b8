// mmc/data/text.hpp — small text utilities of the file readers and writers:
// UTF-8 checking, JSON-style string escaping (used to quote offending file
// content on one line in error messages, and by the JSON writer), and number
// formatting (shortest round-trip text; plain notation for messages).
//
// Why a header of their own: the CSV and .npy readers need the quoting but
// nothing of the JSON writer; each file includes what it uses.
#pragma once

#include <charconv>
#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

namespace mmc::data {

namespace detail {

/// Length of the valid UTF-8 sequence starting at s[i], or 0 if invalid
/// (overlong forms, surrogates and code points above U+10FFFF are invalid).
inline std::size_t utf8_sequence_length(std::string_view s, std::size_t i) noexcept {
  const auto byte = [&](std::size_t j) { return static_cast<unsigned char>(s[j]); };
  const unsigned char b0 = byte(i);
  std::size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
  if (b0 < 0x80) return 1;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    if (b0 == 0xE0) lo = 0xA0;  // overlong
    if (b0 == 0xED) hi = 0x9F;  // surrogates
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    if (b0 == 0xF0) lo = 0x90;  // overlong
    if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > s.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (std::size_t j = 2; j < len; ++j) {
    if (byte(i + j) < 0x80 || byte(i + j) > 0xBF) return 0;
  }
  return len;
}

/// Appends `text` as a JSON string literal, quotes included.
inline void append_json_string(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x80) {
      const std::size_t len = utf8_sequence_length(text, i);
      if (len == 0) {
        out.append("\\ufffd");
        ++i;
      } else {
        out.append(text.substr(i, len));
        i += len;
      }
      continue;
    }
    switch (c) {
      case '"': out.append("\\\""); break;
      case '\\': out.append("\\\\"); break;
      case '\b': out.append("\\b"); break;
      case '\f': out.append("\\f"); break;
      case '\n': out.append("\\n"); break;
      case '\r': out.append("\\r"); break;
      case '\t': out.append("\\t"); break;
      default:
        if (c < 0x20 || c == 0x7F) {
          out.append("\\u00").push_back(hex[c >> 4]);
          out.push_back(hex[c & 0xF]);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
    ++i;
  }
  out.push_back('"');
}

/// `text` quoted for an error message: a JSON string literal of at most
/// `max_bytes` input bytes (then "..."), so the message stays on one line and
/// control bytes are visible.
inline std::string quote_for_message(std::string_view text, std::size_t max_bytes = 40) {
  std::string out;
  append_json_string(out, text.substr(0, max_bytes));
  if (text.size() > max_bytes) out.append("...");
  return out;
}

/// Appends the shortest decimal text that reads back as exactly `value`
/// (std::to_chars; "nan", "inf", "-inf" for non-finite values).
template <class T>
void append_shortest(std::string& out, T value) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, result.ptr);
}

/// Appends a number for an error message: like append_shortest, but in plain
/// notation between 1e-4 and 1e16 ("3000000000", not "3e+09").
template <class T>
void append_for_message(std::string& out, T value) {
  if constexpr (std::is_floating_point_v<T>) {
    const T magnitude = std::fabs(value);
    if (magnitude >= T(1e-4) && magnitude < T(1e16)) {
      char buffer[64];
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::fixed);
      out.append(buffer, result.ptr);
      return;
    }
  }
  append_shortest(out, value);
}

}  // namespace detail

}  // namespace mmc::data
