// tools/mmc/cmd_mi_matrix.cpp — `mmc mi-matrix`: every column of X against
// every column of Y (a matrix), or every column of X against one target (a
// ranking, descending), with a non-neural estimator of the registry
// (mmc/estimators/mi_matrix.hpp; docs/design.md §3.1, §5; docs/significance.md).
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include <mmc/data/atomic_file.hpp>
#include <mmc/estimators/knn_dispatch.hpp>
#include <mmc/estimators/mi_matrix.hpp>

#include "command_support.hpp"
#include "commands.hpp"

namespace mmc::cli {

namespace {

using estimators::Estimator;
using estimators::Family;

// The non-neural MI estimators: the ones mi_matrix accepts.
std::vector<estimators::EstimatorInfo> non_neural() {
  std::vector<estimators::EstimatorInfo> list;
  for (const auto& info : estimators::kMutualInformation)
    if (info.family != Family::neural) list.push_back(info);
  return list;
}

std::string full(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", v);
  return buffer;
}

void write_text(const std::string& path, const std::string& text) {
  data::AtomicFile file(path, "mmc mi-matrix --csv");
  file.write(text);
  file.commit();
}

}  // namespace

CommandSpec mi_matrix_spec() {
  const std::string list = estimators::names(non_neural());
  CommandSpec spec;
  spec.name = "mi-matrix";
  spec.summary = "Pairwise MI: every column of X against every column of Y, or against a target (ranked).";
  spec.usage = "mmc mi-matrix --x FILE (--y FILE | --target FILE) [--estimator " + list + "] [options]";
  spec.details =
      "With --y: the matrix I(X_i; Y_j) in nats (rows: columns of X). With --target: I(X_i; target) for\n"
      "every column of X, ranked in descending order; the target is one variable (all its columns; for\n"
      "ross one column of integer labels), and ross and plugin add normalized = I/H(target) with the\n"
      "plug-in entropy. Each entry equals `mmc mi` on the extracted columns with the same options.\n"
      "--csv FILE writes the matrix (x_column,y_0,y_1,...) or the ranking (rank,column,value[,normalized]).\n"
      "--json prints {estimator, mode, values | ranking, n, seconds, warnings}.";
  const knn::BinnedOptions binned{};
  spec.options = join({{{"x", "FILE", "features, one column per variable", "", false},
                        {"y", "FILE", "second set of variables (matrix mode)", "", false},
                        {"target", "FILE", "one target variable (ranking mode; labels for ross)", "", false},
                        {"estimator", "NAME", list, "ksg1", false},
                        {"bins", "B", "bins per dimension (plugin on continuous data, binned)",
                         std::to_string(binned.bins) + " for binned", false},
                        {"binning", "KIND", "equal-width | equal-frequency (binned)", "equal-width", false},
                        {"miller-madow", "", "Miller-Madow bias correction (plugin, binned)", "on", false},
                        {"variant", "V", "mixed: paper | reference", "paper", false},
                        {"csv", "FILE", "also write the matrix or ranking as CSV", "", false}},
                       knn_options(),
                       common_options()});
  return spec;
}

int run_mi_matrix(const ParsedArgs& args) {
  const std::vector<estimators::EstimatorInfo> list = non_neural();
  const auto& info = estimator_from(args, list, "ksg1");
  Estimator id = info.id;
  if (id == Estimator::plugin && args.has("bins")) id = Estimator::binned;
  const std::string subject = "estimator '" + std::string(info.name) + "'";
  if (info.family == Family::discrete) reject_unused(args, {"k", "jitter"}, subject + " (it counts, no neighbours)");
  if (info.family == Family::knn) reject_unused(args, {"bins", "binning", "miller-madow"}, subject + " (a kNN estimator)");
  if (id != Estimator::binned) reject_unused(args, {"binning"}, subject);
  if (id != Estimator::mixed) reject_unused(args, {"variant"}, subject);
  if (args.has("y") == args.has("target")) {
    throw UsageError("options '--y' and '--target': give exactly one (--y FILE for the matrix, --target FILE for "
                     "a ranking against one variable)");
  }
  estimators::NonNeuralOptions options = non_neural_options_from(args, true);
  options.mixed_variant = args.get_choice("variant", {"paper", "reference"}, "paper") == "paper"
                              ? knn::MixedVariant::paper
                              : knn::MixedVariant::reference;
  const bool ranking_mode = args.has("target");
  const RowMatrix<double> x = read_matrix_option(args, "x");
  const RowMatrix<double> y = read_matrix_option(args, ranking_mode ? "target" : "y");
  if (id == Estimator::plugin) {
    const std::string fix = "plugin needs discrete (integer) data; for continuous data add --bins B";
    require_integer_valued(x, "x", fix);
    require_integer_valued(y, ranking_mode ? "target" : "y", fix);
  }
  const bool json = args.get_switch("json", false);
  Report report{{"estimator", std::string(info.name)}, {"mode", ranking_mode ? "target" : "matrix"}};
  std::ostringstream table, csv;
  if (ranking_mode) {
    const auto [ranking, seconds] = timed([&] { return estimators::mi_ranking(id, x, y, options); });
    // Normalised MI for discrete targets (docs/significance.md): I / H(target).
    const bool normalize = id == Estimator::ross || id == Estimator::plugin;
    const double h = normalize ? estimators::plugin_entropy_of(y) : 0.0;
    const bool with_normalized = normalize && h > 0.0;
    data::Json ranks = data::Json::array();
    table << "rank  column  value" << (with_normalized ? "  normalized" : "") << "\n";
    csv << "rank,column,value" << (with_normalized ? ",normalized" : "") << "\n";
    for (std::size_t r = 0; r < ranking.ranks.size(); ++r) {
      const auto& entry = ranking.ranks[r];
      data::Json item = data::Json::object({{"column", static_cast<long long>(entry.column)}, {"value", entry.value}});
      table << r + 1 << "  " << entry.column << "  " << entry.value;
      csv << r + 1 << "," << entry.column << "," << full(entry.value);
      if (with_normalized) {
        item.set("normalized", entry.value / h);
        table << "  " << entry.value / h;
        csv << "," << full(entry.value / h);
      }
      table << "\n";
      csv << "\n";
      ranks.push(item);
    }
    report.emplace_back("ranking", ranks);
    if (normalize) report.emplace_back("h_target", h);
    report.emplace_back("n", static_cast<long long>(x.rows()));
    report.emplace_back("seconds", seconds);
    add_warnings(report, ranking.warnings);
  } else {
    const auto [matrix, seconds] = timed([&] { return estimators::mi_matrix(id, x, y, options); });
    data::Json rows = data::Json::array();
    table << "x\\y";
    csv << "x_column";
    for (Index j = 0; j < matrix.values.cols(); ++j) {
      table << "  " << j;
      csv << ",y_" << j;
    }
    table << "\n";
    csv << "\n";
    for (Index i = 0; i < matrix.values.rows(); ++i) {
      data::Json row = data::Json::array();
      table << i;
      csv << i;
      for (Index j = 0; j < matrix.values.cols(); ++j) {
        row.push(matrix.values(i, j));
        table << "  " << matrix.values(i, j);
        csv << "," << full(matrix.values(i, j));
      }
      table << "\n";
      csv << "\n";
      rows.push(row);
    }
    report.emplace_back("values", rows);
    report.emplace_back("n", static_cast<long long>(x.rows()));
    report.emplace_back("seconds", seconds);
    add_warnings(report, matrix.warnings);
  }
  if (args.has("csv")) write_text(args.get("csv"), csv.str());
  if (json) {
    print_report(args, report);
    return 0;
  }
  std::cout << table.str();
  Report footer;
  for (const auto& field : report)
    if (field.first == "estimator" || field.first == "n" || field.first == "seconds" ||
        field.first == "h_target" || field.first == "warnings")
      footer.push_back(field);
  print_report(args, footer);
  return 0;
}

}  // namespace mmc::cli
