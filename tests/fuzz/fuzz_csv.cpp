// libFuzzer target for the CSV reader (mmc/data/csv.hpp); docs/design.md §6.
//
// Every input is parsed with each header mode, with and without non-finite
// values allowed, and as labels. mmc::invalid_argument is the normal answer to
// malformed text; anything else (a crash, a sanitizer report, another
// exception) is a bug. Inputs that parse must also survive a round trip
// through the writer with the same bits (NaN compared as NaN), which catches
// parser bugs that do not crash.
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mmc/data/csv.hpp>
#include <string_view>

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_csv: property violated: %s\n", what);
    std::abort();
  }
}

bool same_bits(const mmc::RowMatrix<double>& a, const mmc::RowMatrix<double>& b) {
  if (a.rows() != b.rows() || a.cols() != b.cols()) return false;
  for (mmc::Index i = 0; i < a.size(); ++i) {
    const double x = a.data()[i], y = b.data()[i];
    if (std::isnan(x) ? !std::isnan(y) : std::bit_cast<std::uint64_t>(x) != std::bit_cast<std::uint64_t>(y)) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  using mmc::data::CsvHeader;
  for (const CsvHeader header : {CsvHeader::automatic, CsvHeader::yes, CsvHeader::no}) {
    for (const bool allow : {false, true}) {
      const mmc::data::CsvOptions options{header, allow};
      mmc::data::CsvTable table;
      try {
        table = mmc::data::parse_csv_table(text, options, "fuzz");
      } catch (const mmc::invalid_argument&) {
        continue;
      }
      check(table.values.rows() > 0 && table.values.cols() > 0, "a parsed table is not empty");
      check(table.header.empty() || static_cast<mmc::Index>(table.header.size()) == table.values.cols(),
            "one header name per column");
      check(allow || table.values.allFinite(), "non-finite values only when allowed");
      const auto back = mmc::data::parse_csv(mmc::data::format_csv(table.values), {CsvHeader::no, true});
      check(same_bits(back, table.values), "format_csv -> parse_csv round trip is bit-exact");
      try {
        (void)mmc::data::parse_csv_labels(text, options, "fuzz");
      } catch (const mmc::invalid_argument&) {
      }
    }
  }
  return 0;
}
