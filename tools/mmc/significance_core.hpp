// tools/mmc/significance_core.hpp — the light part of the significance options
// (significance_options.hpp has the rest): --permutations R, --value-only and
// the null fields of a report. No kNN headers, so the neural commands
// (neural_commands.hpp, also compiled by nvcc) can use it (docs/significance.md).
#pragma once

#include <cstdio>
#include <string>

#include <mmc/estimators/permutation_null.hpp>

#include "args.hpp"
#include "command_support.hpp"

namespace mmc::cli::significance {

/// The --value-only switch.
inline OptionSpec value_only_option() {
  return {"value-only", "", "print only the value, as %.17g (for benchmark harnesses)", "", false};
}

/// R from --permutations (0 when absent); R < 1 or above the library's maximum
/// is a UsageError naming the option.
inline Index permutations_from(const ParsedArgs& args) {
  if (!args.has("permutations")) return 0;
  const long long r = args.get_int("permutations", 0);
  if (r < 1 || r > estimators::kMaxPermutations) {
    throw UsageError("option '--permutations' has value " + args.get("permutations") +
                     "; expected a number of permutations from 1 to " +
                     std::to_string(estimators::kMaxPermutations) + " (99 or 999 are customary)");
  }
  return static_cast<Index>(r);
}

/// --value-only with --json is a contradiction: refuse it.
inline bool value_only(const ParsedArgs& args) {
  const bool only = args.get_switch("value-only", false);
  if (only && args.get_switch("json", false)) {
    throw UsageError("options '--value-only' and '--json' exclude each other; use one of them");
  }
  return only;
}

/// Prints the value alone, with all 17 significant digits.
inline void print_value(double value) { std::printf("%.17g\n", value); }


/// The permutation-test fields of the report.
inline void add_null_fields(Report& report, const estimators::NullSummary& s) {
  report.emplace_back("p_value", s.p_value);
  report.emplace_back("null_mean", s.null_mean);
  report.emplace_back("null_sd", s.null_sd);
  report.emplace_back("corrected", s.corrected);
  report.emplace_back("permutations", static_cast<long long>(s.permutations));
}

}  // namespace mmc::cli::significance
