// tools/mmc/significance_options.hpp — the options `mmc mi`, `mmc cmi` and
// `mmc mi-matrix` share for significance and sensitivity (docs/significance.md,
// docs/design.md §5): --permutations R, --value-only, --local FILE and a list
// of k ("--k 3,5,10"). Inline helpers, so each subcommand's translation unit
// stays self-contained.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include <mmc/data/json.hpp>
#include <mmc/data/matrix_file.hpp>
#include <mmc/estimators/knn_dispatch.hpp>
#include <mmc/estimators/permutation.hpp>

#include "args.hpp"
#include "command_support.hpp"
#include "significance_core.hpp"

namespace mmc::cli::significance {

/// --permutations, --value-only, --local (with `local` only where the command
/// has per-sample values).
inline std::vector<OptionSpec> options(bool local) {
  std::vector<OptionSpec> list = {
      {"permutations", "R",
       "permutation test with R shuffles: adds p_value, null_mean, "
       "null_sd, corrected, permutations (docs/significance.md)", "", false},
      value_only_option(),
  };
  if (local)
    list.push_back({"local", "FILE", "write the per-sample local values as an N x 1 .npy (or .csv)", "", false});
  return list;
}

/// Replaces the help of --k in `list` to say that a list is accepted.
inline void describe_k_list(std::vector<OptionSpec>& list) {
  for (auto& option : list) {
    if (option.name == "k") {
      option.value_name = "K[,K...]";
      option.help = "number of nearest neighbours; a list such as 3,5,10 reports values (one per k), their "
                    "mean as value and k_spread = max - min";
    }
  }
}

/// The k values of --k ("5" or "3,5,10"), or {fallback} when absent. In a
/// list, a 0, a negative, an empty item or a non-number is a UsageError naming
/// --k; a single value is passed on as an integer for the library to check.
inline std::vector<Index> k_list_from(const ParsedArgs& args, Index fallback) {
  if (!args.has("k")) return {fallback};
  const std::string text = args.get("k");
  // One value: as before the list form (get_int; the library checks k >= 1 and
  // names 'k', docs/design.md §2 "Bad input").
  if (text.find(',') == std::string::npos) return {static_cast<Index>(args.get_int("k", fallback))};
  std::vector<Index> ks;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    long long v = 0;
    const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), v);
    if (item.empty() || ec != std::errc() || end != item.data() + item.size() || v < 1) {
      throw UsageError("option '--k' has value '" + text +
                       "'; expected a positive integer or a comma-separated list of them such as 3,5,10");
    }
    ks.push_back(static_cast<Index>(v));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return ks;
}

/// `args` without option `name` (so that parsers reading it as one value,
/// such as knn_options_from's --k, do not see the list form).
inline ParsedArgs without_option(const ParsedArgs& args, const CommandSpec& spec, const std::string& name) {
  std::map<std::string, std::vector<std::string>> values;
  for (const auto& option : spec.options)
    if (option.name != name && args.has(option.name)) values[option.name] = args.get_all(option.name);
  return ParsedArgs(spec.name, std::move(values), args.positionals());
}

/// Refuses --local before any work when the estimate will have no local values.
inline void require_local_values(const ParsedArgs& args, bool has_local, const std::string& subject) {
  if (args.has("local") && !has_local) {
    throw UsageError("option '--local' needs per-sample local values, which " + subject +
                     " does not produce; remove --local or use a kNN estimator such as ksg1");
  }
}

/// Writes e.local as an N x 1 matrix to the --local file (atomic; .npy or .csv by extension).
inline void write_local(const ParsedArgs& args, const estimators::Estimate& e) {
  if (!args.has("local")) return;
  if (e.local.size() == 0) {
    throw UsageError("option '--local': this estimate has no per-sample local values; remove --local");
  }
  const RowMatrix<double> column = e.local;
  data::write_matrix(args.get("local"), column);
}

/// The permutation-test fields of the report.
inline void add_permutation_fields(Report& report, const estimators::PermutationResult& r) {
  add_null_fields(report, {r.p_value, r.null_mean, r.null_sd, r.corrected, r.permutations});
}

/// Several k: the values per k, their mean (returned) and max - min.
inline double add_k_list_fields(Report& report, const std::vector<Index>& ks, const std::vector<double>& values) {
  double sum = 0.0;
  for (const double v : values) sum += v;
  const double mean = sum / static_cast<double>(values.size());
  data::Json k_json = data::Json::array(), values_json = data::Json::array();
  for (const Index k : ks) k_json.push(static_cast<long long>(k));
  for (const double v : values) values_json.push(v);
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  report.emplace_back("value", mean);
  report.emplace_back("values", values_json);
  report.emplace_back("k", k_json);
  report.emplace_back("k_spread", *hi - *lo);
  return mean;
}

/// Several k exclude --permutations and --local (which k would they be for?).
/// Runs `estimate(options at k)` for every k of the list and reports the
/// values, their mean (returned), the spread, n, seconds, standardize and the
/// warnings (each prefixed with its k) -- shared by `mi` and `cmi`.
template <class EstimateAtK>
double report_k_list(Report& report, const std::vector<Index>& ks, const estimators::NonNeuralOptions& options,
                     EstimateAtK&& estimate) {
  std::vector<double> values;
  std::vector<std::string> warnings;
  const auto [n, seconds] = timed([&] {
    Index rows = 0;
    for (const Index k : ks) {
      estimators::NonNeuralOptions at_k = options;
      at_k.knn.k = k;
      estimators::Estimate e = estimate(at_k);
      values.push_back(e.value);
      rows = e.n;
      for (auto& w : e.warnings) warnings.push_back("k = " + std::to_string(k) + ": " + w);
    }
    return rows;
  });
  const double value = add_k_list_fields(report, ks, values);
  report.emplace_back("n", n);
  report.emplace_back("seconds", seconds);
  report.emplace_back("standardize", options.knn.standardize);
  add_warnings(report, warnings);
  return value;
}

inline void reject_with_k_list(const ParsedArgs& args, std::size_t k_count) {
  if (k_count < 2) return;
  for (const std::string name : {"permutations", "local"}) {
    if (args.has(name)) {
      throw UsageError("option '--" + name + "' needs a single --k, but --k lists " + std::to_string(k_count) +
                       " values; run once per k");
    }
  }
}

}  // namespace mmc::cli::significance
