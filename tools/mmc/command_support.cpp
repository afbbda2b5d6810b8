// tools/mmc/command_support.cpp — see command_support.hpp.
#include "command_support.hpp"

#include <algorithm>
#include <climits>
#include <cmath>
#include <iostream>
#include <sstream>

#include <mmc/core/validate.hpp>
#include <mmc/data/matrix_file.hpp>

namespace mmc::cli {

std::string number_text(double value) { return mmc::detail::number_text(value); }

std::string widths_text(const std::vector<Index>& widths, const std::string& empty) {
  std::string text;
  for (const Index w : widths) text += (text.empty() ? "" : ",") + std::to_string(w);
  return text.empty() ? empty : text;
}

std::vector<Index> widths_from(const ParsedArgs& args, const std::string& name) {
  // Bounds that keep one network within a few GiB of float weights.
  constexpr long long kMaxWidth = 65536;
  constexpr double kMaxWeights = 2e8;
  std::vector<Index> widths;
  for (long long w : args.get_int_list(name, {})) {
    if (w > kMaxWidth) {
      throw UsageError("option '--" + name + "' has width " + std::to_string(w) + "; at most " +
                       std::to_string(kMaxWidth) + " units per layer are supported");
    }
    widths.push_back(w);
  }
  double weights = 0;
  for (std::size_t i = 1; i < widths.size(); ++i)
    weights += static_cast<double>(widths[i - 1]) * static_cast<double>(widths[i]);
  if (weights > kMaxWeights) {
    throw UsageError("option '--" + name + "' asks for " + number_text(weights) +
                     " weights between hidden layers; at most " + number_text(kMaxWeights) +
                     " are supported (use narrower layers)");
  }
  return widths;
}

RowMatrix<double> read_matrix_option(const ParsedArgs& args, const std::string& name) {
  return data::read_matrix(args.require(name));
}

Labels read_labels_option(const ParsedArgs& args, const std::string& name) {
  return data::read_labels(args.require(name));
}

int threads_from(const ParsedArgs& args) {
  const long long threads = args.get_int("threads", 0);
  if (threads < 0 || threads > INT_MAX) {
    throw UsageError("option '--threads' has value " + args.get("threads") +
                     "; expected 0 (all cores) or a positive thread count (large values are "
                     "capped at a few threads per core)");
  }
  return static_cast<int>(threads);
}

std::uint64_t seed_from(const ParsedArgs& args) { return args.get_uint64("seed", 0); }

knn::KnnOptions cli_knn_defaults(bool standardize) {
  knn::KnnOptions defaults{};
  defaults.standardize = standardize;
  return defaults;
}

std::vector<OptionSpec> knn_options(const knn::KnnOptions& defaults) {
  return {
      {"k", "K", "number of nearest neighbours", std::to_string(defaults.k), false},
      {"standardize", "", "standardise every column to zero mean, unit variance",
       defaults.standardize ? "on" : "off", false},
      {"jitter", "SCALE", "Gaussian jitter relative to each column's std, to break ties",
       number_text(defaults.jitter), false},
  };
}

knn::KnnOptions knn_options_from(const ParsedArgs& args, knn::KnnOptions defaults) {
  defaults.k = args.get_int("k", defaults.k);
  defaults.standardize = args.get_switch("standardize", defaults.standardize);
  defaults.jitter = args.get_double("jitter", defaults.jitter);
  defaults.seed = seed_from(args);
  defaults.threads = threads_from(args);
  return defaults;
}

const estimators::EstimatorInfo& estimator_from(const ParsedArgs& args,
                                                std::span<const estimators::EstimatorInfo> list,
                                                const std::string& fallback) {
  std::vector<std::string> choices;
  for (const auto& info : list) choices.emplace_back(info.name);
  return *estimators::find(list, args.get_choice("estimator", choices, fallback));
}

void reject_unused(const ParsedArgs& args, const std::vector<std::string>& options,
                   const std::string& subject) {
  for (const auto& name : options) {
    if (args.has(name)) {
      throw UsageError("option '--" + name + "' does not apply to " + subject +
                       ", so it would be ignored; remove it (or pick an estimator/backend that uses it)");
    }
  }
}

namespace {

std::string table_value(const data::Json& value) {
  std::string text = value.dump();
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    text = text.substr(1, text.size() - 2);
  return text;
}

}  // namespace

void print_report(const ParsedArgs& args, const Report& report) {
  if (args.get_switch("json", false)) {
    data::Json object = data::Json::object();
    for (const auto& [key, value] : report) object.set(key, value);
    std::cout << object.dump() << "\n";
    return;
  }
  std::size_t width = 0;
  for (const auto& field : report) width = std::max(width, field.first.size());
  for (const auto& [key, value] : report) {
    if (key == "warnings" && value.dump() == "[]") continue;  // the table shows only real ones
    std::cout << key << std::string(width + 2 - key.size(), ' ') << table_value(value) << "\n";
  }
}

void add_warnings(Report& report, const std::vector<std::string>& warnings) {
  data::Json list = data::Json::array();
  for (const auto& w : warnings) list.push(w);
  report.emplace_back("warnings", list);
}

void require_integer_valued(const RowMatrix<double>& m, const std::string& option,
                            const std::string& fix) {
  for (Index r = 0; r < m.rows(); ++r) {
    for (Index c = 0; c < m.cols(); ++c) {
      if (m(r, c) != std::floor(m(r, c))) {
        throw UsageError("option '--" + option + "': value " + std::to_string(m(r, c)) +
                         " at row " + std::to_string(r) + ", column " + std::to_string(c) +
                         " is not an integer; " + fix);
      }
    }
  }
}

}  // namespace mmc::cli
