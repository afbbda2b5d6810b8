// tools/mmc/args.cpp — implementation of the option parser (see args.hpp).
#include "args.hpp"

#include <charconv>
#include <cmath>
#include <algorithm>
#include <sstream>

namespace mmc::cli {

namespace {

const OptionSpec* find_option(const CommandSpec& spec, const std::string& name) {
  for (const auto& option : spec.options)
    if (option.name == name) return &option;
  return nullptr;
}

bool is_switch_negation(const CommandSpec& spec, const std::string& name) {
  if (name.rfind("no-", 0) != 0) return false;
  const OptionSpec* positive = find_option(spec, name.substr(3));
  return positive != nullptr && positive->value_name.empty();
}

// "a,b,,c" -> {"a", "b", "", "c"}; "" -> {""}: empty items are kept so that
// the callers reject them (a trailing comma is a typo, not an empty list).
std::vector<std::string> split_list(const std::string& value) {
  std::vector<std::string> items;
  std::size_t begin = 0;
  while (true) {
    const std::size_t end = std::min(value.find(',', begin), value.size());
    items.push_back(value.substr(begin, end - begin));
    if (end == value.size()) return items;
    begin = end + 1;
  }
}

}  // namespace

ParsedArgs parse(const CommandSpec& spec, const std::vector<std::string>& args) {
  std::map<std::string, std::vector<std::string>> values;
  std::vector<std::string> positionals;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (word.size() < 2 || word.compare(0, 2, "--") != 0 || word == "--") {
      if (positionals.size() >= spec.positionals.size()) {
        throw UsageError("unexpected argument '" + word + "'; see 'mmc " + spec.name +
                         " --help'");
      }
      positionals.push_back(word);
      continue;
    }
    std::string name = word.substr(2);
    std::optional<std::string> inline_value;
    if (const auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (is_switch_negation(spec, name)) {
      if (inline_value) throw UsageError("option '--" + name + "' takes no value");
      values[name.substr(3)].push_back("false");
      continue;
    }
    const OptionSpec* option = find_option(spec, name);
    if (option == nullptr) {
      throw UsageError("unknown option '--" + name + "'; see 'mmc " + spec.name +
                       " --help' for the options");
    }
    if (option->value_name.empty()) {
      if (inline_value) throw UsageError("option '--" + name + "' takes no value");
      values[name].push_back("true");
      continue;
    }
    std::string value;
    if (inline_value) {
      value = *inline_value;
    } else {
      if (i + 1 >= args.size()) {
        throw UsageError("option '--" + name + "' needs a value (" + option->value_name +
                         ")");
      }
      value = args[++i];
    }
    auto& slot = values[name];
    if (!option->repeatable && !slot.empty()) {
      throw UsageError("option '--" + name + "' given more than once");
    }
    slot.push_back(value);
  }
  return ParsedArgs(spec.name, std::move(values), std::move(positionals));
}

std::string ParsedArgs::get(const std::string& name, const std::string& fallback) const {
  const auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second.back();
}

std::string ParsedArgs::require(const std::string& name) const {
  if (!has(name)) {
    throw UsageError("missing required option '--" + name + "'; see 'mmc " +
                     command_ + " --help'");
  }
  return get(name);
}

std::vector<std::string> ParsedArgs::get_all(const std::string& name) const {
  const auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

void ParsedArgs::bad_value(const std::string& name, const std::string& value,
                           const std::string& expected) const {
  throw UsageError("option '--" + name + "' has value '" + value +
                   "'; expected " + expected);
}

long long ParsedArgs::get_int(const std::string& name, long long fallback) const {
  if (!has(name)) return fallback;
  const std::string value = get(name);
  long long result = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), result);
  if (ec != std::errc() || end != value.data() + value.size()) bad_value(name, value, "an integer");
  return result;
}

std::uint64_t ParsedArgs::get_uint64(const std::string& name, std::uint64_t fallback) const {
  if (!has(name)) return fallback;
  const std::string value = get(name);
  std::uint64_t result = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), result);
  if (ec != std::errc() || end != value.data() + value.size())
    bad_value(name, value, "a non-negative integer");
  return result;
}

double ParsedArgs::get_double(const std::string& name, double fallback) const {
  if (!has(name)) return fallback;
  const std::string value = get(name);
  double result = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), result);
  if (ec != std::errc() || end != value.data() + value.size() || !std::isfinite(result))
    bad_value(name, value, "a finite number");
  return result;
}

std::vector<long long> ParsedArgs::get_int_list(const std::string& name,
                                                const std::vector<long long>& fallback) const {
  if (!has(name)) return fallback;
  const std::string value = get(name);
  std::vector<long long> result;
  for (const std::string& item : split_list(value)) {
    long long v = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || v < 1)
      bad_value(name, value, "a comma-separated list of positive integers such as 256,256");
    result.push_back(v);
  }
  return result;
}

std::vector<double> ParsedArgs::get_double_list(const std::string& name,
                                                const std::vector<double>& fallback) const {
  if (!has(name)) return fallback;
  const std::string value = get(name);
  std::vector<double> result;
  for (const std::string& item : split_list(value)) {
    double v = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || !std::isfinite(v))
      bad_value(name, value, "a comma-separated list of numbers such as 0,0.5,1");
    result.push_back(v);
  }
  return result;
}

std::string ParsedArgs::get_choice(const std::string& name, const std::vector<std::string>& choices,
                                   const std::string& fallback) const {
  if (!has(name)) return fallback;
  const std::string value = get(name);
  for (const auto& choice : choices)
    if (choice == value) return value;
  std::string expected = "one of";
  for (const auto& choice : choices) expected += " " + choice;
  bad_value(name, value, expected);
}

bool ParsedArgs::get_switch(const std::string& name, bool fallback) const {
  if (!has(name)) return fallback;
  return get(name) == "true";
}

std::string help_text(const CommandSpec& spec) {
  std::ostringstream out;
  out << spec.usage << "\n\n" << spec.summary << "\n\nOptions:\n";
  for (const auto& option : spec.options) {
    std::string left = "  --" + option.name;
    if (!option.value_name.empty()) left += " " + option.value_name;
    if (option.value_name.empty() && option.name != "help" && option.name != "json" &&
        option.name != "quiet" && option.default_text.size() > 0)
      left += " / --no-" + option.name;
    out << left;
    out << std::string(left.size() < 30 ? 30 - left.size() : 1, ' ') << option.help;
    if (!option.default_text.empty()) out << " (default: " << option.default_text << ")";
    if (option.repeatable) out << " [repeatable]";
    out << "\n";
  }
  if (!spec.details.empty()) out << "\n" << spec.details << "\n";
  return out.str();
}

std::vector<OptionSpec> common_options() {
  return {
      {"json", "", "print one JSON object on stdout instead of a table", "", false},
      {"quiet", "", "no progress bar on stderr", "", false},
      {"seed", "S", "seed of every random choice (same seed => same result)", "0", false},
      {"threads", "T", "worker threads; results do not depend on it", "all cores", false},
      {"help", "", "show this help", "", false},
  };
}

std::vector<OptionSpec> join(std::vector<std::vector<OptionSpec>> lists) {
  std::vector<OptionSpec> result;
  for (auto& list : lists) result.insert(result.end(), list.begin(), list.end());
  return result;
}

}  // namespace mmc::cli
