// tools/mmc/command_support.hpp — what the subcommands share: reading the
// inputs named by options, the option groups with their defaults (taken from
// the library's own Options{} so help text, parsing and library agree), the
// check that no given option is silently ignored, timing and output.
#pragma once

#include <chrono>
#include <span>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include <mmc/core/types.hpp>
#include <mmc/data/json.hpp>
#include <mmc/estimators/registry.hpp>
#include <mmc/knn/common.hpp>

#include "args.hpp"

namespace mmc::cli {

/// Reads the matrix file named by option `--name` (CSV or .npy by extension).
RowMatrix<double> read_matrix_option(const ParsedArgs& args, const std::string& name);
/// Reads integer labels from the file named by option `--name`.
Labels read_labels_option(const ParsedArgs& args, const std::string& name);

/// The kNN options the CLI starts from: the library's KnnOptions{} except that
/// the CLI standardises by default where the quantity is scale-invariant
/// (docs/design.md §5); help defaults are printed from these values.
knn::KnnOptions cli_knn_defaults(bool standardize);
/// --k --standardize/--no-standardize --jitter (help defaults from `defaults`).
std::vector<OptionSpec> knn_options(const knn::KnnOptions& defaults = cli_knn_defaults(true));
/// The kNN options from --k --standardize --jitter --seed --threads over `defaults`.
knn::KnnOptions knn_options_from(const ParsedArgs& args, knn::KnnOptions defaults);

/// --threads (0 = all cores; the library caps large values) and --seed.
int threads_from(const ParsedArgs& args);
std::uint64_t seed_from(const ParsedArgs& args);

/// The registry entry named by --estimator (UsageError listing the names otherwise).
const estimators::EstimatorInfo& estimator_from(const ParsedArgs& args,
                                                std::span<const estimators::EstimatorInfo> list,
                                                const std::string& fallback);

/// Throws UsageError when one of `options` was given: the chosen estimator or
/// backend (`subject`, e.g. "estimator 'ksg1' (a kNN estimator)") does not use
/// it, and an ignored option must never look as if it took effect.
void reject_unused(const ParsedArgs& args, const std::vector<std::string>& options,
                   const std::string& subject);

/// A number as help texts show it: "0", "0.001", "1e-10".
std::string number_text(double value);
/// Layer widths as help text: {64, 64} -> "64,64"; {} -> `empty`.
std::string widths_text(const std::vector<Index>& widths, const std::string& empty = "");
/// Layer widths from option `name` ("256,256"); refuses sizes that cannot be
/// trained on one machine (UsageError naming the option) instead of failing in
/// an allocation.
std::vector<Index> widths_from(const ParsedArgs& args, const std::string& name);

/// Seconds elapsed while running f(); returns {f(), seconds}.
template <class F>
auto timed(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  auto result = f();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return std::make_pair(std::move(result), seconds);
}

/// An ordered list of output fields: printed as one JSON object (--json) or as
/// an aligned key/value table (nested arrays/objects printed compactly).
using Report = std::vector<std::pair<std::string, data::Json>>;
void print_report(const ParsedArgs& args, const Report& report);

/// Appends {"warnings": [...]} to the report (always present in --json, so
/// scripts can rely on the field; the table shows it only when non-empty).
void add_warnings(Report& report, const std::vector<std::string>& warnings);

/// Throws UsageError unless every entry of m is an integer (for discrete estimators).
void require_integer_valued(const RowMatrix<double>& m, const std::string& option,
                            const std::string& fix);

}  // namespace mmc::cli
