// tools/mmc/args.hpp — the mmc program's option parser.
//
// Each subcommand declares its options (CommandSpec); parse() turns argv into
// ParsedArgs or throws UsageError, which main() prints as one line and maps to
// exit code 2 (docs/design.md §5). Help text is generated from the same specs, so
// `mmc SUBCOMMAND --help` documents every option that parse() accepts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace mmc::cli {

/// Bad command-line usage (unknown option, missing value, bad number...).
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;        // without the leading "--"
  std::string value_name;  // empty for a flag that takes no value
  std::string help;
  std::string default_text;  // shown in help; empty = no default shown
  bool repeatable = false;
};

struct CommandSpec {
  std::string name;     // e.g. "mi"
  std::string summary;  // one line
  std::string usage;    // e.g. "mmc mi --x FILE --y FILE [options]"
  std::string details;  // paragraphs after the option list (may be empty)
  std::vector<OptionSpec> options;
  std::vector<std::string> positionals;  // names of allowed positional arguments
};

class ParsedArgs {
 public:
  ParsedArgs(std::string command, std::map<std::string, std::vector<std::string>> values,
             std::vector<std::string> positionals)
      : command_(std::move(command)), values_(std::move(values)), positionals_(std::move(positionals)) {}

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  const std::vector<std::string>& positionals() const { return positionals_; }

  /// The value of a single-valued option, or `fallback` when absent.
  std::string get(const std::string& name, const std::string& fallback = "") const;
  /// The value of a required option (UsageError naming it when absent).
  std::string require(const std::string& name) const;
  /// Every value of a repeatable option, in command-line order.
  std::vector<std::string> get_all(const std::string& name) const;

  long long get_int(const std::string& name, long long fallback) const;
  std::uint64_t get_uint64(const std::string& name, std::uint64_t fallback) const;
  double get_double(const std::string& name, double fallback) const;
  /// A comma-separated list of positive integers, e.g. "--hidden 256,256".
  std::vector<long long> get_int_list(const std::string& name,
                                      const std::vector<long long>& fallback) const;
  /// A comma-separated list of finite numbers, e.g. "--alphas 0,0.5,1": every
  /// item must be a whole number text (no "0.5xyz", no empty items).
  std::vector<double> get_double_list(const std::string& name,
                                      const std::vector<double>& fallback) const;
  /// A value that must be one of `choices`.
  std::string get_choice(const std::string& name, const std::vector<std::string>& choices,
                         const std::string& fallback) const;
  /// A --name / --no-name pair; the last one given wins.
  bool get_switch(const std::string& name, bool fallback) const;

 private:
  [[noreturn]] void bad_value(const std::string& name, const std::string& value,
                              const std::string& expected) const;
  std::string command_;
  std::map<std::string, std::vector<std::string>> values_;
  std::vector<std::string> positionals_;
};

/// Parses args (the words after the subcommand) against the spec.
/// "--name value" and "--name=value" are both accepted.
ParsedArgs parse(const CommandSpec& spec, const std::vector<std::string>& args);

/// The `--help` text of a subcommand.
std::string help_text(const CommandSpec& spec);

/// Option specs shared by several subcommands.
/// --json --quiet --seed --threads --help. (The kNN and neural groups live
/// next to the library options they set: command_support.hpp, neural_options.hpp.)
std::vector<OptionSpec> common_options();

/// Concatenates option lists.
std::vector<OptionSpec> join(std::vector<std::vector<OptionSpec>> lists);

}  // namespace mmc::cli
