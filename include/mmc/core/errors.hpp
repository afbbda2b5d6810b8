// mmc/core/errors.hpp — the library's exception types.
//
// Every public entry point reports bad input with mmc::invalid_argument, whose
// message names the function, the argument, what is wrong and how to fix it
// (docs/design.md §2). Neural training runs that diverge throw mmc::training_error.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

namespace mmc {

/// Bad input: shape mismatch, too few samples, NaN/Inf, labels out of range,
/// a malformed file... Derived from std::invalid_argument so that generic
/// handlers keep working.
class invalid_argument : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// A training run that produced a non-finite loss or estimate.
class training_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A file that cannot be opened or written (as opposed to malformed content,
/// which is an invalid_argument carrying the line or byte offset).
class io_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {

/// Builds the uniform message "<function>: argument '<argument>' <problem>; <fix>".
inline std::string format_error(std::string_view function, std::string_view argument,
                                std::string_view problem, std::string_view fix) {
  std::string message;
  message.reserve(function.size() + argument.size() + problem.size() + fix.size() + 32);
  message.append(function).append(": argument '").append(argument).append("' ");
  message.append(problem);
  if (!fix.empty()) message.append("; ").append(fix);
  return message;
}

/// Throws mmc::invalid_argument with the uniform message format.
[[noreturn]] inline void throw_invalid(std::string_view function, std::string_view argument,
                                       std::string_view problem, std::string_view fix) {
  throw invalid_argument(format_error(function, argument, problem, fix));
}

}  // namespace detail
}  // namespace mmc
