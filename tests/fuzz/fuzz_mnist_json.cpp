// libFuzzer target for the MNIST digit-file reader (mmc/data/mnist_json.hpp);
// docs/design.md §6, §3.5.
//
// mmc::invalid_argument is the normal answer to malformed text; anything else
// (a crash, a sanitizer report, another exception) is a bug. A file that
// parses must give whole 784-pixel images with values in [0, 1], the float
// reader must agree with the double reader, and the values must survive a
// round trip through {"data": [...]} written with the shortest decimal form
// (std::to_chars) with the same bits.
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mmc/data/mnist_json.hpp>
#include <span>
#include <string>

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_mnist_json: property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const char> bytes(reinterpret_cast<const char*>(data), size);
  mmc::RowMatrix<double> m;
  try {
    m = mmc::data::parse_mnist_json(bytes, "fuzz");
  } catch (const mmc::invalid_argument&) {
    return 0;
  }
  check(m.rows() >= 1 && m.cols() == mmc::data::kMnistPixels, "whole 784-pixel images");
  check(static_cast<std::size_t>(m.size()) * 2 <= size, "no more values than the text can hold");
  check(m.minCoeff() >= 0.0 && m.maxCoeff() <= 1.0, "values in [0, 1]");
  const mmc::RowMatrix<float> f = mmc::data::parse_mnist_json<float>(bytes, "fuzz");
  check(f == m.cast<float>(), "the float reader rounds the double values");

  std::string text = "{\"data\":[";
  for (mmc::Index i = 0; i < m.size(); ++i) {
    if (i > 0) text.push_back(',');
    mmc::data::detail::append_shortest(text, m.data()[i]);
  }
  text += "]}";
  const mmc::RowMatrix<double> back = mmc::data::parse_mnist_json(text, "round trip");
  bool same = back.rows() == m.rows();
  for (mmc::Index i = 0; same && i < m.size(); ++i) {
    same = std::bit_cast<std::uint64_t>(back.data()[i]) == std::bit_cast<std::uint64_t>(m.data()[i]);
  }
  check(same, "shortest-form writer -> parse_mnist_json round trip is bit-exact");
  return 0;
}
