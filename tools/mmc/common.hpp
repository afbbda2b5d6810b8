// tools/mmc/common.hpp — helpers shared by the subcommands: reading inputs
// named by options, the shared option values, timing and output.
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include <mmc/core/types.hpp>
#include <mmc/data/json.hpp>
#include <mmc/knn/common.hpp>

#include "args.hpp"

namespace mmc::cli {

/// Reads the matrix file named by option `--name` (CSV or .npy by extension).
RowMatrix<double> read_matrix_option(const ParsedArgs& args, const std::string& name);
/// Reads integer labels from the file named by option `--name`.
Labels read_labels_option(const ParsedArgs& args, const std::string& name);

/// The kNN options from --k --standardize/--no-standardize --jitter --seed --threads.
/// `standardize_default` is true for the CLI (docs/design.md §5).
knn::KnnOptions knn_options_from(const ParsedArgs& args, bool standardize_default = true);

/// --threads (0 = all cores) and --seed.
int threads_from(const ParsedArgs& args);
std::uint64_t seed_from(const ParsedArgs& args);

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

/// Throws UsageError unless every entry of m is an integer (for discrete estimators).
void require_integer_valued(const RowMatrix<double>& m, const std::string& option,
                            const std::string& fix);

}  // namespace mmc::cli
