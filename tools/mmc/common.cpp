// tools/mmc/common.cpp — see common.hpp.
#include "common.hpp"

#include <cmath>
#include <cstdio>
#include <algorithm>
#include <iostream>

#include <mmc/data/matrix_file.hpp>

namespace mmc::cli {

RowMatrix<double> read_matrix_option(const ParsedArgs& args, const std::string& name) {
  return data::read_matrix(args.require(name));
}

Labels read_labels_option(const ParsedArgs& args, const std::string& name) {
  return data::read_labels(args.require(name));
}

int threads_from(const ParsedArgs& args) {
  const long long threads = args.get_int("threads", 0);
  if (threads < 0) throw UsageError("option '--threads' must be >= 0 (0 = all cores)");
  return static_cast<int>(threads);
}

std::uint64_t seed_from(const ParsedArgs& args) { return args.get_uint64("seed", 0); }

knn::KnnOptions knn_options_from(const ParsedArgs& args, bool standardize_default) {
  knn::KnnOptions options;
  options.k = args.get_int("k", 3);
  options.standardize = args.get_switch("standardize", standardize_default);
  options.jitter = args.get_double("jitter", 0.0);
  options.seed = seed_from(args);
  options.threads = threads_from(args);
  return options;
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
    std::cout << key << std::string(width + 2 - key.size(), ' ') << table_value(value) << "\n";
  }
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
