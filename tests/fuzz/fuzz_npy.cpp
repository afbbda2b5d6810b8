// libFuzzer target for the .npy reader (mmc/data/npy.hpp); docs/design.md §6.
//
// Every input is parsed as a matrix (with and without non-finite values
// allowed) and as labels. mmc::invalid_argument is the normal answer to a
// malformed file; anything else (a crash, an out-of-bounds read or a huge
// allocation caught by ASan, UB, another exception) is a bug. Arrays that
// parse must survive a round trip through the writer with the same bits.
#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mmc/data/npy.hpp>
#include <span>

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_npy: property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const char> bytes(reinterpret_cast<const char*>(data), size);
  for (const bool allow : {false, true}) {
    mmc::RowMatrix<double> m;
    try {
      m = mmc::data::parse_npy(bytes, {allow}, "fuzz");
    } catch (const mmc::invalid_argument&) {
      continue;
    }
    check(m.size() > 0, "a parsed array is not empty");
    check(static_cast<std::size_t>(m.size()) <= size, "no more elements than bytes");
    check(allow || m.allFinite(), "non-finite values only when allowed");
    const auto back = mmc::data::parse_npy(mmc::data::format_npy(m), {true});
    check(back.rows() == m.rows() && back.cols() == m.cols() &&
              std::equal(m.data(), m.data() + m.size(), back.data(),
                         [](double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }),
          "format_npy -> parse_npy round trip is bit-exact");
  }
  try {
    const mmc::Labels labels = mmc::data::parse_npy_labels(bytes, "fuzz");
    check(labels.size() > 0, "parsed labels are not empty");
  } catch (const mmc::invalid_argument&) {
  }
  return 0;
}
