// Helpers shared by the file I/O tests (test_csv.cpp, test_npy.cpp).
#pragma once

#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <mmc/core/errors.hpp>
#include <mmc/core/types.hpp>
#include <string>

namespace mmc::test {

/// The message of the mmc::invalid_argument that f throws ("" and a test
/// failure if it throws nothing).
template <class F>
std::string invalid_argument_message(F&& f) {
  try {
    f();
  } catch (const mmc::invalid_argument& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected mmc::invalid_argument";
  return {};
}

/// Same shape and the same bits in every element (so -0 != 0, and NaN payloads count).
inline void expect_bitwise_equal(const RowMatrix<double>& a, const RowMatrix<double>& b) {
  ASSERT_EQ(a.rows(), b.rows());
  ASSERT_EQ(a.cols(), b.cols());
  for (Index i = 0; i < a.size(); ++i) {
    ASSERT_EQ(std::bit_cast<std::uint64_t>(a.data()[i]), std::bit_cast<std::uint64_t>(b.data()[i]))
        << "element " << i << ": " << a.data()[i] << " vs " << b.data()[i];
  }
}

}  // namespace mmc::test
